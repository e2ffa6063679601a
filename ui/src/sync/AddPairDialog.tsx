import { useState } from "react";
import {
  commands,
  type BucketInfo,
  type Connection,
  type HistorySettings,
  type LocalRootCheck,
  type Mode,
  type PairCheck,
  type PairInfo,
  type PairRequest,
  type PathGrant,
  type UiError,
} from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { Spinner } from "../components/Spinner";
import { bucketsToShow, loadBuckets } from "../connections/loadBuckets";
import { call } from "../lib/ipc";
import { useResult } from "../lib/useResult";
import { KEEP_DAYS } from "./PairVersions";
import { PrefixPicker } from "./PrefixPicker";
import { MODES } from "./status";

type Props = {
  connections: Connection[];
  onAdded: (pair: PairInfo) => void;
  onCancel: () => void;
};

type Step = 1 | 2 | 3;

/** The add-pair flow: folder, then bucket and bucket folder, then mode (with what the first sync will do). */
export function AddPairDialog({ connections, onAdded, onCancel }: Props) {
  const [step, setStep] = useState<Step>(1);
  const [folder, setFolder] = useState<PathGrant | null>(null);
  const [folderCheck, setFolderCheck] = useState<LocalRootCheck | null>(null);
  const [connectionId, setConnectionId] = useState(connections[0]?.id ?? "");
  const [pickedBucket, setBucket] = useState("");
  const [prefix, setPrefix] = useState("");
  const [mode, setMode] = useState<Mode>("TwoWay");
  const [check, setCheck] = useState<PairCheck | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [keepVersions, setKeepVersions] = useState(false);
  const connection = connections.find((c) => c.id === connectionId) ?? null;

  const [bucketsState] = useResult<BucketInfo[]>(step >= 2 && connection ? connection.id : null, async () => {
    if (!connection) return { status: "ok", data: [] };
    const r = await loadBuckets(connection);
    return r.status === "ok" ? { status: "ok", data: bucketsToShow(r.data, connection) } : r;
  });
  const buckets = bucketsState.status === "ok" ? bucketsState.data : null;
  // Until the user picks one, the first bucket is the choice.
  const bucket =
    buckets === null ? "" : buckets.some((b) => b.name === pickedBucket) ? pickedBucket : (buckets[0]?.name ?? "");

  // Step 3 says whether the bucket keeps earlier versions (the undo for changes in the bucket).
  const [history] = useResult<HistorySettings>(step === 3 && bucket !== "" ? `${connectionId}/${bucket}` : null, () =>
    call(commands.bucketHistorySettings(connectionId, bucket)),
  );
  const draft: PairRequest | null = folder && { connectionId, bucket, prefix, folder: folder.id, mode };
  const folderPath = folder?.paths[0] ?? "";

  // The picker runs in the backend, which hands back a grant: the window cannot name a folder.
  async function choose() {
    const picked = await call(commands.chooseSyncFolder());
    if (picked.status === "error") setError(picked.error);
    else if (picked.data) {
      setFolder(picked.data);
      await inspect(picked.data, commands.checkSyncFolder);
    }
  }

  // The folder is checked where it is chosen, so a missing one can be created right here.
  async function inspect(grant: PathGrant, how: typeof commands.checkSyncFolder) {
    setBusy(true);
    setError(null);
    setFolderCheck(null);
    const r = await call(how(grant.id));
    setBusy(false);
    if (r.status === "error") setError(r.error);
    else setFolderCheck(r.data);
  }

  async function toStep3() {
    if (!draft) return;
    setBusy(true);
    setError(null);
    const r = await call(commands.checkPair(draft));
    setBusy(false);
    if (r.status === "error") {
      setError(r.error);
      return;
    }
    setCheck(r.data);
    setStep(3);
  }

  async function add() {
    if (!draft) return;
    setBusy(true);
    setError(null);
    if (keepVersions && history.status === "ok" && !history.data.keepsVersions) {
      const turned = await call(commands.keepBucketHistory(connectionId, bucket, KEEP_DAYS));
      if (turned.status === "error") {
        setBusy(false);
        setError(turned.error);
        return;
      }
    }
    const r = await call(commands.addPair(draft));
    setBusy(false);
    if (r.status === "error") setError(r.error);
    else onAdded(r.data);
  }

  const footer = (
    <>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
      {step > 1 && (
        <button
          type="button"
          className="button"
          data-testid="pair-back"
          onClick={() => {
            setError(null);
            setStep((s) => (s === 3 ? 2 : 1));
          }}
        >
          Back
        </button>
      )}
      {step === 1 && (
        <button
          type="button"
          className="button primary"
          data-testid="pair-next"
          disabled={folder === null || folderCheck?.state !== "ready" || busy}
          onClick={() => {
            setError(null);
            setStep(2);
          }}
        >
          Next
        </button>
      )}
      {step === 2 && (
        <button
          type="button"
          className="button primary"
          data-testid="pair-next"
          disabled={bucket === "" || busy}
          onClick={() => void toStep3()}
        >
          Next
        </button>
      )}
      {step === 3 && (
        <button type="button" className="button primary" data-testid="pair-add-confirm" disabled={busy} onClick={() => void add()}>
          Start syncing
        </button>
      )}
    </>
  );

  return (
    <Modal title={`Sync a folder — step ${step} of 3`} testId="add-pair-dialog" onClose={onCancel} footer={footer} width={560}>
      {step === 1 && (
        <div className="wizard-step">
          <p className="muted">Which folder on this computer should stay in sync?</p>
          <div className="inline-actions">
            <output
              data-testid="pair-folder"
              className={`grow chosen-path${folder ? "" : " muted"}`}
              aria-label="Folder on this computer"
              title={folderPath}
            >
              {folder ? folderPath : "No folder chosen yet"}
            </output>
            <button type="button" className="button" data-testid="pair-choose-folder" data-autofocus onClick={() => void choose()}>
              {folder ? "Change…" : "Choose folder…"}
            </button>
          </div>
          {folder && folderCheck?.state === "missing" && (
            <div className="notice warn" data-testid="pair-folder-missing">
              {folderCheck.canCreate ? (
                <>
                  <p>This folder does not exist yet.</p>
                  <button
                    type="button"
                    className="button"
                    data-testid="pair-create-folder"
                    disabled={busy}
                    onClick={() => void inspect(folder, commands.createSyncFolder)}
                  >
                    Create this folder
                  </button>
                </>
              ) : (
                <p>
                  Neither this folder nor the folder it is in exists. If it is on a disk that is not plugged in, plug
                  it in and choose the folder again.
                </p>
              )}
            </div>
          )}
          {folderCheck?.state === "ready" && (
            <p className="muted" data-testid="pair-folder-ready">
              {folderCheck.hasFiles ? "The folder holds files already." : "The folder is empty."}
            </p>
          )}
        </div>
      )}
      {step === 2 && (
        <div className="wizard-step">
          <p className="muted">Which folder in which bucket should it match?</p>
          {connections.length > 1 && (
            <label className="field">
              <span className="field-label">Connection</span>
              <select data-testid="pair-connection" value={connectionId} onChange={(e) => {
                  setConnectionId(e.target.value);
                  setPrefix("");
                }}>
                {connections.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {bucketsState.status === "error" && <ErrorNotice error={bucketsState.error} compact />}
          {buckets === null ? (
            bucketsState.status !== "error" && <Spinner label="Loading buckets…" />
          ) : (
            <label className="field">
              <span className="field-label">Bucket</span>
              <select
                data-testid="pair-bucket"
                value={bucket}
                onChange={(e) => {
                  setBucket(e.target.value);
                  setPrefix("");
                }}
              >
                {buckets.map((b) => (
                  <option key={b.name} value={b.name}>
                    {b.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {bucket !== "" && (
            <>
              <PrefixPicker key={`${connectionId}/${bucket}`} connectionId={connectionId} bucket={bucket} initial={prefix} onChange={setPrefix} />
              <p className="pair-target" data-testid="pair-target" data-bucket={bucket} data-prefix={prefix}>
                Will sync with: <strong>{bucket}</strong> / <strong>{prefix === "" ? "(the whole bucket)" : prefix}</strong>
              </p>
            </>
          )}
        </div>
      )}
      {step === 3 && (
        <div className="wizard-step">
          <p className="muted">
            <strong>{folderPath}</strong> ⇄ <strong>
              {bucket}/{prefix}
            </strong>
          </p>
          <fieldset className="mode-choice">
            <legend className="field-label">How should changes flow?</legend>
            {MODES.map((m) => (
              <label key={m.mode} className="radio">
                <input
                  type="radio"
                  name="mode"
                  data-testid={`mode-${m.mode}`}
                  checked={mode === m.mode}
                  onChange={() => setMode(m.mode)}
                />
                <span>
                  <strong>{m.label}</strong> — {m.help}
                </span>
              </label>
            ))}
          </fieldset>
          {check?.warning && mode === "TwoWay" && (
            <p className="notice warn" data-testid="pair-merge-warning">
              {check.warning}
            </p>
          )}
          {history.status === "ok" && !history.data.keepsVersions && (
            <div className="notice warn" data-testid="pair-versioning-off">
              <p>
                “{bucket}” does not keep earlier versions of files, so what sync changes or deletes in the bucket cannot be
                undone.
              </p>
              <label className="checkbox-row">
                <input
                  type="checkbox"
                  data-testid="pair-keep-versions"
                  checked={keepVersions}
                  onChange={(e) => setKeepVersions(e.target.checked)}
                />
                <span>
                  Turn on versions for this bucket and keep old ones for {KEEP_DAYS} days (it needs permission to change the
                  bucket’s settings, and storage grows by what changes).
                </span>
              </label>
            </div>
          )}
          {check && !check.folderHasFiles && check.bucketHasObjects && (
            <p className="muted">The folder is empty: the files of the bucket folder will be downloaded into it.</p>
          )}
          {check && check.folderHasFiles && !check.bucketHasObjects && (
            <p className="muted">The bucket folder is empty: the files of your folder will be uploaded to it.</p>
          )}
        </div>
      )}
      {busy && step !== 3 && <Spinner label="Checking…" />}
      {error && <ErrorNotice error={error} compact />}
    </Modal>
  );
}
