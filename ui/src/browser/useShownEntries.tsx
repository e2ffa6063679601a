import { useMemo, useState, type ReactNode } from "react";
import type { UiError } from "../bindings";
import { Spinner } from "../components/Spinner";
import { filterEntries } from "./filter";
import type { ListingSnapshot } from "./listingStore";
import { SortedView, type SortSpec } from "./sort";

/** The listing as shown (sorted, then filtered); one SortedView per folder sorts streamed rows incrementally. */
export function useShownEntries(listing: ListingSnapshot, sort: SortSpec) {
  const [view] = useState(() => new SortedView());
  const [filter, setFilter] = useState("");

  const sorted = useMemo(
    () => view.update(listing.entries, listing.listingId, sort),
    [view, listing.entries, listing.listingId, sort],
  );
  const visible = useMemo(() => filterEntries(sorted, filter), [sorted, filter]);
  const order = useMemo(() => visible.map((e) => e.key), [visible]);

  return { filter, setFilter, filtering: filter.trim() !== "", sorted, visible, order };
}

/**
 * What the list shows when it has no rows. Beside a listing error it shows nothing: the error says it.
 * `listed` is how many entries there are before filtering.
 */
export function listPlaceholder(loading: boolean, error: UiError | null, filter: string, listed: number): ReactNode {
  if (loading) return <Spinner label="Loading…" />;
  if (error) return null;
  if (filter.trim() !== "" && listed > 0)
    return (
      <p className="empty-note" data-testid="no-match">
        No items match “{filter.trim()}”.
      </p>
    );
  return (
    <p className="empty-note" data-testid="empty-folder">
      This folder is empty
    </p>
  );
}
