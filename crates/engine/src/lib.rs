//! Pail's engine: everything the desktop app and the `pail` command line share, with no GUI
//! dependency.
//!
//! Where things are:
//! - [`core`]: the leaf layer — paths, hashes, stamps and the records the other layers share.
//! - [`engine`]: the front door — connections, buckets, folders, the demo store.
//! - [`connections`] and [`providers`]: what a connection is, its validation and provider presets.
//! - [`secrets`]: the OS keyring, the only place a secret key is stored.
//! - [`state`]: the SQLite state DB (migrations in `migrations/`).
//! - [`private_files`]: Pail's own folders and files made readable by their owner only.
//! - [`remote`]: S3 clients, error classification, paged folder listing.
//! - [`scan`]: walking a sync folder — ignore rules, symlinks reported not followed, hashing gated on identity.
//! - [`transfers`]: the restart-safe queue of uploads and downloads the app shows.
//! - [`sync`]: two-way sync — the pure reconcile planner, its state model and conflict-copy names.
//! - [`aws_profiles`]: importing `~/.aws` profiles through the SDK's parser.
//! - [`demo`]: the built-in loopback demo store.
//! - [`error`]: the error type and the one place that words errors for people.
//! - [`untrusted_text`]: server text and keys escaped before they reach a log or a terminal.
#![deny(missing_docs)]

pub mod aws_profiles;
pub mod connections;
pub mod core;
pub mod demo;
pub mod download_mark;
pub mod engine;
pub mod error;
pub mod history;
pub mod preferences;
pub mod prefix;
pub mod prices;
pub mod private_files;
pub mod providers;
pub mod remote;
pub mod scan;
pub mod secrets;
pub mod state;
pub mod sync;
pub mod transfers;
pub mod untrusted_text;

pub use engine::{BucketList, Engine, EngineConfig, TestReport};

/// The app's identifier; its data folder is `<OS data dir>/<APP_IDENTIFIER>` (Tauri's app_data_dir).
pub const APP_IDENTIFIER: &str = "app.pail.desktop";

/// Environment variable that moves the data folder (tests and portable installs).
pub const DATA_DIR_ENV: &str = "PAIL_DATA_DIR";

/// Pail's data folder, one rule for the app and `pail`: `$PAIL_DATA_DIR` if set, else the
/// system's per-user data folder + [`APP_IDENTIFIER`] (where Tauri's `app_data_dir` points, so
/// the command line finds the app's state).
pub fn data_dir() -> Result<std::path::PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) => Ok(std::path::PathBuf::from(dir)),
        None => dirs::data_dir()
            .map(|d| d.join(APP_IDENTIFIER))
            .ok_or_else(|| Error::InvalidInput(format!("Pail could not find your data folder; set {DATA_DIR_ENV}."))),
    }
}
pub use error::{Error, ErrorCode, Result};
