import { useCallback, useRef, useState, type MouseEvent } from "react";

/** Where a popup menu opens, in window coordinates. */
export type MenuAt = { x: number; y: number };

/**
 * The open/closed state of a menu opened by a button: a click opens it under the button, and a
 * click on the same button while it is open closes it (the menu's own outside-click handling closes
 * it on mousedown, so without this the click would open it again at once).
 */
export function useMenuAnchor() {
  const [at, setAt] = useState<MenuAt | null>(null);
  const openAtMouseDown = useRef(false);
  const close = useCallback(() => setAt(null), []);
  const buttonProps = {
    "aria-haspopup": "menu" as const,
    "aria-expanded": at !== null,
    onMouseDown: () => {
      openAtMouseDown.current = at !== null;
    },
    onClick: (e: MouseEvent<HTMLElement>) => {
      e.stopPropagation();
      if (openAtMouseDown.current) {
        openAtMouseDown.current = false;
        setAt(null);
        return;
      }
      const r = e.currentTarget.getBoundingClientRect();
      setAt({ x: r.left, y: r.bottom + 2 });
    },
  };
  return { at, setAt, close, buttonProps };
}
