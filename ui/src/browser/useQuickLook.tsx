// Quick look over a folder's listing: which file is shown, and stepping to the files around it
// in the order the list shows them (folders are skipped).
import { useCallback, useMemo, useState, type ReactNode } from "react";
import type { Entry } from "../bindings";
import type { Location } from "./location";
import { PreviewDialog } from "./PreviewDialog";

/** The file keys of `entries`, in their order. */
export function fileKeys(entries: readonly Entry[]): string[] {
  return entries.filter((e) => e.kind === "file").map((e) => e.key);
}

/**
 * `visible` is the list as shown (sorted and filtered); `onShow` is told each file stepped to,
 * so the list's selection can follow the preview.
 */
export function useQuickLook(
  location: Location,
  visible: readonly Entry[],
  onShow: (key: string) => void,
): { open: (entry: Entry) => void; dialog: ReactNode } {
  const [key, setKey] = useState<string | null>(null);
  const files = useMemo(() => fileKeys(visible), [visible]);
  const open = useCallback((entry: Entry) => {
    if (entry.kind === "file") setKey(entry.key);
  }, []);
  const close = useCallback(() => setKey(null), []);

  let dialog: ReactNode = null;
  if (key !== null) {
    const at = files.indexOf(key);
    const stepTo = (next: string | undefined) =>
      next === undefined
        ? null
        : () => {
            setKey(next);
            onShow(next);
          };
    dialog = (
      <PreviewDialog
        connectionId={location.connectionId}
        bucket={location.bucket}
        fileKey={key}
        onClose={close}
        // A file no longer listed (refreshed away, filtered out) has no neighbours.
        onPrev={at > 0 ? stepTo(files[at - 1]) : null}
        onNext={at >= 0 ? stepTo(files[at + 1]) : null}
        position={at >= 0 ? { index: at + 1, count: files.length } : null}
      />
    );
  }
  return { open, dialog };
}
