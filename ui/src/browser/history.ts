// Back/forward history of visited locations, like a web browser's. Immutable.
import { sameLocation, type Location } from "./location";

export type History = { readonly entries: readonly Location[]; readonly index: number };

export const emptyHistory: History = { entries: [], index: -1 };

export function current(h: History): Location | null {
  return h.entries[h.index] ?? null;
}

/** Visit a location: drops the forward entries; visiting the current location again is a no-op. */
export function visit(h: History, loc: Location): History {
  if (sameLocation(current(h), loc)) return h;
  const entries = [...h.entries.slice(0, h.index + 1), loc];
  return { entries, index: entries.length - 1 };
}

export function canGoBack(h: History): boolean {
  return h.index > 0;
}

export function canGoForward(h: History): boolean {
  return h.index < h.entries.length - 1;
}

export function back(h: History): History {
  return canGoBack(h) ? { entries: h.entries, index: h.index - 1 } : h;
}

export function forward(h: History): History {
  return canGoForward(h) ? { entries: h.entries, index: h.index + 1 } : h;
}

/** Forget every entry that matches (a removed connection, a bucket that is gone). */
export function forget(h: History, drop: (loc: Location) => boolean): History {
  const cur = current(h);
  const entries: Location[] = [];
  let index = -1;
  h.entries.forEach((loc, i) => {
    if (drop(loc)) return;
    // Collapse neighbours that became equal once something between them was removed.
    if (entries.length > 0 && sameLocation(entries[entries.length - 1] ?? null, loc)) {
      if (i <= h.index) index = entries.length - 1;
      return;
    }
    entries.push(loc);
    if (i <= h.index) index = entries.length - 1;
  });
  if (cur !== null && drop(cur) && index < 0 && entries.length > 0) index = 0;
  return { entries, index };
}
