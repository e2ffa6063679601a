import { describe, expect, it } from "vitest";
import { file, folder } from "../test/fixtures";
import {
  childKey,
  copiedMessage,
  deletedMessage,
  deleteQuestion,
  deleteTitle,
  freeName,
  nameProblem,
  renameSelection,
  SHARE_EXPIRIES,
  versionLabel,
} from "./ops";

const siblings = [folder("docs/"), file("a.txt"), file("New folder")];

describe("nameProblem", () => {
  it("accepts a free name, and an entry's own name when renaming it", () => {
    expect(nameProblem("b.txt", siblings)).toBeNull();
    expect(nameProblem("a.txt", siblings, "a.txt")).toBeNull();
    expect(nameProblem("Grüße 2026 ✓", siblings)).toBeNull();
  });

  it("explains names that cannot be used", () => {
    expect(nameProblem("", siblings)).toBe("Type a name.");
    expect(nameProblem("  ", siblings)).toBe("Type a name.");
    expect(nameProblem("a/b", siblings)).toMatch(/cannot contain “\/”/);
    expect(nameProblem("tab\there", siblings)).toMatch(/control characters/);
    expect(nameProblem("..", siblings)).toMatch(/cannot be used/);
    expect(nameProblem("docs", siblings)).toBe("There is already a folder named “docs” here.");
    expect(nameProblem("a.txt", siblings, "docs/")).toBe("There is already a file named “a.txt” here.");
  });
});

describe("names", () => {
  it("builds child keys", () => {
    expect(childKey("a/", "b", true)).toBe("a/b/");
    expect(childKey("", "c.txt", false)).toBe("c.txt");
  });

  it("selects a file's name without its extension for renaming", () => {
    expect(renameSelection("report.final.pdf", false)).toEqual([0, 12]);
    expect(renameSelection(".env", false)).toEqual([0, 4]);
    expect(renameSelection("README", false)).toEqual([0, 6]);
    expect(renameSelection("v1.2", true)).toEqual([0, 4]);
  });

  it("suggests a free folder name", () => {
    expect(freeName("Untitled", siblings)).toBe("Untitled");
    expect(freeName("New folder", siblings)).toBe("New folder 2");
    expect(freeName("New folder", [...siblings, folder("New folder 2/")])).toBe("New folder 3");
  });
});

describe("delete wording", () => {
  it("names one item, counts several", () => {
    expect(deleteTitle([folder("photos/")])).toBe("Delete “photos”?");
    expect(deleteTitle([file("a"), file("b"), folder("c/")])).toBe("Delete 3 items?");
  });

  it("says how many objects and how much data", () => {
    expect(deleteQuestion({ objects: 3, bytes: 12_400_000 })).toBe(
      "Delete 3 items (12.4 MB)? This cannot be undone unless the bucket keeps versions.",
    );
    expect(deleteQuestion({ objects: 1, bytes: 0 })).toBe(
      "Delete 1 item? This cannot be undone unless the bucket keeps versions.",
    );
    expect(deletedMessage(1)).toBe("Deleted 1 item");
  });
});

describe("copied paths wording", () => {
  it("names one path, counts several, and says when the clipboard refused", () => {
    expect(copiedMessage(["s3://b/a.txt"], true)).toBe("Copied s3://b/a.txt");
    expect(copiedMessage(["s3://b/a.txt", "s3://b/c/"], true)).toBe("Copied 2 S3 paths");
    expect(copiedMessage(["s3://b/a.txt"], false)).toBe("Couldn’t copy to the clipboard.");
  });
});

describe("share links and versions", () => {
  it("offers 1 hour, 1 day and 7 days (the longest S3 allows)", () => {
    expect(SHARE_EXPIRIES.map((e) => e.seconds)).toEqual([3600, 86400, 604800]);
  });

  it("labels versions", () => {
    expect(versionLabel({ isLatest: true, isDeleteMarker: false })).toBe("Current version");
    expect(versionLabel({ isLatest: false, isDeleteMarker: false })).toBe("Earlier version");
    expect(versionLabel({ isLatest: false, isDeleteMarker: true })).toBe("Deleted");
  });
});
