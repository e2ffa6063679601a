import { describe, expect, it } from "vitest";
import { file, folder, folderActions } from "../test/fixtures";
import { folderMenu, menuTargets } from "./folderMenu";
import { shortcuts } from "./keys";

/** testId → shortcut label ("" for none). */
const keysOf = (items: ReturnType<typeof folderMenu>) => Object.fromEntries(items.map((i) => [i.testId, i.shortcut?.label ?? ""]));

describe("folderMenu", () => {
  it("shows a file's items with their keys", () => {
    const a = file("notes.txt");
    expect(keysOf(folderMenu(a, [a], folderActions(), shortcuts(false)))).toEqual({
      "ctx-properties": "Enter",
      "ctx-rename": "F2",
      "ctx-copy-link": "",
      "ctx-preview": "Space",
      "ctx-download": "",
      "ctx-cut": "Ctrl+X",
      "ctx-copy": "Ctrl+C",
      "ctx-copy-path": "",
      "ctx-delete": "Del",
    });
  });

  it("uses the Mac's keys on a Mac", () => {
    const a = file("notes.txt");
    const items = folderMenu(a, [a], folderActions(), shortcuts(true));
    expect(keysOf(items)).toMatchObject({ "ctx-cut": "⌘X", "ctx-copy": "⌘C", "ctx-delete": "⌘⌫" });
    expect(items.find((i) => i.testId === "ctx-copy")?.shortcut?.aria).toBe("Meta+C");
  });

  it("offers Paste (Ctrl+V) on the background, and pastes into a folder from its row", () => {
    const a = folderActions();
    const background = folderMenu(null, [], a, shortcuts(false));
    expect(keysOf(background)).toEqual({ "ctx-new-folder": "Ctrl+Shift+N", "ctx-upload": "", "ctx-refresh": "F5", "ctx-paste": "Ctrl+V" });
    background.find((i) => i.testId === "ctx-paste")?.onSelect();
    expect(a.paste).toHaveBeenLastCalledWith();

    const docs = folder("docs/");
    const row = folderMenu(docs, [docs], a, shortcuts(false));
    expect(keysOf(row)).toMatchObject({ "ctx-open": "Enter", "ctx-paste-into": "" });
    row.find((i) => i.testId === "ctx-paste-into")?.onSelect();
    expect(a.paste).toHaveBeenLastCalledWith(docs);
    // Nothing to paste: no paste items.
    expect(folderMenu(null, [], folderActions({ paste: null })).map((i) => i.testId)).not.toContain("ctx-paste");
    expect(folderMenu(docs, [docs], folderActions({ paste: null })).map((i) => i.testId)).not.toContain("ctx-paste-into");
  });

  it("acts on the whole selection from one of its rows", () => {
    const a = folderActions();
    const x = file("x.txt");
    const y = folder("y/");
    const items = folderMenu(x, [x, y], a, shortcuts(false));
    expect(items.map((i) => i.testId)).not.toContain("ctx-rename");
    expect(items.map((i) => i.testId)).not.toContain("ctx-preview");
    expect(items.find((i) => i.testId === "ctx-delete")?.label).toBe("Delete 2 items…");
    items.find((i) => i.testId === "ctx-cut")?.onSelect();
    expect(a.clip).toHaveBeenCalledWith([x, y], true);
  });
});

describe("menuTargets", () => {
  const x = file("x.txt");
  const y = folder("y/");
  const z = file("z.txt");

  it("acts on the whole selection from one of its rows, else on the row alone", () => {
    const selected = new Set([x.key, y.key]);
    expect(menuTargets(x, selected, [x, y])).toEqual([x, y]);
    expect(menuTargets(z, selected, [x, y])).toEqual([z]);
    expect(menuTargets(x, new Set([x.key]), [x])).toEqual([x]);
  });

  it("has nothing to act on for the folder's own menu", () => {
    expect(menuTargets(undefined, new Set([x.key, y.key]), [x, y])).toEqual([]);
  });
});
