import { describe, expect, it } from "vitest";
import { globalCommand, isTypingTarget, listCommand, modShortcut, shortcuts, type KeyLike } from "./keys";

const k = (key: string, mods: Partial<Omit<KeyLike, "key">> = {}): KeyLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe("globalCommand", () => {
  it("maps navigation keys", () => {
    expect(globalCommand(k("F5"), false)).toBe("refresh");
    expect(globalCommand(k("r", { ctrlKey: true }), false)).toBe("refresh");
    expect(globalCommand(k("f", { ctrlKey: true }), false)).toBe("focusFilter");
    expect(globalCommand(k("f", { metaKey: true }), true)).toBe("focusFilter");
    expect(globalCommand(k("Backspace"), false)).toBe("up");
    expect(globalCommand(k("ArrowUp", { altKey: true }), false)).toBe("up");
    expect(globalCommand(k("ArrowLeft", { altKey: true }), false)).toBe("back");
    expect(globalCommand(k("ArrowRight", { altKey: true }), false)).toBe("forward");
    expect(globalCommand(k("[", { metaKey: true }), false)).toBe("back");
    expect(globalCommand(k("]", { metaKey: true }), false)).toBe("forward");
  });

  it("makes a new folder with Ctrl+Shift+N, even from the filter box", () => {
    expect(globalCommand(k("N", { ctrlKey: true, shiftKey: true }), false)).toBe("newFolder");
    expect(globalCommand(k("n", { metaKey: true, shiftKey: true }), true)).toBe("newFolder");
    expect(globalCommand(k("n", { ctrlKey: true }), false)).toBeNull();
  });

  it("leaves text editing keys alone while typing", () => {
    expect(globalCommand(k("Backspace"), true)).toBeNull();
    expect(globalCommand(k("ArrowLeft", { altKey: true }), true)).toBeNull();
    expect(globalCommand(k("F5"), true)).toBe("refresh");
  });

  it("ignores other keys", () => {
    expect(globalCommand(k("a"), false)).toBeNull();
    expect(globalCommand(k("Backspace", { ctrlKey: true }), false)).toBeNull();
  });
});

describe("listCommand", () => {
  it("moves and extends", () => {
    expect(listCommand(k("ArrowDown"))).toEqual({ type: "move", delta: 1, extend: false });
    expect(listCommand(k("ArrowUp", { shiftKey: true }))).toEqual({ type: "move", delta: -1, extend: true });
    expect(listCommand(k("Home"))).toEqual({ type: "home", extend: false });
    expect(listCommand(k("End", { shiftKey: true }))).toEqual({ type: "end", extend: true });
    expect(listCommand(k("PageDown"))).toEqual({ type: "page", direction: 1, extend: false });
  });

  it("opens, selects all, clears and shows the menu", () => {
    expect(listCommand(k("Enter"))).toEqual({ type: "open" });
    expect(listCommand(k("ArrowDown", { metaKey: true }))).toEqual({ type: "open" });
    expect(listCommand(k("a", { ctrlKey: true }))).toEqual({ type: "selectAll" });
    expect(listCommand(k("A", { metaKey: true }))).toEqual({ type: "selectAll" });
    expect(listCommand(k("Escape"))).toEqual({ type: "clear" });
    expect(listCommand(k("ContextMenu"))).toEqual({ type: "menu" });
    expect(listCommand(k("F10", { shiftKey: true }))).toEqual({ type: "menu" });
  });

  it("renames with F2 and deletes with Delete (Cmd+Backspace on a Mac)", () => {
    expect(listCommand(k("F2"))).toEqual({ type: "rename" });
    expect(listCommand(k("F2", { ctrlKey: true }))).toBeNull();
    expect(listCommand(k("Delete"))).toEqual({ type: "delete" });
    expect(listCommand(k("Delete", { shiftKey: true }))).toEqual({ type: "delete" });
    expect(listCommand(k("Backspace", { metaKey: true }))).toEqual({ type: "delete" });
    expect(listCommand(k("Backspace"))).toBeNull();
    expect(listCommand(k("Backspace", { ctrlKey: true }))).toBeNull();
  });

  it("opens Quick look with a plain Space", () => {
    expect(listCommand(k(" "))).toEqual({ type: "quickLook" });
    expect(listCommand(k(" ", { shiftKey: true }))).toBeNull();
    expect(listCommand(k(" ", { ctrlKey: true }))).toBeNull();
    expect(listCommand(k(" ", { altKey: true }))).toBeNull();
  });

  it("cuts, copies and pastes with Ctrl (or Cmd) and X, C, V", () => {
    expect(listCommand(k("x", { ctrlKey: true }))).toEqual({ type: "cut" });
    expect(listCommand(k("c", { ctrlKey: true }))).toEqual({ type: "copy" });
    expect(listCommand(k("v", { ctrlKey: true }))).toEqual({ type: "paste" });
    expect(listCommand(k("X", { metaKey: true }))).toEqual({ type: "cut" });
    expect(listCommand(k("C", { metaKey: true }))).toEqual({ type: "copy" });
    expect(listCommand(k("V", { metaKey: true }))).toEqual({ type: "paste" });
    // Other combinations and the bare letters are not shortcuts.
    expect(listCommand(k("c"))).toBeNull();
    expect(listCommand(k("v", { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(listCommand(k("c", { ctrlKey: true, altKey: true }))).toBeNull();
    expect(listCommand(k("z", { ctrlKey: true }))).toBeNull();
  });

  it("leaves Alt combinations to the global shortcuts", () => {
    expect(listCommand(k("ArrowUp", { altKey: true }))).toBeNull();
    expect(listCommand(k("x"))).toBeNull();
  });
});

describe("isTypingTarget", () => {
  it("knows text fields", () => {
    const text = document.createElement("input");
    const box = document.createElement("input");
    box.type = "checkbox";
    expect(isTypingTarget(text)).toBe(true);
    expect(isTypingTarget(box)).toBe(false);
    expect(isTypingTarget(document.createElement("textarea"))).toBe(true);
    expect(isTypingTarget(document.createElement("div"))).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe("shortcut labels", () => {
  it("spell Ctrl elsewhere and ⌘ on a Mac, for eyes and for assistive technology", () => {
    expect(modShortcut("X", { mac: false })).toEqual({ label: "Ctrl+X", aria: "Control+X" });
    expect(modShortcut("X", { mac: true })).toEqual({ label: "⌘X", aria: "Meta+X" });
    expect(modShortcut("N", { mac: false, shift: true })).toEqual({ label: "Ctrl+Shift+N", aria: "Control+Shift+N" });
    expect(modShortcut("N", { mac: true, shift: true })).toEqual({ label: "⇧⌘N", aria: "Meta+Shift+N" });
  });

  it("name the keys the list acts on", () => {
    const pc = shortcuts(false);
    expect([pc.cut.label, pc.copy.label, pc.paste.label, pc.quickLook.label]).toEqual(["Ctrl+X", "Ctrl+C", "Ctrl+V", "Space"]);
    expect(pc.delete).toEqual({ label: "Del", aria: "Delete" });
    const mac = shortcuts(true);
    expect([mac.cut.label, mac.copy.label, mac.paste.label]).toEqual(["⌘X", "⌘C", "⌘V"]);
    // A Mac's Delete key is Backspace, and the list takes Cmd+Backspace.
    expect(mac.delete).toEqual({ label: "⌘⌫", aria: "Meta+Backspace" });
    expect(listCommand(k("Backspace", { metaKey: true }))).toEqual({ type: "delete" });
  });
});
