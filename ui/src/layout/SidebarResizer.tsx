import { useRef } from "react";
import { clampSidebarWidth, MAX_SIDEBAR_WIDTH, MIN_SIDEBAR_WIDTH, SIDEBAR_STEP } from "./sidebarWidth";

type Props = {
  width: number;
  onResize: (width: number) => void;
};

/**
 * The sidebar's right edge: drag it, or focus it and use the arrow keys, to make the sidebar
 * wider or narrower (a window splitter, as screen readers know it).
 */
export function SidebarResizer({ width, onResize }: Props) {
  const drag = useRef<{ startX: number; startWidth: number } | null>(null);

  function onPointerDown(e: React.PointerEvent<HTMLDivElement>) {
    drag.current = { startX: e.clientX, startWidth: width };
    e.currentTarget.setPointerCapture(e.pointerId);
  }

  function onPointerMove(e: React.PointerEvent<HTMLDivElement>) {
    const d = drag.current;
    if (!d) return;
    onResize(clampSidebarWidth(d.startWidth + e.clientX - d.startX, window.innerWidth));
  }

  function onPointerUp(e: React.PointerEvent<HTMLDivElement>) {
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLDivElement>) {
    const by = e.key === "ArrowLeft" ? -SIDEBAR_STEP : e.key === "ArrowRight" ? SIDEBAR_STEP : 0;
    if (by === 0) return;
    e.preventDefault();
    onResize(clampSidebarWidth(width + by, window.innerWidth));
  }

  return (
    <div
      className="sidebar-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the sidebar"
      aria-valuenow={width}
      aria-valuemin={MIN_SIDEBAR_WIDTH}
      aria-valuemax={MAX_SIDEBAR_WIDTH}
      tabIndex={0}
      title="Drag to resize the sidebar"
      data-testid="sidebar-resizer"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onKeyDown={onKeyDown}
    />
  );
}
