// The transfer queue in React: the snapshot first, then TransfersChanged events merged in.
import { useCallback, useEffect, useState } from "react";
import { commands, events } from "../bindings";
import { callPlain } from "../lib/ipc";
import { applyUpdate, emptyList, type TransferList } from "./model";

/** The queue, kept current; `ready` once the backend's snapshot is in (before it, the list is partial). */
export function useTransfers(): { list: TransferList; ready: boolean; reload: () => void } {
  const [list, setList] = useState<TransferList>(emptyList);
  const [ready, setReady] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    let unlisten: (() => void) | null = null;
    // Listen first, then read the snapshot: a delta that arrives in between is merged into the
    // snapshot anyway (items are replaced by id).
    events.transfersChanged
      .listen((e) => {
        if (live) setList((l) => applyUpdate(l, e.payload));
      })
      .then((u) => {
        if (live) unlisten = u;
        else u();
      })
      .catch(() => {
        // No event bridge (component tests): the list still loads once.
      });
    void callPlain(commands.listTransfers()).then((r) => {
      if (!live || r.status !== "ok" || r.data.status !== "ok") return;
      const snapshot = r.data.data;
      setList((l) => applyUpdate(l, snapshot));
      setReady(true);
    });
    return () => {
      live = false;
      unlisten?.();
    };
  }, [attempt]);

  const reload = useCallback(() => setAttempt((a) => a + 1), []);
  return { list, ready, reload };
}
