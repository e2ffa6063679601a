/** The sidebar's width: what the user dragged it to, kept within what the window can spare. */

/** The default width, as in the stylesheet's `--sidebar-w`. */
export const DEFAULT_SIDEBAR_WIDTH = 240;
/** Narrower than this and bucket names are unreadable. */
export const MIN_SIDEBAR_WIDTH = 180;
/** Wider than this takes more than it gives. */
export const MAX_SIDEBAR_WIDTH = 480;
/** One arrow-key press moves the edge this far. */
export const SIDEBAR_STEP = 16;

const STORAGE_KEY = "pail.sidebarWidth";

/** Keeps a width between the limits, and never more than half the window (the files need room). */
export function clampSidebarWidth(px: number, windowWidth: number): number {
  const max = Math.max(MIN_SIDEBAR_WIDTH, Math.min(MAX_SIDEBAR_WIDTH, Math.floor(windowWidth / 2)));
  if (!Number.isFinite(px)) return Math.min(DEFAULT_SIDEBAR_WIDTH, max);
  return Math.round(Math.min(max, Math.max(MIN_SIDEBAR_WIDTH, px)));
}

/** The width saved last time, or the default. */
export function loadSidebarWidth(storage: Pick<Storage, "getItem"> | null, windowWidth: number): number {
  const saved = storage?.getItem(STORAGE_KEY);
  const px = saved == null ? DEFAULT_SIDEBAR_WIDTH : Number(saved);
  return clampSidebarWidth(px, windowWidth);
}

/** Remembers a width for the next start. */
export function saveSidebarWidth(storage: Pick<Storage, "setItem"> | null, px: number): void {
  try {
    storage?.setItem(STORAGE_KEY, String(px));
  } catch {
    // Storage full or refused: the width just is not remembered.
  }
}
