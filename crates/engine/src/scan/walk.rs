//! Walks a sync root without following symlinks and hashes what changed.

use std::collections::{BTreeMap, HashMap};
use std::fs::Metadata;
use std::path::Path;

use super::IgnoreRules;
pub use crate::core::stamp::{identity_of, Identity};
use crate::core::TEMP_PREFIX;
use crate::error::{Error, Result};

pub use crate::core::model::ContentHash;

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
    /// A folder on another disk (a mount point below the root): never entered, so an unmounted
    /// disk below the root never looks like deleted files, and nothing syncs across disks.
    OtherDisk,
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

/// What a walk found, before any file is read.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Files (with their identity) and folders, by relative `/`-separated path.
    pub entries: BTreeMap<String, WalkedEntry>,
    /// What was left out and why.
    pub issues: Vec<ScanIssue>,
    /// Pail's own temp files (relative paths) left by an interrupted download.
    pub stale_temp_files: Vec<String>,
}

/// One thing a walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkedEntry {
    /// A regular file as `lstat` saw it.
    File(Identity),
    /// A folder.
    Dir,
}

/// Scans `root`: [`walk`], then [`hash_changed`]. Blocking: run it on a blocking thread.
pub fn scan(root: &Path, options: ScanOptions<'_>) -> Result<ScanReport> {
    let walked = walk(root, options.rules)?;
    Ok(hash_changed(root, walked, options))
}

/// Lists everything under `root` with one `lstat` per file and reads no contents. Blocking:
/// run it on a blocking thread. A missing or unreadable root is an error, never an empty tree,
/// so an unmounted disk is not taken for "everything was deleted".
pub fn walk(root: &Path, rules: &IgnoreRules) -> Result<Walk> {
    let device = root_device(root)?;
    let started = std::time::Instant::now();
    let mut out = Walk::default();
    let top = std::fs::read_dir(root).map_err(|e| Error::SyncRootUnavailable {
        path: root.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut found = Vec::new();
    walk_dir(top, "", device, rules, &mut found, &mut out);
    // Each folder's names are sorted on the way, so this is (nearly) in order already and the
    // sort and the map's bulk build are linear; inserting 100,000 paths one by one was not.
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out.entries = BTreeMap::from_iter(found);
    out.issues.sort_by(|a, b| a.path.cmp(&b.path));
    out.stale_temp_files.sort();
    tracing::debug!(
        entries = out.entries.len(),
        ms = started.elapsed().as_millis() as u64,
        "walked the folder"
    );
    Ok(out)
}

/// Walks only `paths` (relative, `/`-separated, none inside another) and, for folders,
/// everything below them: what a [`walk`] of the whole root would have found at those paths.
/// Blocking: run it on a blocking thread.
///
/// Returns `Ok(None)` where the answer could differ from the whole walk's: a path whose parent
/// folders are not plain folders on the root's disk (a symlink, a mount point, unreadable), or
/// a name the whole walk treats specially. The caller then walks everything. A path that does
/// not exist (its parent folder gone too) is simply absent, as in a whole walk.
///
/// `exact_names` is for disks that ignore case or Unicode form (macOS, Windows): there `a.txt`
/// also opens `A.txt`, so every name is checked against its folder's listing, and a name the
/// disk spells otherwise declines too.
pub fn walk_paths<'a>(
    root: &Path,
    rules: &IgnoreRules,
    paths: impl IntoIterator<Item = &'a str>,
    exact_names: bool,
) -> Result<Option<Walk>> {
    let device = root_device(root)?;
    let mut out = Walk::default();
    let mut found = Vec::new();
    for rel in paths {
        let names: Vec<&str> = rel.split('/').collect();
        if rel.is_empty() || names.iter().any(|n| n.is_empty() || *n == "." || *n == "..") {
            return Ok(None);
        }
        // Pail's own folder at the root is never synced, as in a whole walk.
        if names[0] == crate::core::RESERVED_DIR {
            continue;
        }
        match parents_of(root, rules, &names, device, exact_names) {
            Parents::Entered => {}
            Parents::Gone => continue,
            Parents::Undecided => return Ok(None),
        }
        let meta = match std::fs::symlink_metadata(root.join(rel)) {
            Ok(_) if exact_names && !spelled_exactly(root, rel) => return Ok(None),
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return Ok(None),
        };
        walk_named(root, rel, &meta, device, rules, &mut found, &mut out);
    }
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    found.dedup_by(|a, b| a.0 == b.0);
    out.entries = BTreeMap::from_iter(found);
    out.issues.sort_by(|a, b| a.path.cmp(&b.path));
    out.stale_temp_files.sort();
    Ok(Some(out))
}

/// What the parent folders of a named path are to a whole walk.
enum Parents {
    /// Plain folders on the root's disk that no ignore rule covers: the walk enters them.
    Entered,
    /// One is missing or ignored: the path is absent, as in a whole walk.
    Gone,
    /// Something the whole walk should judge (a symlink, another disk, another spelling).
    Undecided,
}

/// Whether a whole walk would have entered every parent folder of the path `names` spell, so
/// that walking just that path gives the same answer.
fn parents_of(root: &Path, rules: &IgnoreRules, names: &[&str], device: u64, exact_names: bool) -> Parents {
    // Every parent must be what the whole walk would have entered: a plain folder on the
    // root's disk that no ignore rule covers.
    let mut parent = String::new();
    for name in &names[..names.len() - 1] {
        if !parent.is_empty() {
            parent.push('/');
        }
        parent.push_str(name);
        match std::fs::symlink_metadata(root.join(&parent)) {
            Ok(_) if exact_names && !spelled_exactly(root, &parent) => return Parents::Undecided,
            Ok(m) if m.is_dir() && device_of(&m) == device => {
                if rules.is_ignored_here(&parent, true) {
                    return Parents::Gone;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Parents::Gone,
            // A file where a folder was is a change the whole walk should judge.
            _ => return Parents::Undecided,
        }
    }
    Parents::Entered
}

/// Records one named path of [`walk_paths`] (`meta` from its `lstat`) as the whole walk would,
/// walking everything below it if it is a folder.
fn walk_named(
    root: &Path,
    rel: &str,
    meta: &Metadata,
    device: u64,
    rules: &IgnoreRules,
    found: &mut Vec<(String, WalkedEntry)>,
    out: &mut Walk,
) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let ft = meta.file_type();
    if rules.is_ignored_here(rel, ft.is_dir()) {
        if ft.is_file() && name.starts_with(TEMP_PREFIX) {
            out.stale_temp_files.push(rel.to_owned());
        }
        return;
    }
    if ft.is_symlink() {
        out.left_out(rel.to_owned(), ScanIssueKind::Symlink);
    } else if ft.is_dir() {
        if device_of(meta) != device {
            out.left_out(rel.to_owned(), ScanIssueKind::OtherDisk);
            return;
        }
        enter_dir(&root.join(rel), rel.to_owned(), device, rules, found, out);
    } else if ft.is_file() {
        found.push((rel.to_owned(), WalkedEntry::File(identity_of(meta))));
    } else {
        out.left_out(rel.to_owned(), ScanIssueKind::SpecialFile);
    }
}

/// Whether the folder holding `rel` lists its last name byte for byte (not only a spelling the
/// disk treats as the same).
fn spelled_exactly(root: &Path, rel: &str) -> bool {
    let (dir, name) = match rel.rsplit_once('/') {
        Some((dir, name)) => (root.join(dir), name),
        None => (root.to_path_buf(), rel),
    };
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(std::result::Result::ok)
            .any(|e| e.file_name().as_encoded_bytes() == name.as_bytes())
    })
}

