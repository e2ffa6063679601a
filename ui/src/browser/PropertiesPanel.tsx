import { memo, type ReactNode } from "react";
import { Copy, X } from "lucide-react";
import { commands } from "../bindings";
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
};

/** Right-hand panel with everything the store knows about one object. */
export const PropertiesPanel = memo(function PropertiesPanel(p: Props) {
  const key = p.fileKey === null ? null : JSON.stringify([p.connectionId, p.bucket, p.fileKey]);
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
            <Prop label="Content type" testId="prop-content-type">
              {props.data.contentType ?? "Not set"}
            </Prop>
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
