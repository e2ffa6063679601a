import { useEffect, useRef } from "react";

/** Calls `reload` whenever `value` changes after the first render (e.g. a pair finished a pass). */
export function useReloadOnChange(value: unknown, reload: () => void): void {
  const last = useRef(value);
  useEffect(() => {
    if (value !== last.current) {
      last.current = value;
      reload();
    }
  }, [value, reload]);
}
