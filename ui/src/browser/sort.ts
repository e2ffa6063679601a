// Ordering of listing entries: folders first, then by the chosen column.
// Built for 100,000 rows: every entry is decorated once with a precomputed sort key (so each of the
// ~2 million comparisons of a full sort is a plain string or number compare, no Intl.Collator), and
// a listing that grows page by page is kept sorted by merging each new page in (see SortedView).
import type { Entry } from "../bindings";
import { dateValue } from "../lib/format";

export type SortKey = "name" | "size" | "date";
export type SortDir = "asc" | "desc";
export type SortSpec = { key: SortKey; dir: SortDir };

export const defaultSort: SortSpec = { key: "name", dir: "asc" };

/** Clicking a header: the same column flips the direction, another column starts ascending. */
export function toggleSort(spec: SortSpec, key: SortKey): SortSpec {
  if (spec.key === key) return { key, dir: spec.dir === "asc" ? "desc" : "asc" };
  return { key, dir: "asc" };
}

// Printable ASCII that is neither digit nor letter, ranked 1..33 (all below "0"), roughly in the
// order a locale-aware collation puts them.
const PUNCTUATION_RANK: (number | undefined)[] = [];
" _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$".split("").forEach((ch, i) => {
  PUNCTUATION_RANK[ch.charCodeAt(0)] = i + 1;
});

/**
 * A key for names that compares with plain `<` the way a file manager orders names:
 * case and accents ignored ("Ünïcode" next to "unicode"), numbers by value ("file2" before
 * "file10"), punctuation and spaces before digits, digits before letters.
 */
export function nameSortKey(name: string): string {
  let s = name.toLowerCase();
  // Strip accents only when there is something to strip (normalize is the slow part).
  if (/[\u0080-\uffff]/.test(s)) s = s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      // A run of digits: "0", then its length without leading zeros (so longer = bigger), then the
      // digits. The length character is only ever compared with another length character.
      let j = i;
      while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
      let start = i;
      while (start < j - 1 && s.charCodeAt(start) === 0x30) start++;
      out += "0" + String.fromCharCode(0x40 + Math.min(j - start, 0xbf)) + s.slice(start, j);
      i = j - 1;
    } else if (c < 0x80 && PUNCTUATION_RANK[c] !== undefined) {
      out += String.fromCharCode(PUNCTUATION_RANK[c] as number);
    } else {
      out += s[i];
    }
  }
  return out;
}

const nameKeyCache = new WeakMap<Entry, string>();
function nameKeyOf(e: Entry): string {
  let v = nameKeyCache.get(e);
  if (v === undefined) {
    v = nameSortKey(e.name);
    nameKeyCache.set(e, v);
  }
  return v;
}

/** An entry with everything the comparator needs precomputed. */
type Rec = { readonly e: Entry; readonly folder: boolean; readonly k: string; readonly n: number };

function decorate(entries: readonly Entry[], spec: SortSpec): Rec[] {
  const out = new Array<Rec>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry;
    const n = spec.key === "size" ? (e.size ?? Number.NaN) : spec.key === "date" ? dateValue(e.lastModified) : 0;
    out[i] = { e, folder: e.kind === "folder", k: nameKeyOf(e), n };
  }
  return out;
}

function recComparator(spec: SortSpec): (a: Rec, b: Rec) => number {
  const dir = spec.dir === "asc" ? 1 : -1;
  // Name is the main key for "name" and the tie-breaker for the others (always A→Z for ties).
  const nameDir = spec.key === "name" ? dir : 1;
  const numeric = spec.key !== "name";
  return (a, b) => {
    if (a.folder !== b.folder) return a.folder ? -1 : 1;
    if (numeric && a.n !== b.n) {
      // Unknown values (no size, no date) go last in both directions.
      const an = a.n !== a.n; // NaN check without a call
      const bn = b.n !== b.n;
      if (an || bn) {
        if (!(an && bn)) return an ? 1 : -1;
      } else {
        return (a.n - b.n) * dir;
      }
    }
    if (a.k !== b.k) return (a.k < b.k ? -1 : 1) * nameDir;
    // Deterministic last resort so equal-looking names never swap between renders.
    const ak = a.e.key;
    const bk = b.e.key;
    return ak === bk ? 0 : (ak < bk ? -1 : 1) * nameDir;
  };
}

function undecorate(recs: readonly Rec[]): Entry[] {
  const out = new Array<Entry>(recs.length);
  for (let i = 0; i < recs.length; i++) out[i] = (recs[i] as Rec).e;
  return out;
}

/** A comparator on entries (for tests and small lists; sortEntries is faster for big ones). */
export function comparator(spec: SortSpec): (a: Entry, b: Entry) => number {
  const cmp = recComparator(spec);
  return (a, b) => {
    const [ra, rb] = decorate([a, b], spec) as [Rec, Rec];
    return cmp(ra, rb);
  };
}

/** A sorted copy. */
export function sortEntries(entries: readonly Entry[], spec: SortSpec): Entry[] {
  return undecorate(decorate(entries, spec).sort(recComparator(spec)));
}

/** Merge two arrays already sorted by cmp into a new sorted array (stable: a before b on ties). */
export function mergeSorted<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => number): T[] {
  const out = new Array<T>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as T;
    const y = b[j] as T;
    if (cmp(y, x) < 0) {
      out[k++] = y;
      j++;
    } else {
      out[k++] = x;
      i++;
    }
  }
  while (i < a.length) out[k++] = a[i++] as T;
  while (j < b.length) out[k++] = b[j++] as T;
  return out;
}

/**
 * Keeps a sorted view of a listing that only grows while pages stream in: each update sorts just
 * the new tail and merges it in (O(n) cheap comparisons per animation frame instead of a full
 * O(n log n) sort). A new listing (generation), a new order or a replaced source means a full sort.
 */
export class SortedView {
  private source: readonly Entry[] = [];
  private generation: unknown = undefined;
  private spec: SortSpec | null = null;
  private recs: Rec[] = [];
  private sorted: Entry[] = [];

  update(entries: readonly Entry[], generation: unknown, spec: SortSpec): Entry[] {
    const sameOrder = this.spec !== null && this.spec.key === spec.key && this.spec.dir === spec.dir;
    if (entries === this.source && generation === this.generation && sameOrder) return this.sorted;
    const cmp = recComparator(spec);
    const n = this.source.length;
    const grows =
      sameOrder &&
      generation === this.generation &&
      entries.length >= n &&
      (n === 0 || entries[n - 1] === this.source[n - 1]);
    if (grows) {
      const tail = decorate(entries.slice(n), spec).sort(cmp);
      if (tail.length > 0) this.recs = mergeSorted(this.recs, tail, cmp);
    } else {
      this.recs = decorate(entries, spec).sort(cmp);
    }
    this.sorted = undecorate(this.recs);
    this.source = entries;
    this.generation = generation;
    this.spec = spec;
    return this.sorted;
  }
}
