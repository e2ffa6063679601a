// What to tell the user when transfers finish, worked out from the stream of transfer lists.
//
// A batch is the transfers of one direction that had work to do together: it starts when one is
// queued and ends when none of them is queued or running any more. Paused ones do not hold it
// open (a transfer paused yesterday would otherwise keep every later batch from finishing); they
// join a later batch once resumed. Cancelled ones are left out of the count: the user did that.
import type { Direction, TransferState, TransferView } from "../bindings";
import { sameLocation, type Location } from "../browser/location";
import { baseName } from "./model";

/** A folder's entries to select once listed; a new id asks again. */
export type Reveal = { id: number; location: Location; keys: string[] };

/** What a toast's Show button does. */
export type ShowTarget = { kind: "folder"; location: Location; keys: string[] } | { kind: "transfers" };

/** A short message about finished transfers. */
export type Toast = { id: number; text: string; failed: boolean; show: ShowTarget };

/** A batch that just ended: its done and its failed transfers. */
export type FinishedBatch = { direction: Direction; done: TransferView[]; failed: TransferView[] };

type Run = ReadonlyMap<string, TransferView>;

/** Batches being followed. `listed` is null until the first snapshot came in. */
export type Tracker = { listed: ReadonlySet<string> | null; runs: Readonly<Record<Direction, Run>> };

export const newTracker: Tracker = { listed: null, runs: { upload: new Map(), download: new Map() } };

const ACTIVE: ReadonlySet<TransferState> = new Set<TransferState>(["queued", "running"]);
const DIRECTIONS: readonly Direction[] = ["upload", "download"];

/**
 * Follows one more state of the transfer list: which batches just ended. A transfer joins the
 * batch of its direction while it has work to do, or when it first shows up already done or
 * failed (too quick to be seen running). What the first snapshot holds finished is history.
 */
export function trackBatches(
  t: Tracker,
  items: readonly TransferView[],
): { tracker: Tracker; finished: FinishedBatch[] } {
  const runs: Record<Direction, Map<string, TransferView>> = {
    upload: new Map(t.runs.upload),
    download: new Map(t.runs.download),
  };
  for (const item of items) {
    const run = runs[item.direction];
    const appeared = t.listed !== null && !t.listed.has(item.id);
    if (run.has(item.id) || ACTIVE.has(item.state) || (appeared && (item.state === "done" || item.state === "failed"))) {
      run.set(item.id, item);
    }
  }
  const listed = new Set(items.map((i) => i.id));
  const finished: FinishedBatch[] = [];
  for (const direction of DIRECTIONS) {
    const run = runs[direction];
    // Gone from the list while it still had work: cleared away, nothing to report.
    for (const [id, v] of run) if (!listed.has(id) && ACTIVE.has(v.state)) run.delete(id);
    if (run.size === 0 || [...run.values()].some((v) => ACTIVE.has(v.state))) continue;
    const members = [...run.values()];
    runs[direction] = new Map();
    const done = members.filter((v) => v.state === "done");
    const failed = members.filter((v) => v.state === "failed");
    if (done.length + failed.length > 0) finished.push({ direction, done, failed });
  }
  return { tracker: { listed, runs }, finished };
}

/** The longest folder ("a/b/") that holds every key. */
function commonFolder(keys: readonly string[]): string {
  let common = keys[0] ?? "";
  for (const k of keys) {
    let i = 0;
    while (i < common.length && i < k.length && common[i] === k[i]) i++;
    common = common.slice(0, i);
  }
  return common.slice(0, common.lastIndexOf("/") + 1);
}

/** `key`'s entry as listed in `prefix`: the key itself, or the subfolder that holds it. */
function entryUnder(prefix: string, key: string): string {
  const slash = key.indexOf("/", prefix.length);
  return slash < 0 ? key : key.slice(0, slash + 1);
}

