-- What identifies a pair's local folder (see sync/folder.rs): the id in its `.pail/folder-id`
-- marker, and the device and inode it had. A path that lost both is another folder (the empty
-- mount point of an unplugged disk), never an emptied one.
CREATE TABLE sync_folder_identity (
    pair_id   TEXT PRIMARY KEY REFERENCES sync_pairs (id) ON DELETE CASCADE,
    folder_id TEXT NOT NULL,
    device    INTEGER NOT NULL,
    inode     INTEGER NOT NULL
) WITHOUT ROWID;

-- Deletions the mass-deletion guard withheld and the user has not answered yet. While a row
-- exists every deletion of a synced path stays withheld, however few there are by now.
CREATE TABLE sync_held_deletions (
    pair_id TEXT PRIMARY KEY REFERENCES sync_pairs (id) ON DELETE CASCADE,
    side    TEXT NOT NULL CHECK (side IN ('local', 'remote')),
    count   INTEGER NOT NULL,
    total   INTEGER NOT NULL,
    at      TEXT NOT NULL
) WITHOUT ROWID;

-- What a probe found out about a store (per endpoint and bucket): whether it honours the
-- conditional requests two-way sync relies on. Re-probed after a day.
CREATE TABLE store_probes (
    endpoint            TEXT NOT NULL,
    bucket              TEXT NOT NULL,
    honours_conditions  INTEGER NOT NULL,
    lacks               TEXT NOT NULL,
    detail              TEXT NOT NULL,
    probed_at           TEXT NOT NULL,
    PRIMARY KEY (endpoint, bucket)
) WITHOUT ROWID;
