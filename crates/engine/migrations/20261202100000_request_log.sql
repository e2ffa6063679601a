-- Requests each pair sent to its store, per UTC hour, so the app can show what syncing costs
-- (providers bill per request). Rows older than 30 days are pruned.
CREATE TABLE sync_requests (
    pair_id TEXT NOT NULL REFERENCES sync_pairs (id) ON DELETE CASCADE,
    -- The start of the UTC hour, RFC 3339 ("2026-12-02T08:00:00Z"): text order is time order.
    hour    TEXT NOT NULL,
    list    INTEGER NOT NULL DEFAULT 0,
    head    INTEGER NOT NULL DEFAULT 0,
    get     INTEGER NOT NULL DEFAULT 0,
    put     INTEGER NOT NULL DEFAULT 0,
    del     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pair_id, hour)
) WITHOUT ROWID;
