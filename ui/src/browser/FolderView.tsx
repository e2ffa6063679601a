import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { commands, type Entry, type UiError } from "../bindings";
import { ContextMenu, type MenuItem } from "../components/ContextMenu";
import { ErrorNotice } from "../components/ErrorNotice";
import { FileIcon } from "../components/FileIcon";
import { Spinner } from "../components/Spinner";
import { copyText } from "../lib/clipboard";
import { s3Path } from "../lib/format";
import { call } from "../lib/ipc";
import { DeleteDialog } from "./DeleteDialog";
import { FileList, type FileListHandle, type RowMouse } from "./FileList";
import { filterEntries } from "./filter";
import { globalCommand, isTypingTarget, listCommand } from "./keys";
import { parentPrefix, type Location } from "./location";
import { NameEditor } from "./NameEditor";
import { deletedMessage, freeName, nameProblem } from "./ops";
import { PropertiesPanel } from "./PropertiesPanel";
import {
  clear,
  emptySelection,
  moveBy,
  moveTo,
  selectAll,
  selectOnly,
  selectRange,
  toggle,
  type Selection,
} from "./selection";
import { ShareDialog } from "./ShareDialog";
import { PreviewDialog } from "./PreviewDialog";
import { useUploads } from "../transfers/useUploads";
import { SortedView, type SortKey, type SortSpec } from "./sort";
import { StatusBar } from "./StatusBar";
import { Toolbar } from "./Toolbar";
import { useFolderListing } from "./useFolderListing";

export type FolderViewProps = {
  location: Location;
  /** A change lists the folder again (refresh, or the connection was edited). */
  reloadToken: string;
  sort: SortSpec;
  onSort: (key: SortKey) => void;
  propertiesOpen: boolean;
  onPropertiesOpen: (open: boolean) => void;
  canBack: boolean;
  canForward: boolean;
  onBack: () => void;
  onForward: () => void;
  onRefresh: () => void;
  /** Go to another folder of the same bucket. */
  onNavigate: (prefix: string) => void;
  /** Select this entry once it is listed (the folder we just came up from). */
  initialFocusKey: string | null;
  onEditConnection: () => void;
  /** Leave a bucket that no longer exists. */
  onLeaveBucket: () => void;
  /** Items cut or copied for pasting (kept across folders). */
  clipboard: Clip | null;
  onClipboard: (clip: Clip | null) => void;
};

/** Files and folders cut or copied, to paste into another folder of the same connection. */
export type Clip = { connectionId: string; bucket: string; keys: string[]; names: string[]; cut: boolean };

/** A context menu at a point, for a row (its index) or for the folder itself (-1). */
type Menu = { x: number; y: number; index: number };

/** A name being typed inline: a new folder's, or a new name for an entry. */
type Editing = { kind: "newFolder"; initial: string } | { kind: "rename"; entry: Entry };

type OpDialog = { kind: "delete"; entries: Entry[] } | { kind: "share"; key: string } | { kind: "preview"; key: string };

/** Select this key once a listing newer than `after` shows it. */
type PendingFocus = { key: string; after: number };

