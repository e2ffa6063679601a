import { useState } from "react";
import { commands, type PairInfo, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { call, callPlain } from "../lib/ipc";
import { useResult } from "../lib/useResult";

/** The pair's own ignore patterns (gitignore syntax), with the built-in ones shown. */
export function IgnoreEditor({ pair, onSaved }: { pair: PairInfo; onSaved: (patterns: string[]) => void }) {
  const [text, setText] = useState(pair.ignorePatterns.join("\n"));
  const [error, setError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [defaults] = useResult<string[]>("defaults", () => callPlain(commands.defaultIgnorePatterns()));

  async function save() {
    const patterns = text
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l !== "");
    setBusy(true);
    setError(null);
    setSaved(false);
    const r = await call(commands.setIgnorePatterns(pair.id, patterns));
    setBusy(false);
    if (r.status === "error") setError(r.error);
    else {
      setSaved(true);
      onSaved(patterns);
    }
  }

  return (
    <div className="ignore-editor">
      <label className="field">
        <span className="field-label">Don’t sync files matching (one pattern per line)</span>
        <textarea
          data-testid="ignore-patterns"
          rows={6}
          spellCheck={false}
          value={text}
          placeholder={"*.log\nbuild/\n!keep-this.log"}
          onChange={(e) => {
            setText(e.target.value);
            setSaved(false);
          }}
        />
      </label>
      <p className="muted small-print">
        Same rules as .gitignore: <code>*.log</code> any log file, <code>build/</code> a folder, <code>/notes.txt</code>{" "}
        only at the top, <code>!name</code> sync it after all. Ignored files stay where they are.
      </p>
      {defaults.status === "ok" && (
        <p className="muted small-print" data-testid="default-ignores">
          Always ignored: {defaults.data.join("  ")}
        </p>
      )}
      {error && <ErrorNotice error={error} compact />}
      <div className="inline-actions">
        <button type="button" className="button primary" data-testid="save-ignore" disabled={busy} onClick={() => void save()}>
          Save
        </button>
        {saved && <span className="muted">Saved. Pail looks at the folder again with these rules.</span>}
      </div>
    </div>
  );
}
