// The JavaScript work behind a 100,000-object folder: what each streamed page and each user
// action costs. Run with `npm run bench` (a table of ops/s and times; not part of the tests).
import { bench, describe } from "vitest";
import type { Entry } from "../bindings";
import { filterEntries } from "./filter";
import { SortedView, sortEntries, type SortSpec } from "./sort";

const N = 100_000;
const PAGE = 1000;

function entry(i: number): Entry {
  // Keys arrive from S3 in byte order; names with mixed case and digits exercise the natural sort.
  const name = `Photo ${String((i * 7919) % N).padStart(6, "0")} ${i % 3 === 0 ? "Beach" : "city"}.jpg`;
  return {
    kind: i % 50 === 0 ? "folder" : "file",
    key: `big/${name}`,
    name,
    size: (i * 104729) % 10_000_000,
    lastModified: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    etag: i.toString(16),
    storageClass: "STANDARD",
  };
}

const all: Entry[] = Array.from({ length: N }, (_, i) => entry(i));
const byName: SortSpec = { key: "name", dir: "asc" };
const bySize: SortSpec = { key: "size", dir: "desc" };

describe(`folder of ${N.toLocaleString("en")} objects`, () => {
  bench("stream 100 pages of 1,000 into a sorted view", () => {
    const view = new SortedView();
    let entries: Entry[] = [];
    for (let p = 0; p < N / PAGE; p++) {
      entries = entries.concat(all.slice(p * PAGE, (p + 1) * PAGE));
      view.update(entries, 1, byName);
    }
  });

  bench("sort by name (full)", () => {
    sortEntries(all, byName);
  });

  bench("re-sort by size (header click)", () => {
    sortEntries(all, bySize);
  });

  bench("filter by name as you type", () => {
    filterEntries(all, "beach");
  });
});
