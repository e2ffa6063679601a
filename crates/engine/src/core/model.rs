//! The state types the planner reads and the state DB keeps: validated paths, what each side
//! holds, the last synced base, the pair's settings, idle marks and folder identities. Pure data;
//! nothing here touches a disk or the network.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest name one path segment may have, in bytes: the common limit of local file systems.
pub const MAX_SEGMENT_BYTES: usize = 255;

/// A validated path relative to the sync root, with `/` separators.
///
/// Maps 1:1 to the object key under the pair's prefix. A folder ends with `/` (`photos/2024/`),
/// exactly like its zero-byte marker key, so a file `a` and a folder `a/` are different paths and a
/// clash between them is visible to the planner instead of being hidden by the caller.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RelPath(String);

/// Why a key cannot be a local path. These keys are skipped with a visible warning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelPathError {
    /// The key is the prefix itself.
    #[error("the path is empty")]
    Empty,
    /// The key does not start with the pair's prefix (a listing bug, never synced).
    #[error("the key is outside the synced prefix")]
    OutsidePrefix,
    /// A leading `/` would escape the sync root on some systems.
    #[error("the path starts with `/`")]
    Absolute,
    /// `a//b`: no local file system can hold an empty name.
    #[error("the path has an empty segment (`//`)")]
    EmptySegment,
    /// `.` names the folder itself.
    #[error("the path has a `.` segment")]
    DotSegment,
    /// `..` would write outside the sync root.
    #[error("the path has a `..` segment")]
    DotDotSegment,
    /// NUL ends a path in every OS API.
    #[error("the path contains a NUL character")]
    Nul,
    /// A backslash is a separator on Windows, so `a\b` would not round-trip.
    #[error("the path contains a backslash")]
    Backslash,
    /// Local file systems limit one name to 255 bytes.
    #[error("a name is {len} bytes long; the limit is {MAX_SEGMENT_BYTES}")]
    SegmentTooLong {
        /// Length of the offending segment in bytes.
        len: usize,
    },
}

impl RelPath {
    /// Validates `s`; a trailing `/` makes it a folder path.
    pub fn new(s: impl Into<String>) -> Result<Self, RelPathError> {
        let s = s.into();
        validate(&s)?;
        Ok(Self(s))
    }

    /// The path of the object `key` under `prefix` (`""` or ending with `/`). The prefix's own
    /// marker (`key == prefix`) gives [`RelPathError::Empty`]: it is the root, not an entry.
    pub fn from_key(prefix: &str, key: &str) -> Result<Self, RelPathError> {
        key.strip_prefix(prefix)
            .ok_or(RelPathError::OutsidePrefix)
            .and_then(RelPath::new)
    }

    /// The object key of this path under `prefix` (`""` or ending with `/`).
    pub fn to_key(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.0)
    }

    /// The path as written, with a trailing `/` for folders.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this names a folder (ends with `/`).
    pub fn is_dir(&self) -> bool {
        self.0.ends_with('/')
    }

    /// The path without a folder's trailing `/`.
    pub fn trimmed(&self) -> &str {
        self.0.strip_suffix('/').unwrap_or(&self.0)
    }

    /// The last segment, without a folder's trailing `/`.
    pub fn name(&self) -> &str {
        let t = self.trimmed();
        t.rsplit_once('/').map_or(t, |(_, name)| name)
    }

    /// The folder that holds this path, or `None` at the top of the sync root.
    pub fn parent(&self) -> Option<RelPath> {
        self.trimmed()
            .rsplit_once('/')
            .map(|(parent, _)| RelPath(format!("{parent}/")))
    }

    /// Every enclosing folder, nearest first.
    pub fn ancestors(&self) -> impl Iterator<Item = RelPath> {
        std::iter::successors(self.parent(), RelPath::parent)
    }

    /// A sibling of this path named `name` (same folder, file kind).
    pub fn sibling(&self, name: &str) -> Result<RelPath, RelPathError> {
        match self.parent() {
            Some(parent) => RelPath::new(format!("{}{name}", parent.0)),
            None => RelPath::new(name),
        }
    }

    /// Whether `self` lies strictly inside the folder `dir`.
    pub fn is_inside(&self, dir: &RelPath) -> bool {
        dir.is_dir() && self.0.len() > dir.0.len() && self.0.starts_with(&dir.0)
    }
}

