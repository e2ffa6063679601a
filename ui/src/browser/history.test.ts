import { describe, expect, it } from "vitest";
import { back, canGoBack, canGoForward, current, emptyHistory, forget, forward, visit } from "./history";

const at = (prefix: string, bucket = "b", connectionId = "c") => ({ connectionId, bucket, prefix });

describe("history", () => {
  it("starts empty", () => {
    expect(current(emptyHistory)).toBeNull();
    expect(canGoBack(emptyHistory)).toBe(false);
    expect(canGoForward(emptyHistory)).toBe(false);
  });

  it("goes back and forward", () => {
    let h = visit(visit(visit(emptyHistory, at("")), at("a/")), at("a/b/"));
    expect(current(h)).toEqual(at("a/b/"));
    h = back(h);
    expect(current(h)).toEqual(at("a/"));
    expect(canGoForward(h)).toBe(true);
    h = back(back(h));
    expect(current(h)).toEqual(at(""));
    expect(canGoBack(h)).toBe(false);
    h = forward(h);
    expect(current(h)).toEqual(at("a/"));
  });

  it("drops forward entries on a new visit and ignores repeat visits", () => {
    let h = visit(visit(emptyHistory, at("")), at("a/"));
    h = back(h);
    h = visit(h, at("x/"));
    expect(h.entries.map((l) => l.prefix)).toEqual(["", "x/"]);
    expect(canGoForward(h)).toBe(false);
    expect(visit(h, at("x/"))).toBe(h);
  });

  it("forgets a removed connection and keeps a sensible current entry", () => {
    let h = visit(emptyHistory, at("", "b", "keep"));
    h = visit(h, at("", "b", "gone"));
    h = visit(h, at("", "b", "keep"));
    h = visit(h, at("a/", "b", "gone"));
    const f = forget(h, (l) => l.connectionId === "gone");
    expect(f.entries).toEqual([at("", "b", "keep")]);
    expect(current(f)).toEqual(at("", "b", "keep"));
    expect(forget(h, () => true)).toEqual({ entries: [], index: -1 });
  });
});
