import { useEffect, useState, type RefObject } from "react";
import { commands, type Entry, type UiError } from "../bindings";
import { FileIcon } from "../components/FileIcon";
import { call } from "../lib/ipc";
import type { FileListHandle } from "./FileList";
import type { Location } from "./location";
import { NameEditor } from "./NameEditor";
import { freeName, nameProblem } from "./ops";

/** A name being typed inline: a new folder's, or a new name for an entry. */
type Editing = { kind: "newFolder"; initial: string } | { kind: "rename"; entry: Entry };

type Options = {
  location: Location;
  /** The folder's listed entries: a name must not clash with them. */
  entries: readonly Entry[];
  listRef: RefObject<FileListHandle | null>;
  selectOne: (key: string) => void;
  onBusy: (text: string | null) => void;
  onError: (error: UiError | null) => void;
  /** After the change: list again and select `key` once it shows. */
  onChanged: (text: string, key: string | null) => void;
};

/**
 * New folder and rename, typed inline in the list rather than in a dialog: the editors to show in it
 * and the backend calls; the list gets the keyboard back when typing ends.
 */
export function useNameEditing({ location, entries, listRef, selectOne, onBusy, onError, onChanged }: Options) {
  const [editing, setEditing] = useState<Editing | null>(null);

  function startNewFolder() {
    onError(null);
    setEditing({ kind: "newFolder", initial: freeName("New folder", entries) });
  }

  // The new folder's row is at the top of the list: bring it into view.
  const addingFolder = editing?.kind === "newFolder";
  useEffect(() => {
    if (addingFolder) listRef.current?.scrollToTop();
  }, [addingFolder, listRef]);

  function startRename(entry: Entry) {
    onError(null);
    selectOne(entry.key);
    setEditing({ kind: "rename", entry });
  }

  function endEditing() {
    setEditing(null);
    listRef.current?.focus();
  }

  async function createFolder(name: string) {
    endEditing();
    onBusy(`Creating folder “${name}”…`);
    const result = await call(commands.createFolder(location.connectionId, location.bucket, location.prefix, name));
    onBusy(null);
    if (result.status === "error") onError(result.error);
    else onChanged(`Created folder “${name}”`, result.data);
  }

  async function rename(entry: Entry, name: string) {
    endEditing();
    onBusy(`Renaming “${entry.name}”…`);
    const result = await call(commands.renameItem(location.connectionId, location.bucket, entry.key, name));
    onBusy(null);
    if (result.status === "error") onError(result.error);
    else onChanged(`Renamed “${entry.name}” to “${name}”`, result.data.keys[0] ?? null);
  }

  const problem = (self: string | null) => (name: string) => nameProblem(name, entries, self);
  /** The row of the folder being created, shown above the others. */
  const newRow =
    editing?.kind === "newFolder" ? (
      <div className="row new-row editing" role="row" data-testid="new-folder-row">
        <div role="gridcell" className="cell name-cell">
          <FileIcon kind="folder" name="" />
          <NameEditor
            initial={editing.initial}
            folder
            testId="new-folder-input"
            label="New folder name"
            // The suggested name is free, so Enter on it creates the folder.
            initialIsNew
            problem={problem(null)}
            onCommit={(name) => void createFolder(name)}
            onCancel={endEditing}
          />
        </div>
      </div>
    ) : null;
  /** The entry being renamed and the editor to show in its row. */
  const renaming =
    editing?.kind === "rename"
      ? {
          key: editing.entry.key,
          editor: (
            <NameEditor
              initial={editing.entry.name}
              folder={editing.entry.kind === "folder"}
              testId="rename-input"
              label={`New name for ${editing.entry.name}`}
              problem={problem(editing.entry.key)}
              onCommit={(name) => void rename(editing.entry, name)}
              onCancel={endEditing}
            />
          ),
        }
      : null;

  return { startNewFolder, startRename, newRow, renaming };
}
