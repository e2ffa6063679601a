import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { describe, expect, it } from "vitest";
import type { ActivityEntry, UndoReport } from "../bindings";
import { fail, installBackend, type Call } from "../test/backend";
import { pairInfo, uiError } from "../test/fixtures";
import { ActivityFeed, groupByPass } from "./ActivityFeed";

const pair = pairInfo();

let nextId = 100;
function line(over: Partial<ActivityEntry> = {}): ActivityEntry {
  nextId -= 1;
  return {
    id: nextId,
    pairId: "p1",
    at: "2026-12-02T12:00:00Z",
    path: "a.txt",
    action: "upload",
    summary: "Uploaded",
    detail: "",
    passId: null,
    canUndo: false,
    undone: false,
    ...over,
  };
}

/** Newest first: a pass of three lines (two undoable), a pass of one line, then an older line without a pass. */
function feed(): ActivityEntry[] {
  return [
    line({ passId: "pass-b", at: "2026-12-02T12:00:05Z", path: "report.pdf", action: "download", summary: "Downloaded", canUndo: true }),
    line({ passId: "pass-b", at: "2026-12-02T12:00:04Z", path: "old.txt", action: "trash-local", summary: "Moved to the trash", canUndo: true }),
    line({ passId: "pass-b", at: "2026-12-02T12:00:03Z", path: "new.txt", action: "upload", summary: "Uploaded" }),
    line({ passId: "pass-a", at: "2026-12-02T11:00:00Z", path: "notes.md", action: "upload", summary: "Uploaded" }),
    line({ passId: null, at: "2026-12-01T09:00:00Z", path: "legacy.txt", action: "download", summary: "Downloaded" }),
  ];
}

type Handlers = {
  pair_activity: () => ActivityEntry[];
  undo_sync_pass?: (args: Record<string, unknown>) => UndoReport;
};

function backend(handlers: Handlers) {
  return installBackend(handlers);
}

/** jsdom has no layout for contrast, and the feed is rendered here without the app's landmarks around it. */
const AXE: axe.RunOptions = { rules: { "color-contrast": { enabled: false }, region: { enabled: false } } };

const activityCalls = (calls: Call[]) => calls.filter((c) => c.cmd === "pair_activity").length;

describe("grouping the activity feed by sync pass", () => {
  it("puts consecutive lines of one pass together and lines without a pass alone", () => {
    const groups = groupByPass([
      line({ passId: "x" }),
      line({ passId: "x" }),
      line({ passId: null }),
      line({ passId: null }),
      line({ passId: "y" }),
      line({ passId: "x" }),
    ]);
    expect(groups.map((g) => [g.passId, g.entries.length])).toEqual([
      ["x", 2],
      [null, 1],
      [null, 1],
      ["y", 1],
      ["x", 1],
    ]);
    expect(new Set(groups.map((g) => g.key)).size).toBe(groups.length);
  });
});

