import { useEffect, useState } from "react";
import { CirclePause, CirclePlay, FolderSync, Plus } from "lucide-react";
import { commands, type Connection, type PairInfo, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";
import { AddPairDialog } from "./AddPairDialog";
import { PairDetail } from "./PairDetail";
import { usePairs, type PairsStore } from "./pairsStore";
import { folderName, progressFraction, remoteLabel, statusLine } from "./status";

type Props = {
  store: PairsStore;
  connections: Connection[];
};

/** Screen 4: the synced folders with live status, one selected for details. */
export function SyncView({ store, connections }: Props) {
  const { loading, error, pairs } = usePairs(store);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [actionError, setActionError] = useState<UiError | null>(null);

  useEffect(() => {
    void store.load();
  }, [store]);

  const selected = pairs.find((p) => p.id === selectedId) ?? pairs[0] ?? null;
  const allPaused = pairs.length > 0 && pairs.every((p) => p.paused);

  async function pauseAll() {
    setActionError(null);
    const r = await call(commands.setAllPaused(!allPaused));
    if (r.status === "error") setActionError(r.error);
  }

  return (
    <main className="sync-view" data-testid="sync-view">
      <header className="sync-header">
        <h1>Synced folders</h1>
        <div className="sync-header-actions">
          {pairs.length > 0 && (
            <button type="button" className="button" data-testid="pause-all" onClick={() => void pauseAll()}>
              {allPaused ? <CirclePlay size={15} aria-hidden /> : <CirclePause size={15} aria-hidden />}
              {allPaused ? "Resume all" : "Pause all"}
            </button>
          )}
          <button type="button" className="button primary" data-testid="add-pair" onClick={() => setAdding(true)}>
            <Plus size={15} aria-hidden />
            Sync a folder
          </button>
        </div>
      </header>
      {actionError && <ErrorNotice error={actionError} compact />}
      {loading ? (
        <div className="center-screen">
          <Spinner label="Loading synced folders…" />
        </div>
      ) : error ? (
        <div className="center-screen">
          <ErrorNotice error={error} onRetry={() => void store.load()} />
        </div>
      ) : pairs.length === 0 ? (
        <div className="center-screen" data-testid="no-pairs">
          <div className="pick-bucket">
            <FolderSync size={40} strokeWidth={1.2} aria-hidden />
            <p>
              Pair a folder on this computer with a folder in a bucket, and Pail keeps them the same — on every
              computer you pair with it.
            </p>
            <button type="button" className="button primary" onClick={() => setAdding(true)}>
              Sync a folder
            </button>
          </div>
        </div>
      ) : (
        <div className="sync-body">
          <ul className="pair-list" aria-label="Synced folders">
            {pairs.map((p) => (
              <PairRow key={p.id} pair={p} selected={p.id === selected?.id} onSelect={() => setSelectedId(p.id)} />
            ))}
          </ul>
          {selected && (
            <PairDetail
              key={selected.id}
              pair={selected}
              connection={connections.find((c) => c.id === selected.connectionId) ?? null}
              onChanged={(p) => store.upsert(p)}
              onRemoved={() => {
                store.remove(selected.id);
                setSelectedId(null);
              }}
            />
          )}
        </div>
      )}
      {adding && (
        <AddPairDialog
          connections={connections}
          onCancel={() => setAdding(false)}
          onAdded={(pair) => {
            store.upsert(pair);
            setSelectedId(pair.id);
            setAdding(false);
          }}
        />
      )}
    </main>
  );
}

function PairRow({ pair, selected, onSelect }: { pair: PairInfo; selected: boolean; onSelect: () => void }) {
  const line = statusLine(pair.status);
  const fraction = progressFraction(pair.status);
  return (
    <li>
      <button
        type="button"
        className={selected ? "pair-row selected" : "pair-row"}
        data-testid="pair-row"
        data-state={pair.status.state}
        aria-current={selected}
        onClick={onSelect}
      >
        <span className={`status-dot tone-${line.tone}`} aria-hidden />
        <span className="pair-row-text">
          <span className="pair-row-name">{folderName(pair.localRoot)}</span>
          <span className="pair-row-remote">{remoteLabel(pair)}</span>
          <span className="pair-row-status" data-testid="pair-status">
            {line.text}
          </span>
          {fraction !== null && (
            <span className="progress" aria-hidden>
              <span className="progress-bar" style={{ width: `${Math.round(fraction * 100)}%` }} />
            </span>
          )}
        </span>
      </button>
    </li>
  );
}
