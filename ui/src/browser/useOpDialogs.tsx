import { useCallback, useState } from "react";
import type { Entry, UiError } from "../bindings";
import { DeleteDialog } from "./DeleteDialog";
import { DeletedFilesDialog } from "./history/DeletedFilesDialog";
import { RestoreFolderDialog } from "./history/RestoreFolderDialog";
import type { Location } from "./location";
import { deletedMessage } from "./ops";
import { ShareDialog } from "./ShareDialog";

type OpDialog =
  | { kind: "delete"; entries: Entry[] }
  | { kind: "share"; key: string }
  | { kind: "restoreFolder" }
  | { kind: "deleted" };

type Options = {
  location: Location;
  onError: (error: UiError | null) => void;
  /** Deleted entries leave the selection. */
  clearSelection: () => void;
  /** After a change: list the folder again and say what happened. */
  onChanged: (text: string, key: string | null) => void;
};

/**
 * The folder's modal operations (delete, share link, restore, recently deleted): one at a time, so one
 * piece of state. Each comes back as its own element so the page keeps the order it always had.
 */
export function useOpDialogs({ location, onError, clearSelection, onChanged }: Options) {
  const [dialog, setDialog] = useState<OpDialog | null>(null);
  const closeDialog = useCallback(() => setDialog(null), []);
  const { connectionId, bucket, prefix } = location;

  function askDelete(entries: Entry[]) {
    if (entries.length === 0) return;
    onError(null);
    setDialog({ kind: "delete", entries });
  }

  function askShare(entry: Entry) {
    if (entry.kind !== "file") return;
    onError(null);
    setDialog({ kind: "share", key: entry.key });
  }

  return {
    askDelete,
    askShare,
    showRestoreFolder: () => setDialog({ kind: "restoreFolder" }),
    showDeleted: () => setDialog({ kind: "deleted" }),
    deleteDialog: dialog?.kind === "delete" && (
      <DeleteDialog
        connectionId={connectionId}
        bucket={bucket}
        entries={dialog.entries}
        onCancel={closeDialog}
        onDeleted={(count) => {
          closeDialog();
          clearSelection();
          onChanged(deletedMessage(count), null);
        }}
      />
    ),
    restoreFolderDialog: dialog?.kind === "restoreFolder" && (
      <RestoreFolderDialog
        connectionId={connectionId}
        bucket={bucket}
        prefix={prefix}
        onDone={() => onChanged("Folder restored", null)}
        onClose={closeDialog}
      />
    ),
    deletedDialog: dialog?.kind === "deleted" && (
      <DeletedFilesDialog
        connectionId={connectionId}
        bucket={bucket}
        prefix={prefix}
        onDone={() => onChanged("Files restored", null)}
        onClose={closeDialog}
      />
    ),
    shareDialog: dialog?.kind === "share" && (
      <ShareDialog connectionId={connectionId} bucket={bucket} fileKey={dialog.key} onClose={closeDialog} />
    ),
  };
}
