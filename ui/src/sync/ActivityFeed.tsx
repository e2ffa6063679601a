import { useId, useState } from "react";
import { commands, type ActivityEntry, type PairInfo } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { formatDateLong, plural } from "../lib/format";
import { useResult } from "../lib/useResult";
import { UndoPassDialog } from "./UndoPassDialog";
import { useReloadOnChange } from "./useReloadOnChange";

const LIMIT = 200;

/** The lines one sync pass wrote, newest first; older lines without a pass are alone. */
export type PassGroup = { key: string; passId: string | null; entries: ActivityEntry[] };

/**
 * Groups the feed (newest first) by pass: consecutive lines with the same pass id go together, a
 * line without one is a group of its own.
 */
export function groupByPass(entries: ActivityEntry[]): PassGroup[] {
  const groups: PassGroup[] = [];
  for (const e of entries) {
    const last = groups[groups.length - 1];
    if (e.passId !== null && last && last.passId === e.passId) last.entries.push(e);
    else groups.push({ key: e.passId === null ? `line-${e.id}` : `pass-${e.passId}-${e.id}`, passId: e.passId, entries: [e] });
  }
  return groups;
}

/** Whether "Undo this sync" is offered: something in it can be put back and it was not undone yet. */
export function canUndoGroup(g: PassGroup): boolean {
  return g.passId !== null && g.entries.some((e) => e.canUndo) && !g.entries.some((e) => e.undone);
}

/** The sync whose undo dialog is open, with its lines as they were when it opened. */
type Undoing = { passId: string; entries: ActivityEntry[] };

/** What changed, where and when — newest first, read from the state DB, grouped by sync pass. */
export function ActivityFeed({ pair }: { pair: PairInfo }) {
  const [state, reload] = useResult<ActivityEntry[]>(pair.id, () => call(commands.pairActivity(pair.id, LIMIT)));
  // Each finished pass may have added lines.
  useReloadOnChange(pair.status.lastSynced, reload);
  const [undoing, setUndoing] = useState<Undoing | null>(null);

  // The dialog stays open while the feed reloads underneath it (a pass may finish meanwhile).
  const dialog = undoing && (
    <UndoPassDialog
      pairId={pair.id}
      passId={undoing.passId}
      entries={undoing.entries}
      onClose={(tried) => {
        setUndoing(null);
        if (tried) reload();
      }}
    />
  );

  let feed;
  if (state.status === "loading" || state.status === "idle") feed = <Spinner label="Loading activity…" />;
  else if (state.status === "error") feed = <ErrorNotice error={state.error} onRetry={reload} compact />;
  else if (state.data.length === 0) feed = <p className="muted">Nothing has changed yet.</p>;
  else
    feed = (
      <div className="activity-passes" data-testid="activity-list">
        {groupByPass(state.data).map((g) => (
          <PassSection
            key={g.key}
            group={g}
            onUndo={(passId) => setUndoing({ passId, entries: g.entries })}
          />
        ))}
      </div>
    );

  return (
    <>
      {feed}
      {dialog}
    </>
  );
}

function PassSection({ group, onUndo }: { group: PassGroup; onUndo: (passId: string) => void }) {
  const titleId = useId();
  const newest = group.entries[0]?.at ?? "";
  const undone = group.entries.some((e) => e.undone);
  const passId = group.passId;
  return (
    <section
      className={undone ? "activity-pass undone" : "activity-pass"}
      data-testid="activity-pass"
      data-pass-id={passId ?? ""}
    >
      <div className="activity-pass-header">
        <h3 id={titleId} className="activity-pass-title">
          Sync at <time dateTime={newest}>{formatDateLong(newest)}</time>
        </h3>
        <span className="activity-pass-count muted" data-testid="activity-pass-count">
          {plural(group.entries.length, "change")}
        </span>
        {passId !== null && canUndoGroup(group) && (
          <button
            type="button"
            className="button small activity-pass-action"
            data-testid="activity-undo"
            aria-describedby={titleId}
            onClick={() => onUndo(passId)}
          >
            Undo this sync…
          </button>
        )}
        {undone && (
          <span className="activity-pass-badge activity-pass-action" data-testid="activity-undone">
            Undone
          </span>
        )}
      </div>
      <ul className="activity-list">
        {group.entries.map((a) => (
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
    </section>
  );
}
