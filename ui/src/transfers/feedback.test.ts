import { describe, expect, it } from "vitest";
import type { TransferView } from "../bindings";
import {
  addTarget,
  batchToast,
  feedbackStep,
  newFeedback,
  newTracker,
  trackBatches,
  uploadDestination,
  type FinishedBatch,
  type Tracker,
} from "./feedback";

function t(id: string, state: TransferView["state"], over: Partial<TransferView> = {}): TransferView {
  return {
    id,
    direction: "upload",
    connectionId: "c1",
    bucket: "media",
    key: `${id}.txt`,
    localPath: `/home/me/${id}.txt`,
    size: 10,
    doneBytes: state === "done" ? 10 : 0,
    state,
    bytesPerSec: 0,
    etaSecs: null,
    failure: null,
    ...over,
  };
}

/** Feeds the lists in turn; returns what finished at each step. */
function run(lists: TransferView[][], tracker: Tracker = newTracker): FinishedBatch[][] {
  const out: FinishedBatch[][] = [];
  for (const items of lists) {
    const r = trackBatches(tracker, items);
    tracker = r.tracker;
    out.push(r.finished);
  }
  return out;
}

const summary = (steps: FinishedBatch[][]) =>
  steps.map((s) => s.map((b) => `${b.direction}: ${b.done.map((d) => d.id).join(",")} / ${b.failed.map((d) => d.id).join(",")}`));

describe("trackBatches", () => {
  it("ends a batch when nothing in it is queued or running any more", () => {
    const steps = run([
      [],
      [t("a", "queued"), t("b", "queued")],
      [t("a", "done"), t("b", "running")],
      [t("a", "done"), t("b", "done")],
      [t("a", "done"), t("b", "done")],
    ]);
    expect(summary(steps)).toEqual([[], [], [], ["upload: a,b / "], []]);
  });

  it("takes what the first snapshot holds finished as history, and its running ones as a batch", () => {
    const steps = run([
      [t("old", "done"), t("gone", "failed"), t("r", "running")],
      [t("old", "done"), t("gone", "failed"), t("r", "done")],
    ]);
    expect(summary(steps)).toEqual([[], ["upload: r / "]]);
  });

  it("counts a transfer that shows up already finished", () => {
    const steps = run([[], [t("quick", "done")]]);
    expect(summary(steps)).toEqual([[], ["upload: quick / "]]);
  });

  it("reports failures, leaves cancelled ones out and says nothing when all were cancelled", () => {
    const steps = run([
      [t("a", "queued"), t("b", "queued"), t("c", "queued")],
      [t("a", "done"), t("b", "failed"), t("c", "cancelled")],
      [t("a", "done"), t("b", "failed"), t("c", "cancelled"), t("d", "queued")],
      [t("a", "done"), t("b", "failed"), t("c", "cancelled"), t("d", "cancelled")],
    ]);
    expect(summary(steps)).toEqual([[], ["upload: a / b"], [], []]);
  });

  it("keeps uploads and downloads apart", () => {
    const down = (id: string, state: TransferView["state"]) => t(id, state, { direction: "download" });
    const steps = run([
      [t("u", "running"), down("d", "running")],
      [t("u", "running"), down("d", "done")],
      [t("u", "done"), down("d", "done")],
    ]);
    expect(summary(steps)).toEqual([[], ["download: d / "], ["upload: u / "]]);
  });

  it("does not wait for paused transfers, which join a later batch when resumed", () => {
    const steps = run([
      [t("p", "paused"), t("a", "queued")],
      [t("p", "paused"), t("a", "done")],
      [t("p", "running"), t("a", "done")],
      [t("p", "done"), t("a", "done")],
    ]);
    expect(summary(steps)).toEqual([[], ["upload: a / "], [], ["upload: p / "]]);
  });

  it("starts a new batch for a retried transfer", () => {
    const steps = run([
      [t("a", "running")],
      [t("a", "failed")],
      [t("a", "queued")],
      [t("a", "done")],
    ]);
    expect(summary(steps)).toEqual([[], ["upload:  / a"], [], ["upload: a / "]]);
  });

  it("forgets transfers cleared from the list before they finished", () => {
    const steps = run([[t("a", "running"), t("b", "running")], [t("b", "done")]]);
    expect(summary(steps)).toEqual([[], ["upload: b / "]]);
  });
});

