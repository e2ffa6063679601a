// A stand-in backend for component tests, on top of mockIPC from @tauri-apps/api/mocks.
// Handlers get the invoke arguments; throwing a UiError object makes the command return
// {status:"error"} exactly like the Rust side does. Every call is recorded.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Channel } from "@tauri-apps/api/core";
import type { DraftProblems, ListPage, UiError } from "../bindings";

export type Call = { cmd: string; args: Record<string, unknown> };
type Handler = (args: Record<string, unknown>) => unknown;

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
const defaults: Record<string, Handler> = {
  check_connection_draft: () => noDraftProblems,
};

export function installBackend(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const h = handlers[cmd] ?? defaults[cmd];
    if (!h) throw new Error(`test backend has no handler for ${cmd}`);
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
