import { describe, expect, it } from "vitest";
import {
  clampSidebarWidth,
  DEFAULT_SIDEBAR_WIDTH,
  loadSidebarWidth,
  MAX_SIDEBAR_WIDTH,
  MIN_SIDEBAR_WIDTH,
  saveSidebarWidth,
} from "./sidebarWidth";

function memory(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
    key: () => null,
    get length() {
      return m.size;
    },
  };
}

describe("sidebar width", () => {
  it("stays between the limits and leaves half the window to the files", () => {
    expect(clampSidebarWidth(50, 1600)).toBe(MIN_SIDEBAR_WIDTH);
    expect(clampSidebarWidth(900, 1600)).toBe(MAX_SIDEBAR_WIDTH);
    expect(clampSidebarWidth(450, 800)).toBe(400);
    expect(clampSidebarWidth(300.4, 1600)).toBe(300);
    expect(clampSidebarWidth(Number.NaN, 1600)).toBe(DEFAULT_SIDEBAR_WIDTH);
  });

  it("is remembered, and a saved value that no longer fits is clamped", () => {
    const storage = memory();
    expect(loadSidebarWidth(storage, 1600)).toBe(DEFAULT_SIDEBAR_WIDTH);
    saveSidebarWidth(storage, 420);
    expect(loadSidebarWidth(storage, 1600)).toBe(420);
    expect(loadSidebarWidth(storage, 700)).toBe(350);
    storage.setItem("pail.sidebarWidth", "not a number");
    expect(loadSidebarWidth(storage, 1600)).toBe(DEFAULT_SIDEBAR_WIDTH);
    expect(loadSidebarWidth(null, 1600)).toBe(DEFAULT_SIDEBAR_WIDTH);
  });
});
