-- The transfer queue: what is being uploaded or downloaded, so that after a crash or restart
-- unfinished transfers resume (multipart uploads without re-sending finished parts) and
-- cancelled or abandoned ones are cleaned up.
CREATE TABLE transfers (
    id          TEXT PRIMARY KEY NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('upload', 'download')),
    bucket      TEXT NOT NULL,
    key         TEXT NOT NULL,
    local_path  TEXT NOT NULL,
    -- The local file's size and stamp when queued: a changed file is not resumed but restarted.
    size        INTEGER NOT NULL,
    mtime_ns    TEXT NOT NULL,
    -- The multipart upload in progress, once started.
    upload_id   TEXT,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'failed', 'done', 'cancelled')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE INDEX transfers_file ON transfers (direction, local_path, bucket, key);

-- Parts of a multipart upload the store has confirmed.
CREATE TABLE transfer_parts (
    transfer_id TEXT NOT NULL REFERENCES transfers (id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    etag        TEXT NOT NULL,
    crc32       TEXT,
    PRIMARY KEY (transfer_id, part_number)
) WITHOUT ROWID;
