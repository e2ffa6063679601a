// The list's selection model, independent of React. Keys are S3 keys (unique within a listing);
// `order` is always the keys of the visible rows, top to bottom.

export type Selection = {
  /** Selected keys. */
  readonly selected: ReadonlySet<string>;
  /** Where Shift-click / Shift+arrow ranges start. */
  readonly anchor: string | null;
  /** The row with the keyboard focus ring. */
  readonly focus: string | null;
};

export const emptySelection: Selection = { selected: new Set(), anchor: null, focus: null };

function rangeKeys(order: readonly string[], from: number, to: number): Set<string> {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  return new Set(order.slice(lo, hi + 1));
}

/** Plain click: only this row. */
export function selectOnly(key: string): Selection {
  return { selected: new Set([key]), anchor: key, focus: key };
}

/** Exactly these rows (what was just uploaded, say), the focus on the first. */
export function selectKeys(keys: readonly string[]): Selection {
  const first = keys[0] ?? null;
  return { selected: new Set(keys), anchor: first, focus: first };
}

/** Ctrl/Cmd-click: add or remove this row, keep the others. */
export function toggle(sel: Selection, key: string): Selection {
  const selected = new Set(sel.selected);
  if (selected.has(key)) selected.delete(key);
  else selected.add(key);
  return { selected, anchor: key, focus: key };
}

/**
 * Shift-click: everything between the anchor and this row. With `additive` (Ctrl+Shift-click)
 * the range is added to what was selected.
 */
export function selectRange(sel: Selection, order: readonly string[], key: string, additive = false): Selection {
  const to = order.indexOf(key);
  if (to < 0) return sel;
  const from = sel.anchor === null ? -1 : order.indexOf(sel.anchor);
  if (from < 0) return selectOnly(key);
  const range = rangeKeys(order, from, to);
  if (additive) for (const k of sel.selected) range.add(k);
  return { selected: range, anchor: sel.anchor, focus: key };
}

export function selectAll(sel: Selection, order: readonly string[]): Selection {
  if (order.length === 0) return sel;
  const focus = sel.focus !== null && order.includes(sel.focus) ? sel.focus : (order[0] ?? null);
  return { selected: new Set(order), anchor: sel.anchor ?? focus, focus };
}

export function clear(sel: Selection): Selection {
  return { selected: new Set(), anchor: sel.anchor, focus: sel.focus };
}

/**
 * Keyboard: move the focus to `target` (an index, clamped). Without `extend` the new row becomes
 * the only selected one; with it (Shift) the range from the anchor to the new row is selected.
 */
export function moveTo(sel: Selection, order: readonly string[], target: number, extend: boolean): Selection {
  if (order.length === 0) return sel;
  const index = Math.max(0, Math.min(order.length - 1, target));
  const key = order[index] as string;
  if (!extend) return selectOnly(key);
  const anchorIndex = sel.anchor === null ? -1 : order.indexOf(sel.anchor);
  if (anchorIndex < 0) return { selected: rangeKeys(order, index, index), anchor: key, focus: key };
  return { selected: rangeKeys(order, anchorIndex, index), anchor: sel.anchor, focus: key };
}

/** Up/Down by `delta` rows from the focused one; from nowhere, Down starts at the top and Up at the bottom. */
export function moveBy(sel: Selection, order: readonly string[], delta: number, extend: boolean): Selection {
  const at = sel.focus === null ? -1 : order.indexOf(sel.focus);
  const target = at < 0 ? (delta > 0 ? 0 : order.length - 1) : at + delta;
  return moveTo(sel, order, target, extend);
}

/** Drop keys that are no longer visible (filter typed, listing refreshed). Same object when nothing changed. */
export function restrictTo(sel: Selection, visible: ReadonlySet<string>): Selection {
  let changed = false;
  for (const k of sel.selected) {
    if (!visible.has(k)) {
      changed = true;
      break;
    }
  }
  const anchorGone = sel.anchor !== null && !visible.has(sel.anchor);
  const focusGone = sel.focus !== null && !visible.has(sel.focus);
  if (!changed && !anchorGone && !focusGone) return sel;
  const selected = changed ? new Set([...sel.selected].filter((k) => visible.has(k))) : sel.selected;
  return { selected, anchor: anchorGone ? null : sel.anchor, focus: focusGone ? null : sel.focus };
}
