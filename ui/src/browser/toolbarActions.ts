// The toolbar's file operations as data: the folder's actions, enabled or not by what is selected.
import type { Entry } from "../bindings";
import type { FolderMenuActions } from "./folderMenu";
import type { ToolbarActions } from "./Toolbar";

/** What only the toolbar offers (the context menu has no upload-a-folder or history items). */
type ToolbarOnly = Pick<ToolbarActions, "onUploadFolder" | "onRestoreFolder" | "onShowDeleted">;

/**
 * The same actions the context menu runs, applied to the selection: rename and copy link want exactly
 * one entry (a file, for a link), delete and download at least one; null disables the button.
 */
export function toolbarActions(a: FolderMenuActions, selected: Entry[], own: ToolbarOnly): ToolbarActions {
  const only = selected.length === 1 ? selected[0] : undefined;
  const paste = a.paste;
  return {
    onNewFolder: a.newFolder,
    onRename: only ? () => a.rename(only) : null,
    onDelete: selected.length > 0 ? () => a.delete(selected) : null,
    onCopyLink: only?.kind === "file" ? () => a.share(only) : null,
    onUploadFiles: a.upload,
    onUploadFolder: own.onUploadFolder,
    onDownload: selected.length > 0 ? () => a.download(selected) : null,
    onPaste: paste ? () => paste() : null,
    onRestoreFolder: own.onRestoreFolder,
    onShowDeleted: own.onShowDeleted,
  };
}
