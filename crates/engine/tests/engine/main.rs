//! The engine's integration tests, against real parts: a real S3 server on loopback (moto, and
//! pail-devstore as a second implementation that also checks credentials), a real SQLite file,
//! and the real Secret Service keyring (run under `dbus-run-session` with gnome-keyring; see
//! scripts/test).
//!
//! Modules:
//! - `support`: servers on free ports, temp dirs, engines with their own keyring service.
//! - `keyring_secrets`: the secret round-trips through the keyring and is in no file we write.
//! - `connection_errors`: each connection problem gets its own plain-words message.
//! - `local_scan`: walking a real folder — hashing gated on identity, symlinks, ignores.
//! - `listing`: paged, streamed folder listing, folders vs files, properties.
//! - `transfer_journal`: the one journal's rows of the queue, `pail cp` and sync pairs; the
//!   upgrade that moved sync's upload table into it.
//! - `transfer_queue`: the app's queue: folders up and down, pause, cancel, restart-resume, name clashes.
//! - `transfers`: multipart uploads in parallel parts, verified downloads, nothing left behind.
//! - `object_ops`: folder renames, moves and recursive deletes (batched), multipart copies, share
//!   links over plain HTTP, content types and versions.
//! - `object_commands`: the engine's front door for file operations (what the app calls): input
//!   checks, names in use refused, mixed selections counted and deleted, versions only where kept.
//! - `folder_history`: the time machine on a versioned bucket: a folder's tree at each moment,
//!   its timeline and changes, restore in place to each moment (every version kept, undoable,
//!   another writer's change left to them), restore into a local folder, 10,000 versions read
//!   one key at a time, and a bucket without versions explained.
//! - `aws_import`: profiles from ~/.aws files become working connections.
//! - `demo_store`: the built-in demo store starts, is seeded and resumes.
//! - `private_data`: the data folder and its files are owner-only (older installs tightened), and
//!   a damaged state DB is reported and moved aside.
//! - `sync_state`: sync pairs, bases and activity on a real SQLite file (no keyring needed).
//! - `sync_engine`: conditional writes racing other writers, and continuous mode (watcher, poller,
//!   pause).
//! - `listing_cost`: what listing a synced bucket folder costs in requests (a counting proxy).
//! - `hostile_store`: a store stuck on one listing page, one that ignores `Range`, and server
//!   error text that tries to forge log lines.

mod aws_import;
mod bandwidth;
mod connection_errors;
mod demo_store;
mod download_integrity;
mod folder_history;
mod hostile_store;
mod keyring_secrets;
mod listing;
mod listing_cost;
mod local_scan;
mod network_watch;
mod object_commands;
mod object_ops;
mod private_data;
mod support;
mod sync_engine;
mod sync_manager;
mod sync_state;
mod transfer_journal;
mod transfer_queue;
mod transfers;
mod upload_integrity;
