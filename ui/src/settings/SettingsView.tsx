import { useState } from "react";
import { commands, type Settings, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { useResult } from "../lib/useResult";
import { AllRequestCosts } from "../sync/RequestCostView";
import { limitProblem, preferenceProblem } from "../sync/status";

/** Screen 5: start at login, notifications, transfers at once, bucket check interval. */
export function SettingsView() {
  const [loaded, reload] = useResult<Settings>("settings", () => call(commands.getSettings()));
  if (loaded.status === "loading" || loaded.status === "idle")
    return (
      <main className="center-screen" data-testid="settings-view">
        <Spinner label="Loading settings…" />
      </main>
    );
  if (loaded.status === "error")
    return (
      <main className="center-screen" data-testid="settings-view">
        <ErrorNotice error={loaded.error} onRetry={reload} />
      </main>
    );
  return <SettingsForm initial={loaded.data} />;
}

function SettingsForm({ initial }: { initial: Settings }) {
  const [settings, setSettings] = useState(initial);
  const [concurrency, setConcurrency] = useState(String(initial.preferences.concurrency));
  const [poll, setPoll] = useState(String(initial.preferences.pollIntervalSecs));
  const [upLimit, setUpLimit] = useState(String(initial.preferences.uploadLimitKib));
  const [downLimit, setDownLimit] = useState(String(initial.preferences.downloadLimitKib));
  const [error, setError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const problem =
    preferenceProblem(Number(concurrency), Number(poll)) ?? limitProblem(Number(upLimit), Number(downLimit));

  async function save() {
    if (problem) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    const next: Settings = {
      ...settings,
      preferences: {
        ...settings.preferences,
        concurrency: Number(concurrency),
        pollIntervalSecs: Number(poll),
        uploadLimitKib: Number(upLimit),
        downloadLimitKib: Number(downLimit),
      },
    };
    const r = await call(commands.saveSettings(next));
    setBusy(false);
    if (r.status === "error") setError(r.error);
    else {
      setSettings(r.data);
      setSaved(true);
    }
  }

  return (
    <main className="settings-view" data-testid="settings-view">
      <h1>Settings</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="setting-start-at-login"
            checked={settings.startAtLogin}
            onChange={(e) => setSettings({ ...settings, startAtLogin: e.target.checked })}
          />
          Start Pail when I log in (it starts in the tray and keeps folders in sync)
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="setting-notifications"
            checked={settings.preferences.notifications}
            onChange={(e) =>
              setSettings({ ...settings, preferences: { ...settings.preferences, notifications: e.target.checked } })
            }
          />
          Show desktop notifications for conflicts, errors and held-back deletions
        </label>
        <NumberField
          label="Files transferred at once (per synced folder)"
          testId="setting-concurrency"
          min={1}
          max={64}
          value={concurrency}
          onChange={setConcurrency}
        />
        <NumberField
          label="Check buckets for changes every (seconds)"
          testId="setting-poll"
          min={5}
          max={3600}
          value={poll}
          onChange={setPoll}
          hint="Changes on this computer are sent within seconds; changes made elsewhere are seen at the next check."
        />
        <fieldset className="limits">
          <legend className="field-label">Bandwidth (KB/s for all of Pail; 0 means no limit)</legend>
          <NumberField label="Upload limit" testId="setting-upload-limit" min={0} value={upLimit} onChange={setUpLimit} />
          <NumberField
            label="Download limit"
            testId="setting-download-limit"
            min={0}
            value={downLimit}
            onChange={setDownLimit}
          />
        </fieldset>
        <p className="muted small-print">Light or dark follows your system’s appearance.</p>
        {problem && (
          <p className="field-error" data-testid="field-error">
            {problem}
          </p>
        )}
        {error && <ErrorNotice error={error} compact />}
        <div className="inline-actions">
          <button type="submit" className="button primary" data-testid="save-settings" disabled={busy || problem !== null}>
            Save
          </button>
          {saved && <span className="muted">Saved.</span>}
        </div>
      </form>
      <AllRequestCosts />
    </main>
  );
}

type NumberFieldProps = {
  label: string;
  testId: string;
  min: number;
  max?: number;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
};

/** A labelled number input that keeps what is typed as text (checked before saving). */
function NumberField({ label, testId, min, max, value, onChange, hint }: NumberFieldProps) {
  return (
    <label className="field narrow">
      <span className="field-label">{label}</span>
      <input
        type="number"
        min={min}
        max={max}
        data-testid={testId}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}
