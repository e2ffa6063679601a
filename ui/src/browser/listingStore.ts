// One folder listing at a time, streamed from the backend through a Channel<ListPage>.
// Pages are buffered and flushed to subscribers at most once per animation frame (and, for big
// folders, at most every FLUSH_GAP_MS), so 100,000 entries arrive without a render per page.
import { Channel } from "@tauri-apps/api/core";
import { commands, type Entry, type ListPage, type UiError } from "../bindings";
import { call } from "../lib/ipc";
import { sameLocation, type Location } from "./location";

export type ListingSnapshot = {
  /** The location this snapshot is for (null before the first start). */
  readonly location: Location | null;
  /** Increases with every listing started in this window; 0 before the first. */
  readonly listingId: number;
  /** Entries in arrival order; a new array each flush, old arrays are never mutated. */
  readonly entries: readonly Entry[];
  readonly loading: boolean;
  readonly error: UiError | null;
  /**
   * True while listing the same folder again (a refresh, or after a change): `entries` are still
   * the previous listing's, shown until the first new page replaces them, so nothing flickers.
   */
  readonly refreshing: boolean;
};

const initial: ListingSnapshot = {
  location: null,
  listingId: 0,
  entries: [],
  loading: false,
  error: null,
  refreshing: false,
};

/** Listing ids are unique for the life of the page, across all stores. */
let lastListingId = 0;
export function nextListingId(): number {
  lastListingId += 1;
  return lastListingId;
}

/** Above this many entries, flushes are spaced out: merging a page into a huge sorted list costs O(n). */
const BIG_LISTING = 5000;
const FLUSH_GAP_MS = 150;

type Cancel = () => void;

function onNextFrame(fn: () => void): Cancel {
  if (typeof requestAnimationFrame === "function") {
    const id = requestAnimationFrame(fn);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(fn, 16);
  return () => clearTimeout(id);
}

export class ListingStore {
  private snapshot: ListingSnapshot = initial;
  private readonly listeners = new Set<() => void>();
  private activeId = 0;
  private pending: Entry[] = [];
  private cancelFlush: Cancel | null = null;
  private lastFlush = 0;
  /** The shown entries belong to the previous listing of this folder; the next flush replaces them. */
  private stale = false;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): ListingSnapshot => this.snapshot;

  /** Start listing a folder, abandoning (and cancelling) any listing still running. */
  start(location: Location): number {
    const again = sameLocation(this.snapshot.location, location) && this.snapshot.error === null;
    this.stop();
    const id = nextListingId();
    this.activeId = id;
    this.lastFlush = 0;
    this.stale = again && this.snapshot.entries.length > 0;
    this.set({
      location,
      listingId: id,
      entries: this.stale ? this.snapshot.entries : [],
      loading: true,
      error: null,
      refreshing: this.stale,
    });

    const channel = new Channel<ListPage>();
    channel.onmessage = (page) => this.onPage(id, page);
    void call(commands.listFolder(location.connectionId, location.bucket, location.prefix, id, channel)).then(
      (result) => {
        if (id !== this.activeId) return;
        this.flush();
        if (result.status === "ok") this.set({ ...this.snapshot, loading: false });
        else this.set({ ...this.snapshot, loading: false, error: result.error });
      },
    );
    return id;
  }

  /** Stop following the current listing; tells the backend to cancel it if it is still running. */
  stop(): void {
    const id = this.activeId;
    const wasLoading = this.snapshot.loading && this.snapshot.listingId === id;
    this.activeId = 0;
    this.pending = [];
    this.cancelFlush?.();
    this.cancelFlush = null;
    if (id !== 0 && wasLoading) {
      void commands.cancelListing(id).catch(() => undefined);
      this.set({ ...this.snapshot, loading: false });
    }
  }

  private onPage(id: number, page: ListPage): void {
    // Pages of an abandoned listing may still be in flight: drop them.
    if (id !== this.activeId || page.listingId !== id) return;
    if (page.entries.length > 0) {
      for (const e of page.entries) this.pending.push(e);
    }
    if (page.done) {
      this.flush();
      if (this.snapshot.loading) this.set({ ...this.snapshot, loading: false });
    } else {
      this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    if (this.cancelFlush !== null) return;
    const size = this.snapshot.entries.length;
    const wait = size > BIG_LISTING ? Math.max(0, this.lastFlush + FLUSH_GAP_MS - Date.now()) : 0;
    if (wait === 0) {
      this.cancelFlush = onNextFrame(() => this.flush());
    } else {
      let cancelFrame: Cancel | null = null;
      const timer = setTimeout(() => {
        cancelFrame = onNextFrame(() => this.flush());
      }, wait);
      this.cancelFlush = () => {
        clearTimeout(timer);
        cancelFrame?.();
      };
    }
  }

  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = null;
    if (this.pending.length === 0 && !this.stale) return;
    const entries = this.stale ? this.pending : this.snapshot.entries.concat(this.pending);
    this.stale = false;
    this.pending = [];
    this.lastFlush = Date.now();
    this.set({ ...this.snapshot, entries, refreshing: false });
  }

  private set(next: ListingSnapshot): void {
    this.snapshot = next;
    for (const l of this.listeners) l();
  }
}
