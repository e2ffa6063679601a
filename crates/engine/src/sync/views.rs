//! Builds the planner's input from what the scanner and the lister found: one [`PathView`] per
//! path, with hostile keys, ignored names and files still being written left out (and reported).
//! Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::{BaseState, LocalFile, LocalState, PathView, RelPath, RemoteState};
use crate::remote::ListedObject;
use crate::scan::{IgnoreRules, ScanIssue, ScanIssueKind, ScanReport, ScannedEntry};
use crate::sync::ContentHash;

/// A path left out of syncing, for the user's warnings list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncWarning {
    /// The path or key as text (it may not be a valid path).
    pub path: String,
    /// Which side it is on.
    pub side: super::Side,
    /// Why, in words.
    pub reason: String,
}

/// The local side as the planner wants it.
#[derive(Debug, Default)]
pub struct LocalSnapshot {
    /// Files, symlinks and *empty* folders by path.
    pub states: BTreeMap<RelPath, LocalState>,
    /// Files that changed while being read: left alone this pass, retried on the next.
    pub unstable: BTreeSet<RelPath>,
    /// Paths the scan could not see (unreadable, another disk, a name with no key), as
    /// `/`-separated text without a trailing `/`: each is held with everything below it, on both
    /// sides, bases kept. Not seeing a path is never evidence that it was deleted.
    pub held: BTreeSet<String>,
    /// Symbolic links: the link itself is reported by the planner, but whatever synced below its
    /// name before is held as above.
    pub held_below: BTreeSet<String>,
    /// What was left out.
    pub warnings: Vec<SyncWarning>,
}

impl LocalSnapshot {
    /// Whether `path` lies in (or is) a part of the tree the scan could not see, or is a folder
    /// that holds such a part (its marker is left alone too: the folder is not empty).
    pub fn is_held(&self, path: &RelPath) -> bool {
        if self.held.is_empty() && self.held_below.is_empty() {
            return false;
        }
        let text = path.trimmed();
        if self.held.contains("") || self.held.contains(text) {
            return true;
        }
        if path.ancestors().any(|dir| {
            let d = dir.trimmed();
            self.held.contains(d) || self.held_below.contains(d)
        }) {
            return true;
        }
        // A folder with a held path inside.
        path.is_dir()
            && self
                .held
                .iter()
                .chain(&self.held_below)
                .any(|h| h.len() > text.len() && h.starts_with(text) && h.as_bytes()[text.len()] == b'/')
    }
}

/// Turns a scan into planner states. Only empty folders are reported as folders: a folder with
/// anything in it (even an unsyncable entry) exists implicitly through its contents.
pub fn local_snapshot(report: &ScanReport) -> LocalSnapshot {
    let mut out = LocalSnapshot::default();
    let occupied = occupied_folders(report);
    for (rel, entry) in &report.entries {
        out.add_entry(rel, entry, &occupied);
    }
    for issue in &report.issues {
        out.add_issue(issue);
    }
    out
}

/// Every folder with anything in it, found or left out: those are not reported as folders.
fn occupied_folders(report: &ScanReport) -> BTreeSet<&str> {
    let mut occupied: BTreeSet<&str> = BTreeSet::new();
    for rel in report
        .entries
        .keys()
        .map(String::as_str)
        .chain(report.issues.iter().map(|i| i.path.as_str()))
    {
        let mut cur = rel;
        while let Some((parent, _)) = cur.rsplit_once('/') {
            if !occupied.insert(parent) {
                break;
            }
            cur = parent;
        }
    }
    occupied
}

