import { Component, type ErrorInfo, type ReactNode } from "react";
import { internalError } from "../lib/ipc";
import { ErrorNotice } from "./ErrorNotice";

type State = { error: unknown };

/** Last line of defence: a bug in the UI shows a message and a way to carry on, never a blank window. */
export class AppErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("Pail UI error", error, info.componentStack);
  }

  render() {
    if (this.state.error === null) return this.props.children;
    const err = internalError(this.state.error);
    return (
      <main className="center-screen">
        <div className="center-card">
          <ErrorNotice
            error={{ ...err, message: "Something went wrong in this window. Reloading it usually helps." }}
            actions={[{ label: "Reload", onClick: () => window.location.reload() }]}
          />
        </div>
      </main>
    );
  }
}
