import { describe, expect, it } from "vitest";
import { file, folder } from "../test/fixtures";
import { filterEntries, normalizeQuery } from "./filter";

describe("filterEntries", () => {
  const entries = [folder("Photos/"), file("photo.JPG"), file("notes.txt"), file("Ünïcode.md")];

  it("returns the same array for an empty query", () => {
    expect(filterEntries(entries, "")).toBe(entries);
    expect(filterEntries(entries, "   ")).toBe(entries);
  });

  it("matches names case-insensitively, anywhere in the name", () => {
    expect(filterEntries(entries, "PHOTO").map((e) => e.name)).toEqual(["Photos", "photo.JPG"]);
    expect(filterEntries(entries, "jpg").map((e) => e.name)).toEqual(["photo.JPG"]);
    expect(filterEntries(entries, "ünï").map((e) => e.name)).toEqual(["Ünïcode.md"]);
    expect(filterEntries(entries, "zzz")).toEqual([]);
  });

  it("matches the name, not the folder path", () => {
    expect(filterEntries([file("deep/inside/x.txt")], "deep")).toEqual([]);
  });

  it("normalises queries", () => {
    expect(normalizeQuery("  AbC ")).toBe("abc");
  });
});
