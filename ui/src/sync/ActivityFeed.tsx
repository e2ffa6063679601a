import { commands, type ActivityEntry, type PairInfo } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { formatDateLong } from "../lib/format";
import { useResult } from "../lib/useResult";
import { useReloadOnChange } from "./useReloadOnChange";

const LIMIT = 200;

/** What changed, where and when — newest first, read from the state DB. */
export function ActivityFeed({ pair }: { pair: PairInfo }) {
  const [state, reload] = useResult<ActivityEntry[]>(pair.id, () => call(commands.pairActivity(pair.id, LIMIT)));
  // Each finished pass may have added lines.
  useReloadOnChange(pair.status.lastSynced, reload);

  if (state.status === "loading" || state.status === "idle") return <Spinner label="Loading activity…" />;
  if (state.status === "error") return <ErrorNotice error={state.error} onRetry={reload} compact />;
  if (state.data.length === 0) return <p className="muted">Nothing has changed yet.</p>;
  return (
    <ul className="activity-list" data-testid="activity-list">
      {state.data.map((a) => (
        <li key={a.id} className={`activity activity-${a.action}`} data-testid="activity-item" data-action={a.action}>
          <span className="activity-what">{a.summary}</span>
          <span className="activity-path" title={a.path}>
            {a.path}
          </span>
          {a.detail !== "" && <span className="activity-detail muted">{a.detail}</span>}
          <time className="activity-when muted" dateTime={a.at}>
            {formatDateLong(a.at)}
          </time>
        </li>
      ))}
    </ul>
  );
}
