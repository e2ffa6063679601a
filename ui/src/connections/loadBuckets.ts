import { commands, type BucketInfo, type BucketList, type Connection, type UiError } from "../bindings";
import type { Result } from "../lib/ipc";
import { call } from "../lib/ipc";

/**
 * listBuckets for a connection; for the demo store, start it first if it isn't running (it stops
 * when Pail quits).
 */
export async function loadBuckets(conn: Connection): Promise<Result<BucketList, UiError>> {
  if (conn.provider === "demo") {
    const status = await call(commands.demoStatus());
    if (status.status === "ok" && !status.data.running) {
      const started = await call(commands.startDemo());
      if (started.status === "error") return started;
    }
  }
  return call(commands.listBuckets(conn.id));
}

/**
 * The buckets to show: what the store listed plus the connection's pinned buckets (by name, in
 * the order the person added them after the listed ones), each once.
 */
export function bucketsToShow(list: BucketList | null, conn: Connection): BucketInfo[] {
  const out: BucketInfo[] = list ? [...list.buckets] : [];
  const seen = new Set(out.map((b) => b.name));
  for (const name of conn.pinnedBuckets) {
    if (!seen.has(name)) {
      out.push({ name, createdAt: null, pinned: true });
      seen.add(name);
    }
  }
  return out;
}
