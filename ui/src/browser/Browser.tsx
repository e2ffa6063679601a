import { useCallback, useEffect, useRef, useState } from "react";
import type { Reveal } from "../transfers/feedback";
import type { Clip } from "./clipboardActions";
import { FolderView } from "./FolderView";
import { sameLocation, type Location } from "./location";
import { defaultSort, toggleSort, type SortKey, type SortSpec } from "./sort";

type Props = {
  location: Location;
  /** Bumped when the connection was edited: list again with the new settings. */
  revision: number;
  canBack: boolean;
  canForward: boolean;
  onBack: () => void;
  onForward: () => void;
  onNavigate: (location: Location) => void;
  onEditConnection: (connectionId: string) => void;
  onLeaveBucket: () => void;
  /** Transfers finished so far: when it grows, the folder is listed again (new uploads show). */
  transfersDone: number;
  /** Entries to select in a folder (just uploaded there), when that folder is the one open. */
  reveal: Reveal | null;
  /** Uploads are being queued into this folder. */
  onUploadTo: (target: Location) => void;
};

/**
 * When going up from a/b/c/ to a/, the folder to select is a/b/: the child of the new folder on
 * the path we came from.
 */
export function childOnPath(from: Location | null, to: Location): string | null {
  if (!from || from.connectionId !== to.connectionId || from.bucket !== to.bucket) return null;
  if (from.prefix.length <= to.prefix.length || !from.prefix.startsWith(to.prefix)) return null;
  const rest = from.prefix.slice(to.prefix.length);
  const slash = rest.indexOf("/");
  return slash < 0 ? null : to.prefix + rest.slice(0, slash + 1);
}

/** The main area for an open bucket. Sort order and the properties panel persist across folders. */
export function Browser({ location, revision, onNavigate, onEditConnection, transfersDone, reveal, onUploadTo, ...nav }: Props) {
  const [sort, setSort] = useState<SortSpec>(defaultSort);
  const [clipboard, setClipboard] = useState<Clip | null>(null);
  const [propertiesOpen, setPropertiesOpen] = useState(false);
  const [reloadToken, setReloadToken] = useState(0);
  const seenDone = useRef(transfersDone);

  // Finished transfers may have added files here: list again, at most about once a second.
  useEffect(() => {
    if (transfersDone <= seenDone.current) {
      seenDone.current = transfersDone;
      return;
    }
    const t = setTimeout(() => {
      seenDone.current = transfersDone;
      setReloadToken((n) => n + 1);
    }, 800);
    return () => clearTimeout(t);
  }, [transfersDone]);
  const [track, setTrack] = useState<{ at: Location; from: Location | null }>({ at: location, from: null });

  // Remember where we came from (derived state, updated during render as React recommends).
  let from = track.from;
  if (track.at !== location) {
    from = track.at;
    setTrack({ at: location, from });
  }

  const onSort = useCallback((key: SortKey) => setSort((s) => toggleSort(s, key)), []);
  const onRefresh = useCallback(() => setReloadToken((t) => t + 1), []);
  const navigatePrefix = useCallback(
    (prefix: string) => onNavigate({ connectionId: location.connectionId, bucket: location.bucket, prefix }),
    [onNavigate, location.connectionId, location.bucket],
  );

  return (
    <FolderView
      key={JSON.stringify([location.connectionId, location.bucket, location.prefix])}
      location={location}
      reloadToken={`${revision}/${reloadToken}`}
      sort={sort}
      onSort={onSort}
      propertiesOpen={propertiesOpen}
      onPropertiesOpen={setPropertiesOpen}
      canBack={nav.canBack}
      canForward={nav.canForward}
      onBack={nav.onBack}
      onForward={nav.onForward}
      onRefresh={onRefresh}
      onNavigate={navigatePrefix}
      initialFocusKey={childOnPath(from, location)}
      onEditConnection={() => onEditConnection(location.connectionId)}
      onLeaveBucket={nav.onLeaveBucket}
      clipboard={clipboard}
      onClipboard={setClipboard}
      reveal={reveal && sameLocation(reveal.location, location) ? reveal : null}
      onUploadTo={onUploadTo}
    />
  );
}
