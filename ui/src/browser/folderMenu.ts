// The right-click menu of a folder view, as data: which items a row or the background offers,
// with the keys that do the same outside the menu.
import type { Entry } from "../bindings";
import type { MenuItem } from "../components/ContextMenu";
import { shortcuts } from "./keys";

/** What the menu items do. `paste` is null when there is nothing to paste here. */
export type FolderMenuActions = {
  newFolder: () => void;
  upload: () => void;
  refresh: () => void;
  paste: ((into?: Entry) => void) | null;
  open: (entry: Entry) => void;
  properties: (entry: Entry) => void;
  rename: (entry: Entry) => void;
  share: (entry: Entry) => void;
  quickLook: (entry: Entry) => void;
  download: (entries: Entry[]) => void;
  clip: (entries: Entry[], cut: boolean) => void;
  copyPaths: (entries: Entry[]) => void;
  delete: (entries: Entry[]) => void;
};

/**
 * The menu for the folder's background (`entry` null) or for a row. `targets` is what the row's
 * actions apply to: the whole selection when the row is part of a larger one, else the row.
 */
export function folderMenu(entry: Entry | null, targets: Entry[], a: FolderMenuActions, keys = shortcuts()): MenuItem[] {
  if (entry === null) {
    const items: MenuItem[] = [
      { id: "new-folder", label: "New folder", testId: "ctx-new-folder", onSelect: a.newFolder, shortcut: keys.newFolder },
      { id: "upload", label: "Upload files…", testId: "ctx-upload", onSelect: a.upload },
      { id: "refresh", label: "Refresh", testId: "ctx-refresh", onSelect: a.refresh, shortcut: keys.refresh },
    ];
    const paste = a.paste;
    if (paste) items.push({ id: "paste", label: "Paste", testId: "ctx-paste", onSelect: () => paste(), shortcut: keys.paste });
    return items;
  }
  const many = targets.length > 1;
  const file = entry.kind === "file";
  const items: MenuItem[] = [];
  if (file) {
    // Enter on a file shows its properties.
    const onSelect = () => a.properties(entry);
    items.push({ id: "properties", label: "Properties", testId: "ctx-properties", onSelect, shortcut: keys.open });
  } else {
    items.push({ id: "open", label: "Open", testId: "ctx-open", onSelect: () => a.open(entry), shortcut: keys.open });
  }
  if (!many) {
    items.push({ id: "rename", label: "Rename", testId: "ctx-rename", onSelect: () => a.rename(entry), shortcut: keys.rename });
  }
  if (!many && file) {
    items.push({ id: "copy-link", label: "Copy link…", testId: "ctx-copy-link", onSelect: () => a.share(entry) });
    items.push({
      id: "preview",
      label: "Quick look",
      testId: "ctx-preview",
      onSelect: () => a.quickLook(entry),
      shortcut: keys.quickLook,
    });
  }
  items.push(
    {
      id: "download",
      label: many ? `Download ${targets.length} items…` : "Download…",
      testId: "ctx-download",
      onSelect: () => a.download(targets),
    },
    { id: "cut", label: "Cut", testId: "ctx-cut", onSelect: () => a.clip(targets, true), shortcut: keys.cut },
    { id: "copy-items", label: "Copy", testId: "ctx-copy", onSelect: () => a.clip(targets, false), shortcut: keys.copy },
  );
  const paste = a.paste;
  if (paste && !many && !file) {
    // No shortcut shown: Ctrl+V pastes into the folder being viewed, not into this one.
    items.push({ id: "paste-into", label: "Paste into folder", testId: "ctx-paste-into", onSelect: () => paste(entry) });
  }
  items.push(
    {
      id: "copy",
      label: many ? `Copy S3 paths (${targets.length})` : "Copy S3 path",
      testId: "ctx-copy-path",
      onSelect: () => a.copyPaths(targets),
    },
    {
      id: "delete",
      label: many ? `Delete ${targets.length} items…` : "Delete…",
      testId: "ctx-delete",
      danger: true,
      onSelect: () => a.delete(targets),
      shortcut: keys.delete,
    },
  );
  return items;
}

/** What a row's menu acts on: the whole selection when the row is part of a larger one, else the row. */
export function menuTargets(
  entry: Entry | undefined,
  selected: ReadonlySet<string>,
  selectedEntries: Entry[],
): Entry[] {
  const many = entry !== undefined && selected.has(entry.key) && selectedEntries.length > 1;
  return many ? selectedEntries : entry ? [entry] : [];
}
