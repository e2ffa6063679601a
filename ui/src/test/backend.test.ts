// installBackend only takes handlers for commands that exist in the generated bindings.
import { describe, expect, it } from "vitest";
import { commands } from "../bindings";
import { installBackend, type Handler, type Handlers } from "./backend";

describe("the test backend", () => {
  it("answers and records the commands it has handlers for", async () => {
    const calls = installBackend({ list_presets: () => [], "plugin:event|unlisten": () => null });
    expect(await commands.listPresets()).toEqual([]);
    expect(calls).toEqual([{ cmd: "list_presets", args: {} }]);
  });

  it("rejects a handler for a command that is not in bindings.ts, in the type check and at run time", () => {
    // @ts-expect-error -- a misspelt (or renamed, or removed) command is not a key installBackend takes
    expect(() => installBackend({ list_foldr: () => null })).toThrow("not commands in bindings.ts: list_foldr");

    // @ts-expect-error -- the camelCase method name is not the name on the wire
    expect(() => installBackend({ listFolder: () => null })).toThrow("listFolder");

    // @ts-expect-error -- only the plugin commands listed in PluginCommand are allowed
    expect(() => installBackend({ "plugin:window|close": () => null })).toThrow("plugin:window|close");

    const built = { list_folder: () => null, list_foldr: () => null };
    // @ts-expect-error -- a map built outside the call is checked too, not only object literals
    expect(() => installBackend(built)).toThrow("list_foldr");

    const wide: Record<string, Handler> = { list_foldr: () => null };
    // @ts-expect-error -- a map typed Record<string, …> could hold anything: type it Handlers
    expect(() => installBackend(wide)).toThrow("list_foldr");
  });

  it("catches at run time what a spread of a Record<string, …> hides from the type check", () => {
    const wide: Record<string, Handler> = { list_foldr: () => null };
    expect(() => installBackend({ ...wide, list_folder: () => null })).toThrow("list_foldr");
    const typed: Handlers = { list_folder: () => null };
    expect(() => installBackend({ ...typed, cancel_listing: () => null })).not.toThrow();
  });
});
