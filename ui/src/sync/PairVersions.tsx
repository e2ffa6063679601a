import { useState } from "react";
import { commands, type HistorySettings, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { call } from "../lib/ipc";
import { useResult } from "../lib/useResult";

/** How long old versions are kept when Pail turns versioning on. */
export const KEEP_DAYS = 30;

/** The words for a bucket's history settings. */
export function versionsLine(s: HistorySettings): string {
  if (!s.keepsVersions) return "Earlier versions: off. What sync changes or deletes in the bucket cannot be undone.";
  if (s.keepDays === null) return "Earlier versions: kept (until someone deletes them).";
  return `Earlier versions: kept for ${s.keepDays} ${s.keepDays === 1 ? "day" : "days"}.`;
}

/** A pair's line about the bucket's history, with "Turn on" where it is off. */
export function PairVersions({ connectionId, bucket }: { connectionId: string; bucket: string }) {
  const [settings, reload] = useResult<HistorySettings>(`${connectionId}/${bucket}`, () =>
    call(commands.bucketHistorySettings(connectionId, bucket)),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  async function turnOn() {
    setBusy(true);
    setError(null);
    const r = await call(commands.keepBucketHistory(connectionId, bucket, KEEP_DAYS));
    setBusy(false);
    if (r.status === "error") setError(r.error);
    else reload();
  }

  if (settings.status !== "ok") return null;
  return (
    <div className="pair-versions">
      <p className="muted" data-testid="pair-versions" data-keeps={String(settings.data.keepsVersions)} data-days={settings.data.keepDays ?? ""}>
        {versionsLine(settings.data)}{" "}
        {!settings.data.keepsVersions && (
          <button type="button" className="link-button" data-testid="pair-versions-turn-on" disabled={busy} onClick={() => void turnOn()}>
            Turn on (keep {KEEP_DAYS} days)
          </button>
        )}
      </p>
      {error && <ErrorNotice error={error} compact />}
    </div>
  );
}
