import { memo } from "react";
import {
  File,
  FileArchive,
  FileAudio,
  FileCode,
  FileImage,
  FileJson,
  FileSpreadsheet,
  FileText,
  FileVideo,
  Folder,
  type LucideIcon,
} from "lucide-react";
import type { EntryKind } from "../bindings";
import { extensionOf } from "../lib/format";

const BY_EXTENSION: Record<string, LucideIcon> = {};
function register(icon: LucideIcon, exts: string) {
  for (const ext of exts.split(" ")) BY_EXTENSION[ext] = icon;
}
register(FileImage, "jpg jpeg png gif webp svg heic heif bmp tif tiff avif ico raw cr2 nef");
register(FileVideo, "mp4 mov mkv avi webm m4v mpg mpeg wmv");
register(FileAudio, "mp3 wav flac m4a ogg oga aac opus wma aiff");
register(FileArchive, "zip gz tgz bz2 xz 7z rar tar zst lz4 dmg iso");
register(
  FileCode,
  "js mjs cjs ts tsx jsx py rs go java kt c h cpp hpp cs rb php sh bash ps1 html htm css scss sql swift",
);
register(FileJson, "json yaml yml toml xml ini conf cfg");
register(FileSpreadsheet, "csv tsv xls xlsx ods numbers parquet");
register(FileText, "txt md markdown log pdf doc docx odt rtf pages tex");

/** The icon for a row: a folder, or a file icon picked by extension. */
export const FileIcon = memo(function FileIcon({
  kind,
  name,
  size = 16,
}: {
  kind: EntryKind;
  name: string;
  size?: number;
}) {
  if (kind === "folder") return <Folder size={size} className="icon folder-icon" aria-hidden />;
  const Icon = BY_EXTENSION[extensionOf(name)] ?? File;
  return <Icon size={size} className="icon file-icon" aria-hidden />;
});
