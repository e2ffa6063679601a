import type { RequestCost, RequestCounts } from "../bindings";
import { formatCount, plural } from "../lib/format";

/** All requests, whatever their kind. */
export function totalOf(r: RequestCounts): number {
  return r.list + r.head + r.get + r.put + r.delete;
}

/** "312 requests (4 list, 290 head, 18 put)": kinds with none are left out. */
export function requestsText(r: RequestCounts): string {
  const total = totalOf(r);
  const kinds = (
    [
      ["list", r.list],
      ["head", r.head],
      ["get", r.get],
      ["put", r.put],
      ["delete", r.delete],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${formatCount(n)} ${kind}`);
  const head = plural(total, "request");
  return kinds.length > 0 ? `${head} (${kinds.join(", ")})` : head;
}

/** What requests cost, as a person reads it: "about $0.12", "less than a cent", "no charge". */
export function priceText(usd: number | null): string {
  if (usd === null) return "price unknown for this store";
  if (usd === 0) return "no charge at this store";
  if (usd < 0.01) return "less than a cent";
  return `about $${usd.toFixed(2)}`;
}

/** One line: requests in the last 24 hours and their price, with a month at that rate. */
export function costLine(cost: RequestCost): string {
  if (totalOf(cost.requests) === 0) return "no requests in the last 24 hours";
  const month = cost.usd !== null && cost.usd > 0 ? `; ${priceText(cost.usd * 30)} a month at this rate` : "";
  return `${requestsText(cost.requests)} in the last 24 hours · ${priceText(cost.usd)}${month}`;
}
