-- Pairs run by the `pail sync` command line have no saved connection: their credentials come
-- from the environment. `connection_id` becomes nullable; SQLite cannot relax a column in place,
-- so the three sync tables are rebuilt. Children are copied and dropped before the parent so that
-- dropping the old `sync_pairs` cascades into nothing.
CREATE TABLE sync_pairs_new (
    id              TEXT PRIMARY KEY NOT NULL,
    -- NULL: a headless pair whose credentials come from the environment.
    connection_id   TEXT REFERENCES connections (id) ON DELETE CASCADE,
    bucket          TEXT NOT NULL,
    prefix          TEXT NOT NULL CHECK (prefix = '' OR substr(prefix, -1) = '/'),
    local_root      TEXT NOT NULL UNIQUE,
    mode            TEXT NOT NULL CHECK (mode IN ('twoWay', 'uploadOnly', 'downloadOnly')),
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    ignore_patterns TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO sync_pairs_new SELECT id, connection_id, bucket, prefix, local_root, mode, paused, ignore_patterns,
    created_at, updated_at FROM sync_pairs;

CREATE TABLE sync_base_new (
    pair_id           TEXT NOT NULL REFERENCES sync_pairs_new (id) ON DELETE CASCADE,
    path              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
    hash              BLOB,
    size              INTEGER,
    local_mtime_ns    TEXT,
    local_inode       INTEGER,
    remote_etag       TEXT,
    remote_version_id TEXT,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (pair_id, path),
    CHECK (
        (kind = 'file' AND length(hash) = 32 AND size IS NOT NULL AND local_mtime_ns IS NOT NULL
            AND remote_etag IS NOT NULL)
        OR (kind = 'dir' AND hash IS NULL AND size IS NULL AND local_mtime_ns IS NULL AND local_inode IS NULL
            AND remote_etag IS NULL AND remote_version_id IS NULL)
    )
) WITHOUT ROWID;
INSERT INTO sync_base_new SELECT * FROM sync_base;

CREATE TABLE sync_activity_new (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id TEXT NOT NULL REFERENCES sync_pairs_new (id) ON DELETE CASCADE,
    at      TEXT NOT NULL,
    path    TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
INSERT INTO sync_activity_new SELECT * FROM sync_activity;

DROP TABLE sync_activity;
DROP TABLE sync_base;
DROP TABLE sync_pairs;
-- Renaming updates the REFERENCES clauses of the new child tables to the final name.
ALTER TABLE sync_pairs_new RENAME TO sync_pairs;
ALTER TABLE sync_base_new RENAME TO sync_base;
ALTER TABLE sync_activity_new RENAME TO sync_activity;
CREATE INDEX sync_pairs_connection ON sync_pairs (connection_id);
CREATE INDEX sync_activity_pair_at ON sync_activity (pair_id, at);

-- Multipart uploads the sync engine started and has not finished. Written before the first part
-- is sent, so after a crash the next run can abort them: no hidden parts left billed.
CREATE TABLE sync_uploads (
    pair_id    TEXT NOT NULL REFERENCES sync_pairs (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    upload_id  TEXT NOT NULL,
    started_at TEXT NOT NULL,
    PRIMARY KEY (pair_id, upload_id)
);
