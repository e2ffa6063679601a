import { useCallback, useEffect, useMemo, useState, type RefObject } from "react";
import type { Entry } from "../bindings";
import type { Reveal } from "../transfers/feedback";
import type { FileListHandle, RowMouse } from "./FileList";
import {
  clear,
  emptySelection,
  moveTo,
  selectKeys,
  selectOnly,
  selectRange,
  toggle,
  type Selection,
} from "./selection";

/** Select these keys once a listing newer than `after` shows them. */
export type PendingFocus = { keys: string[]; after: number };

/** On opening a folder: select what was just uploaded here, else the folder we came up from. */
export function initialPendingFocus(reveal: Reveal | null, initialFocusKey: string | null): PendingFocus | null {
  if (reveal) return { keys: reveal.keys, after: 0 };
  return initialFocusKey === null ? null : { keys: [initialFocusKey], after: 0 };
}

/**
 * The keys of `pending` to select now, or null to keep waiting. Rows stream in, so it waits until all
 * are listed, or until a listing newer than the change has ended (then it selects what of them is).
 */
export function settlePendingFocus(
  pending: PendingFocus,
  order: readonly string[],
  loading: boolean,
  listingId: number,
): string[] | null {
  const wanted = new Set(pending.keys);
  const found = order.filter((k) => wanted.has(k));
  const over = !loading && listingId > pending.after;
  return found.length === pending.keys.length || over ? found : null;
}

/** The bytes of `entries` (folders count as 0). */
export function totalBytes(entries: readonly Entry[]): number {
  return entries.reduce((sum, e) => sum + (e.size ?? 0), 0);
}

/** The rows as shown, and their keys. */
type Rows = { visible: readonly Entry[]; order: readonly string[] };

/** What to select once it is listed: keys just uploaded here (each new id once), the folder we came up from. */
type Promised = { reveal: Reveal | null; initialFocusKey: string | null };

/**
 * The list's selection and focused row, including selections promised before their rows are listed
 * (coming up from a folder, after a change, after an upload), which must wait for the listing.
 */
export function useSelection(
  { visible, order }: Rows,
  listing: { loading: boolean; listingId: number },
  { reveal, initialFocusKey }: Promised,
  listRef: RefObject<FileListHandle | null>,
) {
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [pendingFocus, setPendingFocus] = useState<PendingFocus | null>(() =>
    initialPendingFocus(reveal, initialFocusKey),
  );
  const [revealed, setRevealed] = useState(reveal?.id ?? null);

  const focusIndex = useMemo(
    () => (selection.focus === null ? -1 : order.indexOf(selection.focus)),
    [order, selection.focus],
  );
  const selectedEntries = useMemo(
    () => (selection.selected.size === 0 ? [] : visible.filter((e) => selection.selected.has(e.key))),
    [visible, selection.selected],
  );
  const selectedBytes = useMemo(() => totalBytes(selectedEntries), [selectedEntries]);
  const only = selectedEntries.length === 1 ? selectedEntries[0] : undefined;
  const singleFile = only?.kind === "file" ? only : null;

  if (reveal && reveal.id !== revealed) {
    setRevealed(reveal.id);
    setPendingFocus({ keys: reveal.keys, after: listing.listingId });
  }
  if (pendingFocus !== null) {
    const found = settlePendingFocus(pendingFocus, order, listing.loading, listing.listingId);
    if (found !== null) {
      if (found.length > 0) setSelection(selectKeys(found));
      setPendingFocus(null);
    }
  }

  // Keep the focused row in view (keyboard moves, rows streaming in above it).
  useEffect(() => {
    if (focusIndex >= 0) listRef.current?.scrollToIndex(focusIndex);
  }, [focusIndex, listRef]);

  const { listingId } = listing;
  /** After a change here: select `key` once a listing newer than this one shows it. */
  const selectWhenListed = useCallback(
    (key: string) => setPendingFocus({ keys: [key], after: listingId }),
    [listingId],
  );
  const selectOne = useCallback((key: string) => setSelection(selectOnly(key)), []);
  const clearSelection = useCallback(() => setSelection((s) => clear(s)), []);

  function clickRow({ index, ctrl, shift }: RowMouse) {
    const key = order[index];
    if (key === undefined) return;
    setSelection((s) => (shift ? selectRange(s, order, key, ctrl) : ctrl ? toggle(s, key) : selectOnly(key)));
  }

  /** Leaving the filter field: the list takes the keyboard, on its first row if no listed row has focus. */
  function enterList() {
    listRef.current?.focus();
    if (selection.focus === null || focusIndex < 0) setSelection((s) => moveTo(s, order, 0, false));
  }

  return {
    selection,
    setSelection,
    focusIndex,
    selectedEntries,
    selectedBytes,
    /** The one selected entry, if exactly one is. */
    only,
    singleFile,
    selectWhenListed,
    selectOne,
    clearSelection,
    clickRow,
    enterList,
  };
}
