import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import type { Entry, ObjectProperties, ObjectVersion } from "../bindings";
import { fail, installBackend, staticListing, type Call, type Handlers } from "../test/backend";
import { connection, file, folder, uiError } from "../test/fixtures";

const conn = connection({ id: "c1", name: "Work" });

/** A bucket whose listing the test changes as the "server" does its work. */
function makeTree(): Record<string, Entry[]> {
  return {
    "": [file("readme.txt", 2048), folder("photos/"), file("a.csv", 10), folder("docs/")],
    "photos/": [file("photos/cat.jpg", 1_200_000)],
    "docs/": [],
  };
}

function backend(tree: Record<string, Entry[]>, extra: Handlers = {}) {
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
  await waitFor(() => expect(rowNames()).toHaveLength(4));
}

const rowNames = () => screen.queryAllByTestId("row").map((r) => r.getAttribute("data-name"));
const row = (name: string) => screen.getAllByTestId("row").find((r) => r.getAttribute("data-name") === name)!;
const selected = () =>
  screen
    .queryAllByTestId("row")
    .filter((r) => r.getAttribute("aria-selected") === "true")
    .map((r) => r.getAttribute("data-name"));
const listings = (calls: Call[]) => calls.filter((c) => c.cmd === "list_folder").length;

function props(key: string, over: Partial<ObjectProperties> = {}): ObjectProperties {
  return {
    bucket: "media",
    key,
    size: 2048,
    etag: '"abc"',
    lastModified: "2024-05-01T10:00:00Z",
    contentType: "text/plain",
    storageClass: null,
    versionId: null,
    metadata: [],
    ...over,
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Toolbar", () => {
  it("names the frequent actions, shows their keys, and keeps the rarer ones under More", async () => {
    const user = userEvent.setup();
    backend(makeTree());
    await openBucket(user);
    expect(screen.getByTestId("action-new-folder")).toHaveTextContent("New folder");
    expect(screen.getByTestId("action-new-folder").getAttribute("title")).toContain("Shift+N");
    expect(screen.getByTestId("action-upload-files")).toHaveTextContent("Upload");
    expect(screen.getByTestId("action-rename")).toHaveAttribute("title", "Rename (F2)");
    expect(screen.queryByTestId("action-upload-folder")).toBeNull();
    await user.click(screen.getByTestId("action-more"));
    const menu = screen.getByTestId("more-menu");
    expect(within(menu).getByTestId("action-upload-folder")).toHaveTextContent("Upload a folder…");
    // Nothing selected: no share link to offer.
    expect(within(menu).queryByTestId("action-copy-link")).toBeNull();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("more-menu")).toBeNull();
    // A second click on More closes its menu, as a menu button does.
    await user.click(screen.getByTestId("action-more"));
    expect(screen.getByTestId("action-more")).toHaveAttribute("aria-expanded", "true");
    await user.click(screen.getByTestId("action-more"));
    expect(screen.queryByTestId("more-menu")).toBeNull();
    expect(screen.getByTestId("action-more")).toHaveAttribute("aria-expanded", "false");
    await user.click(row("a.csv"));
    await user.click(screen.getByTestId("action-more"));
    expect(within(screen.getByTestId("more-menu")).getByTestId("action-copy-link")).toBeInTheDocument();
  });
});

