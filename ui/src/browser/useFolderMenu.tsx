import { useCallback, useState, type Dispatch, type ReactNode, type RefObject, type SetStateAction } from "react";
import type { Entry } from "../bindings";
import { ContextMenu } from "../components/ContextMenu";
import type { FileListHandle } from "./FileList";
import { folderMenu, menuTargets, type FolderMenuActions } from "./folderMenu";
import { clear, selectOnly, type Selection } from "./selection";

/** A context menu at a point, for a row (its index) or for the folder itself (-1). */
type Menu = { x: number; y: number; index: number };

type Rows = { visible: readonly Entry[]; order: readonly string[] };
type Selected = {
  selection: Selection;
  selectedEntries: Entry[];
  setSelection: Dispatch<SetStateAction<Selection>>;
};

/**
 * The right-click menu of rows and of the folder: where it is open, what it acts on, and the list
 * getting the keyboard back when it closes. Its items come last (`element`), as they need every action.
 */
export function useFolderMenu(
  { visible, order }: Rows,
  { selection, selectedEntries, setSelection }: Selected,
  listRef: RefObject<FileListHandle | null>,
) {
  const [menu, setMenu] = useState<Menu | null>(null);

  // Stable: the open menu listens on the window with it.
  const close = useCallback(() => {
    setMenu(null);
    listRef.current?.focus();
  }, [listRef]);
  /** Closes it without moving the keyboard focus (something else is about to take it). */
  const dismiss = useCallback(() => setMenu(null), []);

  function openForRow(index: number, x: number, y: number) {
    const key = order[index];
    if (key === undefined) return;
    if (!selection.selected.has(key)) setSelection(selectOnly(key));
    else setSelection((s) => ({ ...s, focus: key }));
    setMenu({ x, y, index });
  }

  function openForFolder(x: number, y: number) {
    setSelection((s) => clear(s));
    setMenu({ x, y, index: -1 });
  }

  /** From the keyboard (the Menu key, Shift+F10): below the row, as there is no pointer position. */
  function openBelowRow(index: number) {
    const row = document.getElementById(`file-row-${index}`)?.getBoundingClientRect();
    setMenu({ x: row ? row.left + 40 : 100, y: row ? row.bottom : 100, index });
  }

  function element(actions: FolderMenuActions): ReactNode {
    const entry = menu ? visible[menu.index] : undefined;
    const targets = menuTargets(entry, selection.selected, selectedEntries);
    const items = !menu || (menu.index >= 0 && !entry) ? [] : folderMenu(entry ?? null, targets, actions);
    return (
      menu &&
      items.length > 0 && <ContextMenu x={menu.x} y={menu.y} items={items} testId="context-menu" onClose={close} />
    );
  }

  return { openForRow, openForFolder, openBelowRow, dismiss, element };
}
