import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { commands, type Entry, type UiError } from "../bindings";
import { ContextMenu } from "../components/ContextMenu";
import { ErrorNotice } from "../components/ErrorNotice";
import { FileIcon } from "../components/FileIcon";
import { Spinner } from "../components/Spinner";
import { copyText } from "../lib/clipboard";
import { s3Path } from "../lib/format";
import { call } from "../lib/ipc";
import type { Reveal } from "../transfers/feedback";
import { clipboardActions, type Clip } from "./clipboardActions";
import { DeleteDialog } from "./DeleteDialog";
import { FileList, type FileListHandle, type RowMouse } from "./FileList";
import { filterEntries } from "./filter";
import { folderMenu } from "./folderMenu";
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
  selectKeys,
  selectOnly,
  selectRange,
  toggle,
  type Selection,
} from "./selection";
import { DeletedFilesDialog } from "./history/DeletedFilesDialog";
import { RestoreFolderDialog } from "./history/RestoreFolderDialog";
import { ShareDialog } from "./ShareDialog";
import { useUploads } from "../transfers/useUploads";
import { SortedView, type SortKey, type SortSpec } from "./sort";
import { StatusBar } from "./StatusBar";
import { Toolbar } from "./Toolbar";
import { useFolderListing } from "./useFolderListing";
import { useQuickLook } from "./useQuickLook";

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
  /** Select these keys once listed (what was just uploaded here); each new id once. */
  reveal: Reveal | null;
  /** Uploads into this folder are being queued. */
  onUploadTo: (target: Location) => void;
};

/** A context menu at a point, for a row (its index) or for the folder itself (-1). */
type Menu = { x: number; y: number; index: number };

/** A name being typed inline: a new folder's, or a new name for an entry. */
type Editing = { kind: "newFolder"; initial: string } | { kind: "rename"; entry: Entry };

type OpDialog =
  | { kind: "delete"; entries: Entry[] }
  | { kind: "share"; key: string }
  | { kind: "restoreFolder" }
  | { kind: "deleted" };

/** Select these keys once a listing newer than `after` shows them. */
type PendingFocus = { keys: string[]; after: number };

/** One folder of a bucket: toolbar, streaming list, status bar, properties. Remounted per folder. */
export function FolderView(p: FolderViewProps) {
  const { location, sort } = p;
  const listing = useFolderListing(location, p.reloadToken);
  const [view] = useState(() => new SortedView());
  const [filter, setFilter] = useState("");
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [menu, setMenu] = useState<Menu | null>(null);
  const [pendingFocus, setPendingFocus] = useState<PendingFocus | null>(() =>
    p.reveal ? { keys: p.reveal.keys, after: 0 } : p.initialFocusKey === null ? null : { keys: [p.initialFocusKey], after: 0 },
  );
  const [revealed, setRevealed] = useState(p.reveal?.id ?? null);
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

  if (p.reveal && p.reveal.id !== revealed) {
    setRevealed(p.reveal.id);
    setPendingFocus({ keys: p.reveal.keys, after: listing.listingId });
  }
  // Coming up from a folder, after creating or renaming one, or after an upload: select it as soon
  // as it is listed (or what of it is, once a listing newer than the change ends).
  if (pendingFocus !== null) {
    const wanted = new Set(pendingFocus.keys);
    const found = order.filter((k) => wanted.has(k));
    const over = !listing.loading && listing.listingId > pendingFocus.after;
    if (found.length === pendingFocus.keys.length || over) {
      if (found.length > 0) setSelection(selectKeys(found));
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
  const uploads = useUploads({ location, onMessage: flash, onError: setOpError, onUploadTo: p.onUploadTo });
  const quickLook = useQuickLook(location, visible, (key) => setSelection(selectOnly(key)));

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
      if (key !== null) setPendingFocus({ keys: [key], after: listing.listingId });
      p.onRefresh();
      flash(text);
    },
    [listing.listingId, p, flash],
  );

  const { clip, paste, canPaste } = clipboardActions({
    location,
    clipboard: p.clipboard,
    onClipboard: p.onClipboard,
    flash,
    onBusy: setBusy,
    onError: setOpError,
    onChanged: changed,
  });

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
    const cmd = isTypingTarget(e.target) ? null : listCommand(e);
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
      case "quickLook": {
        const entry = focusIndex >= 0 ? visible[focusIndex] : singleFile;
        if (entry) quickLook.open(entry);
        break;
      }
      case "cut":
      case "copy":
        clip(selectedEntries, cmd.type === "cut");
        break;
      case "paste":
        void paste();
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
  // A row of a larger selection acts for the whole selection.
  const many = menuEntry !== undefined && selection.selected.has(menuEntry.key) && selectedEntries.length > 1;
  const menuTargets = many ? selectedEntries : menuEntry ? [menuEntry] : [];
  const menuItems = !menu || (menu.index >= 0 && !menuEntry) ? [] : folderMenu(menuEntry ?? null, menuTargets, {
    newFolder: startNewFolder,
    upload: () => void uploads.pickAndUpload(false),
    refresh: p.onRefresh,
    paste: canPaste ? (into) => void paste(into) : null,
    open,
    properties: (entry) => {
      setSelection(selectOnly(entry.key));
      p.onPropertiesOpen(true);
    },
    rename: startRename,
    share: askShare,
    quickLook: quickLook.open,
    download: (entries) => void uploads.download(entries.map((e) => e.key)),
    clip,
    copyPaths: (entries) => void copyPaths(entries.map((e) => s3Path(location.bucket, e.key))),
    delete: askDelete,
  });

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
                onRestoreFolder: () => setDialog({ kind: "restoreFolder" }),
                onShowDeleted: () => setDialog({ kind: "deleted" }),
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
      {quickLook.dialog}
      {uploads.dialog}
      {uploads.dropping && (
        <div className="drop-overlay" data-testid="drop-overlay">
          <p>
            Drop to upload to <strong>{location.bucket}/{location.prefix}</strong>
          </p>
        </div>
      )}
      {dialog?.kind === "restoreFolder" && (
        <RestoreFolderDialog
          connectionId={location.connectionId}
          bucket={location.bucket}
          prefix={location.prefix}
          onDone={() => changed("Folder restored", null)}
          onClose={closeDialog}
        />
      )}
      {dialog?.kind === "deleted" && (
        <DeletedFilesDialog
          connectionId={location.connectionId}
          bucket={location.bucket}
          prefix={location.prefix}
          onDone={() => changed("Files restored", null)}
          onClose={closeDialog}
        />
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
