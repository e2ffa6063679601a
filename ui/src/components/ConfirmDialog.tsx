import { useState, type ReactNode } from "react";
import type { UiError } from "../bindings";
import { ErrorNotice } from "./ErrorNotice";
import { Modal } from "./Modal";

type Props = {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  confirmTestId: string;
  danger?: boolean;
  /** Keeps the confirm button disabled (e.g. until the dialog knows what it asks about). */
  confirmDisabled?: boolean;
  /** The confirm button's label while onConfirm runs. */
  busyLabel?: string;
  /** Resolves to an error to show, or null when done (the caller closes the dialog). */
  onConfirm: () => Promise<UiError | null>;
  onCancel: () => void;
};

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  confirmTestId,
  danger,
  confirmDisabled = false,
  busyLabel,
  onConfirm,
  onCancel,
}: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    const err = await onConfirm();
    setBusy(false);
    setError(err);
  }

  return (
    <Modal
      title={title}
      testId="confirm-dialog"
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button" data-testid="confirm-cancel" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className={danger ? "button danger" : "button primary"}
            data-testid={confirmTestId}
            disabled={busy || confirmDisabled}
            aria-busy={busy}
            onClick={() => void confirm()}
          >
            {busy && busyLabel ? busyLabel : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {error && <ErrorNotice error={error} compact />}
    </Modal>
  );
}
