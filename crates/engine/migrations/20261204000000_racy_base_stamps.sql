-- A base whose local stamp was recorded within a moment of the file being written: a same-size
-- rewrite in the same clock tick could keep the stamp, so the scanner reads the file again
-- instead of trusting the recorded hash (see core::stamp::RACY_WINDOW).
ALTER TABLE sync_base ADD COLUMN stamp_racy INTEGER NOT NULL DEFAULT 0 CHECK (stamp_racy IN (0, 1));
