// What the user hears back after uploads and downloads: a toast with Show, and the new files selected.
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Channel } from "@tauri-apps/api/core";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import type { Entry, TransferView, TransfersUpdate } from "../bindings";
import { installBackend, staticListing, type Handler, type Handlers } from "../test/backend";
import { connection, file, folder } from "../test/fixtures";
import { emptyTotals } from "./model";

/** The queue's channel as the app hands it to watch_transfers: `send` delivers an update to it. */
function transferChannel() {
  let channel: Channel<TransfersUpdate> | null = null;
  const watch: Handler = (args) => {
    channel = args.onUpdate as Channel<TransfersUpdate>;
    channel.onmessage({ changed: [], removed: [], totals: emptyTotals, full: true });
    return null;
  };
  const send = (u: TransfersUpdate) => act(() => channel?.onmessage(u));
  return { watch, send };
}

function transfer(id: string, state: TransferView["state"], over: Partial<TransferView> = {}): TransferView {
  return {
    id,
    direction: "upload",
    connectionId: "c1",
    bucket: "media",
    key: id,
    localPath: `/home/me/${id}`,
    size: 10,
    doneBytes: state === "done" ? 10 : 0,
    state,
    bytesPerSec: 0,
    etaSecs: null,
    failure: null,
    ...over,
  };
}

/** A delta as the backend sends it, with totals worked out from the whole list. */
function update(all: TransferView[]): TransfersUpdate {
  const count = (s: TransferView["state"][]) => all.filter((t) => s.includes(t.state)).length;
  const totals = { ...emptyTotals, active: count(["queued", "running"]), failed: count(["failed"]), done: count(["done"]) };
  return { changed: all, removed: [], totals, full: false };
}

function setup(tree: Record<string, Entry[]>, extra: Handlers = {}) {
  const queue = transferChannel();
  const calls = installBackend({
    list_connections: () => [connection({ id: "c1", name: "Work" })],
    list_buckets: () => ({ buckets: [{ name: "media", createdAt: null, pinned: false }], canListBuckets: true }),
    list_folder: staticListing(tree),
    cancel_listing: () => null,
    watch_transfers: queue.watch,
    pick_upload: () => ({ id: "g1", purpose: "Upload", paths: ["/home/me/pics"] }),
    check_upload: () => ({ files: 2, bytes: 20, existing: [], skipped: [] }),
    upload_paths: () => ({ queued: 2, bytes: 20, skippedExisting: 0, skipped: [] }),
    pick_download_folder: () => ({ id: "g2", purpose: "DownloadTo", paths: ["/home/me/Downloads"] }),
    download_items: () => ({ queued: 1, bytes: 10, skippedExisting: 0, skipped: [] }),
    ...extra,
  });
  const sent = (items: TransferView[]) => queue.send(update(items));
  return { calls, sent };
}

async function openBucket(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(await screen.findByTestId("connection-toggle"));
  await user.click(await screen.findByTestId("bucket-item"));
  await screen.findByTestId("browser");
}

const names = () => screen.queryAllByTestId("row").map((r) => r.getAttribute("data-name"));
const row = (name: string) => screen.getAllByTestId("row").find((r) => r.getAttribute("data-name") === name)!;
const selected = () =>
  screen
    .queryAllByTestId("row")
    .filter((r) => r.getAttribute("aria-selected") === "true")
    .map((r) => r.getAttribute("data-name"));
const crumbs = () => screen.getAllByTestId("breadcrumb").map((b) => b.getAttribute("data-prefix"));

function makeTree(): Record<string, Entry[]> {
  return { "": [file("readme.txt"), folder("docs/")], "docs/": [] };
}

