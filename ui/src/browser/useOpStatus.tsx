import { useCallback, useEffect, useState } from "react";
import type { UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";

/**
 * What the folder's own operations tell the user (status-bar line, dismissable error strip), kept apart
 * from the listing's state: a failed rename must not hide the rows.
 */
export function useOpStatus(onEditConnection: () => void) {
  // An object, not the text: flashing the same sentence again restarts its timer.
  const [message, setMessage] = useState<{ text: string } | null>(null);
  /** What an operation in flight is doing ("Renaming “a”…"), for the status bar. */
  const [busy, setBusy] = useState<string | null>(null);
  const [opError, setOpError] = useState<UiError | null>(null);

  // A status message (like "Copied …") fades after a few seconds.
  useEffect(() => {
    if (message === null) return;
    const t = setTimeout(() => setMessage(null), 3000);
    return () => clearTimeout(t);
  }, [message]);

  const flash = useCallback((text: string) => setMessage({ text }), []);

  return {
    /** The status bar's line: the operation in flight wins over a fading message. */
    text: busy ?? message?.text ?? null,
    flash,
    setBusy,
    setOpError,
    errorNotice: opError && (
      <div className="list-error">
        <ErrorNotice
          error={opError}
          onEditConnection={onEditConnection}
          actions={[{ label: "OK", onClick: () => setOpError(null), testId: "error-dismiss" }]}
        />
      </div>
    ),
  };
}
