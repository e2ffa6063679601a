import { describe, expect, it } from "vitest";
import { breadcrumbs, parentPrefix, sameLocation } from "./location";

describe("breadcrumbs", () => {
  it("starts with the bucket", () => {
    expect(breadcrumbs("photos", "")).toEqual([{ label: "photos", prefix: "" }]);
  });

  it("adds one crumb per folder", () => {
    expect(breadcrumbs("b", "2024/summer/")).toEqual([
      { label: "b", prefix: "" },
      { label: "2024", prefix: "2024/" },
      { label: "summer", prefix: "2024/summer/" },
    ]);
  });

  it("keeps empty segments as their own folders", () => {
    expect(breadcrumbs("b", "a//c/").map((c) => c.prefix)).toEqual(["", "a/", "a//", "a//c/"]);
  });

  it("accepts a prefix without trailing slash", () => {
    expect(breadcrumbs("b", "a/b").map((c) => c.prefix)).toEqual(["", "a/", "a/b/"]);
  });
});

describe("parentPrefix", () => {
  it.each([
    ["", null],
    ["a/", ""],
    ["a/b/", "a/"],
    ["a//", "a/"],
    ["a/b/c/", "a/b/"],
  ])("%j → %j", (p, parent) => {
    expect(parentPrefix(p)).toBe(parent);
  });
});

describe("sameLocation", () => {
  it("compares all parts", () => {
    const a = { connectionId: "c", bucket: "b", prefix: "p/" };
    expect(sameLocation(a, { ...a })).toBe(true);
    expect(sameLocation(a, { ...a, prefix: "" })).toBe(false);
    expect(sameLocation(a, null)).toBe(false);
    expect(sameLocation(null, null)).toBe(true);
  });
});
