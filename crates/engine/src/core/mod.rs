//! The leaf layer: names, hashes and the plain records every other layer passes around. Pure
//! data and pure functions; it imports nothing from the rest of the crate, so anything may use
//! it without making a cycle.
//!
//! - [`model`]: validated relative paths ([`model::RelPath`]), content hashes, what each side of
//!   a sync holds, bases, modes and pair settings.
//! - [`local_name`]: the one check that turns a key into a local path.
//! - [`activity`]: the kinds of activity-feed lines and their words for people.
//! - [`stamp`]: what tells whether a local file may have changed without reading it.

pub mod activity;
pub mod local_name;
pub mod model;
pub mod stamp;

/// The folder at the root of every synced folder that Pail keeps for itself; never synced (the
/// walk skips it, and keys under `<prefix>.pail/` are not user files).
pub const RESERVED_DIR: &str = ".pail";

/// Prefix of Pail's temp files (ignored by sync scans), so a crash never leaves a partial file
/// under its final name.
pub const TEMP_PREFIX: &str = ".pail-tmp-";
