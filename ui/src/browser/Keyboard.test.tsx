// Quick look and cut/copy/paste from the keyboard, as a newcomer from Finder or GNOME Files tries them.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import type { Entry, Preview } from "../bindings";
import { installBackend, staticListing, type Handlers } from "../test/backend";
import { connection, file, folder } from "../test/fixtures";

function makeTree(): Record<string, Entry[]> {
  return {
    "": [file("readme.txt", 2048), folder("photos/"), file("a.csv", 10), folder("docs/"), file("b.png", 5000)],
    "docs/": [],
    "photos/": [],
  };
}

function preview(args: Record<string, unknown>): Preview {
  const key = args.key as string;
  return key.endsWith(".png")
    ? { kind: "image", dataUrl: "data:image/png;base64,iVBORw0KGgo=" }
    : { kind: "text", text: `text of ${key}`, truncated: false };
}

function backend(tree: Record<string, Entry[]>, extra: Handlers = {}) {
  return installBackend({
    list_connections: () => [connection({ id: "c1", name: "Work" })],
    list_buckets: () => ({ buckets: [{ name: "media", createdAt: null, pinned: false }], canListBuckets: true }),
    list_folder: staticListing(tree),
    cancel_listing: () => null,
    preview_object: preview,
    ...extra,
  });
}

async function openBucket(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(await screen.findByTestId("connection-toggle"));
  await user.click(await screen.findByTestId("bucket-item"));
  await waitFor(() => expect(screen.queryAllByTestId("row")).toHaveLength(5));
}

const row = (name: string) => screen.getAllByTestId("row").find((r) => r.getAttribute("data-name") === name)!;
const selected = () =>
  screen
    .queryAllByTestId("row")
    .filter((r) => r.getAttribute("aria-selected") === "true")
    .map((r) => r.getAttribute("data-name"));
const dialogTitle = () => within(screen.getByTestId("preview-dialog")).getByRole("heading").textContent;

describe("Quick look", () => {
  it("opens with Space, steps through the files (not folders) in list order, follows with the selection", async () => {
    const user = userEvent.setup();
    const calls = backend(makeTree());
    await openBucket(user);
    await user.click(row("a.csv"));
    await user.keyboard(" ");
    const dialog = await screen.findByTestId("preview-dialog");
    expect(screen.getByRole("dialog", { name: "a.csv" })).toBe(dialog);
    expect(await screen.findByTestId("preview-text")).toHaveTextContent("text of a.csv");
    expect(screen.getByTestId("preview-position")).toHaveTextContent("1 of 3");
    expect(screen.getByTestId("preview-prev")).toHaveAttribute("aria-disabled", "true");

    await user.keyboard("{ArrowRight}");
    await waitFor(() => expect(dialogTitle()).toBe("b.png"));
    expect(await screen.findByTestId("preview-image")).toHaveAttribute("alt", "b.png");
    expect(selected()).toEqual(["b.png"]);

    await user.click(screen.getByTestId("preview-next"));
    await waitFor(() => expect(dialogTitle()).toBe("readme.txt"));
    expect(screen.getByTestId("preview-next")).toHaveAttribute("aria-disabled", "true");
    // At the end the button stays focusable, so the keys still reach the dialog.
    await user.click(screen.getByTestId("preview-next"));
    expect(dialogTitle()).toBe("readme.txt");
    expect(screen.getByTestId("preview-next")).toHaveFocus();
    await user.keyboard("{ArrowLeft}");
    await waitFor(() => expect(dialogTitle()).toBe("b.png"));
    await user.click(screen.getByTestId("preview-prev"));
    await waitFor(() => expect(dialogTitle()).toBe("a.csv"));
    expect(selected()).toEqual(["a.csv"]);
    expect(calls.filter((c) => c.cmd === "preview_object").map((c) => c.args.key)).toEqual([
      "a.csv",
      "b.png",
      "readme.txt",
      "b.png",
      "a.csv",
    ]);

    // Space closes it again and the list has the keyboard back.
    screen.getByTestId("preview-close").focus();
    await user.keyboard(" ");
    expect(screen.queryByTestId("preview-dialog")).toBeNull();
    expect(screen.getByTestId("file-list")).toHaveFocus();
    expect(selected()).toEqual(["a.csv"]);

    await user.keyboard(" ");
    expect(await screen.findByTestId("preview-dialog")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("preview-dialog")).toBeNull();
    expect(selected()).toEqual(["a.csv"]);
  });

  it("does nothing on a folder, and Space in the filter box is a space", async () => {
    const user = userEvent.setup();
    backend(makeTree());
    await openBucket(user);
    await user.click(row("docs"));
    await user.keyboard(" ");
    expect(screen.queryByTestId("preview-dialog")).toBeNull();
    const filter = screen.getByTestId("filter-input");
    await user.click(filter);
    await user.keyboard("a ");
    expect(filter).toHaveValue("a ");
    expect(screen.queryByTestId("preview-dialog")).toBeNull();
  });

  it("opens from the context menu, which names its key", async () => {
    const user = userEvent.setup();
    backend(makeTree());
    await openBucket(user);
    fireEvent.contextMenu(row("readme.txt"));
    const item = within(screen.getByTestId("context-menu")).getByTestId("ctx-preview");
    expect(item).toHaveTextContent("Space");
    expect(item).toHaveAttribute("aria-keyshortcuts", "Space");
    await user.click(item);
    await waitFor(() => expect(dialogTitle()).toBe("readme.txt"));
    expect(screen.getByTestId("preview-position")).toHaveTextContent("3 of 3");
  });
});