fn validate(s: &str) -> Result<(), RelPathError> {
    if s.is_empty() {
        return Err(RelPathError::Empty);
    }
    if s.starts_with('/') {
        return Err(RelPathError::Absolute);
    }
    if s.contains('\0') {
        return Err(RelPathError::Nul);
    }
    if s.contains('\\') {
        return Err(RelPathError::Backslash);
    }
    // A single trailing `/` is the folder marker; anything else empty is `a//b`.
    let body = s.strip_suffix('/').unwrap_or(s);
    for segment in body.split('/') {
        match segment {
            "" => return Err(RelPathError::EmptySegment),
            "." => return Err(RelPathError::DotSegment),
            ".." => return Err(RelPathError::DotDotSegment),
            _ if segment.len() > MAX_SEGMENT_BYTES => return Err(RelPathError::SegmentTooLong { len: segment.len() }),
            _ => {}
        }
    }
    Ok(())
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RelPath {
    type Error = RelPathError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        RelPath::new(s)
    }
}

impl From<RelPath> for String {
    fn from(p: RelPath) -> String {
        p.0
    }
}

// Lets sets of paths be range-queried by `&str` prefix; sound because Ord/Eq are the String's.
impl Borrow<str> for RelPath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A content hash (blake3 of the file's bytes); the planner only compares them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContentHash(pub [u8; 32]);

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Eight hex digits are enough to tell hashes apart in test failures and logs.
        write!(f, "ContentHash(")?;
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// Whether an ETag is the MD5 of the whole object (single-part uploads without SSE-KMS): 32 hex
/// digits, where multipart ETags carry a `-N` suffix.
pub fn etag_is_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Which side an effect applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Side {
    /// The local folder.
    Local,
    /// The bucket prefix.
    Remote,
}

/// Digests of one pass's view of both sides and of the settings it planned with (see
/// `sync::idle_mark`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleMark {
    /// The folder walk.
    pub local: [u8; 32],
    /// The bucket listing.
    pub remote: [u8; 32],
    /// Everything besides the two sides that shapes a plan.
    pub settings: [u8; 32],
}

/// What identifies a synced folder across runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderIdentity {
    /// A random id written into `.pail/folder-id` the first time the folder is synced.
    pub folder_id: String,
    /// The device the folder was on.
    pub device: u64,
    /// The folder's inode.
    pub inode: u64,
}

/// A local regular file as the scanner saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalFile {
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch (the scanner uses the later of mtime
    /// and ctime, so restoring an old mtime does not hide an edit).
    pub mtime_ns: i128,
    /// Inode (file id on Windows) where the OS has one; lets the scanner notice replaced files.
    pub inode: Option<u64>,
    /// Content hash; the only thing the planner uses to decide "changed".
    pub hash: ContentHash,
}

/// What the scanner found at a path on the local disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LocalState {
    /// A regular file (at a file path).
    File(LocalFile),
    /// An empty folder (at a folder path). A folder with anything in it need not be reported: the
    /// planner infers it from the paths inside.
    Dir,
    /// A symbolic link (never followed, never synced; reported as a warning).
    Symlink,
}

/// An object under the pair's prefix as the listing saw it: a file, or a folder marker when the
/// path ends with `/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteState {
    /// ETag without quotes; changes whenever the object is rewritten.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// Version id where the bucket keeps versions.
    pub version_id: Option<String>,
    /// The content hash Pail records in object metadata; `None` for objects written by other tools,
    /// whose identity with a local file is then unknown.
    pub hash: Option<ContentHash>,
}

/// A file as both sides held it at the last successful sync of its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseFile {
    /// The content both sides agreed on.
    pub hash: ContentHash,
    /// Size in bytes.
    pub size: u64,
    /// Local modification time then; the scanner uses it to skip re-hashing.
    pub local_mtime_ns: i128,
    /// Local inode then; the scanner uses it to skip re-hashing.
    pub local_inode: Option<u64>,
    /// Remote ETag then; a different ETag now means the object was rewritten.
    pub remote_etag: String,
    /// Remote version id then, where the bucket keeps versions.
    pub remote_version_id: Option<String>,
    /// The local stamp was recorded so soon after a write that a same-size rewrite in the same
    /// clock tick could have kept it (see [`crate::core::stamp::RACY_WINDOW`]): it vouches for
    /// nothing until recorded again later.
    #[serde(default)]
    pub stamp_racy: bool,
}

