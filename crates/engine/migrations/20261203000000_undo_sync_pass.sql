-- Undo a sync pass: the lines of one pass share `pass_id`; `undo` holds what putting a line's
-- change back needs (JSON, see core/activity.rs `UndoNote`; NULL when there is nothing to put
-- back); `undone_at` is set once the pass was undone, so it is not undone twice.
ALTER TABLE sync_activity ADD COLUMN pass_id TEXT;
ALTER TABLE sync_activity ADD COLUMN undo TEXT;
ALTER TABLE sync_activity ADD COLUMN undone_at TEXT;
CREATE INDEX sync_activity_pass ON sync_activity (pair_id, pass_id);
