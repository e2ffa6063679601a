import { forwardRef } from "react";
import {
  ArrowLeft,
  ArrowRight,
  ArrowUp,
  Download,
  FolderPlus,
  Info,
  MoreHorizontal,
  PencilLine,
  RotateCw,
  Search,
  Trash2,
  Upload,
  X,
} from "lucide-react";
import { ContextMenu, type MenuItem } from "../components/ContextMenu";
import { useMenuAnchor } from "../components/useMenuAnchor";
import { Breadcrumbs } from "./Breadcrumbs";
import { shortcuts } from "./keys";

type Props = {
  bucket: string;
  prefix: string;
  canBack: boolean;
  canForward: boolean;
  canUp: boolean;
  filter: string;
  propertiesOpen: boolean;
  onBack: () => void;
  onForward: () => void;
  onUp: () => void;
  onRefresh: () => void;
  onNavigatePrefix: (prefix: string) => void;
  onFilter: (text: string) => void;
  onToggleProperties: () => void;
  /** Escape or Down in the filter box hands the keyboard to the list. */
  onLeaveFilter: () => void;
  /** File operations; null ones are disabled (nothing suitable selected), all null hides them. */
  actions: ToolbarActions | null;
};

export type ToolbarActions = {
  onNewFolder: () => void;
  onRename: (() => void) | null;
  onDelete: (() => void) | null;
  onCopyLink: (() => void) | null;
  onUploadFiles: () => void;
  onUploadFolder: () => void;
  onDownload: (() => void) | null;
  onPaste: (() => void) | null;
  /** "Restore this folder to an earlier moment…" (the time machine). */
  onRestoreFolder: () => void;
  /** "Recently deleted…": the folder's deleted files. */
  onShowDeleted: () => void;
};

const KEYS = shortcuts();

/** Navigation buttons, the path, the filter box and the properties toggle. The filter input is the ref. */
export const Toolbar = forwardRef<HTMLInputElement, Props>(function Toolbar(p, filterRef) {
  return (
    <div className="toolbar" role="toolbar" aria-label="Folder navigation">
      <div className="nav-buttons">
        <button
          type="button"
          className="icon-button"
          data-testid="nav-back"
          title="Back (Alt+Left)"
          aria-label="Back"
          disabled={!p.canBack}
          onClick={p.onBack}
        >
          <ArrowLeft size={16} aria-hidden />
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="nav-forward"
          title="Forward (Alt+Right)"
          aria-label="Forward"
          disabled={!p.canForward}
          onClick={p.onForward}
        >
          <ArrowRight size={16} aria-hidden />
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="nav-up"
          title="Enclosing folder (Backspace)"
          aria-label="Enclosing folder"
          disabled={!p.canUp}
          onClick={p.onUp}
        >
          <ArrowUp size={16} aria-hidden />
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="nav-refresh"
          title="Refresh (F5)"
          aria-label="Refresh"
          onClick={p.onRefresh}
        >
          <RotateCw size={15} aria-hidden />
        </button>
      </div>
      <Breadcrumbs bucket={p.bucket} prefix={p.prefix} onNavigate={p.onNavigatePrefix} />
      {p.actions && <ActionButtons {...p.actions} />}
      <div className="filter-box">
        <Search size={14} className="filter-icon" aria-hidden />
        <input
          ref={filterRef}
          type="search"
          data-testid="filter-input"
          placeholder="Filter by name"
          aria-label={`Filter by name (${KEYS.filter.label})`}
          aria-keyshortcuts={KEYS.filter.aria}
          title={`Filter by name (${KEYS.filter.label})`}
          value={p.filter}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => p.onFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              if (p.filter !== "") p.onFilter("");
              else p.onLeaveFilter();
            } else if (e.key === "ArrowDown" || e.key === "Enter") {
              e.preventDefault();
              p.onLeaveFilter();
            }
          }}
        />
        {p.filter !== "" && (
          <button
            type="button"
            className="icon-button clear-filter"
            aria-label="Clear filter"
            data-testid="filter-clear"
            onClick={() => p.onFilter("")}
          >
            <X size={12} aria-hidden />
          </button>
        )}
      </div>
      <button
        type="button"
        className={p.propertiesOpen ? "icon-button toggled" : "icon-button"}
        data-testid="properties-toggle"
        title="Show properties"
        aria-label="Show properties"
        aria-pressed={p.propertiesOpen}
        onClick={p.onToggleProperties}
      >
        <Info size={16} aria-hidden />
      </button>
    </div>
  );
});

function ActionButtons(a: ToolbarActions) {
  const menu = useMenuAnchor();
  const more: MenuItem[] = [
    {
      id: "upload-folder",
      label: "Upload a folder…",
      testId: "action-upload-folder",
      onSelect: a.onUploadFolder,
    },
  ];
  if (a.onCopyLink)
    more.push({ id: "copy-link", label: "Copy a share link…", testId: "action-copy-link", onSelect: a.onCopyLink });
  if (a.onPaste)
    more.push({
      id: "paste",
      label: "Paste here",
      testId: "action-paste",
      onSelect: a.onPaste,
      shortcut: KEYS.paste,
    });
  more.push(
    { id: "show-deleted", label: "Recently deleted…", testId: "action-show-deleted", onSelect: a.onShowDeleted },
    {
      id: "restore-folder",
      label: "Restore this folder to an earlier moment…",
      testId: "action-restore-folder",
      onSelect: a.onRestoreFolder,
    },
  );
  return (
    <div className="nav-buttons action-buttons" role="group" aria-label="File actions">
      <button
        type="button"
        className="text-button"
        data-testid="action-new-folder"
        title={`New folder (${KEYS.newFolder.label})`}
        aria-keyshortcuts={KEYS.newFolder.aria}
        onClick={a.onNewFolder}
      >
        <FolderPlus size={16} aria-hidden />
        New folder
      </button>
      <button
        type="button"
        className="text-button"
        data-testid="action-upload-files"
        title="Upload files… (or drop them on the list)"
        onClick={a.onUploadFiles}
      >
        <Upload size={16} aria-hidden />
        Upload
      </button>
      <button
        type="button"
        className="icon-button"
        data-testid="action-download"
        title="Download…"
        aria-label="Download"
        disabled={a.onDownload === null}
        onClick={a.onDownload ?? undefined}
      >
        <Download size={16} aria-hidden />
      </button>
      <button
        type="button"
        className="icon-button"
        data-testid="action-rename"
        title="Rename (F2)"
        aria-label="Rename"
        aria-keyshortcuts="F2"
        disabled={a.onRename === null}
        onClick={a.onRename ?? undefined}
      >
        <PencilLine size={16} aria-hidden />
      </button>
      <button
        type="button"
        className="icon-button"
        data-testid="action-delete"
        title={`Delete (${KEYS.delete.label})`}
        aria-label="Delete"
        aria-keyshortcuts={KEYS.delete.aria}
        disabled={a.onDelete === null}
        onClick={a.onDelete ?? undefined}
      >
        <Trash2 size={16} aria-hidden />
      </button>
      <button
        type="button"
        className="icon-button"
        data-testid="action-more"
        title="More actions"
        aria-label="More actions"
        {...menu.buttonProps}
      >
        <MoreHorizontal size={16} aria-hidden />
      </button>
      {menu.at && <ContextMenu x={menu.at.x} y={menu.at.y} items={more} testId="more-menu" onClose={menu.close} />}
    </div>
  );
}
