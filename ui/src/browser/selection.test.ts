import { describe, expect, it } from "vitest";
import {
  clear,
  emptySelection,
  moveBy,
  moveTo,
  restrictTo,
  selectAll,
  selectOnly,
  selectRange,
  toggle,
  type Selection,
} from "./selection";

const order = ["a", "b", "c", "d", "e"];
const keys = (s: Selection) => [...s.selected].sort();

describe("selection", () => {
  it("click selects only that row", () => {
    const s = selectOnly("c");
    expect(keys(s)).toEqual(["c"]);
    expect(s.anchor).toBe("c");
    expect(s.focus).toBe("c");
  });

  it("ctrl-click toggles", () => {
    let s = toggle(selectOnly("a"), "c");
    expect(keys(s)).toEqual(["a", "c"]);
    s = toggle(s, "a");
    expect(keys(s)).toEqual(["c"]);
    expect(s.focus).toBe("a");
  });

  it("shift-click selects from the anchor, both directions", () => {
    const s = selectRange(selectOnly("b"), order, "d");
    expect(keys(s)).toEqual(["b", "c", "d"]);
    expect(s.anchor).toBe("b");
    expect(keys(selectRange(s, order, "a"))).toEqual(["a", "b"]);
  });

  it("ctrl+shift-click adds the range", () => {
    const s = selectRange(toggle(selectOnly("a"), "d"), order, "e", true);
    expect(keys(s)).toEqual(["a", "d", "e"]);
  });

  it("shift-click without an anchor selects just that row", () => {
    expect(keys(selectRange(emptySelection, order, "c"))).toEqual(["c"]);
    expect(selectRange(emptySelection, order, "zz")).toBe(emptySelection);
  });

  it("select all keeps the focus", () => {
    const s = selectAll(selectOnly("c"), order);
    expect(keys(s)).toEqual(order);
    expect(s.focus).toBe("c");
    expect(selectAll(emptySelection, order).focus).toBe("a");
    expect(selectAll(emptySelection, [])).toBe(emptySelection);
  });

  it("arrow keys move and clamp", () => {
    let s = moveBy(emptySelection, order, 1, false);
    expect(s.focus).toBe("a");
    s = moveBy(s, order, 1, false);
    expect(keys(s)).toEqual(["b"]);
    s = moveBy(s, order, -5, false);
    expect(s.focus).toBe("a");
    expect(moveBy(emptySelection, order, -1, false).focus).toBe("e");
    expect(moveBy(emptySelection, [], 1, false)).toBe(emptySelection);
  });

  it("shift+arrows extend from the anchor and can shrink back", () => {
    let s = selectOnly("c");
    s = moveBy(s, order, 1, true);
    s = moveBy(s, order, 1, true);
    expect(keys(s)).toEqual(["c", "d", "e"]);
    s = moveBy(s, order, -3, true);
    expect(keys(s)).toEqual(["b", "c"]);
    expect(s.anchor).toBe("c");
  });

  it("home and end", () => {
    expect(moveTo(selectOnly("c"), order, 0, false).focus).toBe("a");
    expect(keys(moveTo(selectOnly("c"), order, order.length - 1, true))).toEqual(["c", "d", "e"]);
  });

  it("clear keeps the focus", () => {
    const s = clear(selectOnly("b"));
    expect(s.selected.size).toBe(0);
    expect(s.focus).toBe("b");
  });

  it("restricts to visible keys", () => {
    const s = selectAll(selectOnly("b"), order);
    const r = restrictTo(s, new Set(["a", "c"]));
    expect(keys(r)).toEqual(["a", "c"]);
    expect(r.focus).toBeNull();
    expect(restrictTo(s, new Set(order))).toBe(s);
  });
});
