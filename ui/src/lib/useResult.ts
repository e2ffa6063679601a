import { useCallback, useEffect, useEffectEvent, useState } from "react";
import type { UiError } from "../bindings";
import type { Result } from "./ipc";

export type ResultState<T> =
  { status: "idle" } | { status: "loading" } | { status: "ok"; data: T } | { status: "error"; error: UiError };

type Stored<T> = { key: string; attempt: number; result: Result<T, UiError> };

/**
 * Runs `load` whenever `key` changes (null = nothing to load) and on reload(); answers that arrive
 * for an older key or attempt are ignored, so a slow answer never overwrites a newer one.
 */
export function useResult<T>(
  key: string | null,
  load: () => Promise<Result<T, UiError>>,
): [ResultState<T>, () => void] {
  const [attempt, setAttempt] = useState(0);
  const [stored, setStored] = useState<Stored<T> | null>(null);
  const run = useEffectEvent(load);

  useEffect(() => {
    if (key === null) return;
    let live = true;
    void run().then((result) => {
      if (live) setStored({ key, attempt, result });
    });
    return () => {
      live = false;
    };
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt((a) => a + 1), []);

  let state: ResultState<T>;
  if (key === null) state = { status: "idle" };
  else if (stored === null || stored.key !== key || stored.attempt !== attempt) state = { status: "loading" };
  else if (stored.result.status === "ok") state = { status: "ok", data: stored.result.data };
  else state = { status: "error", error: stored.result.error };
  return [state, reload];
}
