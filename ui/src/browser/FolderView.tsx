import { useCallback, useRef } from "react";
import type { Entry } from "../bindings";
import { copyText } from "../lib/clipboard";
import { s3Path } from "../lib/format";
import type { Reveal } from "../transfers/feedback";
import { useUploads } from "../transfers/useUploads";
import { clipboardActions, type Clip } from "./clipboardActions";
import { FileList, type FileListHandle } from "./FileList";
import type { FolderMenuActions } from "./folderMenu";
import { listingError } from "./listingError";
import { parentPrefix, type Location } from "./location";
import { copiedMessage } from "./ops";
import { PropertiesPanel } from "./PropertiesPanel";
import type { SortKey, SortSpec } from "./sort";
import { StatusBar } from "./StatusBar";
import { Toolbar } from "./Toolbar";
import { toolbarActions } from "./toolbarActions";
import { useFolderListing } from "./useFolderListing";
import { useFolderMenu } from "./useFolderMenu";
import { useListKeys } from "./useListKeys";
import { useNameEditing } from "./useNameEditing";
import { useOpDialogs } from "./useOpDialogs";
import { useOpStatus } from "./useOpStatus";
import { useQuickLook } from "./useQuickLook";
import { useSelection } from "./useSelection";
import { listPlaceholder, useShownEntries } from "./useShownEntries";
import { useWindowShortcuts } from "./useWindowShortcuts";

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

