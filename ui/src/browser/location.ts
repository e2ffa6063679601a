// Where the browser is: a bucket of a connection and a "folder" (key prefix ending in "/").

export type Location = { connectionId: string; bucket: string; prefix: string };

export function sameLocation(a: Location | null, b: Location | null): boolean {
  if (a === null || b === null) return a === b;
  return a.connectionId === b.connectionId && a.bucket === b.bucket && a.prefix === b.prefix;
}

export type Crumb = { label: string; prefix: string };

/**
 * Breadcrumbs for a prefix: the bucket first (prefix ""), then one crumb per folder.
 * "photos/2024/" → bucket, photos ("photos/"), 2024 ("photos/2024/").
 * Empty segments are real S3 folders ("a//b/") and get their own crumb.
 */
export function breadcrumbs(bucket: string, prefix: string): Crumb[] {
  const crumbs: Crumb[] = [{ label: bucket, prefix: "" }];
  if (prefix === "") return crumbs;
  const body = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  let acc = "";
  for (const segment of body.split("/")) {
    acc += `${segment}/`;
    crumbs.push({ label: segment, prefix: acc });
  }
  return crumbs;
}

/** The folder above: "a/b/" → "a/", "a/" → "", "" → null (already at the bucket root). */
export function parentPrefix(prefix: string): string | null {
  if (prefix === "") return null;
  const body = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  const slash = body.lastIndexOf("/");
  return slash < 0 ? "" : body.slice(0, slash + 1);
}
