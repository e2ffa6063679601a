import { describe, expect, it } from "vitest";
import type { TransferView } from "../bindings";
import { applyUpdate, baseName, clashArgs, emptyList, emptyTotals, formatEta, percent, queuedMessage } from "./model";

function item(id: string, done = 0): TransferView {
  return {
    id,
    direction: "upload",
    connectionId: "c",
    bucket: "b",
    key: `k/${id}.txt`,
    localPath: `/tmp/${id}.txt`,
    size: 100,
    doneBytes: done,
    state: "running",
    bytesPerSec: 0,
    etaSecs: null,
    failure: null,
  };
}

describe("transfer list updates", () => {
  it("replaces on a full update and merges deltas in place, appending new items", () => {
    const full = applyUpdate(emptyList, { full: true, changed: [item("a"), item("b")], removed: [], totals: emptyTotals });
    expect(full.items.map((i) => i.id)).toEqual(["a", "b"]);
    const next = applyUpdate(full, { full: false, changed: [item("b", 50), item("c")], removed: ["a"], totals: { ...emptyTotals, active: 2 } });
    expect(next.items.map((i) => [i.id, i.doneBytes])).toEqual([
      ["b", 50],
      ["c", 0],
    ]);
    expect(next.totals.active).toBe(2);
  });
});

describe("formatting", () => {
  it("words time left, percentages and names", () => {
    expect(formatEta(null)).toBe("");
    expect(formatEta(12.4)).toBe("12 s left");
    expect(formatEta(180)).toBe("3 min left");
    expect(formatEta(3900)).toBe("1 h 5 min left");
    expect(percent(50, 200)).toBe(25);
    expect(percent(0, 0)).toBe(0);
    expect(baseName("photos/2024/")).toBe("2024");
    expect(baseName("/home/me/a.jpg")).toBe("a.jpg");
  });

  it("keeps only per-file choices that differ from the choice for all", () => {
    expect(clashArgs("keepBoth", { "a.txt": "keepBoth", "b.txt": "skip" })).toEqual({
      policy: "keepBoth",
      perKey: { "b.txt": "skip" },
    });
  });

  it("says what was queued", () => {
    expect(queuedMessage("upload", 1, 2048, 0)).toBe("Uploading 1 file (2 KB) — see Transfers");
    expect(queuedMessage("download", 0, 0, 2)).toBe("Nothing to download: 2 skipped");
  });
});
