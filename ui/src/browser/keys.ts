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
  | { type: "delete" };

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
    default:
      if (mod(e) && !e.shiftKey && e.key.toLowerCase() === "a") return { type: "selectAll" };
      return null;
  }
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
