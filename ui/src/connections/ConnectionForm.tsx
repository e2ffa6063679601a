import { useState, type FormEvent, type ReactNode } from "react";
import { ChevronDown, ChevronRight, KeyRound } from "lucide-react";
import {
  commands,
  type Connection,
  type ConnectionDraft,
  type ProviderPreset,
  type TestReport,
  type UiError,
} from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { Spinner } from "../components/Spinner";
import { call, callPlain } from "../lib/ipc";
import { plural } from "../lib/format";
import { useResult } from "../lib/useResult";
import {
  applyPreset,
  applyRegion,
  emptyValues,
  endpointShown,
  hasProblems,
  presetFor,
  selectablePresets,
  toDraft,
  valuesFrom,
  type Field,
  type FormValues,
} from "./form";
import { useDraftProblems } from "./useDraftProblems";

type Props = {
  /** null = add a new connection. */
  connection: Connection | null;
  onSaved: (connection: Connection) => void;
  onCancel: () => void;
};

/** Loads the provider presets, then shows the form. */
export function ConnectionForm(props: Props) {
  const [presets, reload] = useResult("presets", () => callPlain(commands.listPresets()));
  const title = props.connection ? `Edit “${props.connection.name}”` : "Add a connection";
  if (presets.status === "ok") return <FormBody {...props} presets={selectablePresets(presets.data)} title={title} />;
  return (
    <Modal title={title} testId="conn-form" onClose={props.onCancel}>
      {presets.status === "error" ? (
        <ErrorNotice error={presets.error} onRetry={reload} />
      ) : (
        <Spinner label="Loading providers…" />
      )}
    </Modal>
  );
}

type TestState =
  | { status: "idle" }
  | { status: "running" }
  | { status: "ok"; report: TestReport }
  | { status: "error"; error: UiError };

const ACCESS_DENIED_PROMPT = "These keys can't list buckets. Type a bucket you can open:";

