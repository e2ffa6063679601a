//! Scanning a sync root on disk: which files and folders exist, their identity (size, mtime,
//! inode) and content hash, and what was left out (ignored, symlinks, unreadable). Hashing is
//! gated on identity so a re-scan of an unchanged tree reads no file contents.

mod ignore_rules;
mod walk;

pub use ignore_rules::{IgnoreRules, DEFAULT_IGNORES};
pub use walk::{
    hash_changed, identity_of, scan, walk, walk_paths, ContentHash, Identity, ScanIssue, ScanIssueKind, ScanOptions,
    ScanReport, ScannedEntry, Walk, WalkedEntry,
};