describe("New folder", () => {
  it("creates a folder from the toolbar, lists again and selects it", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    const calls = backend(tree, {
      create_folder: (args) => {
        tree[""]!.push(folder("Projects/"));
        return `${args.parent as string}${args.name as string}/`;
      },
    });
    await openBucket(user);
    await user.click(screen.getByTestId("action-new-folder"));
    const input = screen.getByTestId("new-folder-input");
    expect(input).toHaveFocus();
    expect(input).toHaveValue("New folder");
    await user.clear(input);
    await user.type(input, "Projects{Enter}");
    await waitFor(() => expect(rowNames()).toContain("Projects"));
    expect(calls.find((c) => c.cmd === "create_folder")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      parent: "",
      name: "Projects",
    });
    expect(listings(calls)).toBe(2);
    await waitFor(() => expect(selected()).toEqual(["Projects"]));
    expect(screen.getByTestId("status-message")).toHaveTextContent("Created folder “Projects”");
    expect(screen.queryByTestId("new-folder-input")).toBeNull();
  });

  it("opens with Ctrl+Shift+N, refuses a taken name without asking the server, cancels with Escape", async () => {
    const user = userEvent.setup();
    const calls = backend(makeTree());
    await openBucket(user);
    await user.keyboard("{Control>}{Shift>}N{/Shift}{/Control}");
    const input = await screen.findByTestId("new-folder-input");
    await user.clear(input);
    await user.type(input, "docs{Enter}");
    expect(screen.getByTestId("name-problem")).toHaveTextContent("There is already a folder named “docs” here.");
    expect(input).toHaveAttribute("aria-invalid", "true");
    await user.type(input, "{Escape}");
    expect(screen.queryByTestId("new-folder-input")).toBeNull();
    expect(calls.some((c) => c.cmd === "create_folder")).toBe(false);
    expect(screen.getByTestId("file-list")).toHaveFocus();
  });

  it("is offered by right-clicking the empty part of the list, even in an empty folder", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    backend(tree, { create_folder: () => "docs/drafts/" });
    await openBucket(user);
    await user.dblClick(row("docs"));
    await screen.findByTestId("empty-folder");
    fireEvent.contextMenu(screen.getByTestId("file-list"));
    await user.click(within(screen.getByTestId("context-menu")).getByTestId("ctx-new-folder"));
    expect(screen.getByTestId("new-folder-input")).toBeInTheDocument();
    expect(screen.queryByTestId("empty-folder")).toBeNull();
  });

  it("shows the server's refusal in words, with the detail one click away", async () => {
    const user = userEvent.setup();
    backend(makeTree(), {
      create_folder: () =>
        fail(uiError("accessDenied", "These keys are not allowed to write to “media”.", "AccessDenied: 403")),
    });
    await openBucket(user);
    await user.click(screen.getByTestId("action-new-folder"));
    await user.type(screen.getByTestId("new-folder-input"), "{Enter}");
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("These keys are not allowed to write to “media”.");
    await user.click(within(banner).getByTestId("error-detail-toggle"));
    expect(screen.getByTestId("error-detail")).toHaveTextContent("AccessDenied: 403");
    await user.click(screen.getByTestId("error-dismiss"));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });
});

describe("Rename", () => {
  it("renames a file with F2 and selects it under its new name", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    const calls = backend(tree, {
      rename_item: (args) => {
        tree[""] = tree[""]!.map((e) => (e.key === "readme.txt" ? file("README.md", 2048) : e));
        return { keys: [args.newName], objects: 1, bytes: 2048 };
      },
    });
    await openBucket(user);
    await user.click(row("readme.txt"));
    await user.keyboard("{F2}");
    const input = screen.getByTestId("rename-input") as HTMLInputElement;
    expect(input).toHaveValue("readme.txt");
    // The name without its extension is selected, so typing replaces just that.
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, 6]);
    await user.clear(input);
    await user.type(input, "README.md{Enter}");
    await waitFor(() => expect(rowNames()).toContain("README.md"));
    expect(calls.find((c) => c.cmd === "rename_item")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      key: "readme.txt",
      newName: "README.md",
    });
    await waitFor(() => expect(selected()).toEqual(["README.md"]));
    expect(screen.getByTestId("status-message")).toHaveTextContent("Renamed “readme.txt” to “README.md”");
  });

  it("renames a folder from the context menu; keys typed go to the field, not the list", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    const calls = backend(tree, {
      rename_item: () => ({ keys: ["pictures/"], objects: 2, bytes: 1_200_000 }),
    });
    await openBucket(user);
    fireEvent.contextMenu(row("photos"));
    // The menu shows the keys that do the same without it.
    const menu = screen.getByTestId("context-menu");
    expect(within(menu).getByTestId("ctx-rename")).toHaveTextContent("RenameF2");
    expect(within(menu).getByTestId("ctx-rename")).toHaveAttribute("aria-keyshortcuts", "F2");
    expect(within(menu).getByTestId("ctx-delete")).toHaveAttribute("aria-keyshortcuts", "Delete");
    await user.click(within(menu).getByTestId("ctx-rename"));
    const input = screen.getByTestId("rename-input");
    expect(input).toHaveValue("photos");
    // Backspace, arrows and Enter edit the name: no navigation, no opening the folder.
    await user.type(input, "{End}{Backspace}{Backspace}{ArrowLeft}{ArrowRight}");
    expect(input).toHaveValue("phot");
    await user.clear(input);
    await user.type(input, "pictures{Enter}");
    await waitFor(() => expect(calls.some((c) => c.cmd === "rename_item")).toBe(true));
    expect(calls.find((c) => c.cmd === "rename_item")?.args).toMatchObject({ key: "photos/", newName: "pictures" });
    expect(calls.filter((c) => c.cmd === "list_folder").map((c) => c.args.prefix)).toEqual(["", ""]);
  });

  it("leaves an unchanged name alone, and so does clicking elsewhere with a taken name", async () => {
    const user = userEvent.setup();
    const calls = backend(makeTree());
    await openBucket(user);
    await user.click(row("a.csv"));
    await user.click(screen.getByTestId("action-rename"));
    await user.type(screen.getByTestId("rename-input"), "{Enter}");
    expect(screen.queryByTestId("rename-input")).toBeNull();
    await user.click(screen.getByTestId("action-rename"));
    const input = screen.getByTestId("rename-input");
    await user.clear(input);
    await user.type(input, "readme.txt");
    fireEvent.blur(input);
    expect(screen.queryByTestId("rename-input")).toBeNull();
    expect(calls.some((c) => c.cmd === "rename_item")).toBe(false);
  });

  it("is only offered for one item", async () => {
    const user = userEvent.setup();
    backend(makeTree());
    await openBucket(user);
    expect(screen.getByTestId("action-rename")).toBeDisabled();
    await user.click(row("a.csv"));
    await user.keyboard("{Control>}");
    await user.click(row("readme.txt"));
    await user.keyboard("{/Control}");
    expect(screen.getByTestId("action-rename")).toBeDisabled();
    await user.click(screen.getByTestId("action-more"));
    expect(within(screen.getByTestId("more-menu")).queryByTestId("action-copy-link")).toBeNull();
    await user.keyboard("{Escape}");
    fireEvent.contextMenu(row("a.csv"));
    const menu = screen.getByTestId("context-menu");
    expect(within(menu).queryByTestId("ctx-rename")).toBeNull();
    expect(within(menu).getByTestId("ctx-delete")).toHaveTextContent("Delete 2 items…");
  });
});

