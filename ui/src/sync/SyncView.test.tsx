import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import type { Conflict, PairInfo, PairStatus } from "../bindings";
import { installBackend, staticListing, type Handlers } from "../test/backend";
import { connection, folder, pairInfo, pairStatus } from "../test/fixtures";

const conn = connection({ id: "c1", name: "Work" });

const status = pairStatus;

const pair = pairInfo;

type StatusChannel = { onmessage: (s: PairStatus) => void };

function backend(pairs: PairInfo[], extra: Handlers = {}) {
  const channels: StatusChannel[] = [];
  const calls = installBackend({
    list_connections: () => [conn],
    list_buckets: () => ({ buckets: [{ name: "media", createdAt: null, pinned: false }], canListBuckets: true }),
    list_folder: staticListing({ "": [folder("team/"), folder("photos/")], "team/": [] }),
    cancel_listing: () => null,
    list_pairs: () => pairs,
    watch_pairs: (args) => {
      channels.push(args.onStatus as StatusChannel);
      return null;
    },
    pair_activity: () => [],
    request_costs: () => ({
      pairs: pairs.map((p) => ({
        pairId: p.id,
        localRoot: p.localRoot,
        cost: { requests: { list: 4, head: 290, get: 0, put: 18, delete: 0 }, usd: 0.000296 },
      })),
      total: { requests: { list: 4, head: 290, get: 0, put: 18, delete: 0 }, usd: 0.000296 },
      unpricedPairs: 0,
      pricesAsOf: "December 2026",
    }),
    list_conflicts: () => [],
    default_ignore_patterns: () => [".DS_Store"],
    bucket_history_settings: () => ({ keepsVersions: true, keepDays: 30 }),
    ...extra,
  });
  return { calls, send: (s: PairStatus) => channels.forEach((c) => c.onmessage(s)) };
}