describe("uploadDestination", () => {
  const here = { connectionId: "c1", bucket: "media", prefix: "photos/" };

  it("is the folder uploads were started into, with a dropped folder as one entry", () => {
    const done = [t("1", "done", { key: "photos/trip/a.jpg" }), t("2", "done", { key: "photos/trip/day2/b.jpg" })];
    const other = { connectionId: "c1", bucket: "media", prefix: "" };
    expect(uploadDestination(done, [other, here])).toEqual({ location: here, keys: ["photos/trip/"] });
  });

  it("selects the files themselves when they went straight into the folder", () => {
    const done = [t("1", "done", { key: "photos/a.jpg" }), t("2", "done", { key: "photos/b.jpg" })];
    expect(uploadDestination(done, [here])).toEqual({ location: here, keys: ["photos/a.jpg", "photos/b.jpg"] });
  });

  it("falls back to the deepest folder that holds them all", () => {
    const done = [t("1", "done", { key: "x/y/a.txt" }), t("2", "done", { key: "x/yz/b.txt" })];
    expect(uploadDestination(done, [])).toEqual({
      location: { connectionId: "c1", bucket: "media", prefix: "x/" },
      keys: ["x/y/", "x/yz/"],
    });
    expect(uploadDestination([t("1", "done", { key: "top.txt" })], [])?.location.prefix).toBe("");
  });

  it("has none for uploads into several buckets, or none at all", () => {
    const done = [t("1", "done", { key: "a" }), t("2", "done", { key: "b", bucket: "other" })];
    expect(uploadDestination(done, [])).toBeNull();
    expect(uploadDestination([], [])).toBeNull();
  });
});

describe("batchToast", () => {
  const dest = { location: { connectionId: "c1", bucket: "media", prefix: "" }, keys: ["a.txt"] };

  it("names one file, counts several, and shows the folder of uploads", () => {
    expect(batchToast({ direction: "upload", done: [t("a", "done")], failed: [] }, dest)).toEqual({
      text: "Uploaded “a.txt”",
      failed: false,
      show: { kind: "folder", ...dest },
    });
    const three = [t("a", "done"), t("b", "done"), t("c", "done")];
    expect(batchToast({ direction: "upload", done: three, failed: [] }, dest).text).toBe("Uploaded 3 items");
  });

  it("sends downloads and failures to the Transfers view", () => {
    const down = t("d", "done", { direction: "download", localPath: "/home/me/Downloads/report.pdf" });
    expect(batchToast({ direction: "download", done: [down], failed: [] }, null)).toEqual({
      text: "Downloaded “report.pdf”",
      failed: false,
      show: { kind: "transfers" },
    });
    const done = [t("a", "done"), t("b", "done"), t("c", "done")];
    const failed = [t("d", "failed"), t("e", "failed")];
    expect(batchToast({ direction: "upload", done, failed }, dest)).toEqual({
      text: "2 of 5 uploads failed",
      failed: true,
      show: { kind: "transfers" },
    });
    expect(batchToast({ direction: "upload", done: [], failed }, dest).text).toBe("All 2 uploads failed");
    expect(batchToast({ direction: "download", done: [], failed: [t("x", "failed")] }, null).text).toBe("Couldn’t download “x.txt”");
  });
});

describe("feedbackStep", () => {
  const root = { connectionId: "c1", bucket: "media", prefix: "" };
  const docs = { connectionId: "c1", bucket: "media", prefix: "docs/" };

  it("queues a toast and selects the uploads when they ended in the folder being viewed", () => {
    let s = addTarget(newFeedback, root);
    s = feedbackStep(s, [], root);
    s = feedbackStep(s, [t("a", "running")], root);
    expect(s.toasts).toEqual([]);
    s = feedbackStep(s, [t("a", "done")], root);
    expect(s.toasts.map((x) => x.text)).toEqual(["Uploaded “a.txt”"]);
    expect(s.reveal).toMatchObject({ location: root, keys: ["a.txt"] });
  });

  it("only toasts when the user is looking elsewhere", () => {
    let s = addTarget(newFeedback, root);
    s = feedbackStep(s, [t("a", "running")], docs);
    s = feedbackStep(s, [t("a", "done")], docs);
    expect(s.toasts).toHaveLength(1);
    expect(s.reveal).toBeNull();
    s = feedbackStep(s, [t("a", "done"), t("b", "running")], null);
    s = feedbackStep(s, [t("a", "done"), t("b", "done")], null);
    expect(s.toasts.map((x) => x.id)).toEqual([1, 2]);
  });

  it("keeps only the newest few toasts waiting", () => {
    let s = feedbackStep(newFeedback, [], null);
    for (let i = 0; i < 5; i++) {
      s = feedbackStep(s, [t(`f${i}`, "running")], null);
      s = feedbackStep(s, [t(`f${i}`, "done")], null);
    }
    expect(s.toasts.map((x) => x.text)).toEqual(["Uploaded “f2.txt”", "Uploaded “f3.txt”", "Uploaded “f4.txt”"]);
  });
});