describe("Delete", () => {
  it("counts first, asks with the count and size, then deletes exactly the selection", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    let answerSummary: (v: unknown) => void = () => {};
    const calls = backend(tree, {
      delete_summary: () => new Promise((resolve) => (answerSummary = resolve)),
      delete_items: () => {
        tree[""] = tree[""]!.filter((e) => e.key !== "photos/" && e.key !== "a.csv");
        return 3;
      },
    });
    await openBucket(user);
    await user.click(row("photos"));
    await user.keyboard("{Control>}");
    await user.click(row("a.csv"));
    await user.keyboard("{/Control}");
    await user.keyboard("{Delete}");
    const dialog = screen.getByTestId("confirm-dialog");
    expect(dialog).toHaveTextContent("Delete 2 items?");
    expect(within(dialog).getByTestId("delete-counting")).toBeInTheDocument();
    expect(within(dialog).getByTestId("confirm-delete")).toBeDisabled();
    expect(calls.find((c) => c.cmd === "delete_summary")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      keys: ["photos/", "a.csv"],
    });
    answerSummary({ objects: 3, bytes: 12_400_000 });
    const summary = await within(dialog).findByTestId("delete-summary");
    expect(summary).toHaveTextContent(
      "Delete 3 items (12.4 MB)? This cannot be undone unless the bucket keeps versions.",
    );
    expect(summary).toHaveAttribute("data-objects", "3");
    expect(dialog).toHaveTextContent("Folders are deleted with everything in them.");
    await user.click(within(dialog).getByTestId("confirm-delete"));
    await waitFor(() => expect(screen.queryByTestId("confirm-dialog")).toBeNull());
    expect(calls.find((c) => c.cmd === "delete_items")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      keys: ["photos/", "a.csv"],
    });
    await waitFor(() => expect(rowNames()).toEqual(["docs", "readme.txt"]));
    expect(screen.getByTestId("status-message")).toHaveTextContent("Deleted 3 items");
  });

  it("deletes nothing when cancelled", async () => {
    const user = userEvent.setup();
    const calls = backend(makeTree(), { delete_summary: () => ({ objects: 1, bytes: 10 }) });
    await openBucket(user);
    fireEvent.contextMenu(row("a.csv"));
    await user.click(within(screen.getByTestId("context-menu")).getByTestId("ctx-delete"));
    expect(await screen.findByTestId("delete-summary")).toHaveTextContent("Delete 1 item (10 bytes)?");
    expect(screen.getByTestId("confirm-dialog")).toHaveTextContent("Delete “a.csv”?");
    await user.click(screen.getByTestId("confirm-cancel"));
    expect(screen.queryByTestId("confirm-dialog")).toBeNull();
    expect(calls.some((c) => c.cmd === "delete_items")).toBe(false);
    expect(listings(calls)).toBe(1);
  });

  it("keeps the dialog open with the reason when the delete fails", async () => {
    const user = userEvent.setup();
    backend(makeTree(), {
      delete_summary: () => ({ objects: 1, bytes: 10 }),
      delete_items: () => fail(uiError("accessDenied", "These keys are not allowed to delete files in “media”.")),
    });
    await openBucket(user);
    await user.click(row("a.csv"));
    await user.click(screen.getByTestId("action-delete"));
    await screen.findByTestId("delete-summary");
    await user.click(screen.getByTestId("confirm-delete"));
    expect(await screen.findByText("These keys are not allowed to delete files in “media”.")).toBeInTheDocument();
    expect(screen.getByTestId("confirm-dialog")).toBeInTheDocument();
  });

  it("still lets a person delete when counting failed, saying so", async () => {
    const user = userEvent.setup();
    backend(makeTree(), {
      delete_summary: () => fail(uiError("throttled", "The server is busy and asked Pail to slow down.")),
      delete_items: () => 1,
    });
    await openBucket(user);
    await user.click(row("a.csv"));
    await user.keyboard("{Delete}");
    expect(await screen.findByTestId("delete-summary")).toHaveTextContent("Pail could not count what this item holds");
    expect(screen.getByTestId("confirm-delete")).toBeEnabled();
  });
});

