// Builders for contract objects used by the tests.
import { vi } from "vitest";
import type { Connection, Entry, PairInfo, PairStatus, ProviderPreset, UiError } from "../bindings";
import type { FolderMenuActions } from "../browser/folderMenu";

export function file(key: string, size = 1234, lastModified = "2024-05-01T10:00:00Z"): Entry {
  const name = key.slice(key.lastIndexOf("/") + 1);
  return { kind: "file", key, name, size, lastModified, etag: '"abc"', storageClass: "STANDARD" };
}

export function folder(key: string): Entry {
  const body = key.slice(0, -1);
  const name = body.slice(body.lastIndexOf("/") + 1);
  return { kind: "folder", key, name, size: null, lastModified: null, etag: null, storageClass: null };
}

export function connection(over: Partial<Connection> = {}): Connection {
  return {
    id: "c1",
    name: "Work",
    provider: "aws",
    endpoint: null,
    region: "us-east-1",
    pathStyle: false,
    accessKeyId: "AKIAEXAMPLE",
    credentialSource: { kind: "keyring" },
    pinnedBuckets: [],
    ...over,
  };
}

export function uiError(code: UiError["code"], message = "Something failed.", detail = "raw detail"): UiError {
  return { code, message, detail };
}

export const presets: ProviderPreset[] = [
  {
    provider: "aws",
    label: "Amazon S3",
    defaultRegion: "us-east-1",
    endpointTemplate: null,
    endpointRequired: false,
    pathStyle: false,
    hint: "Use an access key from the IAM console.",
  },
  {
    provider: "cloudflareR2",
    label: "Cloudflare R2",
    defaultRegion: "auto",
    endpointTemplate: "https://{accountId}.r2.cloudflarestorage.com",
    endpointRequired: true,
    pathStyle: true,
    hint: "Find your account ID in the R2 dashboard.",
  },
  {
    provider: "wasabi",
    label: "Wasabi",
    defaultRegion: "us-east-1",
    endpointTemplate: "https://s3.{region}.wasabisys.com",
    endpointRequired: true,
    pathStyle: false,
    hint: "Wasabi endpoints depend on the region.",
  },
  {
    provider: "minio",
    label: "MinIO",
    defaultRegion: "us-east-1",
    endpointTemplate: null,
    endpointRequired: true,
    pathStyle: true,
    hint: "The address of your MinIO server, e.g. http://localhost:9000.",
  },
];

/** A synced folder's status: up to date, nothing pending, unless `over` says otherwise. */
export function pairStatus(over: Partial<PairStatus> = {}): PairStatus {
  return {
    pairId: "p1",
    state: "upToDate",
    done: 0,
    total: 0,
    message: null,
    detail: null,
    errorCode: null,
    deletionsHeld: false,
    conflicts: 0,
    lastSynced: null,
    ...over,
  };
}

/** A synced folder ("team/" of "media" in /home/ann/Shared, two-way, up to date). */
export function pairInfo(over: Partial<PairInfo> = {}): PairInfo {
  return {
    id: "p1",
    connectionId: "c1",
    bucket: "media",
    prefix: "team/",
    localRoot: "/home/ann/Shared",
    mode: "TwoWay",
    paused: false,
    ignorePatterns: [],
    changeMarker: true,
    status: pairStatus(),
    ...over,
  };
}

/** What can be done to a folder's entries, each a spy (the context menu's and the toolbar's tests). */
export function folderActions(over: Partial<FolderMenuActions> = {}): FolderMenuActions {
  return {
    newFolder: vi.fn(),
    upload: vi.fn(),
    refresh: vi.fn(),
    paste: vi.fn(),
    open: vi.fn(),
    properties: vi.fn(),
    rename: vi.fn(),
    share: vi.fn(),
    quickLook: vi.fn(),
    download: vi.fn(),
    clip: vi.fn(),
    copyPaths: vi.fn(),
    delete: vi.fn(),
    ...over,
  };
}
