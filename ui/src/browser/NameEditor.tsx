import { useLayoutEffect, useRef, useState, type KeyboardEvent, type SyntheticEvent } from "react";
import { renameSelection } from "./ops";

type Props = {
  /** The text to start from (the current name, or a suggestion for a new folder). */
  initial: string;
  folder: boolean;
  testId: string;
  label: string;
  /** Why a name cannot be used (a sentence), or null when it can. */
  problem: (name: string) => string | null;
  /** `initial` itself may be committed (a suggested new-folder name); a rename to the same name is a no-op. */
  initialIsNew?: boolean;
  /** A usable name (trimmed). */
  onCommit: (name: string) => void;
  onCancel: () => void;
};

/** Stops an event from reaching the list (whose keys and clicks select, open and navigate). */
const stop = (e: SyntheticEvent) => e.stopPropagation();

/**
 * The inline name field of a new folder or a rename: Enter saves, Escape cancels, clicking
 * elsewhere saves a usable name (and drops an unusable one). A problem is shown under the field.
 */
export function NameEditor(props: Props) {
  const { initial, folder, testId, label, problem, initialIsNew = false, onCommit, onCancel } = props;
  const [value, setValue] = useState(initial);
  const [shown, setShown] = useState<string | null>(null);
  const ref = useRef<HTMLInputElement>(null);
  // Enter or Escape ends the edit; the blur that follows must not end it again.
  const finished = useRef(false);

  useLayoutEffect(() => {
    const input = ref.current;
    if (!input) return;
    input.focus();
    const [from, to] = renameSelection(initial, folder);
    input.setSelectionRange(from, to);
  }, [initial, folder]);

  function finish(commit: boolean, fromBlur: boolean) {
    if (finished.current) return;
    const name = value.trim();
    if (!commit || (name === initial && !initialIsNew)) {
      finished.current = true;
      onCancel();
      return;
    }
    const why = problem(name);
    if (why !== null) {
      if (fromBlur) {
        finished.current = true;
        onCancel();
      } else {
        setShown(why);
      }
      return;
    }
    finished.current = true;
    onCommit(name);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    e.stopPropagation();
    if (e.key === "Enter") {
      e.preventDefault();
      finish(true, false);
    } else if (e.key === "Escape") {
      e.preventDefault();
      finish(false, false);
    }
  }

  return (
    <span className="name-editor">
      <input
        ref={ref}
        className="rename-input"
        data-testid={testId}
        aria-label={label}
        aria-invalid={shown !== null}
        aria-describedby={shown !== null ? `${testId}-problem` : undefined}
        value={value}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => {
          setValue(e.target.value);
          setShown(null);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => finish(true, true)}
        onClick={stop}
        onDoubleClick={stop}
        onMouseDown={stop}
        onContextMenu={stop}
      />
      {shown !== null && (
        <span className="name-problem" role="alert" id={`${testId}-problem`} data-testid="name-problem">
          {shown}
        </span>
      )}
    </span>
  );
}
