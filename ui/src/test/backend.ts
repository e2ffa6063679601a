// A stand-in backend for component tests, on top of mockIPC from @tauri-apps/api/mocks.
// Handlers get the invoke arguments; throwing a UiError object makes the command return
// {status:"error"} exactly like the Rust side does. Every call it answers is recorded.
// Handler keys are typed from ../bindings.ts (see commandNames.ts): a command renamed or removed on
// the Rust side makes a test still answering to its old name fail `tsc --noEmit`.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Channel } from "@tauri-apps/api/core";
import type { DraftProblems, ListPage, UiError } from "../bindings";
import { backendCommands, type BackendCommand } from "./commandNames";

export type { BackendCommand, CommandName, PluginCommand } from "./commandNames";

/** A call the backend answered (only commands it has a handler for are recorded). */
export type Call = { cmd: BackendCommand; args: Record<string, unknown> };
export type Handler = (args: Record<string, unknown>) => unknown;

/**
 * Handlers keyed by command name (snake_case, as on the wire). Use this type for handler maps built
 * outside the installBackend call (shared fixtures, `extra` parameters), never `Record<string, …>`.
 */
export type Handlers = Partial<Record<BackendCommand, Handler>>;

/**
 * Rejects keys that are not commands also where the map is not a fresh object literal (a variable, a
 * typed fixture), which the excess-property check lets through: such keys must be `never`.
 * TypeScript drops the keys of a spread `Record<string, …>` from the literal's type altogether, so
 * installBackend also checks the keys at run time.
 */
type OnlyCommands<H> = { [K in Exclude<keyof H, BackendCommand>]: never };

/** The engine's answer for a draft with nothing wrong in it. */
export const noDraftProblems: DraftProblems = {
  name: null,
  endpoint: null,
  region: null,
  accessKeyId: null,
  secretAccessKey: null,
  credentialSource: null,
  pinnedBuckets: null,
};

/**
 * Answers the connection form's check_connection_draft with "no problems" unless a test hands in
 * its own answer: the rules themselves are tested in the engine (crates/engine/src/connections.rs).
 */
const defaults: Handlers = {
  check_connection_draft: () => noDraftProblems,
};

export function installBackend<H extends Handlers>(handlers: H & OnlyCommands<H>): Call[] {
  const table: Handlers = handlers;
  const unknown = Object.keys(table).filter((k) => !backendCommands.has(k));
  if (unknown.length > 0) throw new Error(`test backend: not commands in bindings.ts: ${unknown.join(", ")}`);
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    const name = cmd as BackendCommand;
    const h = table[name] ?? defaults[name];
    if (!h) throw new Error(`test backend has no handler for ${cmd}`);
    calls.push({ cmd: name, args });
    return h(args);
  });
  return calls;
}

/** Make a command fail the way a Rust Result::Err does. */
export function fail(error: UiError): never {
  throw error;
}

/**
 * A list_folder handler under the test's control: each call is kept so the test can send pages
 * (mockIPC passes the Channel object itself, so its onmessage is called directly) and finish it.
 */
export type PendingListing = {
  args: { connectionId: string; bucket: string; prefix: string; listingId: number };
  send: (page: Omit<ListPage, "listingId"> & { listingId?: number }) => void;
  finish: (result?: { pages?: number; error?: UiError }) => void;
};

export function controlledListing(): { handler: Handler; listings: PendingListing[] } {
  const listings: PendingListing[] = [];
  const handler: Handler = (args) =>
    new Promise((resolve, reject) => {
      const channel = args.onPage as Channel<ListPage>;
      const listingId = args.listingId as number;
      let count = 0;
      listings.push({
        args: args as PendingListing["args"],
        send: (page) => {
          count += page.entries.length;
          channel.onmessage({ listingId, ...page });
        },
        finish: (result = {}) => {
          if (result.error) reject(result.error);
          else resolve({ listingId, entries: count, pages: result.pages ?? 1 });
        },
      });
    });
  return { handler, listings };
}

/** A list_folder handler that answers at once from a map of prefix → entries, in one page. */
export function staticListing(tree: Record<string, ListPage["entries"]>): Handler {
  return (args) => {
    const channel = args.onPage as Channel<ListPage>;
    const listingId = args.listingId as number;
    const entries = tree[args.prefix as string] ?? [];
    channel.onmessage({ listingId, entries, done: true });
    return { listingId, entries: entries.length, pages: 1 };
  };
}
