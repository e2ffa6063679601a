import { useState, type FormEvent } from "react";
import { commands, type Connection, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { call } from "../lib/ipc";

type Props = {
  connection: Connection;
  onOpened: (connection: Connection, bucket: string) => void;
  onCancel: () => void;
};

/** For keys that may open a bucket but not list them all: type its name, Pail checks and pins it. */
export function OpenBucketDialog({ connection, onOpened, onCancel }: Props) {
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const bucket = name.trim();
    setBusy(true);
    setProblem(null);
    setError(null);
    const result = await call(commands.addBucket(connection.id, bucket));
    setBusy(false);
    if (result.status === "ok") onOpened(result.data, bucket);
    // The engine checks the name (its rules live there only) before asking the store: a name it
    // refuses is this field's problem, anything else is about reaching the bucket.
    else if (result.error.code === "invalidInput") setProblem(result.error.message);
    else setError(result.error);
  }

  return (
    <Modal title="Open a bucket by name" testId="open-bucket-dialog" onClose={onCancel}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <p className="muted">
          The keys of “{connection.name}” can’t list every bucket. Type the name of a bucket you can open and Pail will
          remember it.
        </p>
        <label className="field">
          <span className="field-label">Bucket name</span>
          <input
            data-testid="open-bucket-input"
            data-autofocus
            value={name}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problem !== null}
            onChange={(e) => setName(e.target.value)}
          />
          {problem && (
            <span className="field-error" data-testid="field-error">
              {problem}
            </span>
          )}
        </label>
        {error && <ErrorNotice error={error} compact />}
        <div className="modal-footer inline">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button primary" data-testid="open-bucket-confirm" disabled={busy}>
            {busy ? "Checking…" : "Open"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