impl LocalSnapshot {
    /// Adds what the scan found at `rel`; a path with no valid name is held and reported.
    fn add_entry(&mut self, rel: &str, entry: &ScannedEntry, occupied: &BTreeSet<&str>) {
        let is_dir = matches!(entry, ScannedEntry::Dir);
        let text = if is_dir { format!("{rel}/") } else { rel.to_owned() };
        let path = match RelPath::new(text.as_str()) {
            Ok(p) => p,
            Err(e) => {
                self.held.insert(rel.to_owned());
                self.warnings.push(SyncWarning {
                    path: text,
                    side: super::Side::Local,
                    reason: e.to_string(),
                });
                return;
            }
        };
        match entry {
            ScannedEntry::Dir => {
                if !occupied.contains(rel) {
                    self.states.insert(path, LocalState::Dir);
                }
            }
            ScannedEntry::File { identity, hash } => {
                self.states.insert(
                    path,
                    LocalState::File(LocalFile {
                        size: identity.size,
                        mtime_ns: identity.mtime_ns,
                        inode: Some(identity.inode).filter(|i| *i != 0),
                        hash: *hash,
                    }),
                );
            }
            ScannedEntry::Unstable { .. } => {
                self.unstable.insert(path);
            }
        }
    }

    /// Adds a path the scan left out: held with everything below it, and reported in words.
    fn add_issue(&mut self, issue: &ScanIssue) {
        let reason = match &issue.kind {
            // The planner reports symlinks itself (and keeps the name from being downloaded over).
            ScanIssueKind::Symlink => match RelPath::new(issue.path.as_str()) {
                Ok(p) => {
                    self.held_below.insert(issue.path.clone());
                    self.states.insert(p, LocalState::Symlink);
                    return;
                }
                Err(e) => e.to_string(),
            },
            ScanIssueKind::NotUtf8 => "the name is not valid Unicode, so it has no name in the bucket".into(),
            ScanIssueKind::SpecialFile => "it is a device, socket or pipe, not a file".into(),
            ScanIssueKind::Unreadable(why) => {
                format!("it cannot be read ({why}); it is left as it is on every side until it can")
            }
            ScanIssueKind::OtherDisk => {
                "another disk is mounted here; Pail does not sync across disks, so it is left as it is".into()
            }
        };
        self.held.insert(issue.path.clone());
        self.warnings.push(SyncWarning {
            path: issue.path.clone(),
            side: super::Side::Local,
            reason,
        });
    }
}

/// The bucket side as the planner wants it.
#[derive(Debug, Default)]
pub struct RemoteSnapshot {
    /// Objects and folder markers by path.
    pub states: BTreeMap<RelPath, RemoteState>,
    /// Keys that cannot be local paths, or are ignored.
    pub warnings: Vec<SyncWarning>,
}

