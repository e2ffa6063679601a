import { useEffect, useState } from "react";
import { commands, type CostOverview, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { call } from "../lib/ipc";
import { costLine, priceText, requestsText, totalOf } from "./requestCost";
import { folderName } from "./status";

/** Re-read this often while shown: the sync sessions add to the log every few minutes. */
const REFRESH_MS = 60_000;

type Costs = { data: CostOverview | null; error: UiError | null };

/** The request log of the last 24 hours, refreshed while on screen (the last answer stays shown). */
export function useRequestCosts(): Costs {
  const [costs, setCosts] = useState<Costs>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    const load = () =>
      void call(commands.requestCosts()).then((r) => {
        if (!live) return;
        setCosts((before) => (r.status === "ok" ? { data: r.data, error: null } : { ...before, error: r.error }));
      });
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, []);
  return costs;
}

function pricesNote(costs: CostOverview): string {
  return `Estimated from each provider's published prices (${costs.pricesAsOf}), before free allowances.`;
}

/** One pair's requests and cost, for its detail page. */
export function PairRequestCost({ pairId }: { pairId: string }) {
  const { data } = useRequestCosts();
  const mine = data?.pairs.find((p) => p.pairId === pairId);
  if (!data || !mine) return null;
  return (
    <p className="muted pair-cost" data-testid="pair-cost" title={pricesNote(data)}>
      Store requests: {costLine(mine.cost)}
    </p>
  );
}

/** Every pair's requests and cost, for Settings. */
export function AllRequestCosts() {
  const { data, error } = useRequestCosts();
  return (
    <section className="settings-section" data-testid="request-costs" aria-labelledby="request-costs-title">
      <h2 id="request-costs-title">What syncing costs</h2>
      <p className="muted">
        Storage providers charge per request. Pail counts every request it sends. A folder nobody changes costs one
        small check per bucket check (120 an hour at every 30 seconds).
      </p>
      {error && <ErrorNotice error={error} compact />}
      {data && (
        <>
          <p data-testid="request-costs-total">
            {totalOf(data.total.requests) === 0
              ? "No synced folder sent requests in the last 24 hours."
              : `All synced folders: ${requestsText(data.total.requests)} in the last 24 hours · ${
                  data.total.usd === null ? "prices unknown for these stores" : priceText(data.total.usd)
                }${data.unpricedPairs > 0 && data.total.usd !== null ? ` (plus ${data.unpricedPairs} at a store with unknown prices)` : ""}`}
          </p>
          <ul className="cost-list">
            {data.pairs.map((p) => (
              <li key={p.pairId} data-testid="request-costs-pair">
                <strong title={p.localRoot}>{folderName(p.localRoot)}</strong>: {costLine(p.cost)}
              </li>
            ))}
          </ul>
          <p className="muted small-print">{pricesNote(data)}</p>
        </>
      )}
    </section>
  );
}
