// Human-friendly formatting of sizes, counts, dates and S3 names. Pure functions, no React.

const UNITS = ["KB", "MB", "GB", "TB", "PB", "EB"] as const;

/** "0 bytes", "1 byte", "999 bytes", "1.2 KB", "12.3 MB", "123 GB" (decimal units, like Finder). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1000) return bytes === 1 ? "1 byte" : `${Math.round(bytes)} bytes`;
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  // Rounding may carry over (999.96 KB → "1000 KB"): step up a unit instead.
  if (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value < 100 ? 1 : 0;
  const text = value.toFixed(digits).replace(/\.0$/, "");
  return `${text} ${UNITS[unit]}`;
}

const countFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** 100000 → "100,000" in the user's locale. */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** "1 item", "2 items", "1,234 items". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Exact size for the properties panel: "1,234,567 bytes". */
export function formatExactBytes(bytes: number): string {
  return plural(bytes, "byte");
}

function parseDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const longDate = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "medium" });

/** List column: "Mar 4, 2025, 2:03 PM" in local time; "" when unknown. */
export function formatDate(iso: string | null | undefined): string {
  const d = parseDate(iso);
  return d ? shortDate.format(d) : "";
}

/** Properties panel: "March 4, 2025 at 2:03:09 PM" in local time; "" when unknown. */
export function formatDateLong(iso: string | null | undefined): string {
  const d = parseDate(iso);
  return d ? longDate.format(d) : "";
}

/** Milliseconds since the epoch, or NaN; used by sorting. */
export function dateValue(iso: string | null | undefined): number {
  if (!iso) return Number.NaN;
  return Date.parse(iso);
}

const STORAGE_CLASSES: Record<string, string> = {
  STANDARD: "Standard",
  REDUCED_REDUNDANCY: "Reduced redundancy",
  STANDARD_IA: "Standard-IA",
  ONEZONE_IA: "One Zone-IA",
  INTELLIGENT_TIERING: "Intelligent-Tiering",
  GLACIER: "Glacier Flexible Retrieval",
  GLACIER_IR: "Glacier Instant Retrieval",
  DEEP_ARCHIVE: "Glacier Deep Archive",
  EXPRESS_ONEZONE: "Express One Zone",
  OUTPOSTS: "Outposts",
  SNOW: "Snow",
};

/** "STANDARD_IA" → "Standard-IA"; unknown classes (other stores) are shown as given. */
export function formatStorageClass(storageClass: string | null | undefined): string {
  if (!storageClass) return "";
  return STORAGE_CLASSES[storageClass] ?? storageClass;
}

/** S3 ETags come quoted ("\"abc\""); people want to see abc. */
export function formatEtag(etag: string | null | undefined): string {
  if (!etag) return "";
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

/** s3://bucket/key — what "Copy S3 path" puts on the clipboard. */
export function s3Path(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** A name that may be empty (a key like "a//b" has an empty segment) shown so it can be seen. */
export function displayName(name: string): string {
  return name === "" ? "(no name)" : name;
}

/** The lowercase file extension without the dot, "" for none ("archive.tar.gz" → "gz", ".env" → ""). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return "";
  return name.slice(dot + 1).toLowerCase();
}
