-- Sync pairs: a local folder kept in step with `bucket/prefix` through a connection.
CREATE TABLE sync_pairs (
    id              TEXT PRIMARY KEY NOT NULL,
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    bucket          TEXT NOT NULL,
    -- "" (the whole bucket) or ending with "/", so `prefix || path` is always the object key.
    prefix          TEXT NOT NULL CHECK (prefix = '' OR substr(prefix, -1) = '/'),
    -- Two pairs on one folder would fight over every file, hence UNIQUE.
    local_root      TEXT NOT NULL UNIQUE,
    mode            TEXT NOT NULL CHECK (mode IN ('twoWay', 'uploadOnly', 'downloadOnly')),
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- gitignore lines joined by "\n"; a pattern can never contain a newline, so this is lossless.
    ignore_patterns TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE INDEX sync_pairs_connection ON sync_pairs (connection_id);

-- The last synced state of each path of a pair: the base of the three-way comparison.
-- WITHOUT ROWID: every lookup and the per-pair full load go through (pair_id, path), so the rows
-- live in the primary-key b-tree itself instead of a second index.
CREATE TABLE sync_base (
    pair_id           TEXT NOT NULL REFERENCES sync_pairs (id) ON DELETE CASCADE,
    -- The RelPath string; folders end with "/".
    path              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
    hash              BLOB,
    size              INTEGER,
    -- Nanoseconds since the epoch as a decimal string: the value is an i128 and SQLite integers
    -- are 64-bit. One exact, human-readable column; the engine never compares it in SQL.
    local_mtime_ns    TEXT,
    -- The u64 inode bit-cast to i64 (SQLite integers are signed); NULL where the OS has none.
    local_inode       INTEGER,
    remote_etag       TEXT,
    remote_version_id TEXT,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (pair_id, path),
    -- A file row carries everything the planner compares; a folder row carries nothing.
    CHECK (
        (kind = 'file' AND length(hash) = 32 AND size IS NOT NULL AND local_mtime_ns IS NOT NULL
            AND remote_etag IS NOT NULL)
        OR (kind = 'dir' AND hash IS NULL AND size IS NULL AND local_mtime_ns IS NULL AND local_inode IS NULL
            AND remote_etag IS NULL AND remote_version_id IS NULL)
    )
) WITHOUT ROWID;

-- What the engine did, newest first in the UI's activity feed.
CREATE TABLE sync_activity (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id TEXT NOT NULL REFERENCES sync_pairs (id) ON DELETE CASCADE,
    -- RFC 3339 UTC with fixed microsecond precision, so text order is time order.
    at      TEXT NOT NULL,
    -- Plain text, not a RelPath: skipped hostile keys (`../x`) are reported here too.
    path    TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sync_activity_pair_at ON sync_activity (pair_id, at);