function FormBody({
  connection,
  onSaved,
  onCancel,
  presets,
  title,
}: Props & { presets: ProviderPreset[]; title: string }) {
  const mode = connection ? "edit" : "create";
  const source = connection?.credentialSource ?? { kind: "keyring" as const };
  const [values, setValues] = useState<FormValues>(() =>
    connection ? valuesFrom(connection, presetFor(presets, connection.provider)) : emptyValues(presets[0]),
  );
  // Field problems show from the first Save or Test on, then follow the typing.
  const [showProblems, setShowProblems] = useState(false);
  const [checking, setChecking] = useState(false);
  const [test, setTest] = useState<TestState>({ status: "idle" });
  const [askBucket, setAskBucket] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<UiError | null>(null);
  const [detailOpen, setDetailOpen] = useState(false);
  // The endpoint the user chose to use over plain http after the warning.
  const [acceptedHttp, setAcceptedHttp] = useState<string | null>(null);

  const preset = presetFor(presets, values.provider);
  const draft = toDraft(values, mode, preset, connection, acceptedHttp);
  const engine = useDraftProblems(draft, showProblems);
  const problems = showProblems ? engine.problems : {};
  const showEndpoint = endpointShown(preset, values);
  const canCustomEndpoint = preset !== undefined && !preset.endpointRequired && preset.endpointTemplate === null;

  function set<K extends keyof FormValues>(key: K, value: FormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
  }

  /** Asks the engine about the draft as it is now; true when nothing in it stops a save or a test. */
  async function readyToSend(d: ConnectionDraft): Promise<boolean> {
    setShowProblems(true);
    setChecking(true);
    const found = await engine.checkNow(d);
    setChecking(false);
    // A check that could not run stops nothing: the save or test validates the draft again.
    return found === null || !hasProblems(found);
  }

  async function runTest(accepted = acceptedHttp) {
    const d = toDraft(values, mode, preset, connection, accepted);
    if (!(await readyToSend(d))) return;
    setTest({ status: "running" });
    setDetailOpen(false);
    const result = await call(commands.testConnection(d, connection?.id ?? null));
    if (result.status === "ok") {
      setTest({ status: "ok", report: result.data });
    } else {
      setTest({ status: "error", error: result.error });
      if (result.error.code === "accessDenied") setAskBucket(true);
    }
  }

  async function save(e: FormEvent | null, accepted = acceptedHttp) {
    e?.preventDefault();
    const d = toDraft(values, mode, preset, connection, accepted);
    if (!(await readyToSend(d))) return;
    setSaving(true);
    setSaveError(null);
    const result = await call(connection ? commands.updateConnection(connection.id, d) : commands.createConnection(d));
    setSaving(false);
    if (result.status === "ok") {
      // The secret is in the keyring now; don't keep a copy in memory.
      setValues((v) => ({ ...v, secretAccessKey: "" }));
      onSaved(result.data);
    } else {
      setSaveError(result.error);
    }
  }

  const busy = saving || checking || test.status === "running";

  return (
    <Modal title={title} testId="conn-form" onClose={onCancel} width={520}>
      <form className="form" onSubmit={(e) => void save(e)} noValidate>
        <div className="field-pair">
          <Row label="Provider" htmlFor="conn-provider">
            <select
              id="conn-provider"
              data-testid="conn-provider"
              value={values.provider}
              disabled={mode === "edit" && source.kind !== "keyring"}
              onChange={(e) => {
                const next = presetFor(presets, e.target.value as FormValues["provider"]);
                if (next) setValues((v) => applyPreset(v, next, presetFor(presets, v.provider)));
              }}
            >
              {presets.map((p) => (
                <option key={p.provider} value={p.provider}>
                  {p.label}
                </option>
              ))}
            </select>
          </Row>
          <Row label="Name" htmlFor="conn-name" problem={problems.name}>
            <input
              id="conn-name"
              data-testid="conn-name"
              data-autofocus
              value={values.name}
              autoComplete="off"
              aria-invalid={problems.name !== undefined}
              onChange={(e) => set("name", e.target.value)}
            />
          </Row>
        </div>
        {preset?.hint && (
          <p className="hint" data-testid="conn-preset-hint">
            {preset.hint}
          </p>
        )}

        {canCustomEndpoint && (
          <label className="checkbox-row">
            <input
              type="checkbox"
              data-testid="conn-custom-endpoint"
              checked={values.customEndpoint}
              onChange={(e) => set("customEndpoint", e.target.checked)}
            />
            Use a custom endpoint
          </label>
        )}
        {showEndpoint && (
          <Row label="Endpoint" htmlFor="conn-endpoint" problem={problems.endpoint}>
            <input
              id="conn-endpoint"
              data-testid="conn-endpoint"
              value={values.endpoint}
              placeholder="https://s3.example.com"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={problems.endpoint !== undefined}
              onChange={(e) => set("endpoint", e.target.value)}
            />
          </Row>
        )}

        <div className="field-pair">
          <Row label="Region" htmlFor="conn-region" problem={problems.region}>
            <input
              id="conn-region"
              data-testid="conn-region"
              value={values.region}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={problems.region !== undefined}
              onChange={(e) => setValues((v) => applyRegion(v, e.target.value, preset))}
            />
          </Row>

          <label
            className="checkbox-row align-end"
            title="Put the bucket name in the path instead of the host name. Most self-hosted servers need this."
          >
            <input
              type="checkbox"
              data-testid="conn-path-style"
              checked={values.pathStyle}
              onChange={(e) => set("pathStyle", e.target.checked)}
            />
            <span>
              Path-style addresses
              <span className="checkbox-note">Bucket name in the path; most self-hosted servers need this.</span>
            </span>
          </label>
        </div>

        {source.kind === "keyring" ? (
          <>
            <div className="field-pair">
              <Row label="Access key ID" htmlFor="conn-access-key" problem={problems.accessKeyId}>
                <input
                  id="conn-access-key"
                  data-testid="conn-access-key"
                  value={values.accessKeyId}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={problems.accessKeyId !== undefined}
                  onChange={(e) => set("accessKeyId", e.target.value)}
                />
              </Row>
              <Row label="Secret access key" htmlFor="conn-secret-key" problem={problems.secretAccessKey}>
                <input
                  id="conn-secret-key"
                  data-testid="conn-secret-key"
                  type="password"
                  value={values.secretAccessKey}
                  placeholder={mode === "edit" ? "Unchanged — kept in your system keyring" : ""}
                  autoComplete="new-password"
                  spellCheck={false}
                  aria-invalid={problems.secretAccessKey !== undefined}
                  onChange={(e) => set("secretAccessKey", e.target.value)}
                />
              </Row>
            </div>
            <p className="hint keyring-note">
              <KeyRound size={12} aria-hidden /> The secret key is stored in your system keyring, nowhere else.
            </p>
          </>
        ) : (
          <div className="field">
            <p className="hint" data-testid="conn-profile-note">
              The keys come from the AWS profile “{source.profile}” on this computer.
            </p>
            <FieldError problem={problems.profile} />
          </div>
        )}

        {(askBucket || values.bucket !== "" || problems.bucket !== undefined) && (
          <Row label={ACCESS_DENIED_PROMPT} htmlFor="conn-bucket" problem={problems.bucket}>
            <input
              id="conn-bucket"
              data-testid="conn-bucket"
              value={values.bucket}
              placeholder="bucket-name"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={problems.bucket !== undefined}
              onChange={(e) => set("bucket", e.target.value)}
            />
          </Row>
        )}

        {test.status !== "idle" && (
          <div
            className={`test-result ${test.status}`}
            data-testid="conn-test-result"
            data-status={test.status}
            aria-live="polite"
          >
            {test.status === "running" && <Spinner label="Testing the connection…" />}
            {test.status === "ok" && (
              <>
                <p className="test-ok">
                  Connected — {plural(test.report.buckets.length, "bucket")}
                  <span className="muted"> ({(test.report.elapsedMs / 1000).toFixed(1)} s)</span>
                </p>
                {!test.report.canListBuckets && (
                  <p className="muted">
                    These keys can’t list all buckets; Pail will show the buckets you add by name.
                  </p>
                )}
              </>
            )}
            {test.status === "error" && test.error.code === "plainHttp" && (
              <PlainHttpWarning
                error={test.error}
                onAccept={() => {
                  const endpoint = values.endpoint.trim();
                  setAcceptedHttp(endpoint);
                  void runTest(endpoint);
                }}
              />
            )}
            {test.status === "error" && test.error.code !== "plainHttp" && (
              <>
                <p className="test-error">{test.error.message}</p>
                <button
                  type="button"
                  className="link-button"
                  data-testid="conn-test-detail-toggle"
                  aria-expanded={detailOpen}
                  onClick={() => setDetailOpen((o) => !o)}
                >
                  {detailOpen ? <ChevronDown size={12} aria-hidden /> : <ChevronRight size={12} aria-hidden />}
                  Details
                </button>
                {detailOpen && (
                  <pre className="detail" data-testid="conn-test-detail">
                    {test.error.detail}
                  </pre>
                )}
              </>
            )}
          </div>
        )}

        {saveError?.code === "plainHttp" ? (
          <PlainHttpWarning
            error={saveError}
            onAccept={() => {
              const endpoint = values.endpoint.trim();
              setAcceptedHttp(endpoint);
              void save(null, endpoint);
            }}
          />
        ) : (
          saveError && <ErrorNotice error={saveError} compact />
        )}

        <div className="modal-footer inline sticky-footer">
          <button
            type="button"
            className="button"
            data-testid="conn-test"
            disabled={busy}
            onClick={() => void runTest()}
          >
            Test connection
          </button>
          <span className="spacer" />
          <button type="button" className="button" data-testid="conn-cancel" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button primary" data-testid="conn-save" disabled={busy}>
            {saving ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** The one-time warning about an unencrypted endpoint, with the way to go ahead anyway. */
function PlainHttpWarning({ error, onAccept }: { error: UiError; onAccept: () => void }) {
  return (
    <div className="notice warn" role="alert" data-testid="conn-plain-http-warning">
      <p>{error.message}</p>
      <button type="button" className="button" data-testid="conn-accept-plain-http" onClick={onAccept}>
        Use it anyway
      </button>
    </div>
  );
}

function Row({
  label,
  htmlFor,
  problem,
  children,
}: {
  label: string;
  htmlFor: Field | string;
  problem?: string;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={htmlFor}>
        {label}
      </label>
      {children}
      <FieldError problem={problem} />
    </div>
  );
}

/** The engine's sentence about one field, under it. */
function FieldError({ problem }: { problem: string | undefined }) {
  if (!problem) return null;
  return (
    <span className="field-error" data-testid="field-error">
      {problem}
    </span>
  );
}
