// Keyboard shortcuts of the browser as data: which key does what. The components act on the answer.

export type KeyLike = {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
};

/** Shortcuts that work anywhere in the browser (not inside dialogs). */
export type GlobalCommand = "back" | "forward" | "up" | "refresh" | "focusFilter" | "newFolder";

/** Shortcuts of the file list when it has the keyboard focus. */
export type ListCommand =
  | { type: "move"; delta: number; extend: boolean }
  | { type: "page"; direction: 1 | -1; extend: boolean }
  | { type: "home"; extend: boolean }
  | { type: "end"; extend: boolean }
  | { type: "open" }
  | { type: "selectAll" }
  | { type: "clear" }
  | { type: "menu" }
  | { type: "rename" }
  | { type: "delete" }
  | { type: "quickLook" }
  | { type: "cut" }
  | { type: "copy" }
  | { type: "paste" };

const mod = (e: KeyLike) => e.ctrlKey || e.metaKey;

/**
 * `typing` is true when the key goes to a text field: then Backspace and Alt+arrows keep their
 * text-editing meaning.
 */
export function globalCommand(e: KeyLike, typing: boolean): GlobalCommand | null {
  if (e.key === "F5" || (mod(e) && !e.shiftKey && e.key.toLowerCase() === "r")) return "refresh";
  if (mod(e) && !e.altKey && e.key.toLowerCase() === "f") return "focusFilter";
  if (mod(e) && e.shiftKey && !e.altKey && e.key.toLowerCase() === "n") return "newFolder";
  if (e.altKey && !mod(e) && e.key === "ArrowUp") return "up";
  if (e.metaKey && !e.ctrlKey && e.key === "ArrowUp") return "up";
  if (typing) return null;
  if (e.key === "Backspace" && !mod(e) && !e.altKey) return "up";
  if (e.altKey && !mod(e) && e.key === "ArrowLeft") return "back";
  if (e.altKey && !mod(e) && e.key === "ArrowRight") return "forward";
  if (e.metaKey && e.key === "[") return "back";
  if (e.metaKey && e.key === "]") return "forward";
  return null;
}

export function listCommand(e: KeyLike): ListCommand | null {
  if (e.altKey) return null;
  const extend = e.shiftKey;
  switch (e.key) {
    case "ArrowDown":
      return e.metaKey ? { type: "open" } : { type: "move", delta: 1, extend };
    case "ArrowUp":
      return e.metaKey ? null : { type: "move", delta: -1, extend };
    case "PageDown":
      return { type: "page", direction: 1, extend };
    case "PageUp":
      return { type: "page", direction: -1, extend };
    case "Home":
      return { type: "home", extend };
    case "End":
      return { type: "end", extend };
    case "Enter":
      return mod(e) || e.shiftKey ? null : { type: "open" };
    case "Escape":
      return { type: "clear" };
    case "ContextMenu":
      return { type: "menu" };
    case "F10":
      return e.shiftKey ? { type: "menu" } : null;
    case "F2":
      return mod(e) || e.shiftKey ? null : { type: "rename" };
    case "Delete":
      return mod(e) ? null : { type: "delete" };
    case "Backspace":
      // Finder's "Move to Trash"; plain Backspace goes up a folder.
      return e.metaKey && !e.ctrlKey ? { type: "delete" } : null;
    case " ":
      // Quick look, as Space does in Finder and GNOME Files.
      return mod(e) || e.shiftKey ? null : { type: "quickLook" };
    default:
      if (!mod(e) || e.shiftKey) return null;
      return MOD_LETTERS[e.key.toLowerCase()] ?? null;
  }
}

const MOD_LETTERS: Record<string, ListCommand> = {
  a: { type: "selectAll" },
  x: { type: "cut" },
  c: { type: "copy" },
  v: { type: "paste" },
};

/** How a shortcut is shown beside a menu item or in a tooltip, and told to assistive technology. */
export type Shortcut = { label: string; aria: string };

/** True on macOS, where Cmd stands in for Ctrl. */
export const isMac = typeof navigator !== "undefined" && /Mac/.test(navigator.platform);

/** Ctrl+`key` (⌘`key` on a Mac), with Shift when asked: "Ctrl+Shift+N", "⇧⌘N". */
export function modShortcut(key: string, opts: { shift?: boolean; mac?: boolean } = {}): Shortcut {
  const shift = opts.shift ?? false;
  if (opts.mac ?? isMac) return { label: `${shift ? "⇧" : ""}⌘${key}`, aria: `Meta+${shift ? "Shift+" : ""}${key}` };
  return { label: `Ctrl+${shift ? "Shift+" : ""}${key}`, aria: `Control+${shift ? "Shift+" : ""}${key}` };
}

/** The shortcuts the menus and tooltips show, for this platform. */
export function shortcuts(mac = isMac) {
  return {
    cut: modShortcut("X", { mac }),
    copy: modShortcut("C", { mac }),
    paste: modShortcut("V", { mac }),
    newFolder: modShortcut("N", { mac, shift: true }),
    filter: modShortcut("F", { mac }),
    quickLook: { label: "Space", aria: "Space" },
    open: { label: "Enter", aria: "Enter" },
    rename: { label: "F2", aria: "F2" },
    refresh: { label: "F5", aria: "F5" },
    delete: mac ? { label: "⌘⌫", aria: "Meta+Backspace" } : { label: "Del", aria: "Delete" },
  } satisfies Record<string, Shortcut>;
}

/** True when keys typed at this element edit text. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(target.type);
  }
  return false;
}