describe("Toolbar tooltips", () => {
  it("name the keys of the actions that have one", async () => {
    const user = userEvent.setup();
    backend(makeTree());
    await openBucket(user);
    const newFolder = screen.getByTestId("action-new-folder");
    expect(newFolder).toHaveAttribute("title", "New folder (Ctrl+Shift+N)");
    expect(newFolder).toHaveAttribute("aria-keyshortcuts", "Control+Shift+N");
    expect(screen.getByTestId("action-delete")).toHaveAttribute("title", "Delete (Del)");
    expect(screen.getByTestId("filter-input")).toHaveAttribute("aria-keyshortcuts", "Control+F");
  });
});

describe("Cut, copy and paste keys", () => {
  const outcome = (keys: string[]) => ({ keys, objects: keys.length, bytes: 10 });

  it("copies with Ctrl+C and pastes into the folder being viewed with Ctrl+V", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    const calls = backend(tree, {
      copy_items: () => {
        tree["docs/"]!.push(file("docs/a.csv", 10));
        return outcome(["docs/a.csv"]);
      },
    });
    await openBucket(user);
    await user.click(row("a.csv"));
    await user.keyboard("{Control>}c{/Control}");
    expect(screen.getByTestId("status-message")).toHaveTextContent("Copied “a.csv”");
    await user.dblClick(row("docs"));
    await screen.findByTestId("empty-folder");
    expect(screen.getByTestId("file-list")).toHaveFocus();
    await user.keyboard("{Control>}v{/Control}");
    await waitFor(() => expect(selected()).toEqual(["a.csv"]));
    expect(calls.find((c) => c.cmd === "copy_items")?.args).toEqual({
      connectionId: "c1",
      bucket: "media",
      keys: ["a.csv"],
      toBucket: "media",
      toPrefix: "docs/",
    });
    expect(screen.getByTestId("status-message")).toHaveTextContent("Copied 1 object");
  });

  it("cuts with Ctrl+X (a move, pasted once), and the menu shows the keys", async () => {
    const user = userEvent.setup();
    const tree = makeTree();
    const calls = backend(tree, { move_items: () => outcome(["photos/readme.txt", "photos/b.png"]) });
    await openBucket(user);
    fireEvent.contextMenu(row("a.csv"));
    const menu = screen.getByTestId("context-menu");
    expect(within(menu).getByTestId("ctx-cut")).toHaveTextContent("Ctrl+X");
    expect(within(menu).getByTestId("ctx-cut")).toHaveAttribute("aria-keyshortcuts", "Control+X");
    expect(within(menu).getByTestId("ctx-copy")).toHaveTextContent("Ctrl+C");
    expect(within(menu).getByTestId("ctx-rename")).toHaveTextContent("F2");
    expect(within(menu).getByTestId("ctx-delete")).toHaveTextContent("Del");
    await user.keyboard("{Escape}");

    await user.click(row("b.png"));
    await user.keyboard("{Control>}");
    await user.click(row("readme.txt"));
    await user.keyboard("{/Control}");
    await waitFor(() => expect(selected()).toEqual(["b.png", "readme.txt"]));
    await user.keyboard("{Control>}x{/Control}");
    expect(screen.getByTestId("status-message")).toHaveTextContent("Cut 2 items");
    await user.dblClick(row("photos"));
    await screen.findByTestId("empty-folder");
    fireEvent.contextMenu(screen.getByTestId("file-list"));
    expect(within(screen.getByTestId("context-menu")).getByTestId("ctx-paste")).toHaveTextContent("Ctrl+V");
    await user.keyboard("{Escape}");
    await user.keyboard("{Control>}v{/Control}");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "move_items")).toHaveLength(1));
    expect(calls.find((c) => c.cmd === "move_items")?.args).toMatchObject({ keys: ["b.png", "readme.txt"], toPrefix: "photos/" });
    await waitFor(() => expect(screen.getByTestId("status-message")).toHaveTextContent("Moved 2 objects"));
    // The cut items have moved: a second Ctrl+V has nothing to paste.
    await user.keyboard("{Control>}v{/Control}");
    expect(calls.filter((c) => c.cmd === "move_items")).toHaveLength(1);
  });

  it("pastes into a folder from its row's menu, and selects that folder", async () => {
    const user = userEvent.setup();
    const calls = backend(makeTree(), { copy_items: () => outcome(["docs/a.csv"]) });
    await openBucket(user);
    await user.click(row("a.csv"));
    await user.keyboard("{Control>}c{/Control}");
    fireEvent.contextMenu(row("docs"));
    await user.click(within(screen.getByTestId("context-menu")).getByTestId("ctx-paste-into"));
    await waitFor(() => expect(screen.getByTestId("status-message")).toHaveTextContent("Copied 1 object into “docs”"));
    expect(calls.find((c) => c.cmd === "copy_items")?.args).toMatchObject({ keys: ["a.csv"], toPrefix: "docs/" });
    await waitFor(() => expect(selected()).toEqual(["docs"]));
    // Still in the same folder.
    expect(screen.getAllByTestId("breadcrumb").map((b) => b.getAttribute("data-prefix"))).toEqual([""]);
  });
});
