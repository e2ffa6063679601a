import { useEffect, useEffectEvent } from "react";
import { globalCommand, isTypingTarget, type GlobalCommand } from "./keys";

/**
 * The browser's shortcuts that work wherever the focus is (Alt+←, Backspace, F5, Ctrl+F…), so they
 * listen on the window; an open dialog keeps its keys to itself.
 */
export function useWindowShortcuts(actions: Record<GlobalCommand, () => void>) {
  const onWindowKey = useEffectEvent((e: globalThis.KeyboardEvent) => {
    if (e.defaultPrevented || document.querySelector('[aria-modal="true"]')) return;
    const cmd = globalCommand(e, isTypingTarget(e.target));
    if (cmd === null) return;
    e.preventDefault();
    actions[cmd]();
  });
  useEffect(() => {
    const handler = (e: globalThis.KeyboardEvent) => onWindowKey(e);
    window.addEventListener("keydown", handler);
    return () => window.removeEventListener("keydown", handler);
  }, []);
}