/// Turns a listing of `prefix` into planner states. `hashes` holds the content hashes known for
/// (key, ETag) pairs (from HEAD requests or this computer's own writes). Ignored names are left
/// out silently, as they are locally.
pub fn remote_snapshot(
    prefix: &str,
    listed: &[ListedObject],
    rules: &IgnoreRules,
    hashes: &HashMap<(String, String), ContentHash>,
) -> RemoteSnapshot {
    let mut out = RemoteSnapshot::default();
    for object in listed {
        let path = match RelPath::from_key(prefix, &object.key) {
            Ok(p) => p,
            // The prefix's own folder marker is the root itself.
            Err(super::RelPathError::Empty) => continue,
            Err(e) => {
                out.warnings.push(SyncWarning {
                    path: object.key.clone(),
                    side: super::Side::Remote,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        // Pail's own keys (change markers, store probes) under `<prefix>.pail/` are not user files.
        if rules.is_ignored(path.trimmed(), path.is_dir()) || is_reserved(&path) {
            continue;
        }
        let hash = hashes.get(&(object.key.clone(), object.etag.clone())).copied();
        out.states.insert(
            path,
            RemoteState {
                etag: object.etag.clone(),
                size: object.size,
                version_id: None,
                hash,
            },
        );
    }
    out
}

/// Whether `path` is Pail's own folder at the root of a pair, or inside it.
pub fn is_reserved(path: &RelPath) -> bool {
    let reserved = super::folder::RESERVED_DIR;
    path.as_str()
        .strip_prefix(reserved)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// An object whose content hash the planner needs, with the local file at its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashWanted {
    /// The object key.
    pub key: String,
    /// Its ETag as listed.
    pub etag: String,
    /// The path on both sides.
    pub path: RelPath,
    /// The local file's content hash.
    pub local_hash: ContentHash,
}

/// Objects whose content hash the planner needs but the listing cannot give: those that changed
/// since the base (or have none) while a local file sits at the same path. Only these get a HEAD,
/// so a first download of many files, or a quiet bucket, costs no extra requests.
pub fn keys_needing_hash(
    prefix: &str,
    local: &LocalSnapshot,
    remote: &RemoteSnapshot,
    bases: &BTreeMap<RelPath, BaseState>,
) -> Vec<HashWanted> {
    remote
        .states
        .iter()
        .filter_map(|(path, r)| {
            let Some(LocalState::File(l)) = local.states.get(path) else {
                return None;
            };
            let changed = match bases.get(path) {
                Some(BaseState::File(b)) => b.remote_etag != r.etag,
                _ => true,
            };
            (r.hash.is_none() && !path.is_dir() && changed).then(|| HashWanted {
                key: path.to_key(prefix),
                etag: r.etag.clone(),
                path: path.clone(),
                local_hash: l.hash,
            })
        })
        .collect()
}

pub use crate::core::model::etag_is_md5;

/// Joins bases and both sides into the planner's input. Paths whose local file is still being
/// written, and paths the scan could not see ([`LocalSnapshot::is_held`]), are left out
/// entirely this pass: neither uploaded torn nor taken as deleted.
pub fn merge_views(
    bases: BTreeMap<RelPath, BaseState>,
    mut local: LocalSnapshot,
    remote: RemoteSnapshot,
) -> BTreeMap<RelPath, PathView> {
    // The three maps are sorted by path: one merge walk builds every view in order, and a
    // BTreeMap collected from sorted input is built in bulk (no search per insert). The states
    // are moved, not copied: for 100,000 paths each copy of them is tens of megabytes.
    let unstable = std::mem::take(&mut local.unstable);
    let held = LocalSnapshot {
        held: std::mem::take(&mut local.held),
        held_below: std::mem::take(&mut local.held_below),
        ..LocalSnapshot::default()
    };
    let mut b = bases.into_iter().peekable();
    let mut l = local.states.into_iter().peekable();
    let mut r = remote.states.into_iter().peekable();
    let mut merged: Vec<(RelPath, PathView)> = Vec::with_capacity(b.len().max(l.len()));
    loop {
        // The smallest path among the three heads, taken (not cloned) from the first side
        // that has it.
        let smallest = [b.peek().map(|e| &e.0), l.peek().map(|e| &e.0), r.peek().map(|e| &e.0)]
            .into_iter()
            .enumerate()
            .filter_map(|(side, path)| path.map(|p| (p, side)))
            .min();
        let Some((_, side)) = smallest else { break };
        let first = match side {
            0 => b.next().map(|(p, v)| {
                (
                    p,
                    PathView {
                        base: Some(v),
                        ..PathView::default()
                    },
                )
            }),
            1 => l.next().map(|(p, v)| {
                (
                    p,
                    PathView {
                        local: Some(v),
                        ..PathView::default()
                    },
                )
            }),
            _ => r.next().map(|(p, v)| {
                (
                    p,
                    PathView {
                        remote: Some(v),
                        ..PathView::default()
                    },
                )
            }),
        };
        let Some((path, mut view)) = first else { break };
        if view.local.is_none() {
            view.local = l.next_if(|(p, _)| *p == path).map(|(_, v)| v);
        }
        if view.remote.is_none() {
            view.remote = r.next_if(|(p, _)| *p == path).map(|(_, v)| v);
        }
        if !unstable.contains(&path) && !held.is_held(&path) {
            merged.push((path, view));
        }
    }
    merged.into_iter().collect()
}

/// Names typed on macOS and on Linux can spell one name in two Unicode forms (NFD and NFC):
/// the same name to a person, two keys to S3. Where a path exists only locally in one spelling
/// and only in the bucket in the other, they are one file: its view takes the local spelling
/// (what this disk holds) with the bucket's object, and the returned map says which key the
/// bucket spells it with, so each side keeps its own spelling and changes flow between them (as
/// rclone matches names). Ambiguous cases (several spellings on one side) stay apart and the
/// planner skips the twin with a warning.
pub fn unify_spellings(views: &mut BTreeMap<RelPath, PathView>) -> HashMap<RelPath, RelPath> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    let mut out = HashMap::new();
    // Only names outside NFC can have a twin with another spelling; most trees have none.
    if views
        .keys()
        .all(|p| is_nfc_quick(p.as_str().chars()) == IsNormalized::Yes)
    {
        return out;
    }
    let mut by_form: HashMap<String, Vec<RelPath>> = HashMap::new();
    for path in views.keys() {
        by_form
            .entry(path.as_str().nfc().collect::<String>())
            .or_default()
            .push(path.clone());
    }
    for spellings in by_form.into_values().filter(|s| s.len() == 2) {
        let (a, b) = (&spellings[0], &spellings[1]);
        let side = |p: &RelPath| views.get(p).map(|v| (v.local.is_some(), v.remote.is_some()));
        let (local, remote) = match (side(a), side(b)) {
            (Some((true, false)), Some((false, true))) => (a.clone(), b.clone()),
            (Some((false, true)), Some((true, false))) => (b.clone(), a.clone()),
            _ => continue,
        };
        // The remote spelling's base (if the other spelling was synced before) goes with it
        // only when the local one has none.
        let Some(remote_view) = views.remove(&remote) else {
            continue;
        };
        let Some(view) = views.get_mut(&local) else { continue };
        if view.base.is_some() && remote_view.base.is_some() {
            // Both spellings were synced separately once: too tangled to merge safely.
            views.insert(remote, remote_view);
            continue;
        }
        view.remote = remote_view.remote;
        if view.base.is_none() {
            view.base = remote_view.base;
        }
        out.insert(local, remote);
    }
    out
}

/// Hash cache entries for a scan: the stamps recorded in the bases, so an unchanged tree is not
/// read again, merged with the ones this process saw since.
pub fn scan_cache_from_bases(
    bases: &BTreeMap<RelPath, BaseState>,
    into: &mut HashMap<String, (crate::scan::Identity, ContentHash)>,
) {
    for (path, base) in bases {
        // A racy stamp vouches for nothing: the file is read again.
        if let BaseState::File(b) = base {
            if b.stamp_racy {
                continue;
            }
            into.entry(path.as_str().to_owned()).or_insert((
                crate::scan::Identity {
                    size: b.size,
                    mtime_ns: b.local_mtime_ns,
                    inode: b.local_inode.unwrap_or(0),
                },
                b.hash,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_in_two_unicode_spellings_is_one_file_keeping_each_sides_spelling() {
        let p = |s: &str| RelPath::new(s).unwrap();
        let (nfc, nfd) = ("caf\u{e9}.txt", "cafe\u{301}.txt");
        let file = LocalState::File(LocalFile {
            size: 1,
            mtime_ns: 2,
            inode: Some(3),
            hash: ContentHash([7; 32]),
        });
        let object = RemoteState {
            etag: "e".into(),
            size: 1,
            version_id: None,
            hash: None,
        };
        let mut views: BTreeMap<RelPath, PathView> = BTreeMap::new();
        views.insert(
            p(nfc),
            PathView {
                local: Some(file.clone()),
                ..PathView::default()
            },
        );
        views.insert(
            p(nfd),
            PathView {
                remote: Some(object.clone()),
                ..PathView::default()
            },
        );
        let spelled = unify_spellings(&mut views);
        assert_eq!(views.len(), 1);
        assert_eq!(views[&p(nfc)].remote, Some(object.clone()));
        assert_eq!(spelled.get(&p(nfc)), Some(&p(nfd)));

        // Both spellings on one side are two files: left apart.
        let mut twins: BTreeMap<RelPath, PathView> = BTreeMap::new();
        for s in [nfc, nfd] {
            twins.insert(
                p(s),
                PathView {
                    local: Some(file.clone()),
                    remote: Some(object.clone()),
                    ..PathView::default()
                },
            );
        }
        assert!(unify_spellings(&mut twins).is_empty());
        assert_eq!(twins.len(), 2);
    }

    #[test]
    fn paths_the_scan_could_not_see_are_held_with_everything_below_them() {
        use crate::scan::{Identity, ScanIssue, ScanReport, ScannedEntry};
        let p = |s: &str| RelPath::new(s).unwrap();
        let identity = Identity {
            size: 1,
            mtime_ns: 1,
            inode: 1,
        };
        let mut report = ScanReport::default();
        report.entries.insert(
            "ok".into(),
            ScannedEntry::File {
                identity,
                hash: ContentHash([1; 32]),
            },
        );
        report.entries.insert("outer".into(), ScannedEntry::Dir);
        for (path, kind) in [
            ("locked.txt", ScanIssueKind::Unreadable("Permission denied".into())),
            ("outer/private", ScanIssueKind::Unreadable("Permission denied".into())),
            ("usb", ScanIssueKind::OtherDisk),
            ("link", ScanIssueKind::Symlink),
        ] {
            report.issues.push(ScanIssue {
                path: path.into(),
                kind,
            });
        }
        let local = local_snapshot(&report);
        let remote_state = RemoteState {
            etag: "e".into(),
            size: 1,
            version_id: None,
            hash: None,
        };
        let base = BaseState::File(crate::sync::BaseFile {
            hash: ContentHash([1; 32]),
            size: 1,
            local_mtime_ns: 1,
            local_inode: None,
            remote_etag: "e".into(),
            remote_version_id: None,
            stamp_racy: false,
        });
        // Every one of these was synced and is still in the bucket; locally the scan saw none.
        let synced = [
            "locked.txt",
            "outer/private/a",
            "outer/private/deep/b",
            "outer/",
            "usb/c",
            "link/d",
            "gone",
        ];
        let bases: BTreeMap<RelPath, BaseState> = synced.iter().map(|s| (p(s), base.clone())).collect();
        let mut remote = RemoteSnapshot::default();
        for s in synced {
            remote.states.insert(p(s), remote_state.clone());
        }
        let views = merge_views(bases, local, remote);
        let kept: Vec<&str> = views.keys().map(RelPath::as_str).collect();
        // Only the file that really vanished, the readable one and the link itself are planned.
        assert_eq!(kept, vec!["gone", "link", "ok"]);
    }

    #[test]
    fn merged_views_join_every_side_and_leave_out_unstable_paths() {
        let p = |s: &str| RelPath::new(s).unwrap();
        let file = LocalState::File(LocalFile {
            size: 1,
            mtime_ns: 2,
            inode: Some(3),
            hash: ContentHash([7; 32]),
        });
        let remote_state = RemoteState {
            etag: "e".into(),
            size: 1,
            version_id: None,
            hash: None,
        };
        let bases: BTreeMap<RelPath, BaseState> = ["a", "b/", "c", "e"]
            .into_iter()
            .map(|s| (p(s), BaseState::Dir))
            .collect();
        let mut local = LocalSnapshot::default();
        for s in ["a", "a.b", "d", "e", "z/y"] {
            local.states.insert(p(s), file.clone());
        }
        local.unstable.insert(p("e"));
        let mut remote = RemoteSnapshot::default();
        for s in ["0", "a", "c", "e", "z/y", "zz"] {
            remote.states.insert(p(s), remote_state.clone());
        }
        // What a lookup per entry gives.
        let mut want: BTreeMap<RelPath, PathView> = BTreeMap::new();
        for (path, base) in &bases {
            want.entry(path.clone()).or_default().base = Some(base.clone());
        }
        for (path, state) in &local.states {
            want.entry(path.clone()).or_default().local = Some(state.clone());
        }
        for (path, state) in &remote.states {
            want.entry(path.clone()).or_default().remote = Some(state.clone());
        }
        want.remove(&p("e"));
        let views = merge_views(bases, local, remote);
        assert_eq!(views, want);
        assert_eq!(views.len(), 8);
    }
}
