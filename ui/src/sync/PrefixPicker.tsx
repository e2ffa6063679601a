import { useState } from "react";
import { ChevronRight, ChevronUp, Folder, FolderPlus } from "lucide-react";
import { commands, type UiError } from "../bindings";
import { useFolderListing } from "../browser/useFolderListing";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { chosenPrefix, parentPrefix, type PickerState } from "./prefixChoice";

type Props = {
  connectionId: string;
  bucket: string;
  /** The choice to start from (when the user comes back to this step). */
  initial: string;
  /** Called with the bucket folder the pair would use, every time the choice changes. */
  onChange: (prefix: string) => void;
};

/**
 * Picks a folder (prefix) of a bucket the way a folder chooser does: a click selects a row, a
 * double click (or its arrow) opens it, and a typed new name is the choice as soon as it is typed,
 * so pressing Next before "Create" loses nothing. Mount it with `key={bucket}`.
 */
export function PrefixPicker({ connectionId, bucket, initial, onChange }: Props) {
  const [reload, setReload] = useState(0);
  const [state, setState] = useState<PickerState>(() => ({
    at: parentPrefix(initial) ?? "",
    selected: initial === "" ? null : initial,
    newName: null,
  }));
  const listing = useFolderListing({ connectionId, bucket, prefix: state.at }, String(reload));
  const [error, setError] = useState<UiError | null>(null);
  const folders = listing.entries.filter((e) => e.kind === "folder");
  const up = parentPrefix(state.at);

  function update(next: PickerState) {
    setState(next);
    onChange(chosenPrefix(next));
  }

  async function create() {
    const name = (state.newName ?? "").trim();
    if (name === "") return;
    setError(null);
    const r = await call(commands.createFolder(connectionId, bucket, state.at, name));
    if (r.status === "error") {
      setError(r.error);
      return;
    }
    setReload((n) => n + 1);
    update({ at: state.at, selected: r.data, newName: null });
  }

  return (
    <div className="prefix-picker" data-testid="prefix-picker">
      <div className="prefix-current">
        <button
          type="button"
          className="icon-button"
          data-testid="prefix-up"
          aria-label="Up one folder"
          title="Up one folder"
          disabled={up === null}
          onClick={() => up !== null && update({ at: up, selected: null, newName: null })}
        >
          <ChevronUp size={16} aria-hidden />
        </button>
        <span data-testid="prefix-current" data-bucket={bucket} data-prefix={state.at} className="prefix-path">
          {bucket}/{state.at}
        </span>
        <button
          type="button"
          className="button small"
          data-testid="prefix-new-folder"
          onClick={() => update({ ...state, newName: state.newName ?? "" })}
        >
          <FolderPlus size={14} aria-hidden />
          New folder
        </button>
      </div>
      {state.newName !== null && (
        <div className="inline-actions">
          <input
            data-testid="prefix-new-name"
            aria-label="New folder name"
            autoFocus
            value={state.newName}
            onChange={(e) => update({ ...state, newName: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                void create();
              } else if (e.key === "Escape") {
                e.stopPropagation();
                update({ ...state, newName: null });
              }
            }}
          />
          <button type="button" className="button small primary" data-testid="prefix-create" onClick={() => void create()}>
            Create
          </button>
        </div>
      )}
      {error && <ErrorNotice error={error} compact />}
      {listing.error ? (
        <ErrorNotice error={listing.error} onRetry={() => setReload((n) => n + 1)} compact />
      ) : (
        <ul className="prefix-list" aria-label={`Folders in ${bucket}/${state.at}`}>
          {folders.map((f) => {
            const selected = state.newName === null && state.selected === f.key;
            return (
              <li key={f.key} className={selected ? "selected" : undefined}>
                <button
                  type="button"
                  className="prefix-item"
                  data-testid="prefix-folder"
                  data-prefix={f.key}
                  aria-current={selected ? "true" : undefined}
                  onClick={() => update({ at: state.at, selected: f.key, newName: null })}
                  onDoubleClick={() => update({ at: f.key, selected: null, newName: null })}
                >
                  <Folder size={14} aria-hidden className="folder-icon" />
                  <span className="grow">{f.name}</span>
                </button>
                <button
                  type="button"
                  className="icon-button prefix-open"
                  data-testid="prefix-open"
                  aria-label={`Open ${f.name}`}
                  title={`Open ${f.name}`}
                  onClick={() => update({ at: f.key, selected: null, newName: null })}
                >
                  <ChevronRight size={14} aria-hidden />
                </button>
              </li>
            );
          })}
          {listing.loading && (
            <li>
              <Spinner label="Listing…" />
            </li>
          )}
          {!listing.loading && folders.length === 0 && <li className="muted">No folders here.</li>}
        </ul>
      )}
    </div>
  );
}
