import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { ChevronLeft, ChevronRight } from "lucide-react";
import { commands, type Preview, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";

type Props = {
  connectionId: string;
  bucket: string;
  fileKey: string;
  onClose: () => void;
  /** Step to the previous / next file of the listing; null at either end. */
  onPrev: (() => void) | null;
  onNext: (() => void) | null;
  /** Where this file is among the files of the listing (1-based), when it is listed. */
  position: { index: number; count: number } | null;
};

type State = { status: "loading" } | { status: "error"; error: UiError } | { status: "ok"; preview: Preview };

const LOADING: State = { status: "loading" };

/**
 * Quick look: an image (sent as a data URL, so the CSP stays closed) or the start of a text file,
 * scaled to the dialog. Left/Right step through the folder's files, Space or Escape closes.
 */
export function PreviewDialog({ connectionId, bucket, fileKey, onClose, onPrev, onNext, position }: Props) {
  // The answer is kept with the key it belongs to, so stepping to another file shows the spinner
  // at once instead of the previous file under the new name.
  const [loaded, setLoaded] = useState<{ key: string; state: State } | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const name = fileKey.slice(fileKey.lastIndexOf("/") + 1);
  const state = loaded?.key === fileKey ? loaded.state : LOADING;

  useEffect(() => {
    let live = true;
    void call(commands.previewObject(connectionId, bucket, fileKey)).then((r) => {
      if (!live) return;
      const next: State = r.status === "ok" ? { status: "ok", preview: r.data } : { status: "error", error: r.error };
      setLoaded({ key: fileKey, state: next });
    });
    return () => {
      live = false;
    };
  }, [connectionId, bucket, fileKey]);

  function onKeyDown(e: KeyboardEvent) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const step = e.key === "ArrowLeft" ? onPrev : e.key === "ArrowRight" ? onNext : null;
    if (step) {
      e.preventDefault();
      step();
    } else if (e.key === " ") {
      // Space closes, as it opened; on the Previous/Next buttons it presses them, as on any button.
      if (e.target instanceof HTMLButtonElement && e.target !== closeRef.current) return;
      e.preventDefault();
      onClose();
    }
  }

  let body;
  if (state.status === "loading") body = <Spinner label="Loading preview…" />;
  else if (state.status === "error") body = <ErrorNotice error={state.error} />;
  else if (state.preview.kind === "image")
    body = <img className="preview-image" data-testid="preview-image" src={state.preview.dataUrl} alt={name} />;
  else if (state.preview.kind === "text")
    body = (
      <>
        <pre className="preview-text" data-testid="preview-text">
          {state.preview.text}
        </pre>
        {state.preview.truncated && <p className="hint">Only the beginning of the file is shown.</p>}
      </>
    );
  else
    body = (
      <p className="empty-note" data-testid="preview-unavailable">
        {state.preview.reason}
      </p>
    );

  return (
    <Modal
      title={name}
      testId="preview-dialog"
      className="quick-look"
      onClose={onClose}
      onKeyDown={onKeyDown}
      width={960}
      footer={
        <>
          <div className="quick-look-steps" role="group" aria-label="Other files">
            <StepButton testId="preview-prev" label="Previous file" keyName="ArrowLeft" keyLabel="Left arrow" onStep={onPrev}>
              <ChevronLeft size={18} aria-hidden />
            </StepButton>
            <StepButton testId="preview-next" label="Next file" keyName="ArrowRight" keyLabel="Right arrow" onStep={onNext}>
              <ChevronRight size={18} aria-hidden />
            </StepButton>
            {position && (
              <span className="quick-look-position" data-testid="preview-position">
                {position.index} of {position.count}
              </span>
            )}
          </div>
          <button
            ref={closeRef}
            type="button"
            className="button primary"
            data-testid="preview-close"
            data-autofocus
            aria-keyshortcuts="Space Escape"
            onClick={onClose}
          >
            Close
          </button>
        </>
      }
    >
      <div className={`preview-body quick-look-stage ${state.status === "ok" ? state.preview.kind : state.status}`}>{body}</div>
    </Modal>
  );
}

type StepProps = {
  testId: string;
  label: string;
  keyName: string;
  keyLabel: string;
  onStep: (() => void) | null;
  children: ReactNode;
};

/**
 * Previous or Next. At the end of the list it is aria-disabled rather than disabled: a disabled
 * button drops the focus out of the dialog, and with it Escape, Space and the arrow keys.
 */
function StepButton({ testId, label, keyName, keyLabel, onStep, children }: StepProps) {
  return (
    <button
      type="button"
      className="icon-button"
      data-testid={testId}
      title={`${label} (${keyLabel})`}
      aria-label={label}
      aria-keyshortcuts={keyName}
      aria-disabled={onStep === null}
      onClick={() => onStep?.()}
    >
      {children}
    </button>
  );
}
