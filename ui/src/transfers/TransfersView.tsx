import { useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, Pause, Play, RotateCcw, X } from "lucide-react";
import { commands, type TransferView, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { formatBytes } from "../lib/format";
import { call } from "../lib/ipc";
import { baseName, formatEta, formatSpeed, idsWhere, percent, type TransferList } from "./model";

const ROW_HEIGHT = 56;

type Props = { list: TransferList };

/** The queue: totals with bulk actions on top, then one virtualised row per transfer. */
export function TransfersView({ list }: Props) {
  const { items, totals } = list;
  const [error, setError] = useState<UiError | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  async function run(p: Promise<{ status: "ok" } | { status: "error"; error: UiError }>) {
    const r = await call(p as Promise<{ status: "ok"; data: unknown } | { status: "error"; error: UiError }>);
    setError(r.status === "error" ? r.error : null);
  }

  const running = idsWhere(items, ["running", "queued"]);
  const paused = idsWhere(items, ["paused"]);
  const finished = totals.done > 0 || items.some((t) => t.state === "cancelled");
  const summary =
    totals.active > 0
      ? `${formatBytes(totals.doneBytes)} of ${formatBytes(totals.totalBytes)}`
      : items.length === 0
        ? "No transfers"
        : "Nothing running";

  return (
    <main className="transfers" data-testid="transfers-view" aria-label="Transfers">
      <header className="transfers-header">
        <div className="transfers-summary">
          <h2>Transfers</h2>
          <span data-testid="transfers-summary">{summary}</span>
          {totals.active > 0 && (
            <span className="transfers-speed" data-testid="transfers-speed">
              {[formatSpeed(totals.bytesPerSec), formatEta(totals.etaSecs)].filter(Boolean).join(" · ")}
            </span>
          )}
          <progress
            className="transfers-total"
            data-testid="transfers-total-progress"
            max={100}
            value={percent(totals.doneBytes, totals.totalBytes)}
          />
        </div>
        <div className="nav-buttons" role="group" aria-label="All transfers">
          <button
            type="button"
            className="icon-button"
            data-testid="transfers-pause-all"
            title="Pause all"
            aria-label="Pause all"
            disabled={running.length === 0}
            onClick={() => void run(commands.pauseTransfers(running))}
          >
            <Pause size={16} aria-hidden />
          </button>
          <button
            type="button"
            className="icon-button"
            data-testid="transfers-resume-all"
            title="Resume all"
            aria-label="Resume all"
            disabled={paused.length === 0}
            onClick={() => void run(commands.resumeTransfers(paused))}
          >
            <Play size={16} aria-hidden />
          </button>
          <button
            type="button"
            className="button"
            data-testid="transfers-clear"
            disabled={!finished}
            onClick={() => void run(commands.clearFinishedTransfers())}
          >
            Clear finished
          </button>
        </div>
      </header>
      {error && (
        <div className="list-error">
          <ErrorNotice error={error} actions={[{ label: "OK", onClick: () => setError(null), testId: "error-dismiss" }]} />
        </div>
      )}
      {items.length === 0 ? (
        <p className="empty-note" data-testid="transfers-empty">
          Drop files or folders on a bucket’s folder to upload them, or choose Download on files in a bucket.
        </p>
      ) : (
        <div className="transfers-scroll" ref={scrollRef} data-testid="transfers-list">
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((v) => {
              const t = items[v.index];
              if (!t) return null;
              return (
                <div
                  key={t.id}
                  className="transfer-row"
                  style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                >
                  <TransferRow t={t} onAction={(p) => void run(p)} />
                </div>
              );
            })}
          </div>
        </div>
      )}
    </main>
  );
}

const STATE_WORDS: Record<TransferView["state"], string> = {
  queued: "Waiting",
  running: "",
  paused: "Paused",
  failed: "Failed",
  done: "Done",
  cancelled: "Cancelled",
};

function TransferRow({
  t,
  onAction,
}: {
  t: TransferView;
  onAction: (p: Promise<{ status: "ok" } | { status: "error"; error: UiError }>) => void;
}) {
  const [details, setDetails] = useState(false);
  const name = baseName(t.direction === "upload" ? t.key : t.localPath);
  const where = t.direction === "upload" ? `to ${t.bucket}/${t.key}` : `to ${t.localPath}`;
  const progress =
    t.state === "done"
      ? formatBytes(t.size)
      : `${formatBytes(t.doneBytes)} of ${formatBytes(t.size)}`;
  const live = t.state === "running" ? [formatSpeed(t.bytesPerSec), formatEta(t.etaSecs)].filter(Boolean).join(" · ") : STATE_WORDS[t.state];
  return (
    <div className={`transfer state-${t.state}`} data-testid="transfer-row" data-key={t.key} data-state={t.state}>
      <span className="transfer-direction" title={t.direction === "upload" ? "Upload" : "Download"}>
        {t.direction === "upload" ? <ArrowUp size={16} aria-label="Upload" /> : <ArrowDown size={16} aria-label="Download" />}
      </span>
      <div className="transfer-main">
        <div className="transfer-line">
          <span className="transfer-name" title={where}>
            {name}
          </span>
          <span className="transfer-numbers" data-testid="transfer-progress-text">
            {progress}
            {live ? ` · ${live}` : ""}
          </span>
        </div>
        {t.failure ? (
          <div className="transfer-failure" data-testid="transfer-failure">
            <span>{t.failure.message}</span>{" "}
            <button type="button" className="link-button" data-testid="transfer-details" onClick={() => setDetails((d) => !d)}>
              {details ? "Hide details" : "Details"}
            </button>
            {details && <code className="transfer-detail">{t.failure.detail}</code>}
          </div>
        ) : (
          <progress className="transfer-progress" max={100} value={percent(t.doneBytes, t.size)} />
        )}
      </div>
      <div className="transfer-actions">
        {(t.state === "running" || t.state === "queued") && (
          <button type="button" className="icon-button" data-testid="transfer-pause" title="Pause" aria-label="Pause" onClick={() => onAction(commands.pauseTransfers([t.id]))}>
            <Pause size={14} aria-hidden />
          </button>
        )}
        {t.state === "paused" && (
          <button type="button" className="icon-button" data-testid="transfer-resume" title="Resume" aria-label="Resume" onClick={() => onAction(commands.resumeTransfers([t.id]))}>
            <Play size={14} aria-hidden />
          </button>
        )}
        {(t.state === "failed" || t.state === "cancelled") && (
          <button type="button" className="icon-button" data-testid="transfer-retry" title="Retry" aria-label="Retry" onClick={() => onAction(commands.resumeTransfers([t.id]))}>
            <RotateCcw size={14} aria-hidden />
          </button>
        )}
        {t.state !== "done" && t.state !== "cancelled" && (
          <button type="button" className="icon-button" data-testid="transfer-cancel" title="Cancel" aria-label="Cancel" onClick={() => onAction(commands.cancelTransfers([t.id]))}>
            <X size={14} aria-hidden />
          </button>
        )}
      </div>
    </div>
  );
}
