import { useEffect, type Dispatch, type KeyboardEvent, type RefObject, type SetStateAction } from "react";
import type { Entry } from "../bindings";
import type { FileListHandle } from "./FileList";
import type { FolderMenuActions } from "./folderMenu";
import { isTypingTarget, listCommand, type ListCommand } from "./keys";
import { clear, moveBy, moveTo, selectAll, type Selection } from "./selection";

/**
 * How `cmd` changes the selection, or null when it is not a selection key. `pageSize` (rows per page)
 * is asked only for Page Up/Down, when the key is pressed.
 */
export function selectionStep(
  cmd: ListCommand,
  order: readonly string[],
  pageSize: () => number,
): ((s: Selection) => Selection) | null {
  switch (cmd.type) {
    case "move":
      return (s) => moveBy(s, order, cmd.delta, cmd.extend);
    case "page": {
      const size = pageSize();
      return (s) => moveBy(s, order, cmd.direction * size, cmd.extend);
    }
    case "home":
      return (s) => moveTo(s, order, 0, cmd.extend);
    case "end":
      return (s) => moveTo(s, order, order.length - 1, cmd.extend);
    case "selectAll":
      return (s) => selectAll(s, order);
    case "clear":
      return (s) => clear(s);
    default:
      return null;
  }
}

type Rows = { visible: readonly Entry[]; order: readonly string[] };
type Selected = {
  /** The row with the keyboard focus, -1 for none. */
  focusIndex: number;
  selectedEntries: Entry[];
  singleFile: Entry | null;
  setSelection: Dispatch<SetStateAction<Selection>>;
};
type Actions = Pick<FolderMenuActions, "open" | "rename" | "delete" | "quickLook" | "clip"> & {
  openMenu: (index: number) => void;
  paste: () => Promise<void>;
};

/**
 * The file list's keyboard, for people who browse without the mouse: the list takes the focus when the
 * folder opens, and its keys move the selection or act on it (with the mouse's own actions).
 */
export function useListKeys(
  listRef: RefObject<FileListHandle | null>,
  rows: Rows,
  sel: Selected,
  act: Actions,
): (e: KeyboardEvent<HTMLDivElement>) => void {
  // The list takes the keyboard when a folder opens, unless someone is typing somewhere.
  useEffect(() => {
    if (!isTypingTarget(document.activeElement) && !document.querySelector('[aria-modal="true"]')) {
      listRef.current?.focus();
    }
  }, [listRef]);

  return function onListKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const cmd = isTypingTarget(e.target) ? null : listCommand(e);
    if (cmd === null) return;
    e.preventDefault();
    e.stopPropagation();
    const step = selectionStep(cmd, rows.order, () => listRef.current?.pageSize() ?? 10);
    if (step !== null) {
      sel.setSelection(step);
      return;
    }
    const { visible } = rows;
    const { focusIndex, selectedEntries } = sel;
    switch (cmd.type) {
      case "open": {
        const entry = focusIndex >= 0 ? visible[focusIndex] : undefined;
        if (entry) act.open(entry);
        break;
      }
      case "menu":
        if (focusIndex >= 0) act.openMenu(focusIndex);
        break;
      case "rename": {
        const only = selectedEntries.length === 1 ? selectedEntries[0] : undefined;
        if (only) act.rename(only);
        break;
      }
      case "delete":
        act.delete(selectedEntries);
        break;
      case "quickLook": {
        const entry = focusIndex >= 0 ? visible[focusIndex] : sel.singleFile;
        if (entry) act.quickLook(entry);
        break;
      }
      case "cut":
      case "copy":
        act.clip(selectedEntries, cmd.type === "cut");
        break;
      case "paste":
        void act.paste();
        break;
    }
  };
}
