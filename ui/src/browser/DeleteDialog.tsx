import { commands, type Entry, type UiError } from "../bindings";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { useResult } from "../lib/useResult";
import { deleteQuestion, deleteTitle } from "./ops";

type Props = {
  connectionId: string;
  bucket: string;
  entries: readonly Entry[];
  /** The delete went through; `count` objects were removed. */
  onDeleted: (count: number) => void;
  onCancel: () => void;
};

/**
 * "Delete 3 items (12.4 MB)?": counts what the selection holds (folders with everything in them)
 * before asking, and deletes only after the person confirms.
 */
export function DeleteDialog({ connectionId, bucket, entries, onDeleted, onCancel }: Props) {
  const keys = entries.map((e) => e.key);
  const [summary, retry] = useResult(JSON.stringify([connectionId, bucket, keys]), () =>
    call(commands.deleteSummary(connectionId, bucket, keys)),
  );
  const hasFolders = entries.some((e) => e.kind === "folder");

  async function confirm(): Promise<UiError | null> {
    const result = await call(commands.deleteItems(connectionId, bucket, keys));
    if (result.status === "error") return result.error;
    onDeleted(result.data);
    return null;
  }

  return (
    <ConfirmDialog
      title={deleteTitle(entries)}
      confirmLabel="Delete"
      busyLabel="Deleting…"
      confirmTestId="confirm-delete"
      danger
      // Counting first: nobody should confirm a delete without knowing how much it removes.
      confirmDisabled={summary.status === "loading" || summary.status === "idle"}
      onConfirm={confirm}
      onCancel={onCancel}
    >
      {summary.status === "ok" ? (
        <p
          data-testid="delete-summary"
          data-objects={summary.data.objects}
          data-bytes={summary.data.bytes}
          className="delete-question"
        >
          {deleteQuestion(summary.data)}
        </p>
      ) : summary.status === "error" ? (
        <>
          <p data-testid="delete-summary">
            Pail could not count what {entries.length === 1 ? "this item holds" : "these items hold"}. You can still
            delete {entries.length === 1 ? "it" : "them"}; this cannot be undone unless the bucket keeps versions.
          </p>
          <ErrorNotice error={summary.error} compact onRetry={retry} />
        </>
      ) : (
        <div data-testid="delete-counting">
          <Spinner label="Counting what will be deleted…" />
        </div>
      )}
      {hasFolders && <p className="muted">Folders are deleted with everything in them.</p>}
    </ConfirmDialog>
  );
}
