import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "../App";
import type { Entry } from "../bindings";
import { controlledListing, fail, installBackend, staticListing, type Handlers } from "../test/backend";
import { connection, file, folder, presets, uiError } from "../test/fixtures";

const conn = connection({ id: "c1", name: "Work" });

const tree: Record<string, Entry[]> = {
  "": [file("readme.txt", 2048), folder("photos/"), file("a.csv", 10), folder("docs/")],
  "photos/": [folder("photos/2024/"), file("photos/cat.jpg", 1_200_000)],
  "photos/2024/": [file("photos/2024/beach.png", 5_000_000)],
  "docs/": [],
};

function backend(extra: Handlers = {}) {
  return installBackend({
    list_connections: () => [conn],
    list_buckets: () => ({ buckets: [{ name: "media", createdAt: null, pinned: false }], canListBuckets: true }),
    list_folder: staticListing(tree),
    cancel_listing: () => null,
    ...extra,
  });
}

async function openBucket(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(await screen.findByTestId("connection-toggle"));
  await user.click(await screen.findByTestId("bucket-item"));
  return screen.findByTestId("browser");
}

/** The row whose data-name is exactly `name` (waits for it to appear). */
async function findRow(name: string): Promise<HTMLElement> {
  return waitFor(() => {
    const r = screen.queryAllByTestId("row").find((el) => el.getAttribute("data-name") === name);
    if (!r) throw new Error(`no row ${name}`);
    return r;
  });
}

const rowNames = () => screen.queryAllByTestId("row").map((r) => r.getAttribute("data-name"));
const crumbs = () => screen.getAllByTestId("breadcrumb").map((b) => b.getAttribute("data-prefix"));