/** One folder of a bucket: toolbar, streaming list, status bar, properties. Remounted per folder. */
export function FolderView(p: FolderViewProps) {
  const { location, sort } = p;
  const listing = useFolderListing(location, p.reloadToken);
  const [view] = useState(() => new SortedView());
  const [filter, setFilter] = useState("");
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [menu, setMenu] = useState<Menu | null>(null);
  const [pendingFocus, setPendingFocus] = useState<PendingFocus | null>(
    p.initialFocusKey === null ? null : { key: p.initialFocusKey, after: 0 },
  );
  const [message, setMessage] = useState<{ text: string } | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [dialog, setDialog] = useState<OpDialog | null>(null);
  /** What an operation in flight is doing ("Renaming “a”…"), for the status bar. */
  const [busy, setBusy] = useState<string | null>(null);
  const [opError, setOpError] = useState<UiError | null>(null);
  const listRef = useRef<FileListHandle>(null);
  const filterRef = useRef<HTMLInputElement>(null);

  const sorted = useMemo(
    () => view.update(listing.entries, listing.listingId, sort),
    [view, listing.entries, listing.listingId, sort],
  );
  const visible = useMemo(() => filterEntries(sorted, filter), [sorted, filter]);
  const order = useMemo(() => visible.map((e) => e.key), [visible]);
  const focusIndex = useMemo(
    () => (selection.focus === null ? -1 : order.indexOf(selection.focus)),
    [order, selection.focus],
  );
  const selectedEntries = useMemo(
    () => (selection.selected.size === 0 ? [] : visible.filter((e) => selection.selected.has(e.key))),
    [visible, selection.selected],
  );
  const selectedBytes = useMemo(() => selectedEntries.reduce((sum, e) => sum + (e.size ?? 0), 0), [selectedEntries]);
  const singleFile = selectedEntries.length === 1 && selectedEntries[0]?.kind === "file" ? selectedEntries[0] : null;

  // Coming up from a folder, or after creating or renaming one: select it as soon as it is listed
  // (or give up when a listing newer than the change ends without it).
  if (pendingFocus !== null) {
    if (order.includes(pendingFocus.key)) {
      setSelection(selectOnly(pendingFocus.key));
      setPendingFocus(null);
    } else if (!listing.loading && listing.listingId > pendingFocus.after) {
      setPendingFocus(null);
    }
  }

  // Keep the focused row in view (keyboard moves, rows streaming in above it).
  useEffect(() => {
    if (focusIndex >= 0) listRef.current?.scrollToIndex(focusIndex);
  }, [focusIndex]);

  // The list takes the keyboard when a folder opens, unless someone is typing somewhere.
  useEffect(() => {
    if (!isTypingTarget(document.activeElement) && !document.querySelector('[aria-modal="true"]')) {
      listRef.current?.focus();
    }
  }, []);

  // A status message (like "Copied …") fades after a few seconds.
  useEffect(() => {
    if (message === null) return;
    const t = setTimeout(() => setMessage(null), 3000);
    return () => clearTimeout(t);
  }, [message]);

  const flash = useCallback((text: string) => setMessage({ text }), []);
  const noop = useCallback(() => {}, []);
  const uploads = useUploads({ location, onMessage: flash, onError: setOpError, onQueued: noop });

  function clip(entries: Entry[], cut: boolean) {
    if (entries.length === 0) return;
    p.onClipboard({
      connectionId: location.connectionId,
      bucket: location.bucket,
      keys: entries.map((e) => e.key),
      names: entries.map((e) => e.name),
      cut,
    });
    flash(`${cut ? "Cut" : "Copied"} ${entries.length === 1 ? `“${entries[0]?.name ?? ""}”` : `${entries.length} items`} — paste in another folder`);
  }

  const clipboard = p.clipboard;
  const canPaste = clipboard !== null && clipboard.connectionId === location.connectionId;

  async function paste() {
    if (!clipboard || !canPaste) return;
    const verb = clipboard.cut ? "Moving" : "Copying";
    setBusy(`${verb} ${clipboard.keys.length === 1 ? `“${clipboard.names[0] ?? ""}”` : `${clipboard.keys.length} items`}…`);
    const args = [location.connectionId, clipboard.bucket, clipboard.keys, location.bucket, location.prefix] as const;
    const result = await call(clipboard.cut ? commands.moveItems(...args) : commands.copyItems(...args));
    setBusy(null);
    if (result.status === "error") {
      setOpError(result.error);
      return;
    }
    if (clipboard.cut) p.onClipboard(null);
    changed(`${clipboard.cut ? "Moved" : "Copied"} ${result.data.objects} ${result.data.objects === 1 ? "object" : "objects"}`, result.data.keys[0] ?? null);
  }

  const copyPaths = useCallback(
    async (paths: string[]) => {
      const ok = await copyText(paths.join("\n"));
      if (!ok) flash("Couldn’t copy to the clipboard.");
      else flash(paths.length === 1 ? `Copied ${paths[0]}` : `Copied ${paths.length} S3 paths`);
    },
    [flash],
  );

  /** After a change: list the folder again, then select `key` (if given) once it shows. */
  const changed = useCallback(
    (text: string, key: string | null = null) => {
      if (key !== null) setPendingFocus({ key, after: listing.listingId });
      p.onRefresh();
      flash(text);
    },
    [listing.listingId, p, flash],
  );

  function startNewFolder() {
    setOpError(null);
    setMenu(null);
    setEditing({ kind: "newFolder", initial: freeName("New folder", listing.entries) });
  }

  // The new folder's row is at the top of the list: bring it into view.
  const addingFolder = editing?.kind === "newFolder";
  useEffect(() => {
    if (addingFolder) listRef.current?.scrollToTop();
  }, [addingFolder]);

  function startRename(entry: Entry) {
    setOpError(null);
    setSelection(selectOnly(entry.key));
    setEditing({ kind: "rename", entry });
  }

  function endEditing() {
    setEditing(null);
    listRef.current?.focus();
  }

  async function createFolder(name: string) {
    endEditing();
    setBusy(`Creating folder “${name}”…`);
    const result = await call(commands.createFolder(location.connectionId, location.bucket, location.prefix, name));
    setBusy(null);
    if (result.status === "error") setOpError(result.error);
    else changed(`Created folder “${name}”`, result.data);
  }

  async function rename(entry: Entry, name: string) {
    endEditing();
    setBusy(`Renaming “${entry.name}”…`);
    const result = await call(commands.renameItem(location.connectionId, location.bucket, entry.key, name));
    setBusy(null);
    if (result.status === "error") setOpError(result.error);
    else changed(`Renamed “${entry.name}” to “${name}”`, result.data.keys[0] ?? null);
  }

  function askDelete(entries: Entry[]) {
    if (entries.length === 0) return;
    setOpError(null);
    setDialog({ kind: "delete", entries });
  }

  function askShare(entry: Entry) {
    if (entry.kind !== "file") return;
    setOpError(null);
    setDialog({ kind: "share", key: entry.key });
  }

  const closeDialog = useCallback(() => setDialog(null), []);

  const up = parentPrefix(location.prefix);
  const goUp = useCallback(() => {
    if (up !== null) p.onNavigate(up);
  }, [up, p]);

  function open(entry: Entry) {
    if (entry.kind === "folder") {
      p.onNavigate(entry.key);
    } else {
      setSelection(selectOnly(entry.key));
      p.onPropertiesOpen(true);
    }
  }

  function onRowClick({ index, ctrl, shift }: RowMouse) {
    const key = order[index];
    if (key === undefined) return;
    setSelection((s) => (shift ? selectRange(s, order, key, ctrl) : ctrl ? toggle(s, key) : selectOnly(key)));
  }

  function onRowDoubleClick(index: number) {
    const entry = visible[index];
    if (entry) open(entry);
  }

  function onRowContextMenu(index: number, x: number, y: number) {
    const key = order[index];
    if (key === undefined) return;
    if (!selection.selected.has(key)) setSelection(selectOnly(key));
    else setSelection((s) => ({ ...s, focus: key }));
    setMenu({ x, y, index });
  }

  function onListKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const cmd = listCommand(e);
    if (cmd === null) return;
    e.preventDefault();
    e.stopPropagation();
    switch (cmd.type) {
      case "move":
        setSelection((s) => moveBy(s, order, cmd.delta, cmd.extend));
        break;
      case "page": {
        const size = listRef.current?.pageSize() ?? 10;
        setSelection((s) => moveBy(s, order, cmd.direction * size, cmd.extend));
        break;
      }
      case "home":
        setSelection((s) => moveTo(s, order, 0, cmd.extend));
        break;
      case "end":
        setSelection((s) => moveTo(s, order, order.length - 1, cmd.extend));
        break;
      case "selectAll":
        setSelection((s) => selectAll(s, order));
        break;
      case "clear":
        setSelection((s) => clear(s));
        break;
      case "open": {
        const entry = focusIndex >= 0 ? visible[focusIndex] : undefined;
        if (entry) open(entry);
        break;
      }
      case "menu": {
        if (focusIndex < 0) break;
        const row = document.getElementById(`file-row-${focusIndex}`)?.getBoundingClientRect();
        setMenu({ x: row ? row.left + 40 : 100, y: row ? row.bottom : 100, index: focusIndex });
        break;
      }
      case "rename": {
        const only = selectedEntries.length === 1 ? selectedEntries[0] : undefined;
        if (only) startRename(only);
        break;
      }
      case "delete":
        askDelete(selectedEntries);
        break;
    }
  }

  const onWindowKey = useEffectEvent((e: globalThis.KeyboardEvent) => {
    if (e.defaultPrevented || document.querySelector('[aria-modal="true"]')) return;
    const cmd = globalCommand(e, isTypingTarget(e.target));
    if (cmd === null) return;
    e.preventDefault();
    if (cmd === "back") p.onBack();
    else if (cmd === "forward") p.onForward();
    else if (cmd === "up") goUp();
    else if (cmd === "refresh") p.onRefresh();
    else if (cmd === "newFolder") startNewFolder();
    else if (cmd === "focusFilter") {
      filterRef.current?.focus();
      filterRef.current?.select();
    }
  });
  useEffect(() => {
    const handler = (e: globalThis.KeyboardEvent) => onWindowKey(e);
    window.addEventListener("keydown", handler);
    return () => window.removeEventListener("keydown", handler);
  }, []);

  const closeMenu = useCallback(() => {
    setMenu(null);
    listRef.current?.focus();
  }, []);

  const menuEntry = menu ? visible[menu.index] : undefined;
  const menuItems: MenuItem[] = [];
  if (menu && menu.index < 0) {
    menuItems.push(
      { id: "new-folder", label: "New folder", testId: "ctx-new-folder", onSelect: () => startNewFolder() },
      { id: "upload", label: "Upload files…", testId: "ctx-upload", onSelect: () => void uploads.pickAndUpload(false) },
      {
        id: "refresh",
        label: "Refresh",
        testId: "ctx-refresh",
        onSelect: p.onRefresh,
        shortcut: { label: "F5", aria: "F5" },
      },
    );
    if (canPaste) menuItems.push({ id: "paste", label: "Paste", testId: "ctx-paste", onSelect: () => void paste() });
  }
  if (menuEntry) {
    if (menuEntry.kind === "folder") {
      menuItems.push({
        id: "open",
        label: "Open",
        testId: "ctx-open",
        onSelect: () => open(menuEntry),
        shortcut: { label: "Enter", aria: "Enter" },
      });
    } else {
      menuItems.push({
        id: "properties",
        label: "Properties",
        testId: "ctx-properties",
        onSelect: () => {
          setSelection(selectOnly(menuEntry.key));
          p.onPropertiesOpen(true);
        },
      });
    }
    const many = selection.selected.has(menuEntry.key) && selectedEntries.length > 1;
    const targets = many ? selectedEntries : [menuEntry];
    if (!many) {
      menuItems.push({
        id: "rename",
        label: "Rename",
        testId: "ctx-rename",
        onSelect: () => startRename(menuEntry),
        shortcut: { label: "F2", aria: "F2" },
      });
    }
    if (!many && menuEntry.kind === "file") {
      menuItems.push({
        id: "copy-link",
        label: "Copy link…",
        testId: "ctx-copy-link",
        onSelect: () => askShare(menuEntry),
      });
    }
    if (!many && menuEntry.kind === "file") {
      menuItems.push({
        id: "preview",
        label: "Quick look",
        testId: "ctx-preview",
        onSelect: () => setDialog({ kind: "preview", key: menuEntry.key }),
      });
    }
    menuItems.push({
      id: "download",
      label: many ? `Download ${targets.length} items…` : "Download…",
      testId: "ctx-download",
      onSelect: () => void uploads.download(targets.map((e) => e.key)),
    });
    menuItems.push({ id: "cut", label: "Cut", testId: "ctx-cut", onSelect: () => clip(targets, true) });
    menuItems.push({ id: "copy-items", label: "Copy", testId: "ctx-copy", onSelect: () => clip(targets, false) });
    if (canPaste && !many && menuEntry.kind === "folder") {
      menuItems.push({
        id: "paste-into",
        label: "Paste into folder",
        testId: "ctx-paste-into",
        onSelect: () => p.onNavigate(menuEntry.key),
      });
    }
    menuItems.push({
      id: "copy",
      label: many ? `Copy S3 paths (${targets.length})` : "Copy S3 path",
      testId: "ctx-copy-path",
      onSelect: () => void copyPaths(targets.map((e) => s3Path(location.bucket, e.key))),
    });
    menuItems.push({
      id: "delete",
      label: many ? `Delete ${targets.length} items…` : "Delete…",
      testId: "ctx-delete",
      danger: true,
      onSelect: () => askDelete(targets),
      shortcut: { label: "Del", aria: "Delete" },
    });
  }

  const error = listing.error;
  const bucketGone = error?.code === "noSuchBucket";
  // Nothing listed and an error: the error is the whole story, shown large in place of the list.
  const errorOnly = error !== null && (bucketGone || listing.entries.length === 0);
  const errorNotice = error && (
    <ErrorNotice
      error={error}
      onRetry={p.onRefresh}
      onEditConnection={p.onEditConnection}
      actions={
        bucketGone
          ? [
              p.canBack
                ? { label: "Go back", onClick: p.onBack, testId: "error-go-back" }
                : { label: "Close this bucket", onClick: p.onLeaveBucket, testId: "error-leave-bucket" },
            ]
          : []
      }
    />
  );

  const problem = (self: string | null) => (name: string) => nameProblem(name, listing.entries, self);
  const newRow =
    editing?.kind === "newFolder" ? (
      <div className="row new-row editing" role="row" data-testid="new-folder-row">
        <div role="gridcell" className="cell name-cell">
          <FileIcon kind="folder" name="" />
          <NameEditor
            initial={editing.initial}
            folder
            testId="new-folder-input"
            label="New folder name"
            // The suggested name is free, so Enter on it creates the folder.
            initialIsNew
            problem={problem(null)}
            onCommit={(name) => void createFolder(name)}
            onCancel={endEditing}
          />
        </div>
      </div>
    ) : null;
  const renaming =
    editing?.kind === "rename"
      ? {
          key: editing.entry.key,
          editor: (
            <NameEditor
              initial={editing.entry.name}
              folder={editing.entry.kind === "folder"}
              testId="rename-input"
              label={`New name for ${editing.entry.name}`}
              problem={problem(editing.entry.key)}
              onCommit={(name) => void rename(editing.entry, name)}
              onCancel={endEditing}
            />
          ),
        }
      : null;

  const only = selectedEntries.length === 1 ? selectedEntries[0] : undefined;

  let placeholder;
  if (listing.loading) placeholder = <Spinner label="Loading…" />;
  else if (error) placeholder = null;
  else if (filter.trim() !== "" && sorted.length > 0)
    placeholder = (
      <p className="empty-note" data-testid="no-match">
        No items match “{filter.trim()}”.
      </p>
    );
  else
    placeholder = (
      <p className="empty-note" data-testid="empty-folder">
        This folder is empty
      </p>
    );

  return (
    <section className="browser" data-testid="browser" aria-label={`${location.bucket}/${location.prefix}`}>
      <Toolbar
        ref={filterRef}
        bucket={location.bucket}
        prefix={location.prefix}
        canBack={p.canBack}
        canForward={p.canForward}
        canUp={up !== null}
        filter={filter}
        propertiesOpen={p.propertiesOpen}
        onBack={p.onBack}
        onForward={p.onForward}
        onUp={goUp}
        onRefresh={p.onRefresh}
        onNavigatePrefix={p.onNavigate}
        onFilter={setFilter}
        onToggleProperties={() => p.onPropertiesOpen(!p.propertiesOpen)}
        actions={
          errorOnly
            ? null
            : {
                onNewFolder: startNewFolder,
                onRename: only ? () => startRename(only) : null,
                onDelete: selectedEntries.length > 0 ? () => askDelete(selectedEntries) : null,
                onCopyLink: only?.kind === "file" ? () => askShare(only) : null,
                onUploadFiles: () => void uploads.pickAndUpload(false),
                onUploadFolder: () => void uploads.pickAndUpload(true),
                onDownload:
                  selectedEntries.length > 0 ? () => void uploads.download(selectedEntries.map((e) => e.key)) : null,
                onPaste: canPaste ? () => void paste() : null,
              }
        }
        onLeaveFilter={() => {
          listRef.current?.focus();
          if (selection.focus === null || focusIndex < 0) setSelection((s) => moveTo(s, order, 0, false));
        }}
      />
      <div className="browser-body">
        <div className="browser-main">
          {errorNotice && <div className={errorOnly ? "list-error big" : "list-error"}>{errorNotice}</div>}
          {opError && (
            <div className="list-error">
              <ErrorNotice
                error={opError}
                onEditConnection={p.onEditConnection}
                actions={[{ label: "OK", onClick: () => setOpError(null), testId: "error-dismiss" }]}
              />
            </div>
          )}
          {!errorOnly && (
            <FileList
              ref={listRef}
              entries={visible}
              selected={selection.selected}
              focusIndex={focusIndex}
              sort={sort}
              onSort={p.onSort}
              onRowClick={onRowClick}
              onRowDoubleClick={onRowDoubleClick}
              onRowContextMenu={onRowContextMenu}
              onBackgroundClick={() => setSelection((s) => clear(s))}
              onBackgroundContextMenu={(x, y) => {
                setSelection((s) => clear(s));
                setMenu({ x, y, index: -1 });
              }}
              onKeyDown={onListKeyDown}
              placeholder={placeholder}
              editing={renaming}
              newRow={newRow}
            />
          )}
          {!errorOnly && (
            <StatusBar
              total={listing.entries.length}
              shown={visible.length}
              filtering={filter.trim() !== ""}
              loading={listing.loading && !listing.refreshing}
              selectedCount={selectedEntries.length}
              selectedBytes={selectedBytes}
              message={busy ?? message?.text ?? null}
            />
          )}
        </div>
        {p.propertiesOpen && (
          <PropertiesPanel
            connectionId={location.connectionId}
            bucket={location.bucket}
            fileKey={singleFile?.key ?? null}
            selectedCount={selectedEntries.length}
            onClose={() => p.onPropertiesOpen(false)}
            onCopyPath={(path) => void copyPaths([path])}
            onEditConnection={p.onEditConnection}
            onChanged={(text) => changed(text)}
          />
        )}
      </div>
      {dialog?.kind === "delete" && (
        <DeleteDialog
          connectionId={location.connectionId}
          bucket={location.bucket}
          entries={dialog.entries}
          onCancel={closeDialog}
          onDeleted={(count) => {
            closeDialog();
            setSelection((s) => clear(s));
            changed(deletedMessage(count));
          }}
        />
      )}
      {dialog?.kind === "preview" && (
        <PreviewDialog
          connectionId={location.connectionId}
          bucket={location.bucket}
          fileKey={dialog.key}
          onClose={closeDialog}
        />
      )}
      {uploads.dialog}
      {uploads.dropping && (
        <div className="drop-overlay" data-testid="drop-overlay">
          <p>
            Drop to upload to <strong>{location.bucket}/{location.prefix}</strong>
          </p>
        </div>
      )}
      {dialog?.kind === "share" && (
        <ShareDialog
          connectionId={location.connectionId}
          bucket={location.bucket}
          fileKey={dialog.key}
          onClose={closeDialog}
        />
      )}
      {menu && menuItems.length > 0 && (
        <ContextMenu x={menu.x} y={menu.y} items={menuItems} testId="context-menu" onClose={closeMenu} />
      )}
    </section>
  );
}
