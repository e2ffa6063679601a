// What the file operations (new folder, rename, delete, share link) need besides React: name
// checks before anything is sent, the wording of the delete question, share-link lifetimes.
// Pure functions; the backend checks everything again.
import type { Entry, PrefixSummary } from "../bindings";
import { formatBytes, plural } from "../lib/format";

/** The key an entry named `name` gets inside the folder `prefix`. */
export function childKey(prefix: string, name: string, folder: boolean): string {
  return folder ? `${prefix}${name}/` : `${prefix}${name}`;
}

/**
 * Why `name` cannot be used in this folder, in a sentence, or null when it can. `siblings` are the
 * folder's listed entries; `self` is the key being renamed (its own name is not a clash).
 */
export function nameProblem(name: string, siblings: readonly Entry[], self: string | null = null): string | null {
  if (name.trim() === "") return "Type a name.";
  if (name.includes("/")) return "Names cannot contain “/”: S3 uses it to separate folders.";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return "Names cannot contain control characters (like line breaks or tabs).";
  if (name === "." || name === "..") return `“${name}” cannot be used as a name.`;
  const clash = siblings.find((e) => e.name === name && e.key !== self);
  if (clash) return `There is already a ${clash.kind === "folder" ? "folder" : "file"} named “${name}” here.`;
  return null;
}

/**
 * Where to put the caret when renaming: a file's name without its extension is selected (like
 * Finder and Files), a folder's whole name.
 */
export function renameSelection(name: string, folder: boolean): [number, number] {
  if (folder) return [0, name.length];
  const dot = name.lastIndexOf(".");
  return dot > 0 ? [0, dot] : [0, name.length];
}

/** The delete confirmation's title: “Delete “photos”?” or “Delete 3 items?”. */
export function deleteTitle(entries: readonly Entry[]): string {
  const only = entries.length === 1 ? entries[0] : undefined;
  return only ? `Delete “${only.name}”?` : `Delete ${plural(entries.length, "item")}?`;
}

/** “Delete 3 items (12.4 MB)? This cannot be undone unless the bucket keeps versions.” */
export function deleteQuestion(summary: PrefixSummary): string {
  const size = summary.bytes > 0 ? ` (${formatBytes(summary.bytes)})` : "";
  return `Delete ${plural(summary.objects, "item")}${size}? This cannot be undone unless the bucket keeps versions.`;
}

/** What the status bar says after a delete. */
export function deletedMessage(count: number): string {
  return `Deleted ${plural(count, "item")}`;
}

/** What the status bar says after copying S3 paths to the system clipboard (`ok` false when that failed). */
export function copiedMessage(paths: readonly string[], ok: boolean): string {
  if (!ok) return "Couldn’t copy to the clipboard.";
  return paths.length === 1 ? `Copied ${paths[0]}` : `Copied ${paths.length} S3 paths`;
}

/** The lifetimes a share link can have (S3 signatures last at most 7 days). */
export const SHARE_EXPIRIES = [
  { seconds: 60 * 60, label: "1 hour" },
  { seconds: 24 * 60 * 60, label: "1 day" },
  { seconds: 7 * 24 * 60 * 60, label: "7 days" },
] as const;

export const DEFAULT_SHARE_EXPIRY = SHARE_EXPIRIES[1].seconds;

/** Versions of a file as the panel lists them: the current one is marked, deletions are named. */
export function versionLabel(v: { isLatest: boolean; isDeleteMarker: boolean }): string {
  if (v.isDeleteMarker) return v.isLatest ? "Deleted (current)" : "Deleted";
  return v.isLatest ? "Current version" : "Earlier version";
}

/** A name for a new folder that is not taken: “New folder”, “New folder 2”, … */
export function freeName(base: string, siblings: readonly Entry[]): string {
  const taken = new Set(siblings.map((e) => e.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const name = `${base} ${n}`;
    if (!taken.has(name)) return name;
  }
}
