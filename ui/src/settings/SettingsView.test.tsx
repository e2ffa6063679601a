import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Settings } from "../bindings";
import { installBackend } from "../test/backend";
import { SettingsView } from "./SettingsView";

const initial: Settings = {
  startAtLogin: false,
  preferences: { notifications: true, concurrency: 8, pollIntervalSecs: 30, uploadLimitKib: 0, downloadLimitKib: 0 },
};

const none = { list: 0, head: 0, get: 0, put: 0, delete: 0 };

describe("settings", () => {
  it("says so when no synced folder sent requests", async () => {
    installBackend({
      get_settings: () => initial,
      request_costs: () => ({ pairs: [], total: { requests: none, usd: null }, unpricedPairs: 0, pricesAsOf: "December 2026" }),
    });
    render(<SettingsView />);
    expect(await screen.findByTestId("request-costs-total")).toHaveTextContent(
      "No synced folder sent requests in the last 24 hours.",
    );
  });

  it("refuses a limit too small to work and saves good values", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      get_settings: () => initial,
      save_settings: (args) => args.settings,
      request_costs: () => ({ pairs: [], total: { requests: none, usd: null }, unpricedPairs: 0, pricesAsOf: "December 2026" }),
    });
    render(<SettingsView />);
    const up = await screen.findByTestId("setting-upload-limit");
    await user.clear(up);
    await user.type(up, "8");
    expect(screen.getByTestId("field-error")).toHaveTextContent("at least 16");
    expect(screen.getByTestId("save-settings")).toBeDisabled();
    await user.type(up, "0");
    await user.click(screen.getByTestId("setting-start-at-login"));
    await user.click(screen.getByTestId("save-settings"));
    await waitFor(() => expect(screen.getByText("Saved.")).toBeInTheDocument());
    const saved = calls.find((c) => c.cmd === "save_settings")?.args.settings as Settings;
    expect(saved.startAtLogin).toBe(true);
    expect(saved.preferences).toEqual({ ...initial.preferences, uploadLimitKib: 80 });
  });

  it("shows every synced folder's requests and what they cost", async () => {
    installBackend({
      get_settings: () => initial,
      request_costs: () => ({
        pairs: [
          {
            pairId: "p1",
            localRoot: "/home/ann/Photos",
            cost: { requests: { ...none, list: 400, head: 2880 }, usd: 3.152 },
          },
          { pairId: "p2", localRoot: "/home/ann/Lab", cost: { requests: { ...none, put: 3 }, usd: null } },
          { pairId: "p3", localRoot: "/home/ann/Idle", cost: { requests: none, usd: 0 } },
        ],
        total: { requests: { ...none, list: 400, head: 2880, put: 3 }, usd: 3.152 },
        unpricedPairs: 1,
        pricesAsOf: "December 2026",
      }),
    });
    render(<SettingsView />);
    expect(await screen.findByTestId("request-costs-total")).toHaveTextContent(
      "All synced folders: 3,283 requests (400 list, 2,880 head, 3 put) in the last 24 hours · about $3.15 (plus 1 at a store with unknown prices)",
    );
    const rows = screen.getAllByTestId("request-costs-pair");
    expect(rows).toHaveLength(3);
    expect(rows[2]).toHaveTextContent("Idle: no requests in the last 24 hours");
    expect(rows[0]).toHaveTextContent("Photos: 3,280 requests (400 list, 2,880 head) in the last 24 hours · about $3.15; about $94.56 a month at this rate");
    expect(rows[1]).toHaveTextContent("Lab: 3 requests (3 put) in the last 24 hours · price unknown for this store");
  });
});