describe("synced folders", () => {
  it("adds a pair in three steps and warns before merging two full sides", async () => {
    const user = userEvent.setup();
    const added = pair({ status: status({ state: "starting" }) });
    const { calls } = backend([], {
      choose_sync_folder: () => ({ id: "grant-1", purpose: "SyncFolder", paths: ["/home/ann/Shared"] }),
      check_sync_folder: () => ({ state: "ready", hasFiles: true }),
      check_pair: () => ({ folderHasFiles: true, bucketHasObjects: true, warning: "The first sync merges them." }),
      add_pair: () => added,
    });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("add-pair"));
    const dialog = await screen.findByTestId("add-pair-dialog");
    expect(within(dialog).getByTestId("pair-next")).toBeDisabled();
    await user.click(within(dialog).getByTestId("pair-choose-folder"));
    await waitFor(() => expect(within(dialog).getByTestId("pair-folder")).toHaveTextContent("/home/ann/Shared"));
    await user.click(within(dialog).getByTestId("pair-next"));
    // Step 2: the bucket's folders; a click selects one, and a plain line says what was chosen.
    const team = await within(dialog).findByText("team");
    await user.click(team);
    await waitFor(() => expect(within(dialog).getByTestId("pair-target")).toHaveTextContent("Will sync with: media / team/"));
    expect(team.closest("button")).toHaveAttribute("aria-current", "true");
    await user.click(within(dialog).getByTestId("pair-next"));
    // Step 3: mode and the merge warning.
    expect(await within(dialog).findByTestId("pair-merge-warning")).toHaveTextContent("merges");
    await user.click(within(dialog).getByTestId("mode-UploadOnly"));
    expect(within(dialog).queryByTestId("pair-merge-warning")).toBeNull();
    await user.click(within(dialog).getByTestId("mode-TwoWay"));
    await user.click(within(dialog).getByTestId("pair-add-confirm"));
    await waitFor(() => expect(screen.queryByTestId("add-pair-dialog")).toBeNull());
    const add = calls.find((c) => c.cmd === "add_pair");
    expect(add?.args.request).toEqual({
      connectionId: "c1",
      bucket: "media",
      prefix: "team/",
      folder: "grant-1",
      mode: "TwoWay",
    });
    expect(await screen.findByTestId("pair-row")).toHaveTextContent("Shared");
  });

  it("checks the folder on the first step and creates it when it does not exist yet", async () => {
    const user = userEvent.setup();
    let created = false;
    const { calls } = backend([], {
      choose_sync_folder: () => ({ id: "grant-2", purpose: "SyncFolder", paths: ["/home/ann/New"] }),
      check_sync_folder: () => ({ state: "missing", canCreate: true }),
      create_sync_folder: () => {
        created = true;
        return { state: "ready", hasFiles: false };
      },
    });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("add-pair"));
    const dialog = await screen.findByTestId("add-pair-dialog");
    await user.click(within(dialog).getByTestId("pair-choose-folder"));
    expect(await within(dialog).findByTestId("pair-folder-missing")).toHaveTextContent("does not exist yet");
    expect(within(dialog).getByTestId("pair-next")).toBeDisabled();
    await user.click(within(dialog).getByTestId("pair-create-folder"));
    expect(await within(dialog).findByTestId("pair-folder-ready")).toHaveTextContent("empty");
    expect(created).toBe(true);
    expect(calls.find((c) => c.cmd === "create_sync_folder")?.args.folder).toBe("grant-2");
    expect(within(dialog).getByTestId("pair-next")).toBeEnabled();
  });

  it("does not offer to create a folder whose parent is missing too (a disk not plugged in)", async () => {
    const user = userEvent.setup();
    backend([], {
      choose_sync_folder: () => ({ id: "grant-3", purpose: "SyncFolder", paths: ["/media/ann/usb/Photos"] }),
      check_sync_folder: () => ({ state: "missing", canCreate: false }),
    });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("add-pair"));
    const dialog = await screen.findByTestId("add-pair-dialog");
    await user.click(within(dialog).getByTestId("pair-choose-folder"));
    expect(await within(dialog).findByTestId("pair-folder-missing")).toHaveTextContent("plug it in");
    expect(within(dialog).queryByTestId("pair-create-folder")).toBeNull();
    expect(within(dialog).getByTestId("pair-next")).toBeDisabled();
  });

  it("keeps a typed new bucket folder name when Next is pressed before Create", async () => {
    const user = userEvent.setup();
    const { calls } = backend([], {
      choose_sync_folder: () => ({ id: "grant-4", purpose: "SyncFolder", paths: ["/home/ann/Shared"] }),
      check_sync_folder: () => ({ state: "ready", hasFiles: false }),
      check_pair: () => ({ folderHasFiles: false, bucketHasObjects: false, warning: null }),
    });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("add-pair"));
    const dialog = await screen.findByTestId("add-pair-dialog");
    await user.click(within(dialog).getByTestId("pair-choose-folder"));
    await within(dialog).findByTestId("pair-folder-ready");
    await user.click(within(dialog).getByTestId("pair-next"));
    await within(dialog).findByText("team");
    await user.click(within(dialog).getByTestId("prefix-new-folder"));
    await user.type(within(dialog).getByTestId("prefix-new-name"), "Reports");
    await user.click(within(dialog).getByTestId("pair-next"));
    await within(dialog).findByTestId("mode-TwoWay");
    expect(calls.find((c) => c.cmd === "check_pair")?.args.request).toMatchObject({ bucket: "media", prefix: "Reports/" });
  });

  it("offers to keep earlier versions when the bucket keeps none, and turns them on before syncing", async () => {
    const user = userEvent.setup();
    const order: string[] = [];
    const { calls } = backend([], {
      choose_sync_folder: () => ({ id: "grant-5", purpose: "SyncFolder", paths: ["/home/ann/Shared"] }),
      check_sync_folder: () => ({ state: "ready", hasFiles: false }),
      check_pair: () => ({ folderHasFiles: false, bucketHasObjects: false, warning: null }),
      bucket_history_settings: () => ({ keepsVersions: false, keepDays: null }),
      keep_bucket_history: () => {
        order.push("keep");
        return { keepsVersions: true, keepDays: 30 };
      },
      add_pair: () => {
        order.push("add");
        return pair();
      },
    });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("add-pair"));
    const dialog = await screen.findByTestId("add-pair-dialog");
    await user.click(within(dialog).getByTestId("pair-choose-folder"));
    await within(dialog).findByTestId("pair-folder-ready");
    await user.click(within(dialog).getByTestId("pair-next"));
    await within(dialog).findByText("team");
    await user.click(within(dialog).getByTestId("pair-next"));
    expect(await within(dialog).findByTestId("pair-versioning-off")).toHaveTextContent("cannot be undone");
    await user.click(within(dialog).getByTestId("pair-keep-versions"));
    await user.click(within(dialog).getByTestId("pair-add-confirm"));
    await waitFor(() => expect(order).toEqual(["keep", "add"]));
    expect(calls.find((c) => c.cmd === "keep_bucket_history")?.args).toMatchObject({ bucket: "media", keepDays: 30 });
  });

  it("follows live statuses: syncing with progress, then up to date", async () => {
    const user = userEvent.setup();
    const { send } = backend([pair()]);
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    const row = await screen.findByTestId("pair-row");
    expect(row).toHaveAttribute("data-state", "upToDate");
    send(status({ state: "syncing", done: 2, total: 5 }));
    await waitFor(() => expect(within(row).getByTestId("pair-status")).toHaveTextContent("Syncing 3 files…"));
    expect(screen.getByTestId("nav-sync-status")).toHaveAttribute("data-tone", "busy");
    send(status({ state: "offline", message: "Pail cannot reach the bucket.", detail: "dispatch failure" }));
    expect(await screen.findByText("Pail cannot reach the bucket.")).toBeInTheDocument();
    send(status({ state: "upToDate" }));
    await waitFor(() => expect(row).toHaveAttribute("data-state", "upToDate"));
    expect(screen.queryByText("Pail cannot reach the bucket.")).toBeNull();
  });

  it("offers a one-way mode when the store cannot be trusted with two-way sync", async () => {
    const user = userEvent.setup();
    const { calls, send } = backend([pair()], { set_pair_mode: () => null });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await screen.findByTestId("pair-row");
    send(
      status({
        state: "needsAttention",
        message: "The storage service at http://x ignores conditional writes.",
        detail: "PUT with a wrong If-Match → accepted",
        errorCode: "unsafeStore",
      }),
    );
    await user.click(await screen.findByTestId("mode-upload-only"));
    expect(calls.find((c) => c.cmd === "set_pair_mode")?.args).toEqual({ pairId: "p1", mode: "UploadOnly" });
    await waitFor(() => expect(screen.getByText(/Upload only/i)).toBeInTheDocument());
    expect(screen.queryByTestId("mode-upload-only")).toBeNull();
  });

  it("checks the bucket now on request", async () => {
    const user = userEvent.setup();
    const { calls } = backend([pair()], { check_pair_now: () => null });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("pair-check-now"));
    expect(calls.find((c) => c.cmd === "check_pair_now")?.args).toEqual({ pairId: "p1" });
  });

  it("shows what the pair's requests cost in the last 24 hours", async () => {
    const user = userEvent.setup();
    backend([pair()]);
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    expect(await screen.findByTestId("pair-cost")).toHaveTextContent(
      "312 requests (4 list, 290 head, 18 put) in the last 24 hours · less than a cent",
    );
  });

  it("switches the change marker off and back on", async () => {
    const user = userEvent.setup();
    const { calls } = backend([pair()], { set_pair_change_marker: () => null });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    const box = await screen.findByTestId("pair-change-marker");
    expect(box).toBeChecked();
    await user.click(box);
    expect(calls.find((c) => c.cmd === "set_pair_change_marker")?.args).toEqual({ pairId: "p1", on: false });
    await waitFor(() => expect(screen.getByTestId("pair-change-marker")).not.toBeChecked());
  });

  it("pauses and resumes a pair and asks before removing it, keeping files", async () => {
    const user = userEvent.setup();
    const { calls, send } = backend([pair()], { set_pair_paused: () => null, remove_pair: () => null });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("pair-pause"));
    expect(calls.find((c) => c.cmd === "set_pair_paused")?.args).toEqual({ pairId: "p1", paused: true });
    send(status({ state: "paused" }));
    await waitFor(() => expect(screen.getByTestId("pair-pause")).toHaveTextContent("Resume"));
    // Stopping keeps every file, so it is no red "delete" button.
    expect(screen.getByTestId("pair-remove")).not.toHaveClass("danger");
    await user.click(screen.getByTestId("pair-remove"));
    expect(screen.getByText(/No file is deleted: every file stays on both sides/)).toBeInTheDocument();
    expect(screen.getByTestId("confirm-remove-pair")).not.toHaveClass("danger");
    await user.click(screen.getByTestId("confirm-remove-pair"));
    await waitFor(() => expect(screen.queryByTestId("pair-row")).toBeNull());
    expect(calls.some((c) => c.cmd === "remove_pair")).toBe(true);
  });

  it("lists conflicts with mine and theirs and resolves one", async () => {
    const user = userEvent.setup();
    const conflict: Conflict = {
      pairId: "p1",
      copyPath: "notes (conflict from laptop 2026-11-25 2313).txt",
      originalPath: "notes.txt",
      host: "laptop",
      madeAt: "2026-11-25 2313",
      copyIsMine: false,
      copySize: 10,
      originalSize: 12,
    };
    let open: Conflict[] = [conflict];
    const { calls } = backend([pair({ status: status({ conflicts: 1 }) })], {
      list_conflicts: () => open,
      resolve_conflict: () => {
        open = [];
        return null;
      },
    });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    const item = await screen.findByTestId("conflict-item");
    expect(item).toHaveTextContent("from laptop");
    // The copy came from another computer: "mine" is the file under its own name.
    await user.click(within(item).getByTestId("keep-mine"));
    expect(calls.find((c) => c.cmd === "resolve_conflict")?.args).toEqual({
      pairId: "p1",
      copyPath: conflict.copyPath,
      choice: "keepOriginal",
    });
    expect(await screen.findByTestId("no-conflicts")).toBeInTheDocument();
  });

  it("shows where each file stands, folder by folder", async () => {
    const user = userEvent.setup();
    const { calls } = backend([pair()], {
      pair_files: (args) =>
        args.dir === ""
          ? [
              { name: "docs", path: "docs/", isDir: true, size: null, state: "synced", deletedHere: false },
              { name: "a.txt", path: "a.txt", isDir: false, size: 10, state: "waiting", deletedHere: false },
              { name: "x.tmp", path: "x.tmp", isDir: false, size: 1, state: "ignored", deletedHere: false },
              { name: "gone.txt", path: "gone.txt", isDir: false, size: null, state: "waiting", deletedHere: true },
            ]
          : [{ name: "b.md", path: "docs/b.md", isDir: false, size: 5, state: "synced", deletedHere: false }],
    });
    render(<App />);
    await user.click(await screen.findByTestId("nav-sync"));
    await user.click(await screen.findByTestId("tab-files"));
    const files = await screen.findAllByTestId("pair-file");
    expect(files.map((f) => f.textContent)).toEqual([
      expect.stringContaining("Synced"),
      expect.stringContaining("Waiting to sync"),
      expect.stringContaining("Ignored"),
      expect.stringContaining("Deleted here"),
    ]);
    await user.click(within(files[0]!).getByText("docs"));
    await waitFor(() => expect(screen.getByTestId("files-dir")).toHaveAttribute("data-dir", "docs/"));
    expect(await screen.findByText("b.md")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "pair_files").map((c) => c.args.dir)).toEqual(["", "docs/"]);
    await user.click(screen.getByTestId("files-up"));
    await waitFor(() => expect(screen.getByTestId("files-dir")).toHaveAttribute("data-dir", ""));
  });
});