impl BaseFile {
    /// The base recorded when `local` and `remote` are known to hold the content `hash`.
    pub fn agreed(hash: ContentHash, local: &LocalFile, remote: &RemoteState) -> Self {
        Self {
            hash,
            size: local.size,
            local_mtime_ns: local.mtime_ns,
            local_inode: local.inode,
            remote_etag: remote.etag.clone(),
            remote_version_id: remote.version_id.clone(),
            stamp_racy: false,
        }
    }

    /// Whether the scanner's stat data for `local` still matches, so nothing needs re-recording.
    /// A racy stamp never does: recording it again, once it is old, makes it vouch.
    pub fn same_stamp(&self, local: &LocalFile) -> bool {
        !self.stamp_racy
            && self.size == local.size
            && self.local_mtime_ns == local.mtime_ns
            && self.local_inode == local.inode
    }
}

/// The last synced state of one path: what the three-way comparison compares against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BaseState {
    /// A file both sides held.
    File(BaseFile),
    /// A folder both sides held (locally as a folder, remotely as a marker object).
    Dir,
}

/// Everything known about one path: the base and both sides now. `None` means absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathView {
    /// The last synced state, `None` if the path was never synced (or was forgotten).
    pub base: Option<BaseState>,
    /// The local disk now.
    pub local: Option<LocalState>,
    /// The bucket now.
    pub remote: Option<RemoteState>,
}

/// Which way a pair syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Mode {
    /// Changes flow both ways.
    TwoWay,
    /// Local changes go to the bucket; nothing local is ever changed or deleted.
    UploadOnly,
    /// Bucket changes come down; nothing in the bucket is ever changed or deleted.
    DownloadOnly,
}

/// When a pass would delete too much, the pair pauses and asks instead (unmounted disk, emptied
/// prefix). It trips when deletions on one side exceed `max(min_count, max_fraction × base paths)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MassDeleteGuard {
    /// Fraction of the synced paths (0.0–1.0) one pass may delete on one side.
    pub max_fraction: f64,
    /// Deletions up to this count never trip the guard, so small folders are not nagged.
    pub min_count: usize,
}

impl Default for MassDeleteGuard {
    fn default() -> Self {
        Self {
            max_fraction: 0.5,
            min_count: 50,
        }
    }
}

/// What the user said about deletions the guard would withhold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DeletionConsent {
    /// The guard decides: too many deletions on one side, or a side that lost every file,
    /// are withheld.
    #[default]
    Guarded,
    /// An earlier pass tripped the guard and the user has not answered yet: every deletion of a
    /// synced path stays withheld, however few there are now (files downloaded meanwhile must not
    /// dilute the count the guard measured).
    Held,
    /// The user confirmed: deletions run whatever their number.
    Confirmed,
}

/// The settings of one local-folder/prefix pair that the planner needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSettings {
    /// Which way changes flow.
    pub mode: Mode,
    /// This computer's name, written into conflict-copy names.
    pub host_name: String,
    /// The time written into conflict-copy names, given by the caller (usually local wall time).
    pub now: chrono::NaiveDateTime,
    /// The mass-deletion guard's threshold.
    pub mass_delete_guard: MassDeleteGuard,
    /// Whether deletions the guard would withhold may run.
    pub deletion_consent: DeletionConsent,
    /// The local disk folds case (macOS and Windows defaults): names differing only by case clash.
    pub case_insensitive_fs: bool,
    /// The local disk follows Windows naming rules: reserved and trailing-dot names are skipped.
    pub windows_names: bool,
}

