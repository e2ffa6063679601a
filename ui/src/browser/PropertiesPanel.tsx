import { memo, useState, type ReactNode } from "react";
import { Copy, Pencil, X } from "lucide-react";
import { commands, type ObjectVersion, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { FileIcon } from "../components/FileIcon";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import {
  displayName,
  formatBytes,
  formatDateLong,
  formatEtag,
  formatExactBytes,
  formatStorageClass,
  s3Path,
} from "../lib/format";
import { useResult } from "../lib/useResult";
import { versionLabel } from "./ops";

type Props = {
  connectionId: string;
  bucket: string;
  /** The file to describe; null when the selection isn't exactly one file. */
  fileKey: string | null;
  /** How many rows are selected, to explain an empty panel. */
  selectedCount: number;
  onClose: () => void;
  onCopyPath: (path: string) => void;
  onEditConnection: () => void;
  /** The file was changed from the panel (content type, restored version): `message` says how. */
  onChanged: (message: string) => void;
};

/** Right-hand panel with everything the store knows about one object. */
export const PropertiesPanel = memo(function PropertiesPanel(p: Props) {
  // Bumped after a change made here, so the properties and versions are read again.
  const [revision, setRevision] = useState(0);
  const key = p.fileKey === null ? null : JSON.stringify([p.connectionId, p.bucket, p.fileKey, revision]);
  const [props, reload] = useResult(key, () =>
    call(commands.objectProperties(p.connectionId, p.bucket, p.fileKey ?? "")),
  );
  const name = p.fileKey === null ? "" : p.fileKey.slice(p.fileKey.lastIndexOf("/") + 1);

  return (
    <aside className="properties-panel" data-testid="properties-panel" aria-label="Properties">
      <div className="panel-header">
        <h2>Properties</h2>
        <button
          type="button"
          className="icon-button"
          data-testid="properties-close"
          aria-label="Close properties"
          onClick={p.onClose}
        >
          <X size={14} aria-hidden />
        </button>
      </div>
      {p.fileKey === null ? (
        <p className="panel-note">
          {p.selectedCount > 1
            ? `${p.selectedCount} items are selected. Select one file to see its properties.`
            : "Select a file to see its properties."}
        </p>
      ) : props.status === "loading" || props.status === "idle" ? (
        <div className="panel-note" data-testid="properties-loading">
          <Spinner label="Loading properties…" />
        </div>
      ) : props.status === "error" ? (
        <div className="panel-body">
          <ErrorNotice error={props.error} compact onRetry={reload} onEditConnection={p.onEditConnection} />
        </div>
      ) : (
        <div className="panel-body">
          <div className="panel-title">
            <FileIcon kind="file" name={name} size={28} />
            <span className="panel-name">{displayName(name)}</span>
          </div>
          <dl className="prop-list">
            <Prop label="Key" testId="prop-key" mono>
              {props.data.key}
            </Prop>
            <Prop label="Size" testId="prop-size">
              {formatBytes(props.data.size)}
              <span className="muted"> ({formatExactBytes(props.data.size)})</span>
            </Prop>
            <Prop label="Modified" testId="prop-modified">
              {formatDateLong(props.data.lastModified) || "Unknown"}
            </Prop>
            <dt>Content type</dt>
            <dd>
              <ContentType
                key={props.data.contentType ?? ""}
                connectionId={p.connectionId}
                bucket={props.data.bucket}
                fileKey={props.data.key}
                current={props.data.contentType}
                onChanged={(type) => {
                  setRevision((r) => r + 1);
                  p.onChanged(`Content type set to ${type}`);
                }}
              />
            </dd>
            <Prop label="Storage class" testId="prop-storage-class">
              {formatStorageClass(props.data.storageClass) || "Standard"}
            </Prop>
            <Prop label="ETag" testId="prop-etag" mono>
              {formatEtag(props.data.etag) || "—"}
            </Prop>
            <Prop label="Version ID" testId="prop-version" mono>
              {props.data.versionId ?? "—"}
            </Prop>
          </dl>
          <button
            type="button"
            className="button small"
            data-testid="prop-copy-path"
            onClick={() => p.onCopyPath(s3Path(props.data.bucket, props.data.key))}
          >
            <Copy size={12} aria-hidden /> Copy S3 path
          </button>
          <h3 className="panel-subtitle">Metadata</h3>
          {props.data.metadata.length === 0 ? (
            <p className="panel-note small">No custom metadata.</p>
          ) : (
            <table className="meta-table" data-testid="prop-metadata">
              <tbody>
                {props.data.metadata.map((m) => (
                  <tr key={m.key}>
                    <th scope="row">{m.key}</th>
                    <td>{m.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Versions
            connectionId={p.connectionId}
            bucket={props.data.bucket}
            fileKey={props.data.key}
            revision={revision}
            onRestored={(v) => {
              setRevision((r) => r + 1);
              p.onChanged(`Restored the version from ${formatDateLong(v.lastModified) || v.versionId}`);
            }}
          />
        </div>
      )}
    </aside>
  );
});

function Prop({
  label,
  testId,
  mono,
  children,
}: {
  label: string;
  testId: string;
  mono?: boolean;
  children: ReactNode;
}) {
  return (
    <>
      <dt>{label}</dt>
      <dd className={mono ? "mono" : undefined} data-testid={testId}>
        {children}
      </dd>
    </>
  );
}

/** The content type, with "Edit" turning it into a field (Enter saves, Escape cancels). */
function ContentType(p: {
  connectionId: string;
  bucket: string;
  fileKey: string;
  current: string | null;
  onChanged: (type: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(p.current ?? "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  async function save() {
    const type = value.trim();
    if (type === "" || type === p.current) {
      setEditing(false);
      return;
    }
    setSaving(true);
    setError(null);
    const result = await call(commands.setContentType(p.connectionId, p.bucket, p.fileKey, type));
    setSaving(false);
    if (result.status === "error") {
      setError(result.error);
      return;
    }
    setEditing(false);
    p.onChanged(result.data.contentType ?? type);
  }

  if (!editing) {
    return (
      <span className="prop-with-action">
        <span data-testid="prop-content-type">{p.current ?? "Not set"}</span>
        <button
          type="button"
          className="link-button"
          data-testid="prop-content-type-edit"
          title="Edit content type"
          aria-label="Edit content type"
          onClick={() => setEditing(true)}
        >
          <Pencil size={11} aria-hidden /> Edit
        </button>
      </span>
    );
  }
  return (
    <span className="prop-editor">
      <input
        className="rename-input"
        data-testid="prop-content-type-input"
        aria-label="Content type"
        placeholder="e.g. text/plain"
        value={value}
        autoFocus
        spellCheck={false}
        autoComplete="off"
        disabled={saving}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            void save();
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            setEditing(false);
          }
        }}
      />
      <span className="prop-editor-buttons">
        <button
          type="button"
          className="button small primary"
          data-testid="prop-content-type-save"
          disabled={saving}
          onClick={() => void save()}
        >
          {saving ? "Saving…" : "Save"}
        </button>
        <button
          type="button"
          className="button small"
          data-testid="prop-content-type-cancel"
          disabled={saving}
          onClick={() => setEditing(false)}
        >
          Cancel
        </button>
      </span>
      {error && <ErrorNotice error={error} compact />}
    </span>
  );
}

/** The file's versions where the bucket keeps them, each earlier one with Restore. */
function Versions(p: {
  connectionId: string;
  bucket: string;
  fileKey: string;
  revision: number;
  onRestored: (v: ObjectVersion) => void;
}) {
  const [history, reload] = useResult(JSON.stringify([p.connectionId, p.bucket, p.fileKey, p.revision]), () =>
    call(commands.listVersions(p.connectionId, p.bucket, p.fileKey)),
  );
  const [restoring, setRestoring] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);

  async function restore(v: ObjectVersion) {
    setRestoring(v.versionId);
    setError(null);
    const result = await call(commands.restoreVersion(p.connectionId, p.bucket, p.fileKey, v.versionId));
    setRestoring(null);
    if (result.status === "error") setError(result.error);
    else p.onRestored(v);
  }

  if (history.status === "loading" || history.status === "idle") {
    return (
      <div className="panel-note small" data-testid="prop-versions-loading">
        <Spinner label="Looking for earlier versions…" />
      </div>
    );
  }
  if (history.status === "error") {
    return (
      <>
        <h3 className="panel-subtitle">Versions</h3>
        <ErrorNotice error={history.error} compact onRetry={reload} />
      </>
    );
  }
  if (!history.data.versioningEnabled) {
    return (
      <p className="panel-note small" data-testid="prop-versions-off">
        This bucket does not keep earlier versions of files.
      </p>
    );
  }
  return (
    <>
      <h3 className="panel-subtitle">Versions</h3>
      {error && <ErrorNotice error={error} compact />}
      <ul className="version-list" data-testid="prop-versions">
        {history.data.versions.map((v) => (
          <li
            key={v.versionId}
            className={v.isLatest ? "version current" : "version"}
            data-testid="version-row"
            data-version-id={v.versionId}
            data-latest={v.isLatest}
          >
            <span className="version-main">
              <span className="version-label">{versionLabel(v)}</span>
              <span className="muted">
                {formatDateLong(v.lastModified) || "Unknown date"}
                {v.isDeleteMarker ? "" : ` · ${formatBytes(v.size)}`}
              </span>
            </span>
            {!v.isLatest && !v.isDeleteMarker && (
              <button
                type="button"
                className="button small"
                data-testid="version-restore"
                disabled={restoring !== null}
                title="Make this version the current one again (the current one stays in the list)"
                onClick={() => void restore(v)}
              >
                {restoring === v.versionId ? "Restoring…" : "Restore"}
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
