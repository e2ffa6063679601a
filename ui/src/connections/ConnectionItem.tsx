import { memo, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { ChevronDown, ChevronRight, Database, Ellipsis, FolderSearch, Sparkles, Cloud } from "lucide-react";
import { commands, type Connection, type UiError } from "../bindings";
import { ContextMenu, type MenuItem } from "../components/ContextMenu";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { useResult } from "../lib/useResult";
import { bucketsToShow, loadBuckets } from "./loadBuckets";

export type ConnectionActions = {
  onToggle: (id: string) => void;
  onOpenBucket: (conn: Connection, bucket: string) => void;
  onEdit: (conn: Connection) => void;
  onRemove: (conn: Connection) => void;
  onRenamed: (conn: Connection) => void;
  onOpenByName: (conn: Connection) => void;
};

type Props = ConnectionActions & {
  connection: Connection;
  expanded: boolean;
  /** Bumped when the buckets should be listed again (after an edit or an added bucket). */
  bucketsVersion: number;
  /** The bucket open in the browser, when it belongs to this connection. */
  currentBucket: string | null;
};

export const ConnectionItem = memo(function ConnectionItem(props: Props) {
  const { connection: conn, expanded, bucketsVersion, currentBucket } = props;
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  const [renaming, setRenaming] = useState(false);
  const [renameError, setRenameError] = useState<UiError | null>(null);
  const [buckets, reload] = useResult(expanded ? `${conn.id}:${bucketsVersion}` : null, () => loadBuckets(conn));

  const isDemo = conn.provider === "demo";
  const items: MenuItem[] = [
    ...(isDemo ? [] : [{ id: "edit", label: "Edit…", testId: "connection-edit", onSelect: () => props.onEdit(conn) }]),
    { id: "rename", label: "Rename", testId: "connection-rename", onSelect: () => setRenaming(true) },
    { id: "remove", label: "Remove…", testId: "connection-remove", danger: true, onSelect: () => props.onRemove(conn) },
  ];

  function openMenu(e: MouseEvent) {
    e.preventDefault();
    e.stopPropagation();
    const r = e.currentTarget.getBoundingClientRect();
    setMenu(e.type === "contextmenu" ? { x: e.clientX, y: e.clientY } : { x: r.left, y: r.bottom + 2 });
  }

  async function commitRename(name: string) {
    const trimmed = name.trim();
    setRenaming(false);
    if (trimmed === "" || trimmed === conn.name) return;
    const result = await call(commands.renameConnection(conn.id, trimmed));
    if (result.status === "ok") {
      setRenameError(null);
      props.onRenamed(result.data);
    } else {
      setRenameError(result.error);
    }
  }

  const list = buckets.status === "ok" ? buckets.data : null;
  const shown = buckets.status === "loading" || buckets.status === "idle" ? [] : bucketsToShow(list, conn);
  const cannotList =
    (list !== null && !list.canListBuckets) || (buckets.status === "error" && buckets.error.code === "accessDenied");

  return (
    <li className="connection" data-testid="connection-item" data-connection-name={conn.name}>
      <div className={`connection-row${expanded ? " expanded" : ""}`} onContextMenu={openMenu}>
        {renaming ? (
          <RenameInput initial={conn.name} onDone={(v) => void commitRename(v)} onCancel={() => setRenaming(false)} />
        ) : (
          <button
            type="button"
            className="connection-toggle"
            aria-expanded={expanded}
            data-testid="connection-toggle"
            onClick={() => props.onToggle(conn.id)}
          >
            {expanded ? <ChevronDown size={14} aria-hidden /> : <ChevronRight size={14} aria-hidden />}
            {isDemo ? (
              <Sparkles size={15} aria-hidden className="conn-icon" />
            ) : (
              <Cloud size={15} aria-hidden className="conn-icon" />
            )}
            <span className="connection-name" title={conn.name}>
              {conn.name}
            </span>
          </button>
        )}
        <button
          type="button"
          className="icon-button row-menu-button"
          title="More actions"
          aria-label={`More actions for ${conn.name}`}
          aria-haspopup="menu"
          data-testid="connection-menu-button"
          onClick={openMenu}
        >
          <Ellipsis size={15} aria-hidden />
        </button>
      </div>
      {renameError && (
        <div className="sidebar-notice">
          <ErrorNotice error={renameError} compact actions={[{ label: "OK", onClick: () => setRenameError(null) }]} />
        </div>
      )}
      {expanded && (
        <ul className="bucket-list" aria-label={`Buckets of ${conn.name}`}>
          {buckets.status === "loading" && (
            <li className="sidebar-note">
              <Spinner label="Loading buckets…" />
            </li>
          )}
          {buckets.status === "error" && (
            <li className="sidebar-notice">
              <ErrorNotice
                error={buckets.error}
                compact
                onRetry={reload}
                onEditConnection={isDemo ? undefined : () => props.onEdit(conn)}
              />
            </li>
          )}
          {shown.map((b) => (
            <li key={b.name}>
              <button
                type="button"
                className={`bucket-item${currentBucket === b.name ? " current" : ""}`}
                data-testid="bucket-item"
                data-bucket={b.name}
                aria-current={currentBucket === b.name ? "true" : undefined}
                onClick={() => props.onOpenBucket(conn, b.name)}
              >
                <Database size={14} aria-hidden />
                <span title={b.name}>{b.name}</span>
              </button>
            </li>
          ))}
          {buckets.status === "ok" && shown.length === 0 && list?.canListBuckets && (
            <li className="sidebar-note">No buckets yet.</li>
          )}
          {cannotList && (
            <li>
              <button
                type="button"
                className="bucket-item open-by-name"
                data-testid="open-bucket-by-name"
                onClick={() => props.onOpenByName(conn)}
              >
                <FolderSearch size={14} aria-hidden />
                <span>Open a bucket by name…</span>
              </button>
            </li>
          )}
        </ul>
      )}
      {menu && (
        <ContextMenu x={menu.x} y={menu.y} items={items} testId="connection-menu" onClose={() => setMenu(null)} />
      )}
    </li>
  );
});

function RenameInput({
  initial,
  onDone,
  onCancel,
}: {
  initial: string;
  onDone: (v: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(initial);
  // Enter (or Escape) ends the edit; the blur that follows must not end it a second time.
  const finished = useRef(false);
  function finish(commit: boolean) {
    if (finished.current) return;
    finished.current = true;
    if (commit) onDone(value);
    else onCancel();
  }
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Enter") {
      e.preventDefault();
      finish(true);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      finish(false);
    }
  }
  return (
    <input
      className="rename-input"
      data-testid="connection-rename-input"
      aria-label="Connection name"
      value={value}
      autoFocus
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={onKeyDown}
      onBlur={() => finish(true)}
    />
  );
}
