// The names the test backend may answer to, derived from the generated bindings so that a command
// renamed or removed on the Rust side (which regenerates ../bindings.ts) makes every test that
// still answers to the old name fail `tsc --noEmit`.
import { commands } from "../bindings";

/**
 * camelCase → snake_case, one character at a time: an upper-case letter becomes `_` and its lower
 * case; anything else stays. This undoes tauri-specta's snake_case → camelCase of the Rust function
 * names; commandNames.test.ts checks it against every `__TAURI_INVOKE("…")` in ../bindings.ts.
 */
export type Snake<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${Snake<Rest>}`
  : S;

/** The same rule as `Snake`, for the check against the invoke strings. */
export function snake<S extends string>(s: S): Snake<S> {
  let out = "";
  for (const c of s) out += c === c.toLowerCase() ? c : `_${c.toLowerCase()}`;
  return out as Snake<S>;
}

/** Every Tauri command of the app, as invoked on the wire (snake_case). */
export type CommandName = Snake<keyof typeof commands & string>;

/**
 * Commands of Tauri itself (not in `commands`) that tests answer to. Listed one by one on purpose:
 * add a name here only when a test needs it.
 *  - `plugin:event|listen` / `plugin:event|unlisten`: what @tauri-apps/api/event invokes for the
 *    webview's own events (the drag hover in transfers/useUploads.tsx); backend data comes through
 *    channels, so only a test of such webview events answers them (test/backend.test.ts shows one).
 */
export const pluginCommands = ["plugin:event|listen", "plugin:event|unlisten"] as const;
export type PluginCommand = (typeof pluginCommands)[number];

/** Everything the test backend may be given a handler for. */
export type BackendCommand = CommandName | PluginCommand;

/** The same set at run time, for the keys the type check cannot see (a spread of a wider map). */
export const backendCommands: ReadonlySet<string> = new Set<string>([
  ...(Object.keys(commands) as (keyof typeof commands & string)[]).map(snake),
  ...pluginCommands,
]);
