import { describe, expect, it } from "vitest";
import { chosenPrefix, parentPrefix } from "./prefixChoice";

describe("the bucket folder a pair would use", () => {
  it("is the folder listed when nothing is selected", () => {
    expect(chosenPrefix({ at: "", selected: null, newName: null })).toBe("");
    expect(chosenPrefix({ at: "team/", selected: null, newName: null })).toBe("team/");
  });

  it("is the selected row when there is one", () => {
    expect(chosenPrefix({ at: "", selected: "team/", newName: null })).toBe("team/");
  });

  it("is a typed new name as soon as it is typed, trimmed of spaces and slashes", () => {
    expect(chosenPrefix({ at: "team/", selected: "team/x/", newName: " shared/ " })).toBe("team/shared/");
    expect(chosenPrefix({ at: "team/", selected: "team/x/", newName: "  " })).toBe("team/x/");
  });

  it("goes up one folder at a time and stops at the top", () => {
    expect(parentPrefix("a/b/")).toBe("a/");
    expect(parentPrefix("a/")).toBe("");
    expect(parentPrefix("")).toBeNull();
  });
});
