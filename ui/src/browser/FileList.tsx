import {
  forwardRef,
  useImperativeHandle,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
} from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, Columns3 } from "lucide-react";
import type { Entry } from "../bindings";
import { ContextMenu } from "../components/ContextMenu";
import { useMenuAnchor } from "../components/useMenuAnchor";
import { loadShowStorageClass, localStore, saveShowStorageClass } from "./columns";
import { FileRow, ROW_HEIGHT } from "./FileRow";
import type { SortKey, SortSpec } from "./sort";

export type FileListHandle = {
  scrollToIndex: (index: number) => void;
  focus: () => void;
  /** Scrolls to the very top (where a new folder's row appears). */
  scrollToTop: () => void;
  /** How many rows fit in the view (for Page Up / Page Down). */
  pageSize: () => number;
};

export type RowMouse = { index: number; ctrl: boolean; shift: boolean };

type Props = {
  entries: readonly Entry[];
  selected: ReadonlySet<string>;
  /** Index of the row with the keyboard focus, -1 for none. */
  focusIndex: number;
  sort: SortSpec;
  onSort: (key: SortKey) => void;
  onRowClick: (m: RowMouse) => void;
  onRowDoubleClick: (index: number) => void;
  onRowContextMenu: (index: number, x: number, y: number) => void;
  onBackgroundClick: () => void;
  /** Right click below or between the rows. */
  onBackgroundContextMenu: (x: number, y: number) => void;
  onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => void;
  /** Shown instead of rows when there are none (empty folder, no filter match, loading). */
  placeholder: ReactNode;
  /** The key whose name is being edited, and the editor to show in its row. */
  editing: { key: string; editor: ReactNode } | null;
  /** A row for a folder being created, shown above the others. */
  newRow: ReactNode;
};

const HEADER_HEIGHT = ROW_HEIGHT;

function rowIndexOf(target: EventTarget | null): number | null {
  if (!(target instanceof Element)) return null;
  const row = target.closest<HTMLElement>("[data-index]");
  if (!row) return null;
  const i = Number(row.dataset.index);
  return Number.isInteger(i) ? i : null;
}

/**
 * The virtualised file list: only the rows in view (plus a few) are in the page, so 100,000 entries
 * cost the same as 50. Fixed row height; mouse events are delegated from the container.
 */
