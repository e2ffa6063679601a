// The type-level rule that turns the bindings' camelCase methods into the snake_case names on the
// wire (Snake, CommandName) must agree with the invoke strings tauri-specta wrote into bindings.ts.
import { describe, expect, expectTypeOf, it } from "vitest";
import { commands } from "../bindings";
import source from "../bindings.ts?raw";
import { backendCommands, pluginCommands, snake, type CommandName, type PluginCommand, type Snake } from "./commandNames";

/** bindings.ts without its comments (JSDoc lines may hold anything). */
const stripComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
const code = stripComments(source);

/** `__TAURI_INVOKE("name"` or `__TAURI_INVOKE<T>("name"` (T may nest `<…>` two deep). */
const INVOKE = /__TAURI_INVOKE\s*(?:<(?:[^<>]|<(?:[^<>]|<[^<>]*>)*>)*>)?\s*\(\s*"([^"]+)"/g;
const invokedNames = (text: string) => [...text.matchAll(INVOKE)].map((m) => m[1]!);

/** The body of `export const commands = { … };`. */
function commandsBlock(text = code): string {
  const start = text.indexOf("export const commands = {");
  expect(start, "bindings.ts has `export const commands = {`").toBeGreaterThanOrEqual(0);
  const end = text.indexOf("\n};", start);
  expect(end).toBeGreaterThan(start);
  return text.slice(start, end);
}

/** Each method of `commands` (a key at one tab of indent) with the text up to the next one. */
function methods(text = code): { key: string; body: string }[] {
  const block = commandsBlock(text);
  const keys = [...block.matchAll(/^\t(\w+)\s*:/gm)];
  return keys.map((m, i) => ({ key: m[1]!, body: block.slice(m.index, keys[i + 1]?.index ?? block.length) }));
}

describe("command names from the bindings", () => {
  it("reads every method of commands out of bindings.ts", () => {
    expect(methods().map((m) => m.key)).toEqual(Object.keys(commands));
    expect(methods().length).toBeGreaterThan(0);
  });

  it("parses every __TAURI_INVOKE call in bindings.ts, all of them inside commands", () => {
    const calls = code.match(/__TAURI_INVOKE\s*[<(]/g) ?? [];
    expect(invokedNames(code)).toHaveLength(calls.length);
    expect(invokedNames(commandsBlock())).toEqual(invokedNames(code));
  });

  it("snake-cases each camelCase method to exactly the command it invokes", () => {
    for (const { key, body } of methods()) {
      expect(invokedNames(body), `${key} invokes one command`).toHaveLength(1);
      expect(snake(key), `${key}`).toBe(invokedNames(body)[0]);
    }
  });

  it("would notice a method whose name does not snake-case to its command", () => {
    const drifted = stripComments(source.replace('__TAURI_INVOKE("list_folder"', '__TAURI_INVOKE("list_folder_v2"'));
    const mismatched = methods(drifted).filter(({ key, body }) => snake(key) !== invokedNames(body)[0]);
    expect(mismatched.map((m) => m.key)).toEqual(["listFolder"]);
  });

  it("gives the test backend exactly the invoked commands and the listed plugin commands", () => {
    const invoked = invokedNames(code);
    expect(new Set(invoked).size, "no two methods invoke one command").toBe(invoked.length);
    for (const p of pluginCommands) expect(invoked).not.toContain(p);
    expect([...backendCommands].sort()).toEqual([...invoked, ...pluginCommands].sort());
  });

  it("derives the same names at the type level", () => {
    expectTypeOf<Snake<"listFolder">>().toEqualTypeOf<"list_folder">();
    expectTypeOf<Snake<"checkConnectionDraft">>().toEqualTypeOf<"check_connection_draft">();
    expectTypeOf<Snake<"listV2">>().toEqualTypeOf<"list_v2">();
    expectTypeOf<Snake<"">>().toEqualTypeOf<"">();
    expectTypeOf(snake("setPairChangeMarker")).toEqualTypeOf<"set_pair_change_marker">();
    expectTypeOf<"list_folder">().toExtend<CommandName>();
    expectTypeOf<"listFolder">().not.toExtend<CommandName>();
    expectTypeOf<PluginCommand>().not.toExtend<CommandName>();
    expectTypeOf(snake(Object.keys(commands)[0] as keyof typeof commands)).toEqualTypeOf<CommandName>();
  });
});
