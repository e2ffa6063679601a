import { useState } from "react";
import { commands, type ChangePoint, type ChangesSince, type RestoreReport, type UiError } from "../../bindings";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Modal } from "../../components/Modal";
import { Spinner } from "../../components/Spinner";
import { formatDateLong, plural } from "../../lib/format";
import { call } from "../../lib/ipc";
import { useResult } from "../../lib/useResult";
import { RestoreReportView } from "./RestoreReportView";

type Props = { connectionId: string; bucket: string; prefix: string; onDone: () => void; onClose: () => void };

/** The words for what going back to a moment changes. */
export function changeSummary(c: ChangesSince): string {
  const parts: string[] = [];
  if (c.back > 0) parts.push(`bring back ${plural(c.back, "deleted file")}`);
  if (c.changed > 0) parts.push(`put back the earlier content of ${plural(c.changed, "file")}`);
  if (c.removed > 0) parts.push(`remove ${plural(c.removed, "file")} added since (kept in the history)`);
  return parts.length === 0 ? "The folder is the same now as at that moment." : `Going back will ${parts.join(", ")}.`;
}

/**
 * "Restore this folder to an earlier moment": the moments it changed (newest first), what going
 * back to one changes, then the restore and what it did.
 */
export function RestoreFolderDialog({ connectionId, bucket, prefix, onDone, onClose }: Props) {
  const where = `${bucket}/${prefix}`;
  const [moments] = useResult<ChangePoint[]>(where, () => call(commands.folderTimeline(connectionId, bucket, prefix)));
  // The newest moment is now; going back starts from the one before it.
  const [picked, setPicked] = useState<string | null>(null);
  const list = moments.status === "ok" ? moments.data : [];
  const chosen = picked ?? list[1]?.at ?? null;
  const [changes] = useResult<ChangesSince>(chosen === null ? null : `${where}@${chosen}`, () =>
    call(commands.folderChangesSince(connectionId, bucket, prefix, chosen ?? "")),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [report, setReport] = useState<RestoreReport | null>(null);

  async function restore() {
    // The restore runs exactly the plan the preview showed (changes since are left alone).
    if (changes.status !== "ok") return;
    setBusy(true);
    setError(null);
    const r = await call(commands.restoreFolder(connectionId, changes.data.planId));
    setBusy(false);
    if (r.status === "error") setError(r.error);
    else {
      setReport(r.data);
      onDone();
    }
  }

  const nothingToDo = changes.status === "ok" && changes.data.back + changes.data.changed + changes.data.removed === 0;
  const footer = report ? (
    <button type="button" className="button primary" data-testid="restore-close" onClick={onClose}>
      Close
    </button>
  ) : (
    <>
      <button type="button" className="button" onClick={onClose}>
        Cancel
      </button>
      <button
        type="button"
        className="button primary"
        data-testid="restore-folder-confirm"
        disabled={chosen === null || busy || changes.status !== "ok" || nothingToDo}
        onClick={() => void restore()}
      >
        Restore folder
      </button>
    </>
  );

  return (
    <Modal title={`Restore “${where}” to an earlier moment`} testId="restore-folder-dialog" onClose={onClose} footer={footer} width={600}>
      {report ? (
        <RestoreReportView report={report} undoHint />
      ) : (
        <>
          {moments.status === "loading" && <Spinner label="Reading the folder’s history…" />}
          {moments.status === "error" && <ErrorNotice error={moments.error} compact />}
          {moments.status === "ok" && list.length < 2 && (
            <p className="muted" data-testid="restore-no-moments">
              This folder has not changed since its history began: there is no earlier moment to go back to.
            </p>
          )}
          {list.length >= 2 && (
            <>
              <p className="muted">Choose the moment the folder should go back to. Every version is kept, so you can undo this.</p>
              <ul className="moment-list" aria-label="Moments the folder changed">
                {list.map((m, i) => (
                  <li key={m.at}>
                    <label className="radio">
                      <input
                        type="radio"
                        name="moment"
                        data-testid="restore-moment"
                        data-at={m.at}
                        checked={chosen === m.at}
                        disabled={i === 0}
                        onChange={() => setPicked(m.at)}
                      />
                      <span>
                        {formatDateLong(m.at)} — {plural(m.changes, "change")}
                        {i === 0 && " (as it is now)"}
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
              {changes.status === "loading" && <Spinner label="Comparing with now…" />}
              {changes.status === "error" && <ErrorNotice error={changes.error} compact />}
              {changes.status === "ok" && (
                <p data-testid="restore-summary" className={nothingToDo ? "muted" : undefined}>
                  {changeSummary(changes.data)}
                </p>
              )}
            </>
          )}
          {busy && <Spinner label="Restoring…" />}
          {error && <ErrorNotice error={error} compact />}
        </>
      )}
    </Modal>
  );
}
