import { useEffect } from "react";
import { ArrowDownUp, FolderInput, FolderSync, Plus, Settings } from "lucide-react";
import type { Connection, TransferTotals } from "../bindings";
import { usePairs, type PairsStore } from "../sync/pairsStore";
import { statusLine, type Tone } from "../sync/status";
import { ConnectionItem, type ConnectionActions } from "./ConnectionItem";

/** The main area's screens besides the bucket browser. */
export type View = "browser" | "sync" | "settings" | "transfers";

type Props = ConnectionActions & {
  connections: Connection[];
  expanded: ReadonlySet<string>;
  bucketsVersion: Readonly<Record<string, number>>;
  current: { connectionId: string; bucket: string } | null;
  onAdd: () => void;
  onImport: () => void;
  view: View;
  onView: (view: View) => void;
  pairs: PairsStore;
  transfers: TransferTotals;
};

/** "3 running · 1 failed": what the Transfers entry shows next to its name. */
export function transfersBadge(t: TransferTotals): string {
  const parts: string[] = [];
  if (t.active > 0) parts.push(`${t.active} running`);
  if (t.paused > 0) parts.push(`${t.paused} paused`);
  if (t.failed > 0) parts.push(`${t.failed} failed`);
  return parts.join(" · ");
}

const TONE_RANK: Tone[] = ["ok", "paused", "busy", "warn", "error"];

export function Sidebar({
  connections,
  expanded,
  bucketsVersion,
  current,
  onAdd,
  onImport,
  view,
  onView,
  pairs,
  transfers,
  ...actions
}: Props) {
  const badge = transfersBadge(transfers);
  const snapshot = usePairs(pairs);
  useEffect(() => {
    void pairs.load();
  }, [pairs]);
  // The sidebar shows the most pressing state of all synced folders.
  const tone = snapshot.pairs
    .map((p) => statusLine(p.status).tone)
    .reduce<Tone | null>((worst, t) => (worst === null || TONE_RANK.indexOf(t) > TONE_RANK.indexOf(worst) ? t : worst), null);
  return (
    <nav className="sidebar" data-testid="sidebar" aria-label="Connections">
      <ul className="sidebar-nav">
        <li>
          <button
            type="button"
            className={view === "sync" ? "nav-item selected" : "nav-item"}
            data-testid="nav-sync"
            aria-current={view === "sync"}
            onClick={() => onView("sync")}
          >
            <FolderSync size={15} aria-hidden />
            <span className="grow">Synced folders</span>
            {tone && <span className={`status-dot tone-${tone}`} data-testid="nav-sync-status" data-tone={tone} />}
          </button>
        </li>
        <li>
          <button
            type="button"
            className={view === "settings" ? "nav-item selected" : "nav-item"}
            data-testid="nav-settings"
            aria-current={view === "settings"}
            onClick={() => onView("settings")}
          >
            <Settings size={15} aria-hidden />
            <span className="grow">Settings</span>
          </button>
        </li>
      </ul>
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
          className={view === "transfers" ? "sidebar-entry current" : "sidebar-entry"}
          data-testid="sidebar-transfers"
          aria-current={view === "transfers" ? "page" : undefined}
          onClick={() => onView("transfers")}
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
