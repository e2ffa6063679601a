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

describe("settings", () => {
  it("refuses a limit too small to work and saves good values", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      get_settings: () => initial,
      save_settings: (args) => args.settings,
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
});
