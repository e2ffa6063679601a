-- The app's transfer queue on top of the transfer journal: which connection a queued transfer
-- belongs to (rows without one are `pail cp`'s own journal entries), how a write is conditioned
-- (name-clash policy), the last failure, and for downloads the verified temp file and the ranges
-- already in it, so a restart continues a partial download instead of starting over.
ALTER TABLE transfers ADD COLUMN connection_id TEXT;
ALTER TABLE transfers ADD COLUMN put_condition TEXT NOT NULL DEFAULT 'none';
ALTER TABLE transfers ADD COLUMN remote_etag TEXT;
ALTER TABLE transfers ADD COLUMN temp_path TEXT;
ALTER TABLE transfers ADD COLUMN error_code TEXT;
ALTER TABLE transfers ADD COLUMN error_message TEXT;
ALTER TABLE transfers ADD COLUMN error_detail TEXT;

CREATE INDEX transfers_queue ON transfers (connection_id);

-- Byte ranges of a download already written to its temp file (fixed-size chunks, by index).
CREATE TABLE transfer_chunks (
    transfer_id TEXT NOT NULL REFERENCES transfers (id) ON DELETE CASCADE,
    chunk       INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, chunk)
) WITHOUT ROWID;
