import { useState } from "react";
import { ChevronDown, ChevronRight, Copy, TriangleAlert } from "lucide-react";
import type { UiError } from "../bindings";
import { copyText } from "../lib/clipboard";
import { isCredentialError } from "../lib/errors";

type Props = {
  error: UiError;
  /** Offer "Try again". */
  onRetry?: () => void;
  /** Offer "Edit connection" (only shown for credential errors). */
  onEditConnection?: () => void;
  /** Extra actions that help with this error (e.g. "Go back"). */
  actions?: { label: string; onClick: () => void; testId?: string }[];
  /** Smaller variant for the sidebar and dialogs. */
  compact?: boolean;
};

/** The one way Pail shows a backend error: a plain sentence, the technical detail one click away. */
export function ErrorNotice({ error, onRetry, onEditConnection, actions = [], compact = false }: Props) {
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const showEdit = onEditConnection !== undefined && isCredentialError(error.code);

  return (
    <div
      className={compact ? "error-notice compact" : "error-notice"}
      role="alert"
      data-testid="error-banner"
      data-code={error.code}
    >
      <div className="error-main">
        <TriangleAlert className="error-icon" size={compact ? 14 : 16} aria-hidden />
        <p className="error-message">{error.message}</p>
      </div>
      <div className="error-actions">
        {showEdit && (
          <button
            type="button"
            className="button small primary"
            data-testid="error-edit-connection"
            onClick={onEditConnection}
          >
            Edit connection
          </button>
        )}
        {onRetry && (
          <button type="button" className="button small" data-testid="error-retry" onClick={onRetry}>
            Try again
          </button>
        )}
        {actions.map((a) => (
          <button key={a.label} type="button" className="button small" data-testid={a.testId} onClick={a.onClick}>
            {a.label}
          </button>
        ))}
        {error.detail !== "" && (
          <button
            type="button"
            className="link-button"
            data-testid="error-detail-toggle"
            aria-expanded={open}
            onClick={() => setOpen((o) => !o)}
          >
            {open ? <ChevronDown size={12} aria-hidden /> : <ChevronRight size={12} aria-hidden />}
            Details
          </button>
        )}
      </div>
      {open && (
        <div className="error-detail">
          <pre data-testid="error-detail">{error.detail}</pre>
          <button
            type="button"
            className="icon-button"
            data-testid="error-detail-copy"
            title="Copy details"
            aria-label="Copy details"
            onClick={() => {
              void copyText(`${error.message}\n${error.code}: ${error.detail}`).then((ok) => {
                setCopied(ok);
                if (ok) setTimeout(() => setCopied(false), 2000);
              });
            }}
          >
            <Copy size={14} aria-hidden />
          </button>
          {copied && <span className="copied-note">Copied</span>}
        </div>
      )}
    </div>
  );
}
