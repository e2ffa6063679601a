import { describe, expect, it } from "vitest";
import type { Entry } from "../bindings";
import { file, folder } from "../test/fixtures";
import { comparator, defaultSort, mergeSorted, SortedView, sortEntries, toggleSort } from "./sort";

const names = (es: readonly Entry[]) => es.map((e) => e.name);

describe("toggleSort", () => {
  it("flips the same column and starts a new one ascending", () => {
    expect(toggleSort(defaultSort, "name")).toEqual({ key: "name", dir: "desc" });
    expect(toggleSort({ key: "name", dir: "desc" }, "name")).toEqual({ key: "name", dir: "asc" });
    expect(toggleSort({ key: "name", dir: "desc" }, "size")).toEqual({ key: "size", dir: "asc" });
  });
});

describe("sortEntries", () => {
  const entries = [
    file("file10.txt", 5),
    folder("zeta/"),
    file("File2.txt", 500),
    folder("Alpha/"),
    file("b.txt", 50, "2023-01-01T00:00:00Z"),
    { ...file("nosize", 0), size: null, lastModified: null },
  ];

  it("puts folders first and sorts names naturally, case-insensitively", () => {
    expect(names(sortEntries(entries, { key: "name", dir: "asc" }))).toEqual([
      "Alpha",
      "zeta",
      "b.txt",
      "File2.txt",
      "file10.txt",
      "nosize",
    ]);
  });

  it("keeps folders first when descending", () => {
    expect(names(sortEntries(entries, { key: "name", dir: "desc" }))).toEqual([
      "zeta",
      "Alpha",
      "nosize",
      "file10.txt",
      "File2.txt",
      "b.txt",
    ]);
  });

  it("sorts by size with unknown sizes last, folders by name", () => {
    expect(names(sortEntries(entries, { key: "size", dir: "asc" }))).toEqual([
      "Alpha",
      "zeta",
      "file10.txt",
      "b.txt",
      "File2.txt",
      "nosize",
    ]);
    expect(names(sortEntries(entries, { key: "size", dir: "desc" }))).toEqual([
      "Alpha",
      "zeta",
      "File2.txt",
      "b.txt",
      "file10.txt",
      "nosize",
    ]);
  });

  it("sorts by date, ties by name", () => {
    expect(names(sortEntries(entries, { key: "date", dir: "asc" }))).toEqual([
      "Alpha",
      "zeta",
      "b.txt",
      "File2.txt",
      "file10.txt",
      "nosize",
    ]);
    expect(names(sortEntries(entries, { key: "date", dir: "desc" })).slice(2)).toEqual([
      "File2.txt",
      "file10.txt",
      "b.txt",
      "nosize",
    ]);
  });

  it("is deterministic for names equal to the collator", () => {
    const a = file("x/a.txt");
    const b = file("x/A.txt");
    expect(sortEntries([a, b], defaultSort)).toEqual(sortEntries([b, a], defaultSort));
  });

  it("does not modify its input", () => {
    const copy = entries.slice();
    sortEntries(entries, defaultSort);
    expect(entries).toEqual(copy);
  });
});

describe("mergeSorted", () => {
  it("merges two sorted arrays", () => {
    const cmp = (a: number, b: number) => a - b;
    expect(mergeSorted([1, 4, 9], [2, 3, 10], cmp)).toEqual([1, 2, 3, 4, 9, 10]);
    expect(mergeSorted([], [1], cmp)).toEqual([1]);
    expect(mergeSorted([1], [], cmp)).toEqual([1]);
  });
});

describe("SortedView", () => {
  function pages(n: number, perPage: number): Entry[][] {
    const out: Entry[][] = [];
    for (let p = 0; p < n; p++) {
      const page: Entry[] = [];
      for (let i = 0; i < perPage; i++) {
        const k = (p * 7919 + i * 104729) % 10007;
        page.push(i % 10 === 0 ? folder(`dir${k}-${p}-${i}/`) : file(`f${k}-${p}-${i}`, k));
      }
      out.push(page);
    }
    return out;
  }

  it("merging appended pages gives the same order as a full sort", () => {
    const view = new SortedView();
    let all: Entry[] = [];
    for (const page of pages(5, 200)) {
      all = all.concat(page);
      const got = view.update(all, 1, defaultSort);
      expect(got).toEqual(sortEntries(all, defaultSort));
    }
  });

  it("re-sorts fully when the order or the listing changes", () => {
    const view = new SortedView();
    const [p1 = [], p2 = []] = pages(2, 50);
    view.update(p1, 1, defaultSort);
    const bySize = { key: "size", dir: "desc" } as const;
    expect(view.update(p1, 1, bySize)).toEqual(sortEntries(p1, bySize));
    expect(view.update(p2, 2, bySize)).toEqual(sortEntries(p2, bySize));
  });

  it("returns the same array when nothing changed", () => {
    const view = new SortedView();
    const [p1 = []] = pages(1, 20);
    const a = view.update(p1, 1, defaultSort);
    expect(view.update(p1, 1, { ...defaultSort })).toBe(a);
  });

  it("handles a 100,000-entry listing", () => {
    const view = new SortedView();
    let all: Entry[] = [];
    for (const page of pages(100, 1000)) {
      all = all.concat(page);
      view.update(all, 7, defaultSort);
    }
    const sorted = view.update(all, 7, defaultSort);
    expect(sorted).toHaveLength(100_000);
    const cmp = comparator(defaultSort);
    for (let i = 1; i < sorted.length; i++) {
      expect(cmp(sorted[i - 1] as Entry, sorted[i] as Entry)).toBeLessThanOrEqual(0);
    }
  });
});
