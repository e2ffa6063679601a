import { X } from "lucide-react";

type Props = {
  text: string;
  onDismiss: () => void;
};

/** A one-line tip at the bottom of the window, until the user closes it. */
export function Hint({ text, onDismiss }: Props) {
  return (
    <div className="hint-banner" role="status" data-testid="hint">
      <span>{text}</span>
      <button type="button" className="icon-button" aria-label="Close this tip" title="Close" onClick={onDismiss}>
        <X size={14} aria-hidden />
      </button>
    </div>
  );
}
