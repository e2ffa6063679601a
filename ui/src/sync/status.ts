// Words for a pair's state, mode and activity: one place, so the list, the detail view and the
// tests agree. Pure functions only.
import type { Mode, PairFile, PairInfo, PairStatus } from "../bindings";
import { plural } from "../lib/format";

export type Tone = "ok" | "busy" | "paused" | "warn" | "error";

/** A short status line and its tone (icon and colour). */
export function statusLine(s: PairStatus): { text: string; tone: Tone } {
  switch (s.state) {
    case "starting":
      return { text: "Starting…", tone: "busy" };
    case "syncing":
      if (s.total > 0) {
        const left = Math.max(0, s.total - s.done);
        return { text: `Syncing ${plural(left, "file")}…`, tone: "busy" };
      }
      return { text: "Looking for changes…", tone: "busy" };
    case "upToDate":
      return {
        text: s.conflicts > 0 ? `Up to date · ${plural(s.conflicts, "conflict")}` : "Up to date",
        tone: s.conflicts > 0 ? "warn" : "ok",
      };
    case "paused":
      return { text: "Paused", tone: "paused" };
    case "offline":
      return { text: "Offline — retrying", tone: "warn" };
    case "needsAttention":
      return { text: s.deletionsHeld ? "Deletions held back" : "Needs attention", tone: "error" };
  }
}

/** Progress of the current pass as a fraction, or null when unknown. */
export function progressFraction(s: PairStatus): number | null {
  if (s.state !== "syncing" || s.total === 0) return null;
  return Math.min(1, s.done / s.total);
}

export const MODES: { mode: Mode; label: string; help: string }[] = [
  {
    mode: "TwoWay",
    label: "Two-way",
    help: "Changes on either side appear on the other, like Dropbox.",
  },
  {
    mode: "UploadOnly",
    label: "Upload only",
    help: "Files from this computer go to the bucket. Nothing on this computer is ever changed or deleted.",
  },
  {
    mode: "DownloadOnly",
    label: "Download only",
    help: "Files from the bucket come to this computer. Nothing in the bucket is ever changed or deleted.",
  },
];

export function modeLabel(mode: Mode): string {
  return MODES.find((m) => m.mode === mode)?.label ?? mode;
}

/** The last part of a local path: what the user calls the folder. */
export function folderName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== "");
  return parts[parts.length - 1] ?? path;
}

/** `bucket/prefix` as the user sees it. */
export function remoteLabel(pair: Pick<PairInfo, "bucket" | "prefix">): string {
  return pair.prefix === "" ? pair.bucket : `${pair.bucket}/${pair.prefix.replace(/\/$/, "")}`;
}

/** Where one file of a pair stands, in words. */
export function fileStateText(f: Pick<PairFile, "state" | "deletedHere">): string {
  if (f.deletedHere) return "Deleted here — removing from the bucket";
  switch (f.state) {
    case "synced":
      return "Synced";
    case "waiting":
      return "Waiting to sync";
    case "ignored":
      return "Ignored — stays on this computer";
    case "conflict":
      return "Conflict copy";
    case "leftOut":
      return "Not synced (a link or an unusable name)";
  }
}
