// The transfer list as the UI keeps it: the whole list watch_transfers sends first, then its
// deltas merged in (changed items replaced by id, removed ones dropped).
import type { ClashPolicy, TransferTotals, TransferView, TransfersUpdate } from "../bindings";
import { formatBytes } from "../lib/format";

export type TransferList = { items: TransferView[]; totals: TransferTotals };

export const emptyTotals: TransferTotals = {
  active: 0,
  paused: 0,
  failed: 0,
  done: 0,
  totalBytes: 0,
  doneBytes: 0,
  bytesPerSec: 0,
  etaSecs: null,
};

export const emptyList: TransferList = { items: [], totals: emptyTotals };

/** Merges an update into the list; a `full` update replaces it. New items go to the end. */
export function applyUpdate(list: TransferList, update: TransfersUpdate): TransferList {
  if (update.full) return { items: update.changed, totals: update.totals };
  const removed = new Set(update.removed);
  const changed = new Map(update.changed.map((t) => [t.id, t]));
  const items: TransferView[] = [];
  for (const item of list.items) {
    if (removed.has(item.id)) continue;
    const next = changed.get(item.id);
    if (next) changed.delete(item.id);
    items.push(next ?? item);
  }
  for (const item of update.changed) if (changed.has(item.id)) items.push(item);
  return { items, totals: update.totals };
}

/** "3 min left", "12 s left", "1 h 5 min left". */
export function formatEta(secs: number | null): string {
  if (secs === null) return "";
  if (secs < 60) return `${Math.max(1, Math.round(secs))} s left`;
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins} min left`;
  const h = Math.floor(mins / 60);
  return `${h} h ${mins % 60} min left`;
}

export function formatSpeed(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${formatBytes(bytesPerSec)}/s` : "";
}

/** 0–100, for progress bars. */
export function percent(done: number, total: number): number {
  if (total <= 0) return done > 0 ? 100 : 0;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** The last segment of a key or path, for a row's title. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[/\\]+$/, "");
  const i = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

/** Ids of the items a bulk action applies to. */
export function idsWhere(items: TransferView[], states: TransferView["state"][]): string[] {
  return items.filter((t) => states.includes(t.state)).map((t) => t.id);
}

/** The name-clash answer: one policy for all, and the per-key exceptions. */
export type ClashAnswer = { policy: ClashPolicy; perKey: Record<string, ClashPolicy> };

/** Drops per-key choices equal to the policy for all (they change nothing). */
export function clashArgs(policy: ClashPolicy, perKey: Record<string, ClashPolicy>): ClashAnswer {
  const out: Record<string, ClashPolicy> = {};
  for (const [k, v] of Object.entries(perKey)) if (v !== policy) out[k] = v;
  return { policy, perKey: out };
}

/** "Uploading 12 files (4.2 MB)" etc., for the status bar after queuing. */
export function queuedMessage(direction: "upload" | "download", queued: number, bytes: number, skipped: number): string {
  const verb = direction === "upload" ? "Uploading" : "Downloading";
  const what = queued === 1 ? "1 file" : `${queued} files`;
  const skip = skipped > 0 ? `, ${skipped} skipped` : "";
  if (queued === 0) return skipped > 0 ? `Nothing to ${direction}: ${skipped} skipped` : `Nothing to ${direction}`;
  return `${verb} ${what} (${formatBytes(bytes)})${skip} — see Transfers`;
}
