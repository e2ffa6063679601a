import { useState } from "react";
import { CirclePause, CirclePlay, FolderOpen, RefreshCw, Unlink } from "lucide-react";
import { commands, type Connection, type PairInfo, type UiError } from "../bindings";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { call } from "../lib/ipc";
import { formatDateLong } from "../lib/format";
import { ActivityFeed } from "./ActivityFeed";
import { ConflictsList } from "./ConflictsList";
import { IgnoreEditor } from "./IgnoreEditor";
import { PairFiles } from "./PairFiles";
import { PairVersions } from "./PairVersions";
import { PairRequestCost } from "./RequestCostView";
import { folderName, modeLabel, remoteLabel, statusLine } from "./status";

type Tab = "files" | "activity" | "conflicts" | "ignore";

type Props = {
  pair: PairInfo;
  connection: Connection | null;
  onChanged: (pair: PairInfo) => void;
  onRemoved: () => void;
};

/** One synced folder: status, actions, activity, conflicts and ignore patterns. */
export function PairDetail({ pair, connection, onChanged, onRemoved }: Props) {
  const [tab, setTab] = useState<Tab>(pair.status.conflicts > 0 ? "conflicts" : "activity");
  const [error, setError] = useState<UiError | null>(null);
  const [confirm, setConfirm] = useState<"remove" | "deletions" | null>(null);
  const line = statusLine(pair.status);
  const s = pair.status;

  async function run(p: Promise<{ status: "ok"; data: null } | { status: "error"; error: UiError }>) {
    setError(null);
    const r = await call(p);
    if (r.status === "error") setError(r.error);
    return r.status === "ok";
  }

  return (
    <section className="pair-detail" data-testid="pair-detail" aria-label={folderName(pair.localRoot)}>
      <header className="pair-detail-header">
        <div>
          <h2>{folderName(pair.localRoot)}</h2>
          <p className="muted pair-paths">
            <span data-testid="pair-local">{pair.localRoot}</span>
            <span aria-hidden> ⇄ </span>
            <span data-testid="pair-remote">
              {connection ? `${connection.name}: ` : ""}
              {remoteLabel(pair)}
            </span>
            <span> · {modeLabel(pair.mode)}</span>
          </p>
        </div>
        <div className="pair-detail-actions">
          <button
            type="button"
            className="button"
            data-testid="open-folder"
            onClick={() => void run(commands.openInPair(pair.id, ""))}
          >
            <FolderOpen size={15} aria-hidden />
            Open folder
          </button>
          <button
            type="button"
            className="button"
            data-testid="pair-check-now"
            disabled={pair.paused}
            title="Look for changes in the bucket now (changes made outside Pail are otherwise found within 15 minutes)"
            onClick={() => void run(commands.checkPairNow(pair.id))}
          >
            <RefreshCw size={15} aria-hidden />
            Check now
          </button>
          <button
            type="button"
            className="button"
            data-testid="pair-pause"
            onClick={() => void run(commands.setPairPaused(pair.id, !pair.paused))}
          >
            {pair.paused ? <CirclePlay size={15} aria-hidden /> : <CirclePause size={15} aria-hidden />}
            {pair.paused ? "Resume" : "Pause"}
          </button>
          <button
            type="button"
            className="button"
            data-testid="pair-remove"
            title="Stop keeping this folder and the bucket folder the same; no file is deleted"
            onClick={() => setConfirm("remove")}
          >
            <Unlink size={15} aria-hidden />
            Stop syncing
          </button>
        </div>
      </header>

      <div className={`pair-state tone-${line.tone}`} data-testid="pair-detail-status" data-state={s.state}>
        <span className={`status-dot tone-${line.tone}`} aria-hidden />
        <span>{line.text}</span>
        {s.state === "syncing" && s.total > 0 && (
          <span className="muted">
            {" "}
            ({s.done} of {s.total} done)
          </span>
        )}
        {s.lastSynced && <span className="muted pair-last">Last up to date {formatDateLong(s.lastSynced)}</span>}
      </div>
      {s.message && (s.state === "offline" || s.state === "needsAttention") && (
        <ErrorNotice
          error={{
            code: s.errorCode ?? (s.state === "offline" ? "endpointUnreachable" : "internal"),
            message: s.message,
            detail: s.detail ?? "",
          }}
          actions={
            s.deletionsHeld
              ? [{ label: "Review and delete…", testId: "confirm-deletions", onClick: () => setConfirm("deletions") }]
              : s.errorCode === "unsafeStore" && pair.mode === "TwoWay"
                ? [
                    {
                      label: "Sync upload only",
                      testId: "mode-upload-only",
                      onClick: () =>
                        void run(commands.setPairMode(pair.id, "UploadOnly")).then(
                          (ok) => ok && onChanged({ ...pair, mode: "UploadOnly" }),
                        ),
                    },
                    {
                      label: "Sync download only",
                      testId: "mode-download-only",
                      onClick: () =>
                        void run(commands.setPairMode(pair.id, "DownloadOnly")).then(
                          (ok) => ok && onChanged({ ...pair, mode: "DownloadOnly" }),
                        ),
                    },
                  ]
                : []
          }
        />
      )}
      {error && <ErrorNotice error={error} compact />}
      <PairRequestCost pairId={pair.id} />
      {pair.connectionId && <PairVersions connectionId={pair.connectionId} bucket={pair.bucket} />}
      <label className="checkbox-row pair-marker muted">
        <input
          type="checkbox"
          data-testid="pair-change-marker"
          checked={pair.changeMarker}
          onChange={(e) => {
            const on = e.target.checked;
            void run(commands.setPairChangeMarker(pair.id, on)).then((ok) => ok && onChanged({ ...pair, changeMarker: on }));
          }}
        />
        <span>
          Let other computers know about changes through a small file in the bucket folder (.pail/changed). When off,
          Pail reads the whole bucket folder at every check: slower to see changes, and more requests.
        </span>
      </label>

      <div className="tabs" role="tablist">
        <TabButton id="activity" current={tab} onSelect={setTab}>
          Activity
        </TabButton>
        <TabButton id="files" current={tab} onSelect={setTab}>
          Files
        </TabButton>
        <TabButton id="conflicts" current={tab} onSelect={setTab}>
          Conflicts{s.conflicts > 0 ? ` (${s.conflicts})` : ""}
        </TabButton>
        <TabButton id="ignore" current={tab} onSelect={setTab}>
          Ignored files
        </TabButton>
      </div>
      <div className="tab-panel" role="tabpanel">
        {tab === "activity" && <ActivityFeed pair={pair} />}
        {tab === "files" && <PairFiles pair={pair} />}
        {tab === "conflicts" && <ConflictsList pair={pair} />}
        {tab === "ignore" && (
          <IgnoreEditor pair={pair} onSaved={(patterns) => onChanged({ ...pair, ignorePatterns: patterns })} />
        )}
      </div>

      {confirm === "remove" && (
        <ConfirmDialog
          title={`Stop syncing “${folderName(pair.localRoot)}”?`}
          confirmLabel="Stop syncing"
          confirmTestId="confirm-remove-pair"
          onConfirm={async () => {
            const r = await call(commands.removePair(pair.id));
            if (r.status === "error") return r.error;
            onRemoved();
            return null;
          }}
          onCancel={() => setConfirm(null)}
        >
          <p>
            Pail stops keeping {pair.localRoot} and {remoteLabel(pair)} the same. No file is deleted: every file stays on
            both sides, in the folder on this computer and in the bucket.
          </p>
        </ConfirmDialog>
      )}
      {confirm === "deletions" && (
        <ConfirmDialog
          title="Delete these files?"
          confirmLabel="Delete them"
          confirmTestId="confirm-deletions-dialog"
          danger
          onConfirm={async () => {
            const r = await call(commands.confirmDeletions(pair.id));
            if (r.status === "error") return r.error;
            setConfirm(null);
            return null;
          }}
          onCancel={() => setConfirm(null)}
        >
          <p>{s.message}</p>
          <p>
            If the folder or its disk is only missing for a while, cancel and Pail waits. If you deleted these files on
            purpose, confirm: local files go to the trash, and the bucket keeps older versions if versioning is on.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function TabButton({
  id,
  current,
  onSelect,
  children,
}: {
  id: Tab;
  current: Tab;
  onSelect: (t: Tab) => void;
  children: React.ReactNode;
}) {
  return (
    <button
      type="button"
      role="tab"
      className={current === id ? "tab selected" : "tab"}
      aria-selected={current === id}
      data-testid={`tab-${id}`}
      onClick={() => onSelect(id)}
    >
      {children}
    </button>
  );
}
