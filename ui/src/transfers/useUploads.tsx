// Uploads and downloads started from a folder: dropped or picked paths are checked for name
// clashes (asking when any exist) and queued; selected files and folders are queued for download
// into a folder the user picks. Drop, Upload button and e2e all go through uploadPaths.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open } from "@tauri-apps/plugin-dialog";
import { commands, type UiError } from "../bindings";
import { call } from "../lib/ipc";
import type { Location } from "../browser/location";
import { ClashDialog } from "./ClashDialog";
import { queuedMessage, type ClashAnswer } from "./model";

type Pending = { paths: string[]; existing: string[]; files: number };

type Options = {
  location: Location;
  /** A sentence for the status bar. */
  onMessage: (text: string) => void;
  onError: (error: UiError) => void;
  /** Something was queued: the folder may show new names soon. */
  onQueued: () => void;
};

export function useUploads({ location, onMessage, onError, onQueued }: Options): {
  uploadPaths: (paths: string[]) => Promise<void>;
  pickAndUpload: (folders: boolean) => Promise<void>;
  download: (keys: string[]) => Promise<void>;
  dropping: boolean;
  dialog: ReactNode;
} {
  const [pending, setPending] = useState<Pending | null>(null);
  const [dropping, setDropping] = useState(false);
  const { connectionId, bucket, prefix } = location;

  const enqueue = useCallback(
    async (paths: string[], answer: ClashAnswer) => {
      const r = await call(commands.uploadPaths(connectionId, bucket, prefix, paths, answer.policy, answer.perKey));
      if (r.status === "error") return onError(r.error);
      onMessage(queuedMessage("upload", r.data.queued, r.data.bytes, r.data.skippedExisting + r.data.skipped.length));
      onQueued();
    },
    [connectionId, bucket, prefix, onMessage, onError, onQueued],
  );

  const uploadPaths = useCallback(
    async (paths: string[]) => {
      if (paths.length === 0) return;
      const check = await call(commands.checkUpload(connectionId, bucket, prefix, paths));
      if (check.status === "error") return onError(check.error);
      if (check.data.existing.length > 0) {
        setPending({ paths, existing: check.data.existing, files: check.data.files });
        return;
      }
      await enqueue(paths, { policy: "replace", perKey: {} });
    },
    [connectionId, bucket, prefix, enqueue, onError],
  );

  const pickAndUpload = useCallback(
    async (folders: boolean) => {
      const picked = await open({ multiple: true, directory: folders, title: folders ? "Upload folders" : "Upload files" });
      if (picked === null) return;
      await uploadPaths(Array.isArray(picked) ? picked : [picked]);
    },
    [uploadPaths],
  );

  const download = useCallback(
    async (keys: string[]) => {
      if (keys.length === 0) return;
      const home = await call(commands.defaultDownloadDir());
      const dest = await open({
        directory: true,
        multiple: false,
        title: "Download to…",
        defaultPath: home.status === "ok" ? home.data : undefined,
      });
      if (dest === null || Array.isArray(dest)) return;
      const r = await call(commands.downloadItems(connectionId, bucket, keys, dest));
      if (r.status === "error") return onError(r.error);
      onMessage(queuedMessage("download", r.data.queued, r.data.bytes, r.data.skipped.length));
    },
    [connectionId, bucket, onMessage, onError],
  );

  // Files dropped from the desktop: Tauri gives their paths (the web drop event would not).
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let live = true;
    let webview;
    try {
      webview = getCurrentWebview();
    } catch {
      // Outside the app window (component tests) there is no webview and no drops.
      return;
    }
    webview
      .onDragDropEvent((e) => {
        if (e.payload.type === "enter" || e.payload.type === "over") setDropping(true);
        else if (e.payload.type === "leave") setDropping(false);
        else {
          setDropping(false);
          void uploadPaths(e.payload.paths);
        }
      })
      .then((u) => {
        if (live) unlisten = u;
        else u();
      })
      .catch(() => {
        // Outside the app window (component tests) there are no drops.
      });
    return () => {
      live = false;
      unlisten?.();
    };
  }, [uploadPaths]);

  const dialog = pending ? (
    <ClashDialog
      existing={pending.existing}
      files={pending.files}
      onCancel={() => setPending(null)}
      onAnswer={(answer) => {
        const paths = pending.paths;
        setPending(null);
        void enqueue(paths, answer);
      }}
    />
  ) : null;

  return { uploadPaths, pickAndUpload, download, dropping, dialog };
}
