import { useEffect, useRef, useState } from "react";
import { commands, type ActivityEntry, type UiError, type UndoReport } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { Spinner } from "../components/Spinner";
import { formatDateLong, plural } from "../lib/format";
import { call } from "../lib/ipc";

type Props = {
  pairId: string;
  passId: string;
  /** The pass's lines in the feed, newest first. */
  entries: ActivityEntry[];
  /** `tried`: an undo was asked for (it may have changed files even when it failed). */
  onClose: (tried: boolean) => void;
};

/** "Undo this sync?": what undoing puts back, then the undo and what it did. */
export function UndoPassDialog({ pairId, passId, entries, onClose }: Props) {
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [report, setReport] = useState<UndoReport | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const lines = entries.filter((e) => e.canUndo);
  const at = entries[0]?.at ?? "";

  // The button that had the focus is gone (report) or was disabled (error): keep the focus inside.
  useEffect(() => {
    if (report) closeRef.current?.focus();
  }, [report]);
  useEffect(() => {
    if (error) confirmRef.current?.focus();
  }, [error]);

  async function undo() {
    setBusy(true);
    setTried(true);
    setError(null);
    const r = await call(commands.undoSyncPass(pairId, passId));
    setBusy(false);
    if (r.status === "error") setError(r.error);
    else setReport(r.data);
  }

  function close() {
    if (!busy) onClose(tried);
  }

  const footer = report ? (
    <button type="button" className="button primary" data-testid="undo-pass-close" ref={closeRef} onClick={close}>
      Close
    </button>
  ) : (
    <>
      <button type="button" className="button" data-testid="undo-pass-cancel" disabled={busy} onClick={close} data-autofocus>
        Cancel
      </button>
      <button
        type="button"
        className="button primary"
        data-testid="undo-pass-confirm"
        ref={confirmRef}
        disabled={busy || lines.length === 0}
        aria-busy={busy}
        onClick={() => void undo()}
      >
        Undo sync
      </button>
    </>
  );

  return (
    <Modal title="Undo this sync?" testId="undo-pass-dialog" onClose={close} footer={footer} width={560}>
      {report ? (
        <UndoReportView report={report} />
      ) : (
        <>
          <p>
            Pail puts back what this sync changed, deleted or moved, in this folder and in the bucket: files that were
            replaced get their earlier version back, deleted files come back (from the trash here, or from the bucket’s
            earlier versions), and moved files return to their old names. Files this sync only added stay. Anything
            changed again since is left as it is.
          </p>
          <p className="muted">
            The sync at {formatDateLong(at)}: {plural(lines.length, "change")} to put back.
          </p>
          <ul className="undo-pass-lines" aria-label="Changes to put back" tabIndex={0}>
            {lines.map((e) => (
              <li key={e.id} data-testid="undo-pass-line">
                <span>{e.summary}</span> <span className="mono">{e.path}</span>
              </li>
            ))}
          </ul>
          {busy && <Spinner label="Putting back…" />}
          {error && <ErrorNotice error={error} compact />}
        </>
      )}
    </Modal>
  );
}

/** What an undo did, in words: the files put back, then each one left as it is with the reason. */
export function UndoReportView({ report }: { report: UndoReport }) {
  const n = report.putBack.length;
  return (
    <div className="restore-report undo-report" data-testid="undo-pass-report" data-put-back={n} data-not-put-back={report.notPutBack.length}>
      <p>{n === 0 ? "Nothing needed to be put back." : `Put back ${plural(n, "file")}:`}</p>
      {n > 0 && (
        <ul className="restore-problems" aria-label="Files put back" tabIndex={0}>
          {report.putBack.map((p, i) => (
            <li key={`${i}:${p}`} className="mono" data-testid="undo-put-back-item">
              {p}
            </li>
          ))}
        </ul>
      )}
      {report.notPutBack.length > 0 && (
        <>
          <p className="notice warn">Could not put back:</p>
          <ul className="restore-problems" aria-label="Files not put back" tabIndex={0}>
            {report.notPutBack.map((p, i) => (
              <li key={`${i}:${p.path}`} data-testid="undo-not-put-back-item">
                <strong>{p.path}</strong> — {p.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="muted">The other side follows on the next sync.</p>
    </div>
  );
}
