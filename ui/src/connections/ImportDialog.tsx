import { useState } from "react";
import { commands, type AwsProfileInfo, type AwsProfileKind, type Connection, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { useResult } from "../lib/useResult";

const KIND_WORDS: Record<AwsProfileKind, string> = {
  staticKeys: "Access keys",
  sso: "Single sign-on (SSO)",
  credentialProcess: "Credential helper program",
  assumeRole: "Assumed role",
  environment: "Environment variables",
  other: "Other sign-in method",
};

export function profileKindInWords(kind: AwsProfileKind): string {
  return KIND_WORDS[kind];
}

type Props = {
  onImported: (connections: Connection[]) => void;
  onCancel: () => void;
};

/** Lists the profiles in ~/.aws/credentials and ~/.aws/config and imports the chosen ones. */
export function ImportDialog({ onImported, onCancel }: Props) {
  const [profiles, reload] = useResult("profiles", () => call(commands.discoverAwsProfiles()));
  return (
    <Modal title="Import from AWS config" testId="import-dialog" onClose={onCancel} width={520}>
      {profiles.status === "ok" ? (
        <ProfileList profiles={profiles.data} onImported={onImported} onCancel={onCancel} />
      ) : profiles.status === "error" ? (
        <ErrorNotice error={profiles.error} onRetry={reload} />
      ) : (
        <Spinner label="Looking for AWS profiles…" />
      )}
    </Modal>
  );
}

function ProfileList({ profiles, onImported, onCancel }: { profiles: AwsProfileInfo[] } & Props) {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(
    () => new Set(profiles.filter((p) => !p.alreadyImported).map((p) => p.name)),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  function flip(name: string, on: boolean) {
    setChosen((c) => {
      const next = new Set(c);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });
  }

  async function importChosen() {
    setBusy(true);
    setError(null);
    const names = profiles.filter((p) => chosen.has(p.name)).map((p) => p.name);
    const result = await call(commands.importAwsProfiles(names));
    setBusy(false);
    if (result.status === "ok") onImported(result.data);
    else setError(result.error);
  }

  const count = chosen.size;
  return (
    <>
      {profiles.length === 0 ? (
        <p className="empty-note" data-testid="import-empty">
          No profiles were found in ~/.aws/credentials or ~/.aws/config on this computer.
        </p>
      ) : (
        <>
          <p className="muted">Pick the profiles to add as connections. Their keys stay in your AWS files.</p>
          <ul className="profile-list">
            {profiles.map((p) => (
              <li key={p.name} className={p.alreadyImported ? "disabled" : undefined}>
                <label>
                  <input
                    type="checkbox"
                    data-testid="import-profile"
                    data-profile={p.name}
                    disabled={p.alreadyImported || busy}
                    checked={!p.alreadyImported && chosen.has(p.name)}
                    onChange={(e) => flip(p.name, e.target.checked)}
                  />
                  <span className="profile-name">{p.name}</span>
                  <span className="profile-meta">
                    {profileKindInWords(p.kind)} · {p.region ?? "no region set"}
                    {p.alreadyImported && " · already added"}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </>
      )}
      {error && <ErrorNotice error={error} compact />}
      <div className="modal-footer inline">
        <span className="spacer" />
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="button primary"
          data-testid="import-confirm"
          disabled={busy || count === 0}
          onClick={() => void importChosen()}
        >
          {busy ? "Importing…" : count === 1 ? "Import 1 profile" : `Import ${count} profiles`}
        </button>
      </div>
    </>
  );
}
