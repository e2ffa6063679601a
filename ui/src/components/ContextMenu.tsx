import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";

export type MenuItem = {
  id: string;
  label: string;
  testId: string;
  onSelect: () => void;
  danger?: boolean;
  /** The key that does the same outside the menu, shown beside the label ("F2"). */
  shortcut?: { label: string; aria: string };
  /** An on/off choice (a column shown, say): shown with a check mark and read as checked. */
  checked?: boolean;
};

type Props = {
  x: number;
  y: number;
  items: MenuItem[];
  testId: string;
  onClose: () => void;
};

/** A small popup menu at a point: arrow keys, Enter, Escape; closes on any outside click or scroll. */
export function ContextMenu({ x, y, items, testId, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState({ left: x, top: y });
  const [active, setActive] = useState(0);

  // Keep the menu inside the window.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const left = Math.max(4, Math.min(x, window.innerWidth - r.width - 4));
    const top = Math.max(4, Math.min(y, window.innerHeight - r.height - 4));
    if (left !== x || top !== y) setPos({ left, top });
    el.focus();
  }, [x, y]);

  useEffect(() => {
    const close = (e: Event) => {
      if (e.target instanceof Node && ref.current?.contains(e.target)) return;
      onClose();
    };
    const closeNow = () => onClose();
    window.addEventListener("mousedown", close, true);
    window.addEventListener("contextmenu", close, true);
    window.addEventListener("resize", closeNow);
    window.addEventListener("blur", closeNow);
    window.addEventListener("wheel", closeNow, { passive: true });
    return () => {
      window.removeEventListener("mousedown", close, true);
      window.removeEventListener("contextmenu", close, true);
      window.removeEventListener("resize", closeNow);
      window.removeEventListener("blur", closeNow);
      window.removeEventListener("wheel", closeNow);
    };
  }, [onClose]);

  function choose(item: MenuItem) {
    onClose();
    item.onSelect();
  }

  function onKeyDown(e: KeyboardEvent) {
    e.stopPropagation();
    if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      onClose();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => (a - 1 + items.length) % items.length);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const item = items[active];
      if (item) choose(item);
    }
  }

  return (
    <div
      ref={ref}
      className="context-menu"
      role="menu"
      tabIndex={-1}
      data-testid={testId}
      style={{ left: pos.left, top: pos.top }}
      onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
    >
      {items.map((item, i) => (
        <button
          key={item.id}
          type="button"
          role={item.checked === undefined ? "menuitem" : "menuitemcheckbox"}
          aria-checked={item.checked}
          tabIndex={-1}
          className={`menu-item${i === active ? " active" : ""}${item.danger ? " danger" : ""}`}
          data-testid={item.testId}
          aria-keyshortcuts={item.shortcut?.aria}
          onMouseEnter={() => setActive(i)}
          onClick={() => choose(item)}
        >
          {item.checked !== undefined && (
            <span className="menu-check" aria-hidden>
              {item.checked ? "✓" : ""}
            </span>
          )}
          <span>{item.label}</span>
          {item.shortcut && (
            <kbd className="menu-shortcut" aria-hidden>
              {item.shortcut.label}
            </kbd>
          )}
        </button>
      ))}
    </div>
  );
}
