-- Connections: everything needed to reach a store except the secret, which lives in the OS keyring
-- under the connection id.
CREATE TABLE connections (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    provider        TEXT NOT NULL,
    endpoint        TEXT,
    region          TEXT NOT NULL,
    path_style      INTEGER NOT NULL,
    access_key_id   TEXT NOT NULL,
    credential_kind TEXT NOT NULL CHECK (credential_kind IN ('keyring', 'awsProfile')),
    aws_profile     TEXT,
    position        INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Buckets the user opened by name, for keys that may not list all buckets.
CREATE TABLE pinned_buckets (
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    bucket        TEXT NOT NULL,
    PRIMARY KEY (connection_id, bucket)
);

-- Small app-wide facts (e.g. which connection is the built-in demo store).
CREATE TABLE app_settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
