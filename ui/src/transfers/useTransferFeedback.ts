// Toasts and selections after transfers, from the live transfer list (see feedback.ts).
import { useCallback, useState } from "react";
import { sameLocation, type Location } from "../browser/location";
import { addTarget, feedbackStep, newFeedback, type FeedbackState, type Reveal, type Toast } from "./feedback";
import type { TransferList } from "./model";

type State = { list: TransferList | null; fb: FeedbackState };

/**
 * `ready` is useTransfers' (the first snapshot is in); `at` is the folder being viewed, null
 * outside the browser. A reveal lasts while that folder stays open.
 */
export function useTransferFeedback(
  list: TransferList,
  ready: boolean,
  at: Location | null,
): {
  toast: Toast | null;
  dismiss: (id: number) => void;
  reveal: Reveal | null;
  /** Remember a folder uploads were started into. */
  uploadTo: (target: Location) => void;
  /** Select these entries of that folder once it is open and lists them. */
  showFolder: (location: Location, keys: string[]) => void;
} {
  const [s, setS] = useState<State>({ list: null, fb: newFeedback });

  // Derived from each new list during render (not in an effect), so the toast and the selection
  // come with the same render as the list that ended the batch.
  let next = s;
  if (ready && s.list !== list) next = { list, fb: feedbackStep(s.fb, list.items, at) };
  if (next.fb.reveal && !sameLocation(next.fb.reveal.location, at)) next = { ...next, fb: { ...next.fb, reveal: null } };
  if (next !== s) setS(next);

  const update = useCallback((f: (fb: FeedbackState) => FeedbackState) => setS((x) => ({ ...x, fb: f(x.fb) })), []);
  const dismiss = useCallback(
    (id: number) => update((fb) => ({ ...fb, toasts: fb.toasts.filter((t) => t.id !== id) })),
    [update],
  );
  const uploadTo = useCallback((target: Location) => update((fb) => addTarget(fb, target)), [update]);
  const showFolder = useCallback(
    (location: Location, keys: string[]) =>
      update((fb) => ({ ...fb, reveal: { id: fb.nextId, location, keys }, nextId: fb.nextId + 1 })),
    [update],
  );

  return { toast: next.fb.toasts[0] ?? null, dismiss, reveal: next.fb.reveal, uploadTo, showFolder };
}
