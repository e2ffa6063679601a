import { useEffect, useRef, type KeyboardEvent, type ReactNode } from "react";

type Props = {
  title: string;
  testId: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  width?: number;
  /** Extra class on the dialog box, for dialogs with a layout of their own. */
  className?: string;
  /** Sees keys first; calling preventDefault keeps the dialog from acting on them. */
  onKeyDown?: (e: KeyboardEvent) => void;
};

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Moves the focus as Tab would. Focus moved by script does not count as keyboard focus for
 * `:focus-visible` in WebKit, so the element is marked for its ring until it loses the focus.
 */
function focusByKeyboard(el: HTMLElement) {
  el.setAttribute("data-focus-ring", "");
  el.addEventListener("blur", () => el.removeAttribute("data-focus-ring"), { once: true });
  el.focus();
}

/** A modal dialog: focus moves in and stays in, Escape closes, focus goes back where it was. */
export function Modal(props: Props) {
  const { title, testId, onClose, children, footer, width = 460, className, onKeyDown: onKey } = props;
  const ref = useRef<HTMLDivElement>(null);
  const titleId = `${testId}-title`;

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const box = ref.current;
    if (box && !box.contains(document.activeElement)) {
      const first = box.querySelector<HTMLElement>("[data-autofocus]") ?? box.querySelector<HTMLElement>(FOCUSABLE);
      first?.focus();
    }
    return () => previous?.focus();
  }, []);

  function onKeyDown(e: KeyboardEvent) {
    if (onKey) {
      onKey(e);
      if (e.defaultPrevented) return;
    }
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== "Tab" || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      focusByKeyboard(last);
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      focusByKeyboard(first);
    }
  }

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={className ? `modal ${className}` : "modal"}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        style={{ width }}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId} className="modal-title">
          {title}
        </h2>
        <div className="modal-body">{children}</div>
        {footer && <div className="modal-footer">{footer}</div>}
      </div>
    </div>
  );
}
