import { useRef, useState } from "react";
import { Copy } from "lucide-react";
import { commands, type ShareLink, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { Modal } from "../components/Modal";
import { copyText, copyTextLater } from "../lib/clipboard";
import { formatDateLong } from "../lib/format";
import { call } from "../lib/ipc";
import { DEFAULT_SHARE_EXPIRY, SHARE_EXPIRIES } from "./ops";

type Props = {
  connectionId: string;
  bucket: string;
  fileKey: string;
  onClose: () => void;
};

type State =
  | { status: "choosing" }
  | { status: "creating" }
  | { status: "error"; error: UiError }
  | { status: "done"; link: ShareLink; copied: boolean };

/**
 * "Copy link": pick how long the link works, then Pail signs it, puts it on the clipboard and shows
 * it with a Copy button (for when the clipboard is out of reach).
 */
export function ShareDialog({ connectionId, bucket, fileKey, onClose }: Props) {
  const [seconds, setSeconds] = useState<number>(DEFAULT_SHARE_EXPIRY);
  const [state, setState] = useState<State>({ status: "choosing" });
  const urlRef = useRef<HTMLInputElement>(null);
  const name = fileKey.slice(fileKey.lastIndexOf("/") + 1);

  async function create() {
    setState({ status: "creating" });
    const pending = call(commands.shareLink(connectionId, bucket, fileKey, seconds));
    // Started within the click, which is when WebKit allows writing the clipboard.
    const copying = copyTextLater(
      pending.then((r) => (r.status === "ok" ? r.data.url : Promise.reject(new Error("no link")))),
    );
    const result = await pending;
    if (result.status === "error") {
      setState({ status: "error", error: result.error });
      return;
    }
    const copied = await copying;
    setState({ status: "done", link: result.data, copied });
    // Selected, so Ctrl+C works even when the clipboard could not be written.
    requestAnimationFrame(() => urlRef.current?.select());
  }

  async function copyAgain(link: ShareLink) {
    const copied = await copyText(link.url);
    setState({ status: "done", link, copied });
    if (!copied) urlRef.current?.select();
  }

  const done = state.status === "done" ? state : null;

  return (
    <Modal
      title={`Share “${name}”`}
      testId="share-dialog"
      onClose={onClose}
      width={520}
      footer={
        done ? (
          <button type="button" className="button primary" data-testid="share-close" onClick={onClose}>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="button" data-testid="share-cancel" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="button primary"
              data-testid="share-create"
              disabled={state.status === "creating"}
              onClick={() => void create()}
              data-autofocus
            >
              {state.status === "creating" ? "Creating link…" : "Copy link"}
            </button>
          </>
        )
      }
    >
      <p>Anyone with the link can download this file until the link expires. They need no account or keys.</p>
      <fieldset className="choice-group">
        <legend className="field-label">The link works for</legend>
        {SHARE_EXPIRIES.map((option) => (
          <label key={option.seconds} className="checkbox-row">
            <input
              type="radio"
              name="share-expiry"
              data-testid="share-expiry"
              value={option.seconds}
              checked={seconds === option.seconds}
              onChange={() => {
                setSeconds(option.seconds);
                // A link already made keeps its own expiry: ask for a new one.
                if (state.status !== "creating") setState({ status: "choosing" });
              }}
            />
            {option.label}
          </label>
        ))}
      </fieldset>
      {state.status === "error" && <ErrorNotice error={state.error} compact onRetry={() => void create()} />}
      {done && (
        <div className="share-result">
          <div className="share-url-row">
            <input
              ref={urlRef}
              className="share-url"
              data-testid="share-url"
              aria-label="Share link"
              readOnly
              value={done.link.url}
              onFocus={(e) => e.currentTarget.select()}
            />
            <button
              type="button"
              className="button small"
              data-testid="share-copy"
              onClick={() => void copyAgain(done.link)}
            >
              <Copy size={12} aria-hidden /> Copy
            </button>
          </div>
          <p className="hint" data-testid="share-status" data-copied={done.copied}>
            {done.copied
              ? "Copied to the clipboard."
              : "Pail could not reach the clipboard: select the link above and copy it."}{" "}
            It works until {formatDateLong(done.link.expiresAt)}.
          </p>
        </div>
      )}
    </Modal>
  );
}