describe("activity feed", () => {
  it("shows one section per pass with its time and count, keeping the lines as before", async () => {
    backend({ pair_activity: feed });
    render(<ActivityFeed pair={pair} />);
    const list = await screen.findByTestId("activity-list");
    const sections = within(list).getAllByTestId("activity-pass");
    expect(sections.map((s) => s.getAttribute("data-pass-id"))).toEqual(["pass-b", "pass-a", ""]);
    expect(sections.map((s) => within(s).getByTestId("activity-pass-count").textContent)).toEqual(["3 changes", "1 change", "1 change"]);
    expect(within(sections[0]!).getByRole("heading")).toHaveTextContent(/^Sync at .*2026/);
    expect(within(sections[0]!).getAllByTestId("activity-item").map((i) => i.getAttribute("data-action"))).toEqual([
      "download",
      "trash-local",
      "upload",
    ]);
    for (const s of sections) expect(s.querySelector("ul.activity-list")).not.toBeNull();
    expect(screen.getAllByTestId("activity-item")).toHaveLength(5);
    // Undo only where something can be put back.
    expect(within(sections[0]!).getByTestId("activity-undo")).toHaveTextContent("Undo this sync…");
    expect(within(sections[1]!).queryByTestId("activity-undo")).toBeNull();
    expect(within(sections[2]!).queryByTestId("activity-undo")).toBeNull();
    expect(screen.queryByTestId("activity-undone")).toBeNull();
  });

  it("shows “Undone” instead of Undo for a pass that was undone", async () => {
    backend({
      pair_activity: () => [
        line({ passId: "pass-c", action: "put-back", summary: "Put back", path: "old.txt" }),
        line({ passId: "pass-b", canUndo: true, undone: true }),
        line({ passId: "pass-b", canUndo: false, undone: true }),
      ],
    });
    render(<ActivityFeed pair={pair} />);
    const sections = await screen.findAllByTestId("activity-pass");
    expect(sections).toHaveLength(2);
    expect(within(sections[0]!).getByTestId("activity-item")).toHaveAttribute("data-action", "put-back");
    expect(within(sections[1]!).getByTestId("activity-undone")).toHaveTextContent("Undone");
    expect(screen.queryByTestId("activity-undo")).toBeNull();
  });

  it("undoes a pass after asking, reports what came back, and reloads the feed on close", async () => {
    const user = userEvent.setup();
    let undone = false;
    const calls = backend({
      pair_activity: () =>
        undone
          ? [
              line({ passId: "undo-1", action: "put-back", summary: "Put back", path: "report.pdf" }),
              ...feed().map((e) => (e.passId === "pass-b" ? { ...e, undone: true } : e)),
            ]
          : feed(),
      undo_sync_pass: () => {
        undone = true;
        return { putBack: ["report.pdf", "old.txt"], notPutBack: [{ path: "new.txt", reason: "It changed again since." }] };
      },
    });
    render(<ActivityFeed pair={pair} />);
    await user.click(await screen.findByTestId("activity-undo"));
    const dialog = await screen.findByTestId("undo-pass-dialog");
    expect(screen.getByRole("dialog", { name: "Undo this sync?" })).toBe(dialog);
    expect(dialog).toHaveTextContent("Files this sync only added stay.");
    // Only the lines that can be put back are listed.
    expect(within(dialog).getAllByTestId("undo-pass-line").map((l) => l.textContent)).toEqual([
      "Downloaded report.pdf",
      "Moved to the trash old.txt",
    ]);
    const before = activityCalls(calls);
    await user.click(within(dialog).getByTestId("undo-pass-confirm"));
    const report = await within(dialog).findByTestId("undo-pass-report");
    expect(calls.find((c) => c.cmd === "undo_sync_pass")?.args).toEqual({ pairId: "p1", passId: "pass-b" });
    expect(report).toHaveTextContent("Put back 2 files");
    expect(within(report).getAllByTestId("undo-put-back-item").map((i) => i.textContent)).toEqual(["report.pdf", "old.txt"]);
    expect(report).toHaveTextContent("Could not put back");
    expect(within(report).getByTestId("undo-not-put-back-item")).toHaveTextContent("new.txt — It changed again since.");
    expect(report).toHaveTextContent("The other side follows on the next sync.");
    expect(within(dialog).getByTestId("undo-pass-close")).toHaveFocus();
    await user.click(within(dialog).getByTestId("undo-pass-close"));
    expect(screen.queryByTestId("undo-pass-dialog")).toBeNull();
    await waitFor(() => expect(activityCalls(calls)).toBe(before + 1));
    const sections = await screen.findAllByTestId("activity-pass");
    expect(sections.map((s) => s.getAttribute("data-pass-id"))).toEqual(["undo-1", "pass-b", "pass-a", ""]);
    expect(within(sections[1]!).getByTestId("activity-undone")).toBeInTheDocument();
    expect(screen.queryByTestId("activity-undo")).toBeNull();
  });

  it("shows the engine's error in the dialog and lets the user try again or cancel", async () => {
    const user = userEvent.setup();
    let answer: "fail" | "ok" = "fail";
    const calls = backend({
      pair_activity: feed,
      undo_sync_pass: () =>
        answer === "fail"
          ? fail(uiError("endpointUnreachable", "Pail cannot reach the bucket.", "dispatch failure"))
          : { putBack: [], notPutBack: [] },
    });
    render(<ActivityFeed pair={pair} />);
    await user.click(await screen.findByTestId("activity-undo"));
    const dialog = await screen.findByTestId("undo-pass-dialog");
    await user.click(within(dialog).getByTestId("undo-pass-confirm"));
    const error = await within(dialog).findByTestId("error-banner");
    expect(error).toHaveTextContent("Pail cannot reach the bucket.");
    await user.click(within(error).getByTestId("error-detail-toggle"));
    expect(within(dialog).getByTestId("error-detail")).toHaveTextContent("dispatch failure");
    expect(within(dialog).getByTestId("undo-pass-confirm")).toBeEnabled();
    expect(within(dialog).getByTestId("undo-pass-cancel")).toBeEnabled();
    expect(within(dialog).queryByTestId("undo-pass-report")).toBeNull();
    answer = "ok";
    await user.click(within(dialog).getByTestId("undo-pass-confirm"));
    expect(await within(dialog).findByTestId("undo-pass-report")).toHaveTextContent("Nothing needed to be put back.");
    expect(within(dialog).queryByTestId("error-banner")).toBeNull();
    expect(calls.filter((c) => c.cmd === "undo_sync_pass")).toHaveLength(2);
  });

  it("is busy while putting back (Escape does nothing then), then reports", async () => {
    const user = userEvent.setup();
    let finish: (r: UndoReport) => void = () => {};
    installBackend({
      pair_activity: feed,
      undo_sync_pass: () => new Promise<UndoReport>((resolve) => (finish = resolve)),
    });
    render(<ActivityFeed pair={pair} />);
    await user.click(await screen.findByTestId("activity-undo"));
    const dialog = await screen.findByTestId("undo-pass-dialog");
    await user.click(within(dialog).getByTestId("undo-pass-confirm"));
    expect(await within(dialog).findByText("Putting back…")).toBeInTheDocument();
    expect(within(dialog).getByTestId("undo-pass-confirm")).toBeDisabled();
    expect(within(dialog).getByTestId("undo-pass-cancel")).toBeDisabled();
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.getByTestId("undo-pass-dialog")).toBeInTheDocument();
    finish({ putBack: ["a.txt"], notPutBack: [] });
    expect(await within(dialog).findByTestId("undo-pass-report")).toHaveTextContent("Put back 1 file");
    expect(within(dialog).queryByTestId("undo-not-put-back-item")).toBeNull();
  });

  it("is reachable by keyboard, closes on Escape without undoing, and passes axe", async () => {
    const user = userEvent.setup();
    const calls = backend({ pair_activity: feed, undo_sync_pass: () => ({ putBack: [], notPutBack: [] }) });
    const { container } = render(<ActivityFeed pair={pair} />);
    await screen.findByTestId("activity-list");
    await user.tab();
    expect(screen.getByTestId("activity-undo")).toHaveFocus();
    await user.keyboard("{Enter}");
    const dialog = await screen.findByTestId("undo-pass-dialog");
    // The safe choice has the focus first.
    expect(within(dialog).getByTestId("undo-pass-cancel")).toHaveFocus();
    const audit = await axe.run(document.body, AXE);
    expect(audit.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("undo-pass-dialog")).toBeNull();
    expect(calls.some((c) => c.cmd === "undo_sync_pass")).toBe(false);
    // The feed's own markup passes too.
    const feedAudit = await axe.run(container, AXE);
    expect(feedAudit.violations.map((v) => v.id)).toEqual([]);
  });
});
