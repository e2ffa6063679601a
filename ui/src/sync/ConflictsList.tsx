import { useState } from "react";
import { commands, type Conflict, type PairInfo, type Resolution, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { formatBytes } from "../lib/format";
import { useResult } from "../lib/useResult";
import { useReloadOnChange } from "./useReloadOnChange";

/** Each conflict copy beside its file, with open / keep mine / keep theirs / keep both. */
export function ConflictsList({ pair }: { pair: PairInfo }) {
  const [state, reload] = useResult<Conflict[]>(pair.id, () => call(commands.listConflicts(pair.id)));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  useReloadOnChange(pair.status.conflicts, reload);

  async function resolve(c: Conflict, choice: Resolution) {
    setBusy(c.copyPath);
    setError(null);
    const r = await call(commands.resolveConflict(pair.id, c.copyPath, choice));
    setBusy(null);
    if (r.status === "error") setError(r.error);
    reload();
  }

  async function open(path: string) {
    setError(null);
    const r = await call(commands.openInPair(pair.id, path));
    if (r.status === "error") setError(r.error);
  }

  if (state.status === "loading" || state.status === "idle") return <Spinner label="Looking for conflicts…" />;
  if (state.status === "error") return <ErrorNotice error={state.error} onRetry={reload} compact />;
  if (state.data.length === 0)
    return (
      <p className="muted" data-testid="no-conflicts">
        No conflicts. When a file is changed here and elsewhere at the same time, Pail keeps both versions and lists them
        here.
      </p>
    );
  return (
    <>
      {error && <ErrorNotice error={error} compact />}
      <ul className="conflict-list" data-testid="conflict-list">
        {state.data.map((c) => {
          // "Mine" is the version edited on this computer: the copy if this computer made it.
          const mine = c.copyIsMine ? c.copyPath : c.originalPath;
          const theirs = c.copyIsMine ? c.originalPath : c.copyPath;
          const keepMine: Resolution = c.copyIsMine ? "keepCopy" : "keepOriginal";
          const keepTheirs: Resolution = c.copyIsMine ? "keepOriginal" : "keepCopy";
          return (
            <li key={c.copyPath} className="conflict" data-testid="conflict-item" data-copy={c.copyPath}>
              <p className="conflict-title">
                <strong>{c.originalPath}</strong> was changed here and on {c.copyIsMine ? "another computer" : c.host}{" "}
                at the same time.
              </p>
              <div className="conflict-versions">
                <Version
                  label="Mine"
                  path={mine}
                  size={mine === c.copyPath ? c.copySize : c.originalSize}
                  onOpen={() => void open(mine)}
                />
                <Version
                  label={c.copyIsMine ? "Theirs (now in the bucket)" : `Theirs (from ${c.host})`}
                  path={theirs}
                  size={theirs === c.copyPath ? c.copySize : c.originalSize}
                  onOpen={() => void open(theirs)}
                />
              </div>
              <div className="conflict-actions">
                <button
                  type="button"
                  className="button small"
                  data-testid="keep-mine"
                  disabled={busy !== null}
                  onClick={() => void resolve(c, keepMine)}
                >
                  Keep mine
                </button>
                <button
                  type="button"
                  className="button small"
                  data-testid="keep-theirs"
                  disabled={busy !== null}
                  onClick={() => void resolve(c, keepTheirs)}
                >
                  Keep theirs
                </button>
                <button
                  type="button"
                  className="button small primary"
                  data-testid="keep-both"
                  disabled={busy !== null}
                  onClick={() => void resolve(c, "keepBoth")}
                >
                  Keep both
                </button>
              </div>
              <p className="muted small-print">The version you don’t keep goes to the trash.</p>
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Version({ label, path, size, onOpen }: { label: string; path: string; size: number | null; onOpen: () => void }) {
  return (
    <div className="conflict-version">
      <span className="conflict-label">{label}</span>
      <span className="conflict-path" title={path}>
        {path}
      </span>
      <span className="muted">{size === null ? "missing" : formatBytes(size)}</span>
      <button type="button" className="link-button" data-testid="open-version" onClick={onOpen}>
        Open
      </button>
    </div>
  );
}
