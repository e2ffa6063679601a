import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { controlledListing, installBackend } from "../test/backend";
import { file, folder, uiError } from "../test/fixtures";
import { ListingStore } from "./listingStore";

const loc = { connectionId: "c1", bucket: "b", prefix: "" };

describe("ListingStore", () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ["requestAnimationFrame", "cancelAnimationFrame", "setTimeout", "clearTimeout", "Date"],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function settle() {
    await vi.advanceTimersByTimeAsync(20);
  }

  it("streams pages, batching them per frame", async () => {
    const { handler, listings } = controlledListing();
    installBackend({ list_folder: handler });
    const store = new ListingStore();
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.getSnapshot().entries.length));
    const id = store.start(loc);
    await settle();
    expect(store.getSnapshot()).toMatchObject({ loading: true, listingId: id, entries: [] });
    const l = listings[0]!;
    expect(l.args).toMatchObject({ connectionId: "c1", bucket: "b", prefix: "", listingId: id });

    l.send({ entries: [folder("a/"), file("x")], done: false });
    l.send({ entries: [file("y")], done: false });
    expect(store.getSnapshot().entries).toHaveLength(0); // not yet: waits for the frame
    await settle();
    expect(store.getSnapshot().entries.map((e) => e.key)).toEqual(["a/", "x", "y"]);
    const flushes = seen.filter((n) => n === 3).length;
    expect(flushes).toBe(1);

    l.send({ entries: [file("z")], done: true });
    expect(store.getSnapshot()).toMatchObject({ loading: false });
    expect(store.getSnapshot().entries).toHaveLength(4);
    l.finish();
    await settle();
    expect(store.getSnapshot().loading).toBe(false);
  });

  it("ignores pages of an abandoned listing and cancels it", async () => {
    const { handler, listings } = controlledListing();
    const calls = installBackend({ list_folder: handler, cancel_listing: () => null });
    const store = new ListingStore();
    const first = store.start(loc);
    await settle();
    const second = store.start({ ...loc, prefix: "a/" });
    await settle();
    expect(second).toBeGreaterThan(first);
    expect(calls.filter((c) => c.cmd === "cancel_listing").map((c) => c.args)).toEqual([{ listingId: first }]);

    listings[0]!.send({ entries: [file("stale")], done: true });
    listings[0]!.finish();
    listings[1]!.send({ entries: [file("a/fresh")], done: false });
    await settle();
    expect(store.getSnapshot().entries.map((e) => e.key)).toEqual(["a/fresh"]);
    expect(store.getSnapshot().loading).toBe(true);
    expect(store.getSnapshot().location).toEqual({ ...loc, prefix: "a/" });
  });

  it("drops a page whose listingId is not the current one", async () => {
    const { handler, listings } = controlledListing();
    installBackend({ list_folder: handler });
    const store = new ListingStore();
    store.start(loc);
    await settle();
    listings[0]!.send({ entries: [file("wrong")], done: false, listingId: 99999 });
    await settle();
    expect(store.getSnapshot().entries).toHaveLength(0);
  });

  it("keeps what arrived and reports a failure", async () => {
    const { handler, listings } = controlledListing();
    installBackend({ list_folder: handler });
    const store = new ListingStore();
    store.start(loc);
    await settle();
    listings[0]!.send({ entries: [file("x")], done: false });
    listings[0]!.finish({ error: uiError("throttled", "The store asks Pail to slow down.") });
    await settle();
    expect(store.getSnapshot()).toMatchObject({ loading: false, error: { code: "throttled" } });
    expect(store.getSnapshot().entries).toHaveLength(1);
  });

  it("does not cancel a finished listing when stopped", async () => {
    const { handler, listings } = controlledListing();
    const calls = installBackend({ list_folder: handler, cancel_listing: () => null });
    const store = new ListingStore();
    store.start(loc);
    await settle();
    listings[0]!.send({ entries: [], done: true });
    listings[0]!.finish();
    await settle();
    store.stop();
    await settle();
    expect(calls.some((c) => c.cmd === "cancel_listing")).toBe(false);
  });

  it("spaces out flushes for big listings", async () => {
    const { handler, listings } = controlledListing();
    installBackend({ list_folder: handler });
    const store = new ListingStore();
    let notifications = 0;
    store.subscribe(() => (notifications += 1));
    store.start(loc);
    await settle();
    const l = listings[0]!;
    const page = (p: number) => Array.from({ length: 1000 }, (_, i) => file(`k${p}-${i}`));
    for (let p = 0; p < 6; p++) l.send({ entries: page(p), done: false });
    await settle();
    expect(store.getSnapshot().entries).toHaveLength(6000);
    const before = notifications;
    for (let p = 6; p < 20; p++) {
      l.send({ entries: page(p), done: false });
      await vi.advanceTimersByTimeAsync(16);
    }
    // 14 pages over ~224 ms of frames: only a couple of flushes, not 14.
    expect(notifications - before).toBeLessThanOrEqual(3);
    await vi.advanceTimersByTimeAsync(200);
    expect(store.getSnapshot().entries).toHaveLength(20000);
  });

  it("keeps the old rows while the same folder is listed again, then replaces them", async () => {
    const { handler, listings } = controlledListing();
    installBackend({ list_folder: handler, cancel_listing: () => null });
    const store = new ListingStore();
    store.start(loc);
    await settle();
    listings[0]!.send({ entries: [file("old"), file("renamed-away")], done: true });
    listings[0]!.finish();
    await settle();

    store.start(loc);
    await settle();
    expect(store.getSnapshot()).toMatchObject({ loading: true, refreshing: true });
    expect(store.getSnapshot().entries.map((e) => e.key)).toEqual(["old", "renamed-away"]);
    listings[1]!.send({ entries: [file("old")], done: false });
    await settle();
    expect(store.getSnapshot().entries.map((e) => e.key)).toEqual(["old"]);
    expect(store.getSnapshot().refreshing).toBe(false);
    listings[1]!.send({ entries: [file("new-name")], done: true });
    listings[1]!.finish();
    await settle();
    expect(store.getSnapshot().entries.map((e) => e.key)).toEqual(["old", "new-name"]);
  });

  it("empties the list when a folder listed again has nothing left", async () => {
    const { handler, listings } = controlledListing();
    installBackend({ list_folder: handler, cancel_listing: () => null });
    const store = new ListingStore();
    store.start(loc);
    await settle();
    listings[0]!.send({ entries: [file("deleted")], done: true });
    listings[0]!.finish();
    await settle();
    store.start(loc);
    await settle();
    listings[1]!.send({ entries: [], done: true });
    listings[1]!.finish();
    await settle();
    expect(store.getSnapshot()).toMatchObject({ loading: false, refreshing: false, entries: [] });
  });

  it("starts another folder empty", async () => {
    const { handler, listings } = controlledListing();
    installBackend({ list_folder: handler, cancel_listing: () => null });
    const store = new ListingStore();
    store.start(loc);
    await settle();
    listings[0]!.send({ entries: [file("x")], done: true });
    listings[0]!.finish();
    await settle();
    store.start({ ...loc, prefix: "a/" });
    expect(store.getSnapshot()).toMatchObject({ entries: [], refreshing: false });
  });
});
