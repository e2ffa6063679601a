// The connection form asks the engine what is wrong with its draft (check_connection_draft): the
// rules live there only, so the form and a save can never disagree.
import { useCallback, useEffect, useEffectEvent, useRef, useState } from "react";
import { commands, type ConnectionDraft } from "../bindings";
import { callPlain } from "../lib/ipc";
import { problemsFrom, type Problems } from "./form";

/** How long typing must pause before the form asks again: one question per burst of keys. */
export const CHECK_DELAY_MS = 150;

/**
 * The engine's problems with `draft`. While `live`, it asks again CHECK_DELAY_MS after the draft
 * last changed; `checkNow` asks at once (before a save or a test) and returns the answer, or null
 * when the question could not be asked. An answer is shown only if it is for the newest question
 * and the draft on screen is still the one asked about, so a slow reply never brings back a
 * problem the person has fixed since. Until a fresh answer arrives the last one stays, so errors
 * do not flicker while typing.
 */
export function useDraftProblems(
  draft: ConnectionDraft,
  live: boolean,
): { problems: Problems; checkNow: (draft: ConnectionDraft) => Promise<Problems | null> } {
  const [problems, setProblems] = useState<Problems>({});
  const key = JSON.stringify(draft);
  const asked = useRef(0);
  const lastAsked = useRef<string | null>(null);
  const onScreen = useRef(key);

  const checkNow = useCallback(async (d: ConnectionDraft): Promise<Problems | null> => {
    const about = JSON.stringify(d);
    const ask = ++asked.current;
    lastAsked.current = about;
    const answer = await callPlain(commands.checkConnectionDraft(d));
    if (answer.status !== "ok") return null;
    const found = problemsFrom(answer.data);
    if (ask === asked.current && about === onScreen.current) setProblems(found);
    return found;
  }, []);

  const checkLatest = useEffectEvent(() => void checkNow(draft));

  useEffect(() => {
    onScreen.current = key;
    // Nothing new to ask: this exact draft was just checked (a save or test asked at once).
    if (!live || key === lastAsked.current) return;
    const timer = setTimeout(() => checkLatest(), CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [key, live]);

  return { problems, checkNow };
}
