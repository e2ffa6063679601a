//! Walks a sync root without following symlinks and hashes what changed.

use std::collections::{BTreeMap, HashMap};
use std::fs::Metadata;
use std::path::Path;

use walkdir::WalkDir;

use super::IgnoreRules;
use crate::error::{Error, Result};
use crate::remote::TEMP_PREFIX;

pub use crate::sync::ContentHash;

/// What tells whether a file may have changed without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Size in bytes.
    pub size: u64,
    /// The later of the modification and (on Unix) status-change times, nanoseconds since the
    /// Unix epoch. The change time cannot be set back by programs, so an edit that keeps size and
    /// restores the old mtime still shows here.
    pub mtime_ns: i128,
    /// Inode (0 where the platform has none); a replaced file gets a new one even with equal size and mtime.
    pub inode: u64,
}

/// One thing found under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannedEntry {
    /// A regular file with its content hash.
    File {
        /// Size, mtime, inode when hashed.
        identity: Identity,
        /// Content hash.
        hash: ContentHash,
    },
    /// A file that changed while it was being read (still being written): sync must leave it
    /// alone this round, neither uploading a torn copy nor taking it as deleted.
    Unstable {
        /// Identity at the last look.
        identity: Identity,
    },
    /// A folder (kept so empty folders sync as folder markers).
    Dir,
}

/// Why something under the root was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanIssueKind {
    /// A symbolic link: never followed, so nothing outside the root is read or written.
    Symlink,
    /// A name that is not valid UTF-8 and so has no S3 key.
    NotUtf8,
    /// A device, socket or pipe.
    SpecialFile,
    /// The OS refused to read it.
    Unreadable(String),
}

/// A path left out of the scan, for the user's warnings list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanIssue {
    /// Relative path (lossy for non-UTF-8 names).
    pub path: String,
    /// Why.
    pub kind: ScanIssueKind,
}

/// The result of one scan.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Everything found, by relative `/`-separated path.
    pub entries: BTreeMap<String, ScannedEntry>,
    /// What was left out and why.
    pub issues: Vec<ScanIssue>,
    /// How many files were read to hash them (0 for an unchanged tree).
    pub hashed_files: usize,
    /// How many bytes were read to hash.
    pub hashed_bytes: u64,
    /// Pail's own temp files (relative paths) left by an interrupted download.
    pub stale_temp_files: Vec<String>,
}

/// How to scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions<'a> {
    /// Ignore rules of the pair.
    pub rules: &'a IgnoreRules,
    /// Identity and hash from the last scan, by path: unchanged identity reuses the hash.
    pub previous: &'a HashMap<String, (Identity, ContentHash)>,
    /// Hash every file regardless of identity (the periodic full pass that catches a change
    /// which kept size, mtime and inode).
    pub full_hash: bool,
}

/// Scans `root`. Blocking: run it on a blocking thread. A missing or unreadable root is an
/// error, never an empty tree, so an unmounted disk is not taken for "everything was deleted".
pub fn scan(root: &Path, options: ScanOptions<'_>) -> Result<ScanReport> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::SyncRootUnavailable {
                path: root.to_path_buf(),
                reason: "it is not a folder".into(),
            })
        }
        Err(e) => {
            return Err(Error::SyncRootUnavailable {
                path: root.to_path_buf(),
                reason: e.to_string(),
            })
        }
    }
    let started = std::time::Instant::now();
    let mut report = ScanReport::default();
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter();
    let mut temps = Vec::new();
    let mut walker = walker.filter_entry(|e| match relative(root, e.path()) {
        Some(rel) => {
            let is_dir = e.file_type().is_dir();
            let ignored = options.rules.is_ignored(&rel, is_dir);
            if ignored && !is_dir && e.file_type().is_file() && e.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            {
                temps.push(rel);
            }
            !ignored
        }
        None => true,
    });
    while let Some(next) = walker.next() {
        let entry = match next {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().and_then(|p| relative(root, p)).unwrap_or_default();
                if e.depth() == 0 {
                    return Err(Error::SyncRootUnavailable {
                        path: root.to_path_buf(),
                        reason: e.to_string(),
                    });
                }
                report.issues.push(ScanIssue {
                    path,
                    kind: ScanIssueKind::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        let Some(rel) = relative(root, entry.path()) else {
            let path = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .into_owned();
            report.issues.push(ScanIssue {
                path,
                kind: ScanIssueKind::NotUtf8,
            });
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        };
        let ft = entry.file_type();
        if ft.is_symlink() {
            report.issues.push(ScanIssue {
                path: rel,
                kind: ScanIssueKind::Symlink,
            });
        } else if ft.is_dir() {
            report.entries.insert(rel, ScannedEntry::Dir);
        } else if ft.is_file() {
            match scan_file(entry.path(), &rel, options, &mut report) {
                Ok(scanned) => {
                    report.entries.insert(rel, scanned);
                }
                Err(e) => report.issues.push(ScanIssue {
                    path: rel,
                    kind: ScanIssueKind::Unreadable(e.to_string()),
                }),
            }
        } else {
            report.issues.push(ScanIssue {
                path: rel,
                kind: ScanIssueKind::SpecialFile,
            });
        }
    }
    drop(walker);
    report.stale_temp_files = temps;
    tracing::debug!(
        entries = report.entries.len(),
        hashed = report.hashed_files,
        ms = started.elapsed().as_millis() as u64,
        "walked the folder"
    );
    Ok(report)
}

fn scan_file(
    path: &Path,
    rel: &str,
    options: ScanOptions<'_>,
    report: &mut ScanReport,
) -> std::io::Result<ScannedEntry> {
    let before = identity_of(&std::fs::symlink_metadata(path)?);
    if !options.full_hash {
        if let Some((known, hash)) = options.previous.get(rel) {
            if *known == before {
                return Ok(ScannedEntry::File {
                    identity: before,
                    hash: *hash,
                });
            }
        }
    }
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path)?;
    // Streams through a fixed buffer: a large file never sits in memory.
    let read = std::io::copy(&mut std::io::BufReader::with_capacity(256 * 1024, file), &mut hasher)?;
    report.hashed_files += 1;
    report.hashed_bytes += read;
    let after = identity_of(&std::fs::symlink_metadata(path)?);
    if after != before || read != before.size {
        return Ok(ScannedEntry::Unstable { identity: after });
    }
    Ok(ScannedEntry::File {
        identity: after,
        hash: ContentHash(*hasher.finalize().as_bytes()),
    })
}

/// The identity of a file from its metadata (taken without following symlinks).
pub fn identity_of(m: &Metadata) -> Identity {
    let mtime_ns = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(m);
    #[cfg(unix)]
    let mtime_ns = {
        use std::os::unix::fs::MetadataExt;
        let ctime_ns = i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec());
        mtime_ns.max(ctime_ns)
    };
    #[cfg(not(unix))]
    let inode = 0;
    Identity {
        size: m.len(),
        mtime_ns,
        inode,
    }
}

/// The `/`-separated path of `path` under `root`; None for names that are not UTF-8.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        parts.push(c.as_os_str().to_str()?);
    }
    Some(parts.join("/"))
}
