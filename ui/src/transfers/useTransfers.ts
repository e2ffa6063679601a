// The transfer queue in React: one channel from the backend brings the whole list first, then
// each change, merged in by id.
import { Channel } from "@tauri-apps/api/core";
import { useEffect, useState } from "react";
import { commands, type TransfersUpdate } from "../bindings";
import { applyUpdate, emptyList, type TransferList } from "./model";

/** The queue, kept current; `ready` once the backend's whole list is in (before it, the list is partial). */
export function useTransfers(): { list: TransferList; ready: boolean } {
  const [list, setList] = useState<TransferList>(emptyList);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let live = true;
    const channel = new Channel<TransfersUpdate>();
    channel.onmessage = (update) => {
      if (!live) return;
      setList((l) => applyUpdate(l, update));
      if (update.full) setReady(true);
    };
    // Fails only without the IPC bridge; the list then stays empty and not ready.
    void commands.watchTransfers(channel).catch(() => undefined);
    return () => {
      // The backend sends to the latest channel only: the next mount's replaces this one.
      live = false;
    };
  }, []);

  return { list, ready };
}
