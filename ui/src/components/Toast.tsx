import { useEffect, useRef, useState, type FocusEvent } from "react";
import { CircleAlert, CircleCheck, X } from "lucide-react";

/** One short message; a new id starts its time again. */
export type ToastMessage = { id: number; text: string; failed: boolean };

type Hold = { id: number | null; hover: boolean; focus: boolean };

type Props = {
  toast: ToastMessage | null;
  /** The Show button's action; the toast closes after it. */
  onShow: (id: number) => void;
  onClose: (id: number) => void;
  /** Sit higher, above the one-line tip that shares the bottom of the window. */
  raised?: boolean;
  timeoutMs?: number;
};

/**
 * A message at the bottom of the window that goes away by itself. It never takes the focus; the
 * region is always there so that screen readers announce each message as it appears. It stays
 * while the pointer is over it or the focus is in it, so there is time to reach its buttons.
 */
export function ToastRegion({ toast, onShow, onClose, raised = false, timeoutMs = 6000 }: Props) {
  // What holds the toast, per toast: one closed under the pointer gets no mouseleave.
  const [hold, setHold] = useState<Hold>({ id: null, hover: false, focus: false });
  const id = toast?.id ?? null;
  const held = hold.id === id && (hold.hover || hold.focus);
  // Where the keyboard was before it came into the toast: it goes back there when the toast goes.
  const returnTo = useRef<HTMLElement | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const set = (change: Partial<Hold>) =>
    setHold((h) => ({ ...(h.id === id ? h : { hover: false, focus: false }), id, ...change }));

  useEffect(() => {
    if (id === null || held) return;
    const t = setTimeout(() => onClose(id), timeoutMs);
    return () => clearTimeout(t);
  }, [id, held, onClose, timeoutMs]);

  function onFocus(e: FocusEvent) {
    if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) {
      returnTo.current = e.relatedTarget instanceof HTMLElement ? e.relatedTarget : null;
    }
    set({ focus: true });
  }

  function onBlur(e: FocusEvent) {
    if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) set({ focus: false });
  }

  /** Closes (or shows) from inside the toast, giving the keyboard back first. */
  function leave(act: (id: number) => void, toastId: number) {
    if (box.current?.contains(document.activeElement) && returnTo.current?.isConnected) returnTo.current.focus();
    act(toastId);
  }

  return (
    <div className={raised ? "toast-region raised" : "toast-region"} role="status" aria-live="polite" data-testid="toast-region">
      {toast && (
        <div
          key={toast.id}
          ref={box}
          className={toast.failed ? "toast failed" : "toast"}
          data-testid="toast"
          onMouseEnter={() => set({ hover: true })}
          onMouseLeave={() => set({ hover: false })}
          onFocus={onFocus}
          onBlur={onBlur}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.stopPropagation();
              leave(onClose, toast.id);
            }
          }}
        >
          {toast.failed ? (
            <CircleAlert size={16} className="toast-icon" aria-hidden />
          ) : (
            <CircleCheck size={16} className="toast-icon" aria-hidden />
          )}
          <span className="toast-text" data-testid="toast-text">
            {toast.text}
          </span>
          <button type="button" className="link-button toast-show" data-testid="toast-show" onClick={() => leave(onShow, toast.id)}>
            Show
          </button>
          <button
            type="button"
            className="icon-button toast-close"
            data-testid="toast-close"
            aria-label="Dismiss"
            title="Dismiss"
            onClick={() => leave(onClose, toast.id)}
          >
            <X size={14} aria-hidden />
          </button>
        </div>
      )}
    </div>
  );
}
