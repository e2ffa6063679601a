import { describe, expect, it } from "vitest";
import {
  dateValue,
  displayName,
  extensionOf,
  formatBytes,
  formatCount,
  formatDate,
  formatDateLong,
  formatEtag,
  formatExactBytes,
  formatStorageClass,
  plural,
  s3Path,
} from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 bytes"],
    [1, "1 byte"],
    [999, "999 bytes"],
    [1000, "1 KB"],
    [1234, "1.2 KB"],
    [12_345, "12.3 KB"],
    [123_456, "123 KB"],
    [1_200_000, "1.2 MB"],
    [999_960, "1 MB"],
    [5_000_000_000, "5 GB"],
    [2.5e12, "2.5 TB"],
  ])("%d → %s", (n, s) => {
    expect(formatBytes(n)).toBe(s);
  });

  it("returns empty text for impossible sizes", () => {
    expect(formatBytes(-1)).toBe("");
    expect(formatBytes(Number.NaN)).toBe("");
  });
});

describe("counts", () => {
  it("groups thousands and pluralises", () => {
    expect(formatCount(100000)).toMatch(/^100.000$/);
    expect(plural(1, "item")).toBe("1 item");
    expect(plural(2, "item")).toBe("2 items");
    expect(plural(0, "item")).toBe("0 items");
    expect(formatExactBytes(1)).toBe("1 byte");
    expect(formatExactBytes(1234567)).toMatch(/^1.234.567 bytes$/);
  });
});

describe("dates", () => {
  it("formats in local time and tolerates missing values", () => {
    const iso = "2024-05-01T10:00:00Z";
    expect(formatDate(iso)).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)),
    );
    expect(formatDateLong(iso)).toContain("2024");
    expect(formatDate(null)).toBe("");
    expect(formatDate("not a date")).toBe("");
    expect(dateValue(iso)).toBe(Date.UTC(2024, 4, 1, 10));
    expect(Number.isNaN(dateValue(null))).toBe(true);
  });
});

describe("S3 text", () => {
  it("names storage classes in words", () => {
    expect(formatStorageClass("STANDARD")).toBe("Standard");
    expect(formatStorageClass("DEEP_ARCHIVE")).toBe("Glacier Deep Archive");
    expect(formatStorageClass("COLD")).toBe("COLD");
    expect(formatStorageClass(null)).toBe("");
  });

  it("unquotes ETags", () => {
    expect(formatEtag('"d41d8cd98f00b204e9800998ecf8427e"')).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(formatEtag('W/"abc-2"')).toBe("abc-2");
    expect(formatEtag(null)).toBe("");
  });

  it("builds s3 paths", () => {
    expect(s3Path("b", "a/c.txt")).toBe("s3://b/a/c.txt");
    expect(s3Path("b", "a/")).toBe("s3://b/a/");
  });

  it("shows empty names visibly", () => {
    expect(displayName("")).toBe("(no name)");
    expect(displayName("x")).toBe("x");
  });

  it("finds extensions", () => {
    expect(extensionOf("a.JPG")).toBe("jpg");
    expect(extensionOf("archive.tar.gz")).toBe("gz");
    expect(extensionOf(".env")).toBe("");
    expect(extensionOf("README")).toBe("");
    expect(extensionOf("trailing.")).toBe("");
  });
});
