import { describe, expect, it } from "vitest";
import { file, folder } from "../test/fixtures";
import { initialPendingFocus, settlePendingFocus, totalBytes } from "./useSelection";

const location = { connectionId: "c1", bucket: "b", prefix: "" };

describe("initialPendingFocus", () => {
  it("prefers what was just uploaded, then the folder we came up from, else nothing", () => {
    const reveal = { id: 7, location, keys: ["a.txt", "b.txt"] };
    expect(initialPendingFocus(reveal, "docs/")).toEqual({ keys: ["a.txt", "b.txt"], after: 0 });
    expect(initialPendingFocus(null, "docs/")).toEqual({ keys: ["docs/"], after: 0 });
    expect(initialPendingFocus(null, null)).toBeNull();
  });
});

describe("settlePendingFocus", () => {
  const pending = { keys: ["a.txt", "b.txt"], after: 3 };

  it("selects as soon as every key is listed, in list order", () => {
    expect(settlePendingFocus(pending, ["b.txt", "x", "a.txt"], true, 3)).toEqual(["b.txt", "a.txt"]);
  });

  it("waits while only some are listed and no newer listing has ended", () => {
    expect(settlePendingFocus(pending, ["a.txt"], true, 4)).toBeNull();
    expect(settlePendingFocus(pending, ["a.txt"], false, 3)).toBeNull();
  });

  it("settles for what is listed (maybe nothing) once a newer listing has ended", () => {
    expect(settlePendingFocus(pending, ["a.txt", "x"], false, 4)).toEqual(["a.txt"]);
    expect(settlePendingFocus(pending, ["x"], false, 4)).toEqual([]);
  });
});

describe("totalBytes", () => {
  it("adds the files' sizes; folders count as nothing", () => {
    expect(totalBytes([file("a", 10), folder("d/"), file("b", 5)])).toBe(15);
    expect(totalBytes([])).toBe(0);
  });
});