export const FileList = forwardRef<FileListHandle, Props>(function FileList(props, ref) {
  const { entries, selected, focusIndex, sort } = props;
  const scrollRef = useRef<HTMLDivElement>(null);

  // TanStack Virtual keeps its own mutable state; it is used here as documented for React.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => entries[i]?.key ?? i,
    overscan: 12,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    initialRect: { width: 800, height: 600 },
  });

  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex: (index) => virtualizer.scrollToIndex(index, { align: "auto" }),
      focus: () => scrollRef.current?.focus(),
      scrollToTop: () => {
        if (scrollRef.current) scrollRef.current.scrollTop = 0;
      },
      pageSize: () =>
        Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 600) - HEADER_HEIGHT) / ROW_HEIGHT) - 1),
    }),
    [virtualizer],
  );

  function onClick(e: MouseEvent) {
    const index = rowIndexOf(e.target);
    if (index === null) {
      if (!(e.target instanceof Element && e.target.closest(".list-header"))) props.onBackgroundClick();
      return;
    }
    props.onRowClick({ index, ctrl: e.ctrlKey || e.metaKey, shift: e.shiftKey });
  }

  function onDoubleClick(e: MouseEvent) {
    const index = rowIndexOf(e.target);
    if (index !== null) props.onRowDoubleClick(index);
  }

  function onContextMenu(e: MouseEvent) {
    const index = rowIndexOf(e.target);
    e.preventDefault();
    if (index === null) props.onBackgroundContextMenu(e.clientX, e.clientY);
    else props.onRowContextMenu(index, e.clientX, e.clientY);
  }

  const items = virtualizer.getVirtualItems();
  const [showClass, setShowClass] = useState(() => loadShowStorageClass(localStore()));
  const columnsMenu = useMenuAnchor();
  const columnItems = [
    {
      id: "storage-class",
      label: "Storage class",
      testId: "column-storage-class",
      checked: showClass,
      onSelect: () => {
        setShowClass(!showClass);
        saveShowStorageClass(localStore(), !showClass);
      },
    },
  ];

  return (
    <>
      <div
        ref={scrollRef}
        className={showClass ? "file-list" : "file-list no-storage-class"}
        data-testid="file-list"
        role="grid"
        aria-label="Files and folders"
        aria-multiselectable="true"
        aria-rowcount={entries.length + 1}
        aria-activedescendant={focusIndex >= 0 ? `file-row-${focusIndex}` : undefined}
        tabIndex={0}
        onKeyDown={props.onKeyDown}
        onClick={onClick}
        onDoubleClick={onDoubleClick}
        onContextMenu={onContextMenu}
        // Shift-click selects rows, not text.
        onMouseDown={(e) => e.shiftKey && e.preventDefault()}
      >
        <div
          className="list-header"
          role="row"
          aria-rowindex={1}
          onContextMenu={(e) => {
            // The header's own menu: which columns to show (as in Finder and Files).
            e.preventDefault();
            e.stopPropagation();
            columnsMenu.setAt({ x: e.clientX, y: e.clientY });
          }}
        >
          <HeaderCell label="Name" sortKey="name" sort={sort} onSort={props.onSort} className="name-cell" />
          <HeaderCell label="Size" sortKey="size" sort={sort} onSort={props.onSort} className="size-cell" />
          <HeaderCell label="Modified" sortKey="date" sort={sort} onSort={props.onSort} className="date-cell" />
          {showClass && (
            <div role="columnheader" className="header-cell class-cell">
              Storage class
            </div>
          )}
          {/* A header row may hold only header cells, so the chooser sits in one of its own. */}
          <div role="columnheader" className="columns-cell">
            <button
              type="button"
              className="icon-button columns-button"
              data-testid="columns-button"
              title="Choose columns"
              aria-label="Choose columns"
              {...columnsMenu.buttonProps}
            >
              <Columns3 size={14} aria-hidden />
            </button>
          </div>
        </div>
        {props.newRow}
        {entries.length === 0 ? (
          props.newRow ? null : <div className="list-placeholder">{props.placeholder}</div>
        ) : (
          <div className="list-rows" role="rowgroup" style={{ height: virtualizer.getTotalSize() - HEADER_HEIGHT }}>
            {items.map((item) => {
              const entry = entries[item.index];
              if (!entry) return null;
              return (
                <FileRow
                  key={entry.key}
                  entry={entry}
                  index={item.index}
                  start={item.start - HEADER_HEIGHT}
                  selected={selected.has(entry.key)}
                  focused={item.index === focusIndex}
                  editor={props.editing?.key === entry.key ? props.editing.editor : undefined}
                />
              );
            })}
          </div>
        )}
      </div>
      {columnsMenu.at && (
        <ContextMenu
          x={columnsMenu.at.x}
          y={columnsMenu.at.y}
          items={columnItems}
          testId="columns-menu"
          onClose={columnsMenu.close}
        />
      )}
    </>
  );
});

function HeaderCell({
  label,
  sortKey,
  sort,
  onSort,
  className,
}: {
  label: string;
  sortKey: SortKey;
  sort: SortSpec;
  onSort: (key: SortKey) => void;
  className: string;
}) {
  const active = sort.key === sortKey;
  return (
    <div
      role="columnheader"
      className={`header-cell ${className}`}
      aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}
    >
      <button type="button" className="sort-button" data-testid={`sort-${sortKey}`} onClick={() => onSort(sortKey)}>
        {label}
        {active &&
          (sort.dir === "asc" ? (
            <ArrowUp size={12} aria-label="ascending" />
          ) : (
            <ArrowDown size={12} aria-label="descending" />
          ))}
      </button>
    </div>
  );
}
