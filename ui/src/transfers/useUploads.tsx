// Uploads and downloads started from a folder: dropped or picked files are checked for name
// clashes (asking when any exist) and queued; selected files and folders are queued for download
// into a folder the user picks. The pickers run in the backend and drops are caught there: this
// window only ever holds grants (opaque ids for what the user chose), never paths it could make up.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { Channel } from "@tauri-apps/api/core";
import { commands, type PathGrant, type UiError } from "../bindings";
import { call } from "../lib/ipc";
import type { Location } from "../browser/location";
import { ClashDialog } from "./ClashDialog";
import { queuedMessage, type ClashAnswer } from "./model";

type Pending = { grant: PathGrant; existing: string[]; files: number };

type Options = {
  location: Location;
  /** A sentence for the status bar. */
  onMessage: (text: string) => void;
  onError: (error: UiError) => void;
  /** Uploads into this folder are about to be queued (told first: small files can be done at once). */
  onUploadTo: (target: Location) => void;
};

/** Upload and download actions of one folder, the drop highlight, and the name-clash dialog. */
export function useUploads({ location, onMessage, onError, onUploadTo }: Options): {
  uploadGranted: (grant: PathGrant) => Promise<void>;
  pickAndUpload: (folders: boolean) => Promise<void>;
  download: (keys: string[]) => Promise<void>;
  dropping: boolean;
  dialog: ReactNode;
} {
  const [pending, setPending] = useState<Pending | null>(null);
  const [dropping, setDropping] = useState(false);
  const { connectionId, bucket, prefix } = location;

  const enqueue = useCallback(
    async (grant: PathGrant, answer: ClashAnswer) => {
      onUploadTo({ connectionId, bucket, prefix });
      const r = await call(commands.uploadPaths(connectionId, bucket, prefix, grant.id, answer.policy, answer.perKey));
      if (r.status === "error") return onError(r.error);
      onMessage(queuedMessage("upload", r.data.queued, r.data.bytes, r.data.skippedExisting + r.data.skipped.length));
    },
    [connectionId, bucket, prefix, onMessage, onError, onUploadTo],
  );

  const uploadGranted = useCallback(
    async (grant: PathGrant) => {
      const check = await call(commands.checkUpload(connectionId, bucket, prefix, grant.id));
      if (check.status === "error") return onError(check.error);
      if (check.data.existing.length > 0) {
        setPending({ grant, existing: check.data.existing, files: check.data.files });
        return;
      }
      await enqueue(grant, { policy: "replace", perKey: {} });
    },
    [connectionId, bucket, prefix, enqueue, onError],
  );

  const pickAndUpload = useCallback(
    async (folders: boolean) => {
      const picked = await call(commands.pickUpload(folders));
      if (picked.status === "error") return onError(picked.error);
      if (picked.data) await uploadGranted(picked.data);
    },
    [uploadGranted, onError],
  );

  const download = useCallback(
    async (keys: string[]) => {
      if (keys.length === 0) return;
      const dest = await call(commands.pickDownloadFolder());
      if (dest.status === "error") return onError(dest.error);
      if (!dest.data) return;
      const r = await call(commands.downloadItems(connectionId, bucket, keys, dest.data.id));
      if (r.status === "error") return onError(r.error);
      onMessage(queuedMessage("download", r.data.queued, r.data.bytes, r.data.skipped.length));
    },
    [connectionId, bucket, onMessage, onError],
  );

  // Files dropped from the desktop: the webview's event drives the highlight; the backend turns
  // the drop itself into a grant and sends it through the channel this folder gave watch_drops
  // (the latest folder view's channel wins).
  useEffect(() => {
    const unlisteners: (() => void)[] = [];
    let live = true;
    const keep = (u: () => void) => {
      if (live) unlisteners.push(u);
      else u();
    };
    let webview;
    try {
      webview = getCurrentWebview();
    } catch {
      // Outside the app window (component tests) there is no webview and no drops.
      return;
    }
    webview
      .onDragDropEvent((e) => setDropping(e.payload.type === "enter" || e.payload.type === "over"))
      .then(keep)
      .catch(() => {
        // Outside the app window (component tests) there are no drops.
      });
    const drops = new Channel<PathGrant>();
    drops.onmessage = (grant) => {
      if (live) void uploadGranted(grant);
    };
    // Fails only without the IPC bridge: then there are no drops either.
    void commands.watchDrops(drops).catch(() => undefined);
    return () => {
      live = false;
      unlisteners.forEach((u) => u());
    };
  }, [uploadGranted]);

  const dialog = pending ? (
    <ClashDialog
      existing={pending.existing}
      files={pending.files}
      onCancel={() => setPending(null)}
      onAnswer={(answer) => {
        const grant = pending.grant;
        setPending(null);
        void enqueue(grant, answer);
      }}
    />
  ) : null;

  return { uploadGranted, pickAndUpload, download, dropping, dialog };
}
