-- Whether the pair uses the bucket folder's change marker (`<prefix>.pail/changed`, see
-- sync/change_marker.rs). Off: nothing is written under `.pail/`, and every poll lists the
-- bucket folder (slower to notice, dearer at the store).
ALTER TABLE sync_pairs ADD COLUMN change_marker INTEGER NOT NULL DEFAULT 1;
