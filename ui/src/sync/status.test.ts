import { describe, expect, it } from "vitest";
import { pairStatus } from "../test/fixtures";
import { folderName, progressFraction, remoteLabel, statusLine } from "./status";

const status = pairStatus;

describe("status words", () => {
  it("counts the files left while syncing", () => {
    expect(statusLine(status({ state: "syncing", done: 3, total: 10 }))).toEqual({
      text: "Syncing 7 files…",
      tone: "busy",
    });
    expect(statusLine(status({ state: "syncing", done: 9, total: 10 })).text).toBe("Syncing 1 file…");
    expect(statusLine(status({ state: "syncing" })).text).toBe("Looking for changes…");
    expect(progressFraction(status({ state: "syncing", done: 1, total: 4 }))).toBe(0.25);
    expect(progressFraction(status({ state: "upToDate", done: 1, total: 4 }))).toBeNull();
  });

  it("says up to date, with conflicts as a warning", () => {
    expect(statusLine(status())).toEqual({ text: "Up to date", tone: "ok" });
    expect(statusLine(status({ conflicts: 2 }))).toEqual({ text: "Up to date · 2 conflicts", tone: "warn" });
  });

  it("names trouble plainly", () => {
    expect(statusLine(status({ state: "offline" })).text).toBe("Offline — retrying");
    expect(statusLine(status({ state: "needsAttention" })).tone).toBe("error");
    expect(statusLine(status({ state: "needsAttention", deletionsHeld: true })).text).toBe("Deletions held back");
    expect(statusLine(status({ state: "paused" })).tone).toBe("paused");
  });

  it("names folders and bucket folders the way people do", () => {
    expect(folderName("/home/ann/Documents/Shared")).toBe("Shared");
    expect(folderName("C:\\Users\\ann\\Shared\\")).toBe("Shared");
    expect(remoteLabel({ bucket: "team", prefix: "" })).toBe("team");
    expect(remoteLabel({ bucket: "team", prefix: "docs/2026/" })).toBe("team/docs/2026");
  });
});