describe("Copy link", () => {
  it("signs a link for the chosen time, copies it and shows it", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    const calls = backend(makeTree(), {
      share_link: (args) => ({
        url: `https://store.example/media/${args.key as string}?X-Amz-Signature=abc`,
        expiresAt: "2024-05-08T10:00:00Z",
      }),
    });
    await openBucket(user);
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
    fireEvent.contextMenu(row("readme.txt"));
    await user.click(within(screen.getByTestId("context-menu")).getByTestId("ctx-copy-link"));
    const dialog = screen.getByTestId("share-dialog");
    const choices = within(dialog).getAllByTestId("share-expiry");
    expect(choices.map((c) => c.getAttribute("value"))).toEqual(["3600", "86400", "604800"]);
    expect(choices[1]).toBeChecked();
    await user.click(choices[2]!);
    await user.click(within(dialog).getByTestId("share-create"));
    const url = await within(dialog).findByTestId("share-url");
    expect(url).toHaveValue("https://store.example/media/readme.txt?X-Amz-Signature=abc");
    expect(calls.find((c) => c.cmd === "share_link")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      key: "readme.txt",
      expiresInSecs: 604800,
    });
    expect(writeText).toHaveBeenCalledWith("https://store.example/media/readme.txt?X-Amz-Signature=abc");
    expect(within(dialog).getByTestId("share-status")).toHaveAttribute("data-copied", "true");
    expect(within(dialog).getByTestId("share-status")).toHaveTextContent("Copied to the clipboard.");
    await user.click(within(dialog).getByTestId("share-close"));
    expect(screen.queryByTestId("share-dialog")).toBeNull();
  });

  it("shows the link with a Copy button when the clipboard is out of reach", async () => {
    const user = userEvent.setup();
    backend(makeTree(), {
      share_link: () => ({ url: "https://store.example/x", expiresAt: "2024-05-01T11:00:00Z" }),
    });
    await openBucket(user);
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: vi.fn().mockRejectedValue(new Error("not allowed")) },
    });
    document.execCommand = vi.fn().mockReturnValue(false);
    await user.click(row("a.csv"));
    await user.click(screen.getByTestId("action-more"));
    await user.click(screen.getByTestId("action-copy-link"));
    await user.click(screen.getByTestId("share-create"));
    const status = await screen.findByTestId("share-status");
    expect(status).toHaveAttribute("data-copied", "false");
    expect(status).toHaveTextContent("Pail could not reach the clipboard");
    expect(screen.getByTestId("share-url")).toHaveValue("https://store.example/x");
    expect(screen.getByTestId("share-copy")).toBeInTheDocument();
  });

  it("is not offered for folders", async () => {
    const user = userEvent.setup();
    backend(makeTree());
    await openBucket(user);
    await user.click(row("photos"));
    await user.click(screen.getByTestId("action-more"));
    expect(within(screen.getByTestId("more-menu")).queryByTestId("action-copy-link")).toBeNull();
    await user.keyboard("{Escape}");
    fireEvent.contextMenu(row("photos"));
    expect(within(screen.getByTestId("context-menu")).queryByTestId("ctx-copy-link")).toBeNull();
  });
});

