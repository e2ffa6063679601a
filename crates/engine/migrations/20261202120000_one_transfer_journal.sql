-- One journal for every multipart upload and ranged download: the sync engine's uploads move from
-- `sync_uploads` into `transfers`, marked with the pair they belong to. A pair's rows are never
-- queue rows (no connection_id) nor `pail cp`'s (no pair_id).
ALTER TABLE transfers ADD COLUMN pair_id TEXT REFERENCES sync_pairs (id) ON DELETE CASCADE;

INSERT INTO transfers (id, direction, bucket, key, local_path, size, mtime_ns, upload_id, state,
                       created_at, updated_at, pair_id)
SELECT u.upload_id, 'upload', p.bucket, u.key, '', 0, '0', u.upload_id, 'running',
       u.started_at, u.started_at, u.pair_id
FROM sync_uploads u JOIN sync_pairs p ON p.id = u.pair_id;

DROP TABLE sync_uploads;

CREATE INDEX transfers_pair ON transfers (pair_id) WHERE pair_id IS NOT NULL;
