-- Conflict copies the user chose to keep beside the original ("keep both"): they leave the
-- conflicts view but stay on disk and in the bucket like any other file.
CREATE TABLE sync_conflicts_dismissed (
    pair_id TEXT NOT NULL REFERENCES sync_pairs (id) ON DELETE CASCADE,
    -- The conflict copy's RelPath string.
    path    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (pair_id, path)
) WITHOUT ROWID;
