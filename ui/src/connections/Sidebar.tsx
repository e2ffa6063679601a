import { FolderInput, Plus } from "lucide-react";
import type { Connection } from "../bindings";
import { ConnectionItem, type ConnectionActions } from "./ConnectionItem";

type Props = ConnectionActions & {
  connections: Connection[];
  expanded: ReadonlySet<string>;
  bucketsVersion: Readonly<Record<string, number>>;
  current: { connectionId: string; bucket: string } | null;
  onAdd: () => void;
  onImport: () => void;
};

export function Sidebar({ connections, expanded, bucketsVersion, current, onAdd, onImport, ...actions }: Props) {
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
    </nav>
  );
}
