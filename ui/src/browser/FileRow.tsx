import { memo, type ReactNode } from "react";
import type { Entry } from "../bindings";
import { FileIcon } from "../components/FileIcon";
import { displayName, formatBytes, formatDate, formatStorageClass } from "../lib/format";

export const ROW_HEIGHT = 28;

type Props = {
  entry: Entry;
  index: number;
  start: number;
  selected: boolean;
  focused: boolean;
  /** Shown in place of the name while it is being edited (rename). */
  editor?: ReactNode;
};

/** One row of the file list. Memoised: rows re-render only when their own props change. */
export const FileRow = memo(function FileRow({ entry, index, start, selected, focused, editor }: Props) {
  const isFolder = entry.kind === "folder";
  let cls = index % 2 === 1 ? "row odd" : "row";
  if (selected) cls += " selected";
  if (focused) cls += " focused";
  if (editor) cls += " editing";
  return (
    <div
      id={`file-row-${index}`}
      role="row"
      className={cls}
      aria-selected={selected}
      aria-rowindex={index + 2}
      data-testid="row"
      data-index={index}
      data-name={entry.name}
      data-kind={entry.kind}
      style={{ transform: `translateY(${start}px)` }}
    >
      <div role="gridcell" className="cell name-cell" title={entry.key}>
        <FileIcon kind={entry.kind} name={entry.name} />
        {editor ?? <span className="name-text">{displayName(entry.name)}</span>}
      </div>
      <div role="gridcell" className="cell size-cell">
        {isFolder || entry.size === null ? "" : formatBytes(entry.size)}
      </div>
      <div role="gridcell" className="cell date-cell">
        {formatDate(entry.lastModified)}
      </div>
      <div role="gridcell" className="cell class-cell">
        {isFolder ? "" : formatStorageClass(entry.storageClass)}
      </div>
    </div>
  );
});
