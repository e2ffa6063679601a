import { useState } from "react";
import type { ClashPolicy } from "../bindings";
import { Modal } from "../components/Modal";
import { clashArgs, type ClashAnswer } from "./model";

type Props = {
  /** Destination keys that exist already. */
  existing: string[];
  /** Files the upload sends in all. */
  files: number;
  onAnswer: (answer: ClashAnswer) => void;
  onCancel: () => void;
};

const CHOICES: { value: ClashPolicy; label: string; hint: string }[] = [
  { value: "replace", label: "Replace", hint: "overwrite the files in the bucket" },
  { value: "skip", label: "Skip", hint: "leave them, upload only the others" },
  { value: "keepBoth", label: "Keep both", hint: "upload as “name (2).ext”" },
];

/** Shown at most this many per-file choices (more would be a wall; the choice for all covers them). */
const PER_FILE_LIMIT = 200;

/** "Some names already exist": one choice for all, or one per file. */
export function ClashDialog({ existing, files, onAnswer, onCancel }: Props) {
  const [policy, setPolicy] = useState<ClashPolicy>("keepBoth");
  const [perFile, setPerFile] = useState(false);
  const [choices, setChoices] = useState<Record<string, ClashPolicy>>({});
  const name = (key: string) => key.slice(key.lastIndexOf("/") + 1);
  const title =
    existing.length === 1 ? `“${name(existing[0] ?? "")}” already exists` : `${existing.length} of ${files} files already exist`;

  return (
    <Modal
      title={title}
      testId="clash-dialog"
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button" data-testid="clash-cancel" onClick={onCancel}>
            Cancel upload
          </button>
          <button
            type="button"
            className="button primary"
            data-testid="clash-continue"
            onClick={() => onAnswer(clashArgs(policy, perFile ? choices : {}))}
          >
            Upload
          </button>
        </>
      }
    >
      <fieldset className="clash-choices">
        <legend>{perFile ? "For the files not chosen below:" : "For all of them:"}</legend>
        {CHOICES.map((c) => (
          <label key={c.value} className="radio-line">
            <input
              type="radio"
              name="clash-policy"
              value={c.value}
              data-testid={`clash-${c.value}`}
              checked={policy === c.value}
              onChange={() => setPolicy(c.value)}
            />
            <span>
              <strong>{c.label}</strong> — {c.hint}
            </span>
          </label>
        ))}
      </fieldset>
      {existing.length > 1 && (
        <label className="check-line">
          <input
            type="checkbox"
            data-testid="clash-per-file"
            checked={perFile}
            onChange={(e) => setPerFile(e.target.checked)}
          />
          Decide for each file
        </label>
      )}
      {(perFile || existing.length === 1) && existing.length > 1 && (
        <ul className="clash-list" data-testid="clash-list">
          {existing.slice(0, PER_FILE_LIMIT).map((key) => (
            <li key={key}>
              <span className="clash-name" title={key}>
                {key}
              </span>
              <select
                aria-label={`What to do with ${key}`}
                value={choices[key] ?? policy}
                onChange={(e) => setChoices((c) => ({ ...c, [key]: e.target.value as ClashPolicy }))}
              >
                {CHOICES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}
