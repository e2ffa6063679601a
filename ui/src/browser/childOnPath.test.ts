import { describe, expect, it } from "vitest";
import { childOnPath } from "./Browser";

const at = (prefix: string, bucket = "b", connectionId = "c") => ({ connectionId, bucket, prefix });

describe("childOnPath", () => {
  it("finds the folder we came up from", () => {
    expect(childOnPath(at("a/b/c/"), at("a/"))).toBe("a/b/");
    expect(childOnPath(at("a/"), at(""))).toBe("a/");
    expect(childOnPath(at("a//"), at("a/"))).toBe("a//");
  });

  it("is null when not going up the same path", () => {
    expect(childOnPath(null, at(""))).toBeNull();
    expect(childOnPath(at("a/"), at("a/b/"))).toBeNull();
    expect(childOnPath(at("x/y/"), at("a/"))).toBeNull();
    expect(childOnPath(at("a/b/", "other"), at("a/"))).toBeNull();
    expect(childOnPath(at("a/"), at("a/"))).toBeNull();
  });
});
