import { useState } from "react";
import { ChevronUp, Folder } from "lucide-react";
import { commands, type FileSyncState, type PairFile, type PairInfo } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { FileIcon } from "../components/FileIcon";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { formatBytes } from "../lib/format";
import { useResult } from "../lib/useResult";
import { fileStateText } from "./status";
import { useReloadOnChange } from "./useReloadOnChange";

/** The pair's folder, one level at a time, with where each file stands. */
export function PairFiles({ pair }: { pair: PairInfo }) {
  const [dir, setDir] = useState("");
  const [state, reload] = useResult<PairFile[]>(`${pair.id}\n${dir}`, () => call(commands.pairFiles(pair.id, dir)));
  // A finished pass changes what is synced.
  useReloadOnChange(pair.status.lastSynced, reload);
  const up = dir === "" ? null : dir.replace(/[^/]*\/$/, "");

  return (
    <div className="pair-files" data-testid="pair-files">
      <div className="prefix-current">
        <button
          type="button"
          className="icon-button"
          data-testid="files-up"
          aria-label="Up one folder"
          title="Up one folder"
          disabled={up === null}
          onClick={() => up !== null && setDir(up)}
        >
          <ChevronUp size={16} aria-hidden />
        </button>
        <span className="prefix-path" data-testid="files-dir" data-dir={dir}>
          /{dir}
        </span>
      </div>
      {state.status === "error" ? (
        <ErrorNotice error={state.error} onRetry={reload} compact />
      ) : state.status !== "ok" ? (
        <Spinner label="Reading the folder…" />
      ) : state.data.length === 0 ? (
        <p className="muted">This folder is empty.</p>
      ) : (
        <ul className="pair-file-list">
          {state.data.map((f) => (
            <li key={f.path} className="pair-file" data-testid="pair-file" data-path={f.path} data-state={f.state}>
              {f.isDir && !f.deletedHere ? (
                <button type="button" className="link-button pair-file-name" onClick={() => setDir(f.path)}>
                  <Folder size={14} aria-hidden className="folder-icon" />
                  {f.name}
                </button>
              ) : (
                <span className="pair-file-name">
                  {f.isDir ? <Folder size={14} aria-hidden className="folder-icon" /> : <FileIcon kind="file" name={f.name} />}
                  {f.name}
                </span>
              )}
              <span className="muted">{f.size === null ? "" : formatBytes(f.size)}</span>
              <span className={`file-state state-${stateClass(f.state)}`}>{fileStateText(f)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function stateClass(s: FileSyncState): string {
  return s === "leftOut" ? "left-out" : s;
}