impl PairSettings {
    /// Two-way settings for this host with the default guard and the host OS's naming rules.
    pub fn new(host_name: impl Into<String>, now: chrono::NaiveDateTime) -> Self {
        Self {
            mode: Mode::TwoWay,
            host_name: host_name.into(),
            now,
            mass_delete_guard: MassDeleteGuard::default(),
            deletion_consent: DeletionConsent::Guarded,
            case_insensitive_fs: cfg!(any(target_os = "macos", target_os = "windows")),
            windows_names: cfg!(target_os = "windows"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_files_and_folders() {
        for ok in [
            "a",
            "a.txt",
            "dir/sub/file.tar.gz",
            "dir/",
            "dir/sub/",
            ".env",
            "été/naïve ☃.md",
            "a b/c d",
        ] {
            assert!(RelPath::new(ok).is_ok(), "{ok} should be valid");
        }
        assert!(RelPath::new("dir/").unwrap().is_dir());
        assert!(!RelPath::new("dir/x").unwrap().is_dir());
    }

    #[test]
    fn rejects_hostile_keys_with_a_reason() {
        let long = "x".repeat(256);
        let cases: Vec<(String, RelPathError)> = vec![
            ("".into(), RelPathError::Empty),
            ("../x".into(), RelPathError::DotDotSegment),
            ("a/../../b".into(), RelPathError::DotDotSegment),
            ("a/..".into(), RelPathError::DotDotSegment),
            ("./a".into(), RelPathError::DotSegment),
            ("/abs".into(), RelPathError::Absolute),
            ("/".into(), RelPathError::Absolute),
            ("a//b".into(), RelPathError::EmptySegment),
            ("a//".into(), RelPathError::EmptySegment),
            ("x\\y".into(), RelPathError::Backslash),
            ("..\\x".into(), RelPathError::Backslash),
            ("a\0b".into(), RelPathError::Nul),
            (long.clone(), RelPathError::SegmentTooLong { len: 256 }),
            (format!("dir/{long}/f"), RelPathError::SegmentTooLong { len: 256 }),
        ];
        for (key, want) in cases {
            assert_eq!(RelPath::new(key.clone()), Err(want), "key {key:?}");
        }
        // 255 bytes is the limit, counted in bytes rather than characters.
        assert!(RelPath::new("x".repeat(255)).is_ok());
        assert_eq!(
            RelPath::new("é".repeat(128)),
            Err(RelPathError::SegmentTooLong { len: 256 })
        );
        // Errors explain themselves for the warning shown to the user.
        assert_eq!(RelPathError::DotDotSegment.to_string(), "the path has a `..` segment");
    }

    #[test]
    fn keys_map_to_paths_one_to_one() {
        let p = RelPath::from_key("team/docs/", "team/docs/a/b.txt").unwrap();
        assert_eq!(p.as_str(), "a/b.txt");
        assert_eq!(p.to_key("team/docs/"), "team/docs/a/b.txt");
        let marker = RelPath::from_key("team/docs/", "team/docs/empty/").unwrap();
        assert!(marker.is_dir());
        assert_eq!(marker.to_key("team/docs/"), "team/docs/empty/");
        assert_eq!(RelPath::from_key("", "x").unwrap().to_key(""), "x");
        assert_eq!(RelPath::from_key("team/docs/", "team/docs/"), Err(RelPathError::Empty));
        assert_eq!(
            RelPath::from_key("team/docs/", "team/other"),
            Err(RelPathError::OutsidePrefix)
        );
        assert_eq!(RelPath::from_key("p/", "p/../x"), Err(RelPathError::DotDotSegment));
        assert_eq!(RelPath::from_key("p/", "p//x"), Err(RelPathError::Absolute));
    }

    #[test]
    fn deserialising_validates_too() {
        assert!(serde_json::from_str::<RelPath>("\"../etc/passwd\"").is_err());
        assert_eq!(
            serde_json::from_str::<RelPath>("\"a/b\"").unwrap(),
            RelPath::new("a/b").unwrap()
        );
    }

    #[test]
    fn parents_names_and_siblings() {
        let p = RelPath::new("a/b/c.txt").unwrap();
        assert_eq!(p.name(), "c.txt");
        assert_eq!(p.parent(), Some(RelPath::new("a/b/").unwrap()));
        let ancestors: Vec<String> = p.ancestors().map(String::from).collect();
        assert_eq!(ancestors, ["a/b/", "a/"]);
        assert_eq!(p.sibling("d").unwrap().as_str(), "a/b/d");
        let top = RelPath::new("top.txt").unwrap();
        assert_eq!(top.parent(), None);
        assert_eq!(top.sibling("x").unwrap().as_str(), "x");
        let dir = RelPath::new("a/b/").unwrap();
        assert_eq!(dir.name(), "b");
        assert_eq!(dir.parent(), Some(RelPath::new("a/").unwrap()));
        assert!(p.is_inside(&dir));
        assert!(!dir.is_inside(&dir));
        assert!(!RelPath::new("a/bc").unwrap().is_inside(&RelPath::new("a/b/").unwrap()));
    }
}
