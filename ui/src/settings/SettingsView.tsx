import { useCallback, useEffect, useRef, useState } from "react";
import { commands, type Settings, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { useResult } from "../lib/useResult";
import { AllRequestCosts } from "../sync/RequestCostView";

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

/** The number fields as typed (kept as text so a half-typed value is not lost). */
type Fields = { concurrency: string; poll: string; upLimit: string; downLimit: string };

function fieldsOf(s: Settings): Fields {
  return {
    concurrency: String(s.preferences.concurrency),
    poll: String(s.preferences.pollIntervalSecs),
    upLimit: String(s.preferences.uploadLimitKib),
    downLimit: String(s.preferences.downloadLimitKib),
  };
}

/** The settings the fields describe, or null while a field does not hold a whole number. */
function withFields(s: Settings, f: Fields): Settings | null {
  const n = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text) : null);
  const [concurrency, poll, up, down] = [n(f.concurrency), n(f.poll), n(f.upLimit), n(f.downLimit)];
  if (concurrency === null || poll === null || up === null || down === null) return null;
  return {
    ...s,
    preferences: {
      ...s.preferences,
      concurrency,
      pollIntervalSecs: poll,
      uploadLimitKib: up,
      downloadLimitKib: down,
    },
  };
}

/** How long typing may pause before what was typed is saved. */
const TYPING_PAUSE_MS = 700;

/**
 * Every change is saved as it is made: a checkbox at once, a number when typing pauses or the
 * field is left. The engine judges the values; its sentence shows when it refuses one, and the
 * typed text stays for the user to correct.
 */
function SettingsForm({ initial }: { initial: Settings }) {
  const [draft, setDraft] = useState(initial);
  const [fields, setFields] = useState<Fields>(() => fieldsOf(initial));
  const [error, setError] = useState<UiError | null>(null);
  const [state, setState] = useState<"idle" | "saving" | "saved">("idle");
  // What the form shows, for saves that run after a pause (set with the state, never in render).
  const latest = useRef({ draft, fields });
  const lastSaved = useRef(JSON.stringify(initial));
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const saving = useRef<Promise<void>>(Promise.resolve());

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  /** Saves what the form shows now, after any save in flight (so saves land in order). */
  const saveNow = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    saving.current = saving.current.then(async () => {
      const next = withFields(latest.current.draft, latest.current.fields);
      if (next === null) return;
      if (JSON.stringify(next) === lastSaved.current) return;
      setState("saving");
      const r = await call(commands.saveSettings(next));
      if (r.status === "error") {
        setError(r.error);
        setState("idle");
        return;
      }
      lastSaved.current = JSON.stringify(r.data);
      setError(null);
      setState("saved");
    });
  }, []);

  const saveSoon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(saveNow, TYPING_PAUSE_MS);
  }, [saveNow]);

  function setField(name: keyof Fields, value: string) {
    setFields((f) => ({ ...f, [name]: value }));
    latest.current = { ...latest.current, fields: { ...latest.current.fields, [name]: value } };
    saveSoon();
  }

  function setChecked(next: Settings) {
    setDraft(next);
    latest.current = { ...latest.current, draft: next };
    saveNow();
  }

  const notANumber = withFields(draft, fields) === null;

  return (
    <main className="settings-view" data-testid="settings-view">
      <div className="settings-title">
        <h1>Settings</h1>
        <span className="muted settings-saved" role="status" data-testid="settings-saved" data-state={state}>
          {state === "saving" ? "Saving…" : state === "saved" ? "Saved" : ""}
        </span>
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          saveNow();
        }}
      >
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="setting-start-at-login"
            checked={draft.startAtLogin}
            onChange={(e) => setChecked({ ...draft, startAtLogin: e.target.checked })}
          />
          Start Pail when I log in (it starts in the tray and keeps folders in sync)
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="setting-notifications"
            checked={draft.preferences.notifications}
            onChange={(e) =>
              setChecked({ ...draft, preferences: { ...draft.preferences, notifications: e.target.checked } })
            }
          />
          Show desktop notifications for conflicts, errors and held-back deletions
        </label>
        <NumberField
          label="Files transferred at once (per synced folder)"
          testId="setting-concurrency"
          value={fields.concurrency}
          onChange={(v) => setField("concurrency", v)}
          onCommit={saveNow}
        />
        <NumberField
          label="Check buckets for changes every (seconds)"
          testId="setting-poll"
          value={fields.poll}
          onChange={(v) => setField("poll", v)}
          onCommit={saveNow}
          hint="Changes on this computer are sent within seconds; changes made elsewhere are seen at the next check."
        />
        <fieldset className="limits">
          <legend className="field-label">Bandwidth (KB/s for all of Pail; 0 means no limit)</legend>
          <NumberField
            label="Upload limit"
            testId="setting-upload-limit"
            value={fields.upLimit}
            onChange={(v) => setField("upLimit", v)}
            onCommit={saveNow}
          />
          <NumberField
            label="Download limit"
            testId="setting-download-limit"
            value={fields.downLimit}
            onChange={(v) => setField("downLimit", v)}
            onCommit={saveNow}
          />
        </fieldset>
        <p className="muted small-print">Light or dark follows your system’s appearance.</p>
        {notANumber && (
          <p className="field-error" data-testid="field-error">
            Type a whole number.
          </p>
        )}
        {error?.code === "invalidInput" && (
          <p className="field-error" data-testid="field-error">
            {error.message}
          </p>
        )}
        {error && error.code !== "invalidInput" && <ErrorNotice error={error} compact />}
      </form>
      <AllRequestCosts />
    </main>
  );
}

type NumberFieldProps = {
  label: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  /** The field was left or Enter pressed: save now rather than after the typing pause. */
  onCommit: () => void;
  hint?: string;
};

/** A labelled number input that keeps what is typed as text. */
function NumberField({ label, testId, value, onChange, onCommit, hint }: NumberFieldProps) {
  return (
    <label className="field narrow">
      <span className="field-label">{label}</span>
      <input
        type="number"
        min={0}
        inputMode="numeric"
        data-testid={testId}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onCommit}
      />
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}
