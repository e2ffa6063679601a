import { useState } from "react";
import { ChevronUp, Folder, FolderPlus } from "lucide-react";
import { commands, type UiError } from "../bindings";
import { useFolderListing } from "../browser/useFolderListing";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";

type Props = {
  connectionId: string;
  bucket: string;
  prefix: string;
  onChange: (prefix: string) => void;
};

/** Picks a folder (prefix) of a bucket the way the browser shows it, with "new folder". */
export function PrefixPicker({ connectionId, bucket, prefix, onChange }: Props) {
  const [reload, setReload] = useState(0);
  const listing = useFolderListing({ connectionId, bucket, prefix }, String(reload));
  const [newName, setNewName] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const folders = listing.entries.filter((e) => e.kind === "folder");
  const up = prefix === "" ? null : prefix.replace(/[^/]*\/$/, "");

  async function create() {
    const name = (newName ?? "").trim();
    if (name === "") return;
    setError(null);
    const r = await call(commands.createFolder(connectionId, bucket, prefix, name));
    if (r.status === "error") {
      setError(r.error);
      return;
    }
    setNewName(null);
    setReload((n) => n + 1);
    onChange(r.data);
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
          onClick={() => up !== null && onChange(up)}
        >
          <ChevronUp size={16} aria-hidden />
        </button>
        <span data-testid="prefix-current" data-bucket={bucket} data-prefix={prefix} className="prefix-path">
          {bucket}/{prefix}
        </span>
        <button
          type="button"
          className="button small"
          data-testid="prefix-new-folder"
          onClick={() => setNewName((n) => (n === null ? "" : n))}
        >
          <FolderPlus size={14} aria-hidden />
          New folder
        </button>
      </div>
      {newName !== null && (
        <div className="inline-actions">
          <input
            data-testid="prefix-new-name"
            aria-label="New folder name"
            autoFocus
            value={newName}
            onChange={(e) => setNewName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                void create();
              } else if (e.key === "Escape") {
                e.stopPropagation();
                setNewName(null);
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
        <ul className="prefix-list">
          {folders.map((f) => (
            <li key={f.key}>
              <button type="button" className="prefix-item" data-testid="prefix-folder" onClick={() => onChange(f.key)}>
                <Folder size={14} aria-hidden className="folder-icon" />
                {f.name}
              </button>
            </li>
          ))}
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
