// The filter box: case-insensitive "name contains" match, as you type.
import type { Entry } from "../bindings";

const lowerCache = new WeakMap<Entry, string>();
function lowerName(e: Entry): string {
  let v = lowerCache.get(e);
  if (v === undefined) {
    v = e.name.toLocaleLowerCase();
    lowerCache.set(e, v);
  }
  return v;
}

export function normalizeQuery(query: string): string {
  return query.trim().toLocaleLowerCase();
}

/** Entries whose name contains the query (order kept). An empty query returns the same array. */
export function filterEntries(entries: readonly Entry[], query: string): readonly Entry[] {
  const q = normalizeQuery(query);
  if (q === "") return entries;
  return entries.filter((e) => lowerName(e).includes(q));
}
