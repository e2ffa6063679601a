import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Settings } from "../bindings";
import { fail, installBackend } from "../test/backend";
import { uiError } from "../test/fixtures";
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

  it("saves each change as it is made and shows the engine's reason when it refuses one", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      get_settings: () => initial,
      save_settings: (args) => {
        const s = args.settings as Settings;
        const uploadLimitKib = s.preferences.uploadLimitKib ?? 0;
        if (uploadLimitKib !== 0 && uploadLimitKib < 16)
          fail(uiError("invalidInput", "The upload limit must be 0 (no limit) or at least 16 KB/s.", ""));
        return s;
      },
      request_costs: () => ({ pairs: [], total: { requests: none, usd: null }, unpricedPairs: 0, pricesAsOf: "December 2026" }),
    });
    render(<SettingsView />);
    const saves = () => calls.filter((c) => c.cmd === "save_settings").map((c) => c.args.settings as Settings);
    const last = () => saves()[saves().length - 1];

    // A checkbox is saved at once, and says so.
    await user.click(await screen.findByTestId("setting-start-at-login"));
    await waitFor(() => expect(screen.getByTestId("settings-saved")).toHaveTextContent("Saved"));
    expect(saves()).toHaveLength(1);
    expect(saves()[0]?.startAtLogin).toBe(true);

    // A number is saved when the field is left; the engine's refusal shows, the text stays.
    const up = screen.getByTestId("setting-upload-limit");
    await user.clear(up);
    await user.type(up, "8");
    await user.tab();
    expect(await screen.findByTestId("field-error")).toHaveTextContent("at least 16 KB/s");
    expect(up).toHaveValue(8);

    // Corrected, it is saved without a button.
    await user.type(up, "0");
    await user.tab();
    await waitFor(() => expect(last()?.preferences.uploadLimitKib).toBe(80));
    await waitFor(() => expect(screen.queryByTestId("field-error")).toBeNull());
    expect(last()?.preferences).toEqual({ ...initial.preferences, uploadLimitKib: 80 });
    expect(screen.queryByTestId("save-settings")).toBeNull();
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