/// The device of the sync root; a missing root or one that is no folder is an error, never an
/// empty tree.
fn root_device(root: &Path) -> Result<u64> {
    let unavailable = |reason: String| Error::SyncRootUnavailable {
        path: root.to_path_buf(),
        reason,
    };
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(device_of(&m)),
        Ok(_) => Err(unavailable("it is not a folder".into())),
        Err(e) => Err(unavailable(e.to_string())),
    }
}

/// Walks one folder (relative path `dir_rel`, "" for the root) and everything below it.
///
/// Hand-rolled over `std::fs::read_dir` rather than `walkdir` because this is the hot loop of
/// every pass over a large tree: each entry's `lstat` goes through the open folder
/// (`DirEntry::metadata`, one name to resolve instead of the whole path), and relative paths
/// are built by appending one name instead of re-deriving them from absolute paths.
fn walk_dir(
    entries: std::fs::ReadDir,
    dir_rel: &str,
    device: u64,
    rules: &IgnoreRules,
    found: &mut Vec<(String, WalkedEntry)>,
    out: &mut Walk,
) {
    let join = |name: &str| {
        if dir_rel.is_empty() {
            name.to_owned()
        } else {
            format!("{dir_rel}/{name}")
        }
    };
    for (name, entry) in sorted_entries(entries, dir_rel, out) {
        let name = match name.into_string() {
            Ok(name) => name,
            Err(raw) => {
                // Never entered: nothing below a name without a key can be synced.
                out.left_out(join(&raw.to_string_lossy()), ScanIssueKind::NotUtf8);
                continue;
            }
        };
        // Pail's own folder at the root (identity marker, lock, temp files) is never synced.
        if dir_rel.is_empty() && name == crate::core::RESERVED_DIR {
            continue;
        }
        walk_entry(&entry, join(&name), &name, device, rules, found, out);
    }
}

/// A folder's entries sorted by name; an entry that cannot be read is an issue of the folder.
fn sorted_entries(
    entries: std::fs::ReadDir,
    dir_rel: &str,
    out: &mut Walk,
) -> Vec<(std::ffi::OsString, std::fs::DirEntry)> {
    let mut children = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => children.push((e.file_name(), e)),
            Err(e) => out.left_out(dir_rel.to_owned(), ScanIssueKind::Unreadable(e.to_string())),
        }
    }
    children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    children
}

