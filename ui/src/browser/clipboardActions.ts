// Cut, copy and paste of files and folders within a connection (Ctrl+X/C/V and the context menu).
// The clip is the app's own, not the system clipboard: it holds S3 keys, which only mean
// something to the connection they came from.
import { commands, type Entry, type UiError } from "../bindings";
import { call } from "../lib/ipc";
import type { Location } from "./location";

/** Files and folders cut or copied, to paste into another folder of the same connection. */
export type Clip = { connectionId: string; bucket: string; keys: string[]; names: string[]; cut: boolean };

type Options = {
  location: Location;
  clipboard: Clip | null;
  onClipboard: (clip: Clip | null) => void;
  /** A sentence for the status bar. */
  flash: (text: string) => void;
  /** What is in flight ("Copying 3 items…"), or null when done. */
  onBusy: (text: string | null) => void;
  onError: (error: UiError) => void;
  /** After a paste: list the folder again and select `key`. */
  onChanged: (text: string, key: string | null) => void;
};

/** “a.txt” for one name, "3 items" for more. */
function what(names: string[]): string {
  return names.length === 1 ? `“${names[0] ?? ""}”` : `${names.length} items`;
}

/** Cut/copy into the clip, and paste it here or into a folder of this one. */
export function clipboardActions(o: Options) {
  const { location, clipboard } = o;
  const canPaste = clipboard !== null && clipboard.connectionId === location.connectionId;

  function clip(entries: Entry[], cut: boolean) {
    if (entries.length === 0) return;
    const names = entries.map((e) => e.name);
    o.onClipboard({ connectionId: location.connectionId, bucket: location.bucket, keys: entries.map((e) => e.key), names, cut });
    o.flash(`${cut ? "Cut" : "Copied"} ${what(names)} — paste in another folder`);
  }

  /** Pastes into this folder, or into `folder` (a folder entry of this one). */
  async function paste(folder?: Entry) {
    if (!clipboard || !canPaste) return;
    const into = folder?.kind === "folder" ? folder : undefined;
    o.onBusy(`${clipboard.cut ? "Moving" : "Copying"} ${what(clipboard.names)}…`);
    const toPrefix = into ? into.key : location.prefix;
    const args = [location.connectionId, clipboard.bucket, clipboard.keys, location.bucket, toPrefix] as const;
    const result = await call(clipboard.cut ? commands.moveItems(...args) : commands.copyItems(...args));
    o.onBusy(null);
    if (result.status === "error") {
      o.onError(result.error);
      return;
    }
    if (clipboard.cut) o.onClipboard(null);
    const n = result.data.objects;
    const where = into ? ` into “${into.name}”` : "";
    const text = `${clipboard.cut ? "Moved" : "Copied"} ${n} ${n === 1 ? "object" : "objects"}${where}`;
    // Pasted into a subfolder, the new keys are not in this listing: select that folder instead.
    o.onChanged(text, into ? into.key : (result.data.keys[0] ?? null));
  }

  return { clip, paste, canPaste };
}
