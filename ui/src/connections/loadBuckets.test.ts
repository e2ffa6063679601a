import { describe, expect, it } from "vitest";
import { fail, installBackend } from "../test/backend";
import { connection, uiError } from "../test/fixtures";
import { bucketsToShow, loadBuckets } from "./loadBuckets";

describe("bucketsToShow", () => {
  it("adds pinned buckets the store did not list, once", () => {
    const conn = connection({ pinnedBuckets: ["b", "c", "c"] });
    const list = {
      buckets: [
        { name: "a", createdAt: null, pinned: false },
        { name: "b", createdAt: null, pinned: true },
      ],
      canListBuckets: false,
    };
    expect(bucketsToShow(list, conn).map((b) => b.name)).toEqual(["a", "b", "c"]);
    expect(bucketsToShow(null, conn).map((b) => b.name)).toEqual(["b", "c"]);
  });
});

describe("loadBuckets", () => {
  it("starts the demo store first when it is not running", async () => {
    const calls = installBackend({
      demo_status: () => ({ connectionId: "d", running: false }),
      start_demo: () => connection({ id: "d", provider: "demo" }),
      list_buckets: () => ({ buckets: [], canListBuckets: true }),
    });
    const r = await loadBuckets(connection({ id: "d", provider: "demo" }));
    expect(r.status).toBe("ok");
    expect(calls.map((c) => c.cmd)).toEqual(["demo_status", "start_demo", "list_buckets"]);
  });

  it("reports a demo that cannot start", async () => {
    installBackend({
      demo_status: () => ({ connectionId: "d", running: false }),
      start_demo: () => fail(uiError("internal", "The demo store couldn’t start.")),
    });
    const r = await loadBuckets(connection({ id: "d", provider: "demo" }));
    expect(r).toMatchObject({ status: "error", error: { message: "The demo store couldn’t start." } });
  });

  it("lists other connections directly", async () => {
    const calls = installBackend({ list_buckets: () => ({ buckets: [], canListBuckets: true }) });
    await loadBuckets(connection({ id: "w" }));
    expect(calls.map((c) => c.cmd)).toEqual(["list_buckets"]);
  });

  it("turns a broken bridge into an error, not an exception", async () => {
    installBackend({
      list_buckets: () => {
        throw new Error("bridge down");
      },
    });
    const r = await loadBuckets(connection({ id: "w" }));
    expect(r).toMatchObject({ status: "error", error: { code: "internal", detail: "Error: bridge down" } });
  });
});
