import { useState } from "react";
import { commands, type DeletedFile, type RestoreReport, type UiError } from "../../bindings";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Modal } from "../../components/Modal";
import { Spinner } from "../../components/Spinner";
import { formatBytes, formatDateLong, plural } from "../../lib/format";
import { call } from "../../lib/ipc";
import { useResult } from "../../lib/useResult";
import { RestoreReportView } from "./RestoreReportView";

type Props = { connectionId: string; bucket: string; prefix: string; onDone: () => void; onClose: () => void };

/** "Recently deleted": the folder's deleted files, with restore for one, several or all. */
export function DeletedFilesDialog({ connectionId, bucket, prefix, onDone, onClose }: Props) {
  const where = `${bucket}/${prefix}`;
  const [files, reload] = useResult<DeletedFile[]>(where, () => call(commands.deletedFiles(connectionId, bucket, prefix)));
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [report, setReport] = useState<RestoreReport | null>(null);
  const list = files.status === "ok" ? files.data : [];

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
        disabled={busy || list.length === 0}
        onClick={() => void restore(list.map((f) => f.key))}
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
        {checked.size > 1 ? `Restore ${checked.size} files` : "Restore"}
      </button>
    </>
  );

  return (
    <Modal title={`Recently deleted in “${where}”`} testId="deleted-dialog" onClose={onClose} footer={footer} width={600}>
      {report && <RestoreReportView report={report} undoHint={false} />}
      {files.status === "loading" && <Spinner label="Looking for deleted files…" />}
      {files.status === "error" && <ErrorNotice error={files.error} compact />}
      {files.status === "ok" && list.length === 0 && (
        <p className="muted" data-testid="deleted-none">
          No deleted files in this folder.
        </p>
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
      {busy && <Spinner label="Restoring…" />}
      {error && <ErrorNotice error={error} compact />}
    </Modal>
  );
}