describe("after uploads", () => {
  it("selects what was uploaded into the open folder and says so, without taking the focus", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    const { calls, sent } = setup(tree);
    await openBucket(user);
    await waitFor(() => expect(names()).toEqual(["docs", "readme.txt"]));
    await user.click(screen.getByTestId("action-upload-files"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "upload_paths")).toBe(true));
    sent([transfer("new1.txt", "running"), transfer("new2.txt", "queued")]);
    expect(screen.queryByTestId("toast")).toBeNull();
    await user.click(row("readme.txt"));
    tree[""]!.push(file("new1.txt"), file("new2.txt"));
    sent([transfer("new1.txt", "done"), transfer("new2.txt", "done")]);

    const toast = await screen.findByTestId("toast");
    expect(toast).toHaveTextContent("Uploaded 2 items");
    expect(screen.getByTestId("toast-region")).toHaveAttribute("aria-live", "polite");
    expect(screen.getByTestId("file-list")).toHaveFocus();
    // The folder is listed again once transfers finish; then the new files are the selection.
    await waitFor(() => expect(selected()).toEqual(["new1.txt", "new2.txt"]), { timeout: 3000 });

    await user.click(screen.getByTestId("toast-close"));
    expect(screen.queryByTestId("toast")).toBeNull();
  });

  it("Show goes to the folder they went into and selects them (a dropped folder as one entry)", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    const { calls, sent } = setup(tree);
    await openBucket(user);
    await waitFor(() => expect(names()).toEqual(["docs", "readme.txt"]));
    await user.click(screen.getByTestId("action-upload-files"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "upload_paths")).toBe(true));
    const items = [transfer("pics/a.jpg", "running"), transfer("pics/b.jpg", "running")];
    sent(items);
    await user.dblClick(row("docs"));
    await waitFor(() => expect(crumbs()).toEqual(["", "docs/"]));

    tree[""]!.push(folder("pics/"));
    sent(items.map((t) => ({ ...t, state: "done" as const })));
    expect(await screen.findByTestId("toast")).toHaveTextContent("Uploaded 2 items");
    await user.click(screen.getByTestId("toast-show"));
    expect(screen.queryByTestId("toast")).toBeNull();
    await waitFor(() => expect(crumbs()).toEqual([""]));
    await waitFor(() => expect(selected()).toEqual(["pics"]));
  });

  it("names a single file", async () => {
    const user = userEvent.setup();
    const { sent } = setup(makeTree());
    await openBucket(user);
    await waitFor(() => expect(names()).toHaveLength(2));
    sent([transfer("docs/report.pdf", "running")]);
    sent([transfer("docs/report.pdf", "done")]);
    expect(await screen.findByTestId("toast")).toHaveTextContent("Uploaded “report.pdf”");
  });

  it("says how many failed, and Show opens the Transfers view", async () => {
    const user = userEvent.setup();
    const { sent } = setup(makeTree());
    await openBucket(user);
    await waitFor(() => expect(names()).toHaveLength(2));
    sent([transfer("a", "running"), transfer("b", "running")]);
    const failure = { code: "accessDenied" as const, message: "Not allowed.", detail: "403" };
    sent([transfer("a", "done"), transfer("b", "failed", { failure })]);
    const toast = await screen.findByTestId("toast");
    expect(toast).toHaveTextContent("1 of 2 uploads failed");
    expect(toast).toHaveClass("failed");
    await user.click(within(toast).getByTestId("toast-show"));
    expect(await screen.findByTestId("transfers-view")).toBeInTheDocument();
    expect(screen.queryByTestId("toast")).toBeNull();
  });
});

describe("after downloads", () => {
  it("says what was downloaded, and Show opens the Transfers view", async () => {
    const user = userEvent.setup();
    const { calls, sent } = setup(makeTree());
    await openBucket(user);
    await waitFor(() => expect(names()).toHaveLength(2));
    fireEvent.contextMenu(row("readme.txt"));
    await user.click(within(screen.getByTestId("context-menu")).getByTestId("ctx-download"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "download_items")).toBe(true));
    const down = { direction: "download" as const, key: "readme.txt", localPath: "/home/me/Downloads/readme.txt" };
    sent([transfer("d1", "running", down)]);
    sent([transfer("d1", "done", down)]);
    expect(await screen.findByTestId("toast")).toHaveTextContent("Downloaded “readme.txt”");
    // Nothing was uploaded here: the selection stays as it was.
    expect(selected()).toEqual(["readme.txt"]);
    await user.click(screen.getByTestId("toast-show"));
    expect(await screen.findByTestId("transfers-view")).toBeInTheDocument();
  });
});