describe("Properties", () => {
  const versions: ObjectVersion[] = [
    { versionId: "v3", size: 2048, lastModified: "2024-05-03T10:00:00Z", isLatest: true, isDeleteMarker: false },
    { versionId: "v2", size: 0, lastModified: "2024-05-02T10:00:00Z", isLatest: false, isDeleteMarker: true },
    { versionId: "v1", size: 1000, lastModified: "2024-05-01T10:00:00Z", isLatest: false, isDeleteMarker: false },
  ];

  it("edits the content type and reads the properties again", async () => {
    const user = userEvent.setup();
    let type = "text/plain";
    const calls = backend(makeTree(), {
      object_properties: (args) => props(args.key as string, { contentType: type }),
      list_versions: () => ({ versioningEnabled: false, versions: [] }),
      set_content_type: (args) => {
        type = args.contentType as string;
        return props(args.key as string, { contentType: type });
      },
    });
    await openBucket(user);
    await user.dblClick(row("readme.txt"));
    const panel = await screen.findByTestId("properties-panel");
    await waitFor(() => expect(within(panel).getByTestId("prop-content-type")).toHaveTextContent("text/plain"));
    expect(await within(panel).findByTestId("prop-versions-off")).toHaveTextContent(
      "This bucket does not keep earlier versions of files.",
    );
    await user.click(within(panel).getByTestId("prop-content-type-edit"));
    const input = within(panel).getByTestId("prop-content-type-input");
    await user.clear(input);
    await user.type(input, "text/markdown{Enter}");
    await waitFor(() => expect(within(panel).getByTestId("prop-content-type")).toHaveTextContent("text/markdown"));
    expect(calls.find((c) => c.cmd === "set_content_type")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      key: "readme.txt",
      contentType: "text/markdown",
    });
    expect(calls.filter((c) => c.cmd === "object_properties")).toHaveLength(2);
    expect(screen.getByTestId("status-message")).toHaveTextContent("Content type set to text/markdown");
  });

  it("shows a refused content type in words and keeps the field", async () => {
    const user = userEvent.setup();
    backend(makeTree(), {
      object_properties: (args) => props(args.key as string),
      list_versions: () => ({ versioningEnabled: false, versions: [] }),
      set_content_type: () =>
        fail(uiError("invalidInput", "“plain” is not a content type. Content types look like text/plain.")),
    });
    await openBucket(user);
    await user.dblClick(row("readme.txt"));
    const panel = await screen.findByTestId("properties-panel");
    await user.click(await within(panel).findByTestId("prop-content-type-edit"));
    const input = within(panel).getByTestId("prop-content-type-input");
    await user.clear(input);
    await user.type(input, "plain");
    await user.click(within(panel).getByTestId("prop-content-type-save"));
    expect(await within(panel).findByText(/is not a content type/)).toBeInTheDocument();
    expect(within(panel).getByTestId("prop-content-type-input")).toHaveValue("plain");
  });

  it("lists versions where the bucket keeps them and restores an earlier one", async () => {
    const user = userEvent.setup();
    const calls = backend(makeTree(), {
      object_properties: (args) => props(args.key as string, { versionId: "v3" }),
      list_versions: () => ({ versioningEnabled: true, versions }),
      restore_version: (args) => props(args.key as string, { versionId: "v4" }),
    });
    await openBucket(user);
    await user.dblClick(row("readme.txt"));
    const panel = await screen.findByTestId("properties-panel");
    const list = await within(panel).findByTestId("prop-versions");
    const rows = within(list).getAllByTestId("version-row");
    expect(rows.map((r) => r.getAttribute("data-version-id"))).toEqual(["v3", "v2", "v1"]);
    expect(rows[0]).toHaveTextContent("Current version");
    expect(rows[1]).toHaveTextContent("Deleted");
    // Only earlier versions with content can be restored.
    expect(within(rows[0]!).queryByTestId("version-restore")).toBeNull();
    expect(within(rows[1]!).queryByTestId("version-restore")).toBeNull();
    await user.click(within(rows[2]!).getByTestId("version-restore"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "restore_version")).toBe(true));
    expect(calls.find((c) => c.cmd === "restore_version")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      key: "readme.txt",
      versionId: "v1",
    });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "list_versions")).toHaveLength(2));
    expect(screen.getByTestId("status-message")).toHaveTextContent("Restored the version from");
    await waitFor(() => expect(listings(calls)).toBe(2));
  });
});