describe("Browser", () => {
  it("hides the Storage class column until the column chooser shows it, and remembers that", async () => {
    window.localStorage.removeItem("pail.columns.storageClass");
    const user = userEvent.setup();
    backend();
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toEqual(["docs", "photos", "a.csv", "readme.txt"]));
    const list = screen.getByTestId("file-list");
    expect(list).toHaveClass("no-storage-class");
    expect(screen.queryByRole("columnheader", { name: "Storage class" })).toBeNull();
    await user.click(screen.getByTestId("columns-button"));
    expect(within(screen.getByTestId("columns-menu")).getByTestId("column-storage-class")).toHaveAttribute("aria-checked", "false");
    await user.click(within(screen.getByTestId("columns-menu")).getByTestId("column-storage-class"));
    expect(list).not.toHaveClass("no-storage-class");
    expect(screen.getByRole("columnheader", { name: "Storage class" })).toBeInTheDocument();
    expect(window.localStorage.getItem("pail.columns.storageClass")).toBe("shown");
    // Right-clicking the header offers the same choice.
    fireEvent.contextMenu(screen.getByRole("columnheader", { name: "Storage class" }));
    const item = within(screen.getByTestId("columns-menu")).getByRole("menuitemcheckbox", { name: /Storage class/ });
    expect(item).toHaveAttribute("aria-checked", "true");
    window.localStorage.removeItem("pail.columns.storageClass");
  });

  it("lists folders first, then files, with kinds, sizes and a count", async () => {
    const user = userEvent.setup();
    const calls = backend();
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toEqual(["docs", "photos", "a.csv", "readme.txt"]));
    const rows = screen.getAllByTestId("row");
    expect(rows.map((r) => r.getAttribute("data-kind"))).toEqual(["folder", "folder", "file", "file"]);
    expect(rows[3]).toHaveTextContent("2 KB");
    expect(rows[3]).toHaveTextContent("Standard");
    expect(screen.getByTestId("list-status")).toHaveTextContent("4 items");
    expect(crumbs()).toEqual([""]);
    expect(screen.getAllByTestId("breadcrumb")[0]).toHaveTextContent("media");
    const list = calls.find((c) => c.cmd === "list_folder");
    expect(list?.args).toMatchObject({ connectionId: "c1", bucket: "media", prefix: "" });
  });

  it("opens folders by double-click and goes back through breadcrumbs, back and forward", async () => {
    const user = userEvent.setup();
    const calls = backend();
    await openBucket(user);
    await user.dblClick(await findRow("photos"));
    await waitFor(() => expect(rowNames()).toEqual(["2024", "cat.jpg"]));
    expect(crumbs()).toEqual(["", "photos/"]);

    await user.dblClick(await findRow("2024"));
    await waitFor(() => expect(rowNames()).toEqual(["beach.png"]));
    expect(crumbs()).toEqual(["", "photos/", "photos/2024/"]);

    await user.click(screen.getAllByTestId("breadcrumb")[0]!);
    await waitFor(() => expect(rowNames()).toEqual(["docs", "photos", "a.csv", "readme.txt"]));
    expect(calls.filter((c) => c.cmd === "list_folder").map((c) => c.args.prefix)).toEqual([
      "",
      "photos/",
      "photos/2024/",
      "",
    ]);

    await user.click(screen.getByTestId("nav-back"));
    await waitFor(() => expect(rowNames()).toEqual(["beach.png"]));
    await user.click(screen.getByTestId("nav-forward"));
    await waitFor(() => expect(rowNames()).toEqual(["docs", "photos", "a.csv", "readme.txt"]));
    expect(screen.getByTestId("nav-forward")).toBeDisabled();
    expect(screen.getByTestId("nav-up")).toBeDisabled();
  });

  it("goes up with the Up button and selects the folder it came from", async () => {
    const user = userEvent.setup();
    backend();
    await openBucket(user);
    await user.dblClick(await findRow("photos"));
    await waitFor(() => expect(rowNames()).toEqual(["2024", "cat.jpg"]));
    await user.click(screen.getByTestId("nav-up"));
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    const photos = screen.getAllByTestId("row").find((r) => r.getAttribute("data-name") === "photos");
    await waitFor(() => expect(photos).toHaveAttribute("aria-selected", "true"));
  });

  it("streams pages in, shows progress, and cancels a listing left half-way", async () => {
    const user = userEvent.setup();
    const { handler, listings } = controlledListing();
    const calls = backend({ list_folder: handler });
    await openBucket(user);
    await waitFor(() => expect(listings).toHaveLength(1));
    const first = listings[0]!;
    act(() => first.send({ entries: [folder("big/"), file("f1")], done: false }));
    await waitFor(() => expect(rowNames()).toEqual(["big", "f1"]));
    expect(screen.getByTestId("list-status")).toHaveTextContent("Loading… 2 so far");

    await user.dblClick(await findRow("big"));
    await waitFor(() => expect(listings).toHaveLength(2));
    expect(calls.filter((c) => c.cmd === "cancel_listing").map((c) => c.args.listingId)).toEqual([
      first.args.listingId,
    ]);

    // A late page of the abandoned listing must not show up in the new folder.
    act(() => first.send({ entries: [file("late")], done: true }));
    const second = listings[1]!;
    expect(second.args.listingId).toBeGreaterThan(first.args.listingId);
    act(() => second.send({ entries: [file("big/inside")], done: false }));
    await waitFor(() => expect(rowNames()).toEqual(["inside"]));
    act(() => second.send({ entries: [file("big/more")], done: true }));
    act(() => second.finish());
    await waitFor(() => expect(screen.getByTestId("list-status")).toHaveTextContent("2 items"));
    expect(rowNames()).toEqual(["inside", "more"]);
  });

  it("says so when a folder is empty", async () => {
    const user = userEvent.setup();
    backend();
    await openBucket(user);
    await user.dblClick(await findRow("docs"));
    expect(await screen.findByText("This folder is empty")).toBeInTheDocument();
    expect(screen.getByTestId("list-status")).toHaveTextContent("0 items");
  });

  it("explains a bucket that is gone and offers a way back", async () => {
    const user = userEvent.setup();
    backend({
      list_folder: () => fail(uiError("noSuchBucket", "The bucket “media” doesn’t exist any more.", "NoSuchBucket")),
    });
    await openBucket(user);
    expect(await screen.findByText("The bucket “media” doesn’t exist any more.")).toBeInTheDocument();
    expect(screen.queryByTestId("file-list")).toBeNull();
    await user.click(screen.getByTestId("error-leave-bucket"));
    expect(await screen.findByTestId("no-location")).toBeInTheDocument();
  });

  it("offers Edit connection when the keys are refused, and lists again after the fix", async () => {
    const user = userEvent.setup();
    let fixed = false;
    const calls = backend({
      list_folder: (args) => {
        if (!fixed) fail(uiError("invalidAccessKeyId", "The access key ID is not known to this store."));
        return staticListing(tree)(args);
      },
      list_presets: () => presets,
      update_connection: () => {
        fixed = true;
        return conn;
      },
    });
    await openBucket(user);
    await user.click(await screen.findByTestId("error-edit-connection"));
    await user.type(await screen.findByTestId("conn-secret-key"), "new-secret");
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    expect(calls.filter((c) => c.cmd === "list_folder")).toHaveLength(2);
  });

  it("filters by name as you type, case-insensitively", async () => {
    const user = userEvent.setup();
    backend();
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    await user.type(screen.getByTestId("filter-input"), "PHO");
    expect(rowNames()).toEqual(["photos"]);
    expect(screen.getByTestId("list-status")).toHaveTextContent("4 items");
    expect(screen.getByTestId("list-status")).toHaveTextContent("1 shown");
    await user.clear(screen.getByTestId("filter-input"));
    await user.type(screen.getByTestId("filter-input"), "zzz");
    expect(screen.getByTestId("no-match")).toHaveTextContent("No items match “zzz”.");
  });

  it("sorts by clicking headers, folders staying first", async () => {
    const user = userEvent.setup();
    backend();
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    await user.click(screen.getByTestId("sort-name"));
    expect(rowNames()).toEqual(["photos", "docs", "readme.txt", "a.csv"]);
    expect(screen.getByTestId("sort-name")).toContainElement(screen.getByLabelText("descending"));
    await user.click(screen.getByTestId("sort-size"));
    expect(rowNames()).toEqual(["docs", "photos", "a.csv", "readme.txt"]);
    await user.click(screen.getByTestId("sort-size"));
    expect(rowNames()).toEqual(["docs", "photos", "readme.txt", "a.csv"]);
    await user.click(screen.getByTestId("sort-date"));
    expect(screen.getByTestId("sort-date")).toContainElement(screen.getByLabelText("ascending"));
  });

  it("selects with click, Ctrl-click, Shift-click and Ctrl+A, and totals the size", async () => {
    const user = userEvent.setup();
    backend();
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    const row = (name: string) => screen.getAllByTestId("row").find((r) => r.getAttribute("data-name") === name)!;
    const selected = () =>
      screen
        .getAllByTestId("row")
        .filter((r) => r.getAttribute("aria-selected") === "true")
        .map((r) => r.getAttribute("data-name"));

    await user.click(row("a.csv"));
    expect(selected()).toEqual(["a.csv"]);
    await user.keyboard("{Control>}");
    await user.click(row("readme.txt"));
    await user.keyboard("{/Control}");
    expect(selected()).toEqual(["a.csv", "readme.txt"]);
    expect(screen.getByTestId("status-selection")).toHaveTextContent("2 selected, 2.1 KB");
    await user.click(row("docs"));
    await user.keyboard("{Shift>}");
    await user.click(row("a.csv"));
    await user.keyboard("{/Shift}");
    expect(selected()).toEqual(["docs", "photos", "a.csv"]);
    await user.keyboard("{Control>}a{/Control}");
    expect(selected()).toHaveLength(4);
    expect(screen.getByTestId("status-selection")).toHaveTextContent("4 selected");
  });

  it("moves with the keyboard and opens with Enter, back up with Backspace", async () => {
    const user = userEvent.setup();
    backend();
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    const list = screen.getByTestId("file-list");
    list.focus();
    const selected = () =>
      screen
        .getAllByTestId("row")
        .filter((r) => r.getAttribute("aria-selected") === "true")
        .map((r) => r.getAttribute("data-name"));
    await user.keyboard("{ArrowDown}");
    expect(selected()).toEqual(["docs"]);
    await user.keyboard("{ArrowDown}{Shift>}{ArrowDown}{/Shift}");
    expect(selected()).toEqual(["photos", "a.csv"]);
    await user.keyboard("{End}");
    expect(selected()).toEqual(["readme.txt"]);
    await user.keyboard("{Home}{ArrowDown}{Enter}");
    await waitFor(() => expect(rowNames()).toEqual(["2024", "cat.jpg"]));
    await user.keyboard("{Backspace}");
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    await waitFor(() => expect(selected()).toEqual(["photos"]));
    await user.keyboard("{Alt>}{ArrowLeft}{/Alt}");
    await waitFor(() => expect(rowNames()).toEqual(["2024", "cat.jpg"]));
  });

  it("refreshes with F5 and focuses the filter with Ctrl+F", async () => {
    const user = userEvent.setup();
    const calls = backend();
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    await user.keyboard("{F5}");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "list_folder")).toHaveLength(2));
    await user.keyboard("{Control>}f{/Control}");
    expect(screen.getByTestId("filter-input")).toHaveFocus();
  });

  it("has a context menu with Open, Properties and Copy S3 path", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    backend({
      object_properties: (args) => ({
        bucket: "media",
        key: args.key,
        size: 2048,
        etag: '"9b2cf535f27731c974343645a3985328"',
        lastModified: "2024-05-01T10:00:00Z",
        contentType: "text/plain",
        storageClass: null,
        versionId: null,
        metadata: [{ key: "owner", value: "ana" }],
      }),
    });
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });

    fireEvent.contextMenu(await findRow("photos"));
    let menu = screen.getByTestId("context-menu");
    expect(within(menu).getByTestId("ctx-open")).toBeInTheDocument();
    expect(within(menu).queryByTestId("ctx-properties")).toBeNull();
    await user.click(within(menu).getByTestId("ctx-copy-path"));
    expect(writeText).toHaveBeenCalledWith("s3://media/photos/");
    expect(await screen.findByTestId("status-message")).toHaveTextContent("Copied s3://media/photos/");

    fireEvent.contextMenu(await findRow("readme.txt"));
    menu = screen.getByTestId("context-menu");
    await user.click(within(menu).getByTestId("ctx-properties"));
    const panel = await screen.findByTestId("properties-panel");
    await waitFor(() => expect(within(panel).getByTestId("prop-key")).toHaveTextContent("readme.txt"));
    expect(within(panel).getByTestId("prop-size")).toHaveTextContent(/2 KB \(2.048 bytes\)/);
    expect(within(panel).getByTestId("prop-etag")).toHaveTextContent("9b2cf535f27731c974343645a3985328");
    expect(within(panel).getByTestId("prop-content-type")).toHaveTextContent("text/plain");
    expect(within(panel).getByTestId("prop-storage-class")).toHaveTextContent("Standard");
    expect(within(panel).getByTestId("prop-metadata")).toHaveTextContent("owner");
    expect(within(panel).getByTestId("prop-metadata")).toHaveTextContent("ana");

    fireEvent.contextMenu(await findRow("photos"));
    await user.click(within(screen.getByTestId("context-menu")).getByTestId("ctx-open"));
    await waitFor(() => expect(rowNames()).toEqual(["2024", "cat.jpg"]));
    expect(
      within(screen.getByTestId("properties-panel")).getByText("Select a file to see its properties."),
    ).toBeInTheDocument();
  });

  it("shows a properties error with a retry", async () => {
    const user = userEvent.setup();
    let attempts = 0;
    backend({
      object_properties: (args) => {
        attempts += 1;
        if (attempts === 1) fail(uiError("accessDenied", "You don’t have permission to read this file’s details."));
        return {
          bucket: "media",
          key: args.key,
          size: 10,
          etag: null,
          lastModified: null,
          contentType: null,
          storageClass: "GLACIER",
          versionId: "v1",
          metadata: [],
        };
      },
    });
    await openBucket(user);
    await waitFor(() => expect(rowNames()).toHaveLength(4));
    await user.dblClick(await findRow("a.csv"));
    const panel = await screen.findByTestId("properties-panel");
    expect(
      await within(panel).findByText("You don’t have permission to read this file’s details."),
    ).toBeInTheDocument();
    await user.click(within(panel).getByTestId("error-retry"));
    await waitFor(() =>
      expect(within(panel).getByTestId("prop-storage-class")).toHaveTextContent("Glacier Flexible Retrieval"),
    );
    expect(within(panel).getByTestId("prop-version")).toHaveTextContent("v1");
    expect(within(panel).getByText("No custom metadata.")).toBeInTheDocument();
    await user.click(screen.getByTestId("properties-close"));
    expect(screen.queryByTestId("properties-panel")).toBeNull();
  });
});
