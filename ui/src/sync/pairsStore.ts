// The synced folders and their live statuses: listed once, then kept current by the backend's
// status stream (one Channel for the window's lifetime).
import { useSyncExternalStore } from "react";
import { Channel } from "@tauri-apps/api/core";
import { commands, type PairInfo, type PairStatus, type UiError } from "../bindings";
import { call } from "../lib/ipc";

export type PairsSnapshot = {
  loading: boolean;
  error: UiError | null;
  pairs: PairInfo[];
};

type Listener = () => void;

/** Holds the pairs; `apply` merges one status into them. */
export class PairsStore {
  private snapshot: PairsSnapshot = { loading: true, error: null, pairs: [] };
  private listeners = new Set<Listener>();
  private watching = false;
  /** Statuses that arrived before the list did. */
  private early = new Map<string, PairStatus>();

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getSnapshot = (): PairsSnapshot => this.snapshot;

  private set(next: PairsSnapshot): void {
    this.snapshot = next;
    for (const l of this.listeners) l();
  }

  /** Lists the pairs (again) and, the first time, starts following statuses. */
  async load(): Promise<void> {
    if (!this.watching) {
      this.watching = true;
      const channel = new Channel<PairStatus>();
      channel.onmessage = (s) => this.apply(s);
      // Only fails if the IPC bridge is gone, and then listPairs below reports it.
      void commands.watchPairs(channel).catch(() => undefined);
    }
    const r = await call(commands.listPairs());
    if (r.status === "error") {
      this.set({ ...this.snapshot, loading: false, error: r.error });
      return;
    }
    const pairs = r.data.map((p) => {
      const s = this.early.get(p.id);
      return s ? { ...p, status: s, paused: s.state === "paused" ? true : p.paused } : p;
    });
    this.early.clear();
    this.set({ loading: false, error: null, pairs });
  }

  /** One status change. */
  apply(status: PairStatus): void {
    const i = this.snapshot.pairs.findIndex((p) => p.id === status.pairId);
    if (i < 0) {
      this.early.set(status.pairId, status);
      return;
    }
    const pairs = this.snapshot.pairs.slice();
    const old = pairs[i];
    if (!old) return;
    pairs[i] = {
      ...old,
      status,
      paused: status.state === "paused" ? true : status.state === "starting" ? old.paused : false,
    };
    this.set({ ...this.snapshot, pairs });
  }

  /** A pair added or changed by a command. */
  upsert(pair: PairInfo): void {
    const pairs = this.snapshot.pairs.filter((p) => p.id !== pair.id);
    const early = this.early.get(pair.id);
    this.early.delete(pair.id);
    pairs.push(early ? { ...pair, status: early } : pair);
    this.set({ ...this.snapshot, pairs });
  }

  remove(id: string): void {
    this.set({ ...this.snapshot, pairs: this.snapshot.pairs.filter((p) => p.id !== id) });
  }
}

export function usePairs(store: PairsStore): PairsSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
