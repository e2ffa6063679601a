import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import type { ChangesSince, RestoreReport } from "../../bindings";
import { fail, installBackend, staticListing, type Handlers } from "../../test/backend";
import { connection, file, folder, uiError } from "../../test/fixtures";
import { changeSummary } from "./RestoreFolderDialog";

const conn = connection({ id: "c1", name: "Work" });

function backend(extra: Handlers = {}) {
  return installBackend({
    list_connections: () => [conn],
    list_buckets: () => ({ buckets: [{ name: "media", createdAt: null, pinned: false }], canListBuckets: true }),
    list_folder: staticListing({ "": [folder("docs/"), file("a.txt", 10)], "docs/": [] }),
    cancel_listing: () => null,
    ...extra,
  });
}

async function openMore(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(await screen.findByTestId("connection-toggle"));
  await user.click(await screen.findByTestId("bucket-item"));
  await screen.findAllByTestId("row");
  await user.click(screen.getByTestId("action-more"));
}

const report = (over: Partial<RestoreReport> = {}): RestoreReport => ({ restored: [], removed: [], left: [], failed: [], ...over });

describe("restore a folder to an earlier moment", () => {
  it("says what going back changes in words", () => {
    const c = (back: number, changed: number, removed: number): ChangesSince => ({ back, changed, removed, listed: [], planId: "p" });
    expect(changeSummary(c(2, 1, 0))).toBe("Going back will bring back 2 deleted files, put back the earlier content of 1 file.");
    expect(changeSummary(c(0, 0, 3))).toBe("Going back will remove 3 files added since (kept in the history).");
    expect(changeSummary(c(0, 0, 0))).toBe("The folder is the same now as at that moment.");
  });

  it("lists the moments, compares the one chosen with now, restores and reports", async () => {
    const user = userEvent.setup();
    const calls = backend({
      folder_timeline: () => [
        { at: "2026-12-02T12:00:05.999Z", changes: 2 },
        { at: "2026-12-02T11:00:00.999Z", changes: 1 },
        { at: "2026-12-02T10:00:00.999Z", changes: 3 },
      ],
      folder_changes_since: (args) =>
        args.at === "2026-12-02T10:00:00.999Z"
          ? { back: 1, changed: 1, removed: 1, listed: [], planId: "plan-10" }
          : { back: 0, changed: 1, removed: 0, listed: [], planId: "plan-11" },
      restore_folder: () => report({ restored: ["a.txt"], removed: ["new.txt"], left: [{ key: "b.txt", reason: "Someone else changed it." }] }),
    });
    await openMore(user);
    await user.click(screen.getByTestId("action-restore-folder"));
    const dialog = await screen.findByTestId("restore-folder-dialog");
    const moments = await within(dialog).findAllByTestId("restore-moment");
    expect(moments).toHaveLength(3);
    expect(moments[0]).toBeDisabled();
    // The moment before now is chosen first.
    expect(moments[1]).toBeChecked();
    expect(await within(dialog).findByTestId("restore-summary")).toHaveTextContent("put back the earlier content of 1 file");
    await user.click(moments[2]!);
    await waitFor(() => expect(within(dialog).getByTestId("restore-summary")).toHaveTextContent("bring back 1 deleted file"));
    await user.click(within(dialog).getByTestId("restore-folder-confirm"));
    const shown = await within(dialog).findByTestId("restore-report");
    expect(shown).toHaveTextContent("brought back 1 file, removed 1 file added since");
    expect(shown).toHaveTextContent("b.txt — Someone else changed it.");
    expect(shown).toHaveTextContent("can be undone");
    // The restore runs the plan of the preview shown, not a new one.
    expect(calls.find((c) => c.cmd === "restore_folder")?.args).toMatchObject({ planId: "plan-10" });
  });

  it("shows the engine's sentence when the bucket keeps no versions", async () => {
    const user = userEvent.setup();
    backend({ folder_timeline: () => fail(uiError("invalidInput", "“media” does not keep earlier versions of files.")) });
    await openMore(user);
    await user.click(screen.getByTestId("action-restore-folder"));
    const dialog = await screen.findByTestId("restore-folder-dialog");
    expect(await within(dialog).findByText("“media” does not keep earlier versions of files.")).toBeInTheDocument();
    expect(within(dialog).getByTestId("restore-folder-confirm")).toBeDisabled();
  });
});

describe("recently deleted", () => {
  it("lists deleted files and restores the ones ticked, or all", async () => {
    const user = userEvent.setup();
    let deleted = [
      { key: "gone.txt", name: "gone.txt", deletedAt: "2026-12-02T12:00:00Z", size: 17 },
      { key: "old.txt", name: "old.txt", deletedAt: "2026-12-01T12:00:00Z", size: 3 },
    ];
    let folders = [{ prefix: "trip/", name: "trip" }];
    const calls = backend({
      deleted_files: () => ({ files: deleted, folders }),
      restore_deleted: (args) => {
        const keys = args.keys as string[];
        deleted = deleted.filter((d) => !keys.includes(d.key));
        folders = folders.filter((f) => !keys.includes(f.prefix));
        return report({ restored: keys });
      },
    });
    await openMore(user);
    await user.click(screen.getByTestId("action-show-deleted"));
    const dialog = await screen.findByTestId("deleted-dialog");
    const rows = await within(dialog).findAllByTestId("deleted-row");
    expect(rows.map((r) => r.getAttribute("data-name"))).toEqual(["gone.txt", "old.txt"]);
    expect(within(dialog).getByTestId("deleted-restore-selected")).toBeDisabled();
    await user.click(within(rows[0]!).getByRole("checkbox"));
    await user.click(within(dialog).getByTestId("deleted-restore-selected"));
    expect(await within(dialog).findByTestId("restore-report")).toHaveTextContent("brought back 1 file");
    expect(calls.find((c) => c.cmd === "restore_deleted")?.args.keys).toEqual(["gone.txt"]);
    await waitFor(() => expect(within(dialog).getAllByTestId("deleted-row")).toHaveLength(1));
    // A subfolder deleted whole is listed too; "Restore all" sends it as its prefix.
    expect(within(dialog).getByTestId("deleted-folder-row")).toHaveAttribute("data-name", "trip");
    await user.click(within(dialog).getByTestId("deleted-restore-all"));
    expect(calls.filter((c) => c.cmd === "restore_deleted").pop()?.args.keys).toEqual(["trip/", "old.txt"]);
    expect(await within(dialog).findByTestId("deleted-none")).toBeInTheDocument();
  });
});
