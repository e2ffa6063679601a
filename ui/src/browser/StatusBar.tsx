import { memo } from "react";
import { formatBytes, formatCount, plural } from "../lib/format";

type Props = {
  total: number;
  shown: number;
  filtering: boolean;
  loading: boolean;
  selectedCount: number;
  selectedBytes: number;
  message: string | null;
};

/** "N items", "Loading… N so far", what is selected and how big it is. */
export const StatusBar = memo(function StatusBar(p: Props) {
  const main = p.loading ? `Loading… ${formatCount(p.total)} so far` : plural(p.total, "item");
  return (
    <div className="status-bar" data-testid="list-status" aria-live="polite">
      <span data-testid="status-count">{main}</span>
      {p.filtering && <span className="status-part">{formatCount(p.shown)} shown</span>}
      {p.selectedCount > 0 && (
        <span className="status-part" data-testid="status-selection">
          {formatCount(p.selectedCount)} selected{p.selectedBytes > 0 ? `, ${formatBytes(p.selectedBytes)}` : ""}
        </span>
      )}
      <span className="spacer" />
      {p.message && (
        <span className="status-message" data-testid="status-message">
          {p.message}
        </span>
      )}
    </div>
  );
});