/// Records one entry of a folder (relative path `rel`), walking everything below it if it is
/// a folder.
fn walk_entry(
    entry: &std::fs::DirEntry,
    rel: String,
    name: &str,
    device: u64,
    rules: &IgnoreRules,
    found: &mut Vec<(String, WalkedEntry)>,
    out: &mut Walk,
) {
    let ft = match entry.file_type() {
        Ok(ft) => ft,
        Err(e) => {
            out.left_out(rel, ScanIssueKind::Unreadable(e.to_string()));
            return;
        }
    };
    // Parents were checked on the way down (an ignored folder is never entered), so only
    // the entry itself needs matching.
    if rules.is_ignored_here(&rel, ft.is_dir()) {
        if ft.is_file() && name.starts_with(TEMP_PREFIX) {
            out.stale_temp_files.push(rel);
        }
        return;
    }
    if ft.is_symlink() {
        out.left_out(rel, ScanIssueKind::Symlink);
    } else if ft.is_dir() {
        if entry.metadata().is_ok_and(|m| device_of(&m) != device) {
            out.left_out(rel, ScanIssueKind::OtherDisk);
            return;
        }
        enter_dir(&entry.path(), rel, device, rules, found, out);
    } else if ft.is_file() {
        match entry.metadata() {
            Ok(m) => found.push((rel, WalkedEntry::File(identity_of(&m)))),
            Err(e) => out.left_out(rel, ScanIssueKind::Unreadable(e.to_string())),
        }
    } else {
        out.left_out(rel, ScanIssueKind::SpecialFile);
    }
}

/// Records the folder `rel` (at `path`) and walks everything below it; a folder that cannot be
/// listed is an issue, not a failed walk.
fn enter_dir(
    path: &Path,
    rel: String,
    device: u64,
    rules: &IgnoreRules,
    found: &mut Vec<(String, WalkedEntry)>,
    out: &mut Walk,
) {
    match std::fs::read_dir(path) {
        Ok(children) => {
            found.push((rel.clone(), WalkedEntry::Dir));
            walk_dir(children, &rel, device, rules, found, out);
        }
        Err(e) => out.left_out(rel, ScanIssueKind::Unreadable(e.to_string())),
    }
}

impl Walk {
    /// Notes a path left out of the walk, and why.
    fn left_out(&mut self, path: String, kind: ScanIssueKind) {
        self.issues.push(ScanIssue { path, kind });
    }
}

/// Turns a walk into a scan: files whose identity matches `options.previous` keep their known
/// hash, every other file is read and hashed. Blocking: run it on a blocking thread.
pub fn hash_changed(root: &Path, walked: Walk, options: ScanOptions<'_>) -> ScanReport {
    let started = std::time::Instant::now();
    let mut report = ScanReport {
        issues: walked.issues,
        stale_temp_files: walked.stale_temp_files,
        ..ScanReport::default()
    };
    for (rel, entry) in walked.entries {
        match entry {
            WalkedEntry::Dir => {
                report.entries.insert(rel, ScannedEntry::Dir);
            }
            WalkedEntry::File(identity) => match scan_file(root, &rel, identity, options, &mut report) {
                Ok(scanned) => {
                    report.entries.insert(rel, scanned);
                }
                Err(e) => report.issues.push(ScanIssue {
                    path: rel,
                    kind: ScanIssueKind::Unreadable(e.to_string()),
                }),
            },
        }
    }
    tracing::debug!(
        hashed = report.hashed_files,
        ms = started.elapsed().as_millis() as u64,
        "hashed what changed"
    );
    report
}

fn scan_file(
    root: &Path,
    rel: &str,
    before: Identity,
    options: ScanOptions<'_>,
    report: &mut ScanReport,
) -> std::io::Result<ScannedEntry> {
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
    let path = root.join(rel);
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(&path)?;
    // Streams through a fixed buffer: a large file never sits in memory.
    let read = std::io::copy(&mut std::io::BufReader::with_capacity(256 * 1024, file), &mut hasher)?;
    report.hashed_files += 1;
    report.hashed_bytes += read;
    // Compared with the walk's look: a file written since then is still being written.
    let after = identity_of(&std::fs::symlink_metadata(&path)?);
    if after != before || read != before.size {
        return Ok(ScannedEntry::Unstable { identity: after });
    }
    Ok(ScannedEntry::File {
        identity: after,
        hash: ContentHash(*hasher.finalize().as_bytes()),
    })
}

/// The device a file or folder lives on (0 where the platform does not say).
pub fn device_of(m: &Metadata) -> u64 {
    #[cfg(unix)]
    return std::os::unix::fs::MetadataExt::dev(m);
    #[cfg(not(unix))]
    {
        let _ = m;
        0
    }
}
