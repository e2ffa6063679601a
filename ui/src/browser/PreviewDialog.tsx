import { useEffect, useState } from "react";
import { commands, type Preview, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { Spinner } from "../components/Spinner";
import { call } from "../lib/ipc";

type Props = { connectionId: string; bucket: string; fileKey: string; onClose: () => void };

type State = { status: "loading" } | { status: "error"; error: UiError } | { status: "ok"; preview: Preview };

/** Quick look: an image (sent as a data URL, so the CSP stays closed) or the start of a text file. */
export function PreviewDialog({ connectionId, bucket, fileKey, onClose }: Props) {
  const [state, setState] = useState<State>({ status: "loading" });
  const name = fileKey.slice(fileKey.lastIndexOf("/") + 1);

  useEffect(() => {
    let live = true;
    void call(commands.previewObject(connectionId, bucket, fileKey)).then((r) => {
      if (!live) return;
      setState(r.status === "ok" ? { status: "ok", preview: r.data } : { status: "error", error: r.error });
    });
    return () => {
      live = false;
    };
  }, [connectionId, bucket, fileKey]);

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
      onClose={onClose}
      width={720}
      footer={
        <button type="button" className="button primary" data-testid="preview-close" onClick={onClose}>
          Close
        </button>
      }
    >
      <div className="preview-body">{body}</div>
    </Modal>
  );
}