/** One folder of a bucket: toolbar, streaming list, status bar, properties. Remounted per folder. */
export function FolderView(p: FolderViewProps) {
  const { location, sort } = p;
  const listRef = useRef<FileListHandle>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const listing = useFolderListing(location, p.reloadToken);
  const shown = useShownEntries(listing, sort);
  const { visible } = shown;
  const sel = useSelection(shown, listing, p, listRef);
  const { selectedEntries, selectWhenListed } = sel;
  const status = useOpStatus(p.onEditConnection);
  const { flash, setBusy, setOpError } = status;
  const uploads = useUploads({ location, onMessage: flash, onError: setOpError, onUploadTo: p.onUploadTo });
  const quickLook = useQuickLook(location, visible, sel.selectOne);
  const menu = useFolderMenu(shown, sel, listRef);

  const copyPaths = useCallback(
    async (paths: string[]) => flash(copiedMessage(paths, await copyText(paths.join("\n")))),
    [flash],
  );

  /** After a change: list the folder again, then select `key` (if given) once it shows. */
  const changed = useCallback(
    (text: string, key: string | null = null) => {
      if (key !== null) selectWhenListed(key);
      p.onRefresh();
      flash(text);
    },
    [selectWhenListed, p, flash],
  );

  /** How an operation reports: what is in flight, its error, and once done, what changed. */
  const report = { flash, onBusy: setBusy, onError: setOpError, onChanged: changed };
  const { clip, paste, canPaste } = clipboardActions({
    location,
    clipboard: p.clipboard,
    onClipboard: p.onClipboard,
    ...report,
  });
  const names = useNameEditing({ location, entries: listing.entries, listRef, selectOne: sel.selectOne, ...report });
  const dialogs = useOpDialogs({ location, clearSelection: sel.clearSelection, ...report });

  const up = parentPrefix(location.prefix);
  const goUp = useCallback(() => {
    if (up !== null) p.onNavigate(up);
  }, [up, p]);

  function startNewFolder() {
    menu.dismiss();
    names.startNewFolder();
  }

  function showProperties(entry: Entry) {
    sel.selectOne(entry.key);
    p.onPropertiesOpen(true);
  }

  function open(entry: Entry) {
    if (entry.kind === "folder") p.onNavigate(entry.key);
    else showProperties(entry);
  }

  /** What can be done to entries, the same from the context menu, the keyboard and the toolbar. */
  const act: FolderMenuActions = {
    newFolder: startNewFolder,
    upload: () => void uploads.pickAndUpload(false),
    refresh: p.onRefresh,
    paste: canPaste ? (into) => void paste(into) : null,
    open,
    properties: showProperties,
    rename: names.startRename,
    share: dialogs.askShare,
    quickLook: quickLook.open,
    download: (entries) => void uploads.download(entries.map((e) => e.key)),
    clip,
    copyPaths: (entries) => void copyPaths(entries.map((e) => s3Path(location.bucket, e.key))),
    delete: dialogs.askDelete,
  };

  const onListKeyDown = useListKeys(listRef, shown, sel, { ...act, openMenu: menu.openBelowRow, paste });
  useWindowShortcuts({
    back: p.onBack,
    forward: p.onForward,
    up: goUp,
    refresh: p.onRefresh,
    newFolder: startNewFolder,
    focusFilter: () => {
      filterRef.current?.focus();
      filterRef.current?.select();
    },
  });

  const { errorOnly, notice: errorNotice } = listingError(listing.error, listing.entries.length, p);

  return (
    <section className="browser" data-testid="browser" aria-label={`${location.bucket}/${location.prefix}`}>
      <Toolbar
        ref={filterRef}
        bucket={location.bucket}
        prefix={location.prefix}
        canBack={p.canBack}
        canForward={p.canForward}
        canUp={up !== null}
        filter={shown.filter}
        propertiesOpen={p.propertiesOpen}
        onBack={p.onBack}
        onForward={p.onForward}
        onUp={goUp}
        onRefresh={p.onRefresh}
        onNavigatePrefix={p.onNavigate}
        onFilter={shown.setFilter}
        onToggleProperties={() => p.onPropertiesOpen(!p.propertiesOpen)}
        actions={
          errorOnly
            ? null
            : toolbarActions(act, selectedEntries, {
                onUploadFolder: () => void uploads.pickAndUpload(true),
                onRestoreFolder: dialogs.showRestoreFolder,
                onShowDeleted: dialogs.showDeleted,
              })
        }
        onLeaveFilter={sel.enterList}
      />
      <div className="browser-body">
        <div className="browser-main">
          {errorNotice}
          {status.errorNotice}
          {!errorOnly && (
            <FileList
              ref={listRef}
              entries={visible}
              selected={sel.selection.selected}
              focusIndex={sel.focusIndex}
              sort={sort}
              onSort={p.onSort}
              onRowClick={sel.clickRow}
              onRowDoubleClick={(index) => {
                const entry = visible[index];
                if (entry) open(entry);
              }}
              onRowContextMenu={menu.openForRow}
              onBackgroundClick={sel.clearSelection}
              onBackgroundContextMenu={menu.openForFolder}
              onKeyDown={onListKeyDown}
              placeholder={listPlaceholder(listing.loading, listing.error, shown.filter, shown.sorted.length)}
              editing={names.renaming}
              newRow={names.newRow}
            />
          )}
          {!errorOnly && (
            <StatusBar
              total={listing.entries.length}
              shown={visible.length}
              filtering={shown.filtering}
              loading={listing.loading && !listing.refreshing}
              selectedCount={selectedEntries.length}
              selectedBytes={sel.selectedBytes}
              message={status.text}
            />
          )}
        </div>
        {p.propertiesOpen && (
          <PropertiesPanel
            connectionId={location.connectionId}
            bucket={location.bucket}
            fileKey={sel.singleFile?.key ?? null}
            selectedCount={selectedEntries.length}
            onClose={() => p.onPropertiesOpen(false)}
            onCopyPath={(path) => void copyPaths([path])}
            onEditConnection={p.onEditConnection}
            onChanged={(text) => changed(text)}
          />
        )}
      </div>
      {dialogs.deleteDialog}
      {quickLook.dialog}
      {uploads.dialog}
      {uploads.dropping && (
        <div className="drop-overlay" data-testid="drop-overlay">
          <p>
            {"Drop to upload to "}
            <strong>
              {location.bucket}/{location.prefix}
            </strong>
          </p>
        </div>
      )}
      {dialogs.restoreFolderDialog}
      {dialogs.deletedDialog}
      {dialogs.shareDialog}
      {menu.element(act)}
    </section>
  );
}
