import { ArrowDownUp, FolderInput, Plus } from "lucide-react";
import type { Connection, TransferTotals } from "../bindings";
import { ConnectionItem, type ConnectionActions } from "./ConnectionItem";

type Props = ConnectionActions & {
  connections: Connection[];
  expanded: ReadonlySet<string>;
  bucketsVersion: Readonly<Record<string, number>>;
  current: { connectionId: string; bucket: string } | null;
  onAdd: () => void;
  onImport: () => void;
  transfers: TransferTotals;
  transfersOpen: boolean;
  onOpenTransfers: () => void;
};

/** "3 running · 1 failed": what the Transfers entry shows next to its name. */
export function transfersBadge(t: TransferTotals): string {
  const parts: string[] = [];
  if (t.active > 0) parts.push(`${t.active} running`);
  if (t.paused > 0) parts.push(`${t.paused} paused`);
  if (t.failed > 0) parts.push(`${t.failed} failed`);
  return parts.join(" · ");
}

export function Sidebar({
  connections,
  expanded,
  bucketsVersion,
  current,
  onAdd,
  onImport,
  transfers,
  transfersOpen,
  onOpenTransfers,
  ...actions
}: Props) {
  const badge = transfersBadge(transfers);
  return (
    <nav className="sidebar" data-testid="sidebar" aria-label="Connections">
      <div className="sidebar-header">
        <h2>Connections</h2>
        <button
          type="button"
          className="icon-button"
          data-testid="import-aws"
          title="Import from AWS config"
          aria-label="Import from AWS config"
          onClick={onImport}
        >
          <FolderInput size={16} aria-hidden />
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="add-connection"
          title="Add a connection"
          aria-label="Add a connection"
          onClick={onAdd}
        >
          <Plus size={16} aria-hidden />
        </button>
      </div>
      <ul className="connection-list">
        {connections.map((c) => (
          <ConnectionItem
            key={c.id}
            connection={c}
            expanded={expanded.has(c.id)}
            bucketsVersion={bucketsVersion[c.id] ?? 0}
            currentBucket={current && current.connectionId === c.id ? current.bucket : null}
            {...actions}
          />
        ))}
      </ul>
      <div className="sidebar-footer">
        <button
          type="button"
          className={transfersOpen ? "sidebar-entry current" : "sidebar-entry"}
          data-testid="sidebar-transfers"
          aria-current={transfersOpen ? "page" : undefined}
          onClick={onOpenTransfers}
        >
          <ArrowDownUp size={16} aria-hidden />
          <span>Transfers</span>
          {badge && (
            <span className={transfers.failed > 0 ? "sidebar-badge failed" : "sidebar-badge"} data-testid="transfers-badge">
              {badge}
            </span>
          )}
        </button>
      </div>
    </nav>
  );
}