/**
 * The folder uploads went into and the entries there to select. The folder is the deepest one
 * uploads were started into (`targets`) that holds them all (a dropped folder then shows as one
 * entry), else the deepest folder that holds them. Null when they went to several buckets.
 */
export function uploadDestination(
  done: readonly TransferView[],
  targets: readonly Location[],
): { location: Location; keys: string[] } | null {
  const first = done[0];
  if (!first) return null;
  const { connectionId, bucket } = first;
  if (done.some((t) => t.connectionId !== connectionId || t.bucket !== bucket)) return null;
  const keys = done.map((t) => t.key);
  let prefix: string | null = null;
  for (const target of targets) {
    if (target.connectionId !== connectionId || target.bucket !== bucket) continue;
    if (prefix !== null && target.prefix.length <= prefix.length) continue;
    if (keys.every((k) => k.startsWith(target.prefix))) prefix = target.prefix;
  }
  prefix ??= commonFolder(keys);
  const at = prefix;
  return { location: { connectionId, bucket, prefix: at }, keys: [...new Set(keys.map((k) => entryUnder(at, k)))] };
}

/** The toast for a finished batch (without its id); `dest` is where its uploads went. */
export function batchToast(batch: FinishedBatch, dest: { location: Location; keys: string[] } | null): Omit<Toast, "id"> {
  const up = batch.direction === "upload";
  const name = (t: TransferView) => `“${baseName(up ? t.key : t.localPath)}”`;
  const failed = batch.failed.length;
  const total = batch.done.length + failed;
  const lone = batch.failed[0];
  if (failed > 0) {
    let text;
    if (total === 1 && lone) text = `Couldn’t ${batch.direction} ${name(lone)}`;
    else if (failed === total) text = `All ${total} ${batch.direction}s failed`;
    else text = `${failed} of ${total} ${batch.direction}s failed`;
    return { text, failed: true, show: { kind: "transfers" } };
  }
  const only = batch.done.length === 1 ? batch.done[0] : undefined;
  const text = `${up ? "Uploaded" : "Downloaded"} ${only ? name(only) : `${batch.done.length} items`}`;
  return { text, failed: false, show: up && dest ? { kind: "folder", ...dest } : { kind: "transfers" } };
}

/** Everything the feedback keeps between transfer lists. */
export type FeedbackState = {
  tracker: Tracker;
  /** Folders uploads were started into, newest first. */
  targets: Location[];
  /** Waiting to be shown, the first one showing. */
  toasts: Toast[];
  reveal: Reveal | null;
  nextId: number;
};

export const newFeedback: FeedbackState = { tracker: newTracker, targets: [], toasts: [], reveal: null, nextId: 1 };

/** At most this many toasts wait; older ones are dropped (the Transfers view has them all). */
const MAX_TOASTS = 3;
const MAX_TARGETS = 20;

/**
 * One more transfer list: toasts for the batches that ended, and when uploads ended in the folder
 * being viewed (`at`, null outside the browser), a reveal of what they added there.
 */
export function feedbackStep(s: FeedbackState, items: readonly TransferView[], at: Location | null): FeedbackState {
  const { tracker, finished } = trackBatches(s.tracker, items);
  let { nextId, reveal } = s;
  const toasts = [...s.toasts];
  for (const batch of finished) {
    const dest = batch.direction === "upload" ? uploadDestination(batch.done, s.targets) : null;
    toasts.push({ id: nextId++, ...batchToast(batch, dest) });
    if (dest && sameLocation(dest.location, at)) reveal = { id: nextId++, ...dest };
  }
  return { tracker, targets: s.targets, toasts: toasts.slice(-MAX_TOASTS), reveal, nextId };
}

/** Remembers a folder uploads were started into (for where Show goes). */
export function addTarget(s: FeedbackState, target: Location): FeedbackState {
  const targets = [target, ...s.targets.filter((t) => !sameLocation(t, target))].slice(0, MAX_TARGETS);
  return { ...s, targets };
}
