import { useState } from "react";
import { commands, type DeletedHere, type RestoreReport, type UiError } from "../../bindings";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Modal } from "../../components/Modal";
import { Spinner } from "../../components/Spinner";
import { formatBytes, formatDateLong, plural } from "../../lib/format";
import { call } from "../../lib/ipc";
import { useResult } from "../../lib/useResult";
import { RestoreReportView } from "./RestoreReportView";

type Props = { connectionId: string; bucket: string; prefix: string; onDone: () => void; onClose: () => void };

/** "Recently deleted": the folder's deleted files and its subfolders deleted whole, with restore
 * for one, several or all (a folder brings back every deleted file in it). */
export function DeletedFilesDialog({ connectionId, bucket, prefix, onDone, onClose }: Props) {
  const where = `${bucket}/${prefix}`;
  const [found, reload] = useResult<DeletedHere>(where, () => call(commands.deletedFiles(connectionId, bucket, prefix)));
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [report, setReport] = useState<RestoreReport | null>(null);
  const list = found.status === "ok" ? found.data.files : [];
  const folders = found.status === "ok" ? found.data.folders : [];
  const everything = [...folders.map((f) => f.prefix), ...list.map((f) => f.key)];

  async function restore(keys: string[]) {
    if (keys.length === 0) return;
    setBusy(true);
    setError(null);
    const r = await call(commands.restoreDeleted(connectionId, bucket, keys));
    setBusy(false);
    if (r.status === "error") {
      setError(r.error);
      return;
    }
    setReport(r.data);
    setChecked(new Set());
    reload();
    onDone();
  }

  function toggle(key: string) {
    setChecked((old) => {
      const next = new Set(old);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  const footer = (
    <>
      <button type="button" className="button" data-testid="deleted-close" onClick={onClose}>
        Close
      </button>
      <button
        type="button"
        className="button"
        data-testid="deleted-restore-all"
        disabled={busy || everything.length === 0}
        onClick={() => void restore(everything)}
      >
        Restore all
      </button>
      <button
        type="button"
        className="button primary"
        data-testid="deleted-restore-selected"
        disabled={busy || checked.size === 0}
        onClick={() => void restore([...checked])}
      >
        {checked.size > 1 ? `Restore ${checked.size} items` : "Restore"}
      </button>
    </>
  );

  return (
    <Modal title={`Recently deleted in “${where}”`} testId="deleted-dialog" onClose={onClose} footer={footer} width={600}>
      {report && <RestoreReportView report={report} undoHint={false} />}
      {found.status === "loading" && <Spinner label="Looking for deleted files…" />}
      {found.status === "error" && <ErrorNotice error={found.error} compact />}
      {found.status === "ok" && everything.length === 0 && (
        <p className="muted" data-testid="deleted-none">
          No deleted files in this folder.
        </p>
      )}
      {folders.length > 0 && (
        <ul className="deleted-list" aria-label="Deleted folders">
          {folders.map((f) => (
            <li key={f.prefix}>
              <label className="checkbox-row" data-testid="deleted-folder-row" data-name={f.name}>
                <input type="checkbox" checked={checked.has(f.prefix)} onChange={() => toggle(f.prefix)} />
                <span className="grow">{f.name}/</span>
                <span className="muted">folder deleted with everything in it</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {list.length > 0 && (
        <ul className="deleted-list" aria-label="Deleted files">
          {list.map((f) => (
            <li key={f.key}>
              <label className="checkbox-row" data-testid="deleted-row" data-name={f.name}>
                <input type="checkbox" checked={checked.has(f.key)} onChange={() => toggle(f.key)} />
                <span className="grow">{f.name}</span>
                <span className="muted">
                  {formatBytes(f.size)} · deleted {formatDateLong(f.deletedAt)}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {list.length > 0 && <p className="muted">{plural(list.length, "deleted file")}: restoring one brings back its last content.</p>}
      {folders.length > 0 && <p className="muted">Restoring a folder brings back every file deleted in it.</p>}
      {busy && <Spinner label="Restoring…" />}
      {error && <ErrorNotice error={error} compact />}
    </Modal>
  );
}
