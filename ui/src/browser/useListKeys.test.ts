import { describe, expect, it, vi } from "vitest";
import { emptySelection, selectOnly } from "./selection";
import { selectionStep } from "./useListKeys";

const order = ["a", "b", "c", "d", "e"];
const at = (key: string) => selectOnly(key);

describe("selectionStep", () => {
  it("moves by rows, pages, and to either end", () => {
    expect(selectionStep({ type: "move", delta: 1, extend: false }, order, () => 2)?.(at("b")).focus).toBe("c");
    expect(selectionStep({ type: "page", direction: 1, extend: false }, order, () => 2)?.(at("a")).focus).toBe("c");
    expect(selectionStep({ type: "page", direction: -1, extend: false }, order, () => 2)?.(at("e")).focus).toBe("c");
    expect(selectionStep({ type: "home", extend: false }, order, () => 2)?.(at("c")).focus).toBe("a");
    expect(selectionStep({ type: "end", extend: false }, order, () => 2)?.(at("c")).focus).toBe("e");
  });

  it("selects all and clears", () => {
    expect([...(selectionStep({ type: "selectAll" }, order, () => 2)?.(emptySelection).selected ?? [])]).toEqual(order);
    expect(selectionStep({ type: "clear" }, order, () => 2)?.(at("c")).selected.size).toBe(0);
  });

  it("asks the page size only for Page Up/Down, when the key is pressed", () => {
    const pageSize = vi.fn(() => 3);
    selectionStep({ type: "move", delta: 1, extend: false }, order, pageSize);
    expect(pageSize).not.toHaveBeenCalled();
    selectionStep({ type: "page", direction: 1, extend: false }, order, pageSize);
    expect(pageSize).toHaveBeenCalledTimes(1);
  });

  it("leaves the other keys to their actions", () => {
    for (const type of ["open", "menu", "rename", "delete", "quickLook", "cut", "copy", "paste"] as const) {
      expect(selectionStep({ type }, order, () => 2)).toBeNull();
    }
  });
});
