import { useState } from "react";
import { FolderInput, Plus, Sparkles } from "lucide-react";
import { commands, type Connection, type UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { call } from "../lib/ipc";

type Props = {
  onDemoReady: (connection: Connection) => void;
  onAdd: () => void;
  onImport: () => void;
};

/** First run: nothing is set up yet. Three ways in, each explained in one sentence. */
export function Welcome({ onDemoReady, onAdd, onImport }: Props) {
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  async function startDemo() {
    setStarting(true);
    setError(null);
    const result = await call(commands.startDemo());
    setStarting(false);
    if (result.status === "ok") onDemoReady(result.data);
    else setError(result.error);
  }

  return (
    <main className="welcome" data-testid="welcome">
      <div className="welcome-card">
        <h1>Welcome to Pail</h1>
        <p className="welcome-lead">Your cloud storage buckets, as easy to use as the folders on your computer.</p>
        <ul className="welcome-choices">
          <li>
            <button
              type="button"
              className="welcome-choice primary"
              data-testid="welcome-demo"
              disabled={starting}
              onClick={() => void startDemo()}
            >
              <Sparkles size={20} aria-hidden />
              <span className="choice-title">{starting ? "Starting the demo store…" : "Try the demo store"}</span>
              <span className="choice-text">
                Look around with sample files kept on this computer — no account or keys needed.
              </span>
            </button>
          </li>
          <li>
            <button type="button" className="welcome-choice" data-testid="welcome-add-connection" onClick={onAdd}>
              <Plus size={20} aria-hidden />
              <span className="choice-title">Add a connection</span>
              <span className="choice-text">
                Connect to Amazon S3, Cloudflare R2, Backblaze B2, Wasabi, MinIO or any S3-compatible storage with your
                access keys.
              </span>
            </button>
          </li>
          <li>
            <button type="button" className="welcome-choice" data-testid="welcome-import" onClick={onImport}>
              <FolderInput size={20} aria-hidden />
              <span className="choice-title">Import from AWS config</span>
              <span className="choice-text">
                Already use the AWS command line? Pick profiles from ~/.aws and they’ll appear here.
              </span>
            </button>
          </li>
        </ul>
        {error && <ErrorNotice error={error} onRetry={() => void startDemo()} />}
      </div>
    </main>
  );
}
