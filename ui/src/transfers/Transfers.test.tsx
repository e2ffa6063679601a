import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { TransferView } from "../bindings";
import { installBackend } from "../test/backend";
import { ClashDialog } from "./ClashDialog";
import { emptyTotals } from "./model";
import { TransfersView } from "./TransfersView";

function transfer(id: string, state: TransferView["state"], extra: Partial<TransferView> = {}): TransferView {
  return {
    id,
    direction: "upload",
    connectionId: "c1",
    bucket: "photos",
    key: `trip/${id}.jpg`,
    localPath: `/home/me/trip/${id}.jpg`,
    size: 2_000_000,
    doneBytes: state === "done" ? 2_000_000 : 500_000,
    state,
    bytesPerSec: state === "running" ? 1_000_000 : 0,
    etaSecs: state === "running" ? 2 : null,
    failure: null,
    ...extra,
  };
}

describe("ClashDialog", () => {
  it("answers once for all, or per file with only the exceptions sent", async () => {
    const user = userEvent.setup();
    const onAnswer = vi.fn();
    render(<ClashDialog existing={["up/a.txt", "up/b.txt"]} files={3} onAnswer={onAnswer} onCancel={() => {}} />);
    expect(screen.getByTestId("clash-dialog")).toHaveTextContent("2 of 3 files already exist");
    await user.click(screen.getByTestId("clash-replace"));
    await user.click(screen.getByTestId("clash-continue"));
    expect(onAnswer).toHaveBeenLastCalledWith({ policy: "replace", perKey: {} });

    await user.click(screen.getByTestId("clash-per-file"));
    const list = screen.getByTestId("clash-list");
    await user.selectOptions(within(list).getByLabelText("What to do with up/b.txt"), "skip");
    await user.click(screen.getByTestId("clash-continue"));
    expect(onAnswer).toHaveBeenLastCalledWith({ policy: "replace", perKey: { "up/b.txt": "skip" } });
  });
});

describe("TransfersView", () => {
  it("shows progress, speed and time left, the failure reason with details, and acts on rows", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      pause_transfers: () => null,
      resume_transfers: () => null,
      cancel_transfers: () => null,
      clear_finished_transfers: () => 1,
    });
    const failed = transfer("c", "failed", {
      failure: { code: "accessDenied", message: "These keys are not allowed to write to “photos”.", detail: "AccessDenied: 403" },
    });
    render(
      <TransfersView
        list={{
          items: [transfer("a", "running"), transfer("b", "done"), failed],
          totals: { ...emptyTotals, active: 1, done: 1, failed: 1, totalBytes: 6_000_000, doneBytes: 3_000_000, bytesPerSec: 1_000_000, etaSecs: 3 },
        }}
      />,
    );
    expect(screen.getByTestId("transfers-summary")).toHaveTextContent("3 MB of 6 MB");
    expect(screen.getByTestId("transfers-speed")).toHaveTextContent("1 MB/s · 3 s left");
    const rows = screen.getAllByTestId("transfer-row");
    expect(rows.map((r) => r.getAttribute("data-state"))).toEqual(["running", "done", "failed"]);
    expect(within(rows[0]!).getByTestId("transfer-progress-text")).toHaveTextContent("500 KB of 2 MB · 1 MB/s · 2 s left");
    expect(within(rows[2]!).getByTestId("transfer-failure")).toHaveTextContent("not allowed to write");
    await user.click(within(rows[2]!).getByTestId("transfer-details"));
    expect(rows[2]).toHaveTextContent("AccessDenied: 403");

    await user.click(within(rows[0]!).getByTestId("transfer-pause"));
    await user.click(within(rows[2]!).getByTestId("transfer-retry"));
    await user.click(screen.getByTestId("transfers-clear"));
    expect(calls.map((c) => [c.cmd, c.args])).toEqual([
      ["pause_transfers", { ids: ["a"] }],
      ["resume_transfers", { ids: ["c"] }],
      ["clear_finished_transfers", {}],
    ]);
  });
});
