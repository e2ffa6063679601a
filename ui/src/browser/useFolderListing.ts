import { useEffect, useState, useSyncExternalStore } from "react";
import type { Entry } from "../bindings";
import { ListingStore, type ListingSnapshot } from "./listingStore";
import { sameLocation, type Location } from "./location";

const NOTHING: readonly Entry[] = [];

/**
 * Lists `location` while the component is mounted; `reloadToken` changes mean "list again".
 * Leaving (unmount or another location) cancels a listing still running.
 */
export function useFolderListing(location: Location, reloadToken: string): ListingSnapshot {
  const [store] = useState(() => new ListingStore());
  const { connectionId, bucket, prefix } = location;

  useEffect(() => {
    store.start({ connectionId, bucket, prefix });
    return () => store.stop();
  }, [store, connectionId, bucket, prefix, reloadToken]);

  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  // Before the effect has started the new listing, don't show the previous folder's rows.
  if (!sameLocation(snapshot.location, location)) {
    return { location, listingId: 0, entries: NOTHING, loading: true, error: null, refreshing: false };
  }
  return snapshot;
}
