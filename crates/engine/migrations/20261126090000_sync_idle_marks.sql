-- What the last pass that planned nothing saw (digests of the folder walk, the bucket listing
-- and the pair's settings; see sync/idle_mark.rs). A pass that sees the same stops early.
CREATE TABLE sync_idle_marks (
    pair_id  TEXT PRIMARY KEY REFERENCES sync_pairs (id) ON DELETE CASCADE,
    local    BLOB NOT NULL,
    remote   BLOB NOT NULL,
    settings BLOB NOT NULL,
    at       TEXT NOT NULL
) WITHOUT ROWID;

-- A mark is only true of the bases it was taken against: any write to them clears it, whoever
-- writes (the session, a repair, a test), so no code path can forget to.
CREATE TRIGGER sync_base_insert_clears_idle_mark AFTER INSERT ON sync_base
BEGIN
    DELETE FROM sync_idle_marks WHERE pair_id = NEW.pair_id;
END;

CREATE TRIGGER sync_base_update_clears_idle_mark AFTER UPDATE ON sync_base
BEGIN
    DELETE FROM sync_idle_marks WHERE pair_id = OLD.pair_id OR pair_id = NEW.pair_id;
END;

CREATE TRIGGER sync_base_delete_clears_idle_mark AFTER DELETE ON sync_base
BEGIN
    DELETE FROM sync_idle_marks WHERE pair_id = OLD.pair_id;
END;

CREATE TRIGGER sync_pair_update_clears_idle_mark AFTER UPDATE ON sync_pairs
BEGIN
    DELETE FROM sync_idle_marks WHERE pair_id = OLD.id;
END;
