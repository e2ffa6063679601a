import { describe, expect, it, vi } from "vitest";
import { file, folder, folderActions } from "../test/fixtures";
import { toolbarActions } from "./toolbarActions";

const own = () => ({ onUploadFolder: vi.fn(), onRestoreFolder: vi.fn(), onShowDeleted: vi.fn() });

describe("toolbarActions", () => {
  it("enables rename, copy link, delete and download for one selected file, on that file", () => {
    const a = folderActions();
    const f = file("a.txt");
    const t = toolbarActions(a, [f], own());
    t.onRename?.();
    t.onCopyLink?.();
    t.onDelete?.();
    t.onDownload?.();
    expect(a.rename).toHaveBeenCalledWith(f);
    expect(a.share).toHaveBeenCalledWith(f);
    expect(a.delete).toHaveBeenCalledWith([f]);
    expect(a.download).toHaveBeenCalledWith([f]);
  });

  it("offers no link for a folder, no rename for several, and nothing on entries with none selected", () => {
    expect(toolbarActions(folderActions(), [folder("d/")], own()).onCopyLink).toBeNull();
    const many = toolbarActions(folderActions(), [file("a.txt"), file("b.txt")], own());
    expect(many.onRename).toBeNull();
    expect(many.onCopyLink).toBeNull();
    expect(many.onDelete).not.toBeNull();
    const none = toolbarActions(folderActions(), [], own());
    expect([none.onRename, none.onDelete, none.onCopyLink, none.onDownload]).toEqual([null, null, null, null]);
  });

  it("pastes into this folder, and only when there is something to paste", () => {
    const a = folderActions();
    toolbarActions(a, [], own()).onPaste?.();
    expect(a.paste).toHaveBeenCalledWith();
    expect(toolbarActions(folderActions({ paste: null }), [], own()).onPaste).toBeNull();
  });

  it("keeps the actions only the toolbar has", () => {
    const a = folderActions();
    const o = own();
    const t = toolbarActions(a, [], o);
    expect(t.onNewFolder).toBe(a.newFolder);
    expect(t.onUploadFiles).toBe(a.upload);
    expect(t.onUploadFolder).toBe(o.onUploadFolder);
    expect(t.onRestoreFolder).toBe(o.onRestoreFolder);
    expect(t.onShowDeleted).toBe(o.onShowDeleted);
  });
});
