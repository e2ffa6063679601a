//! Builds the planner's input from what the scanner and the lister found: one [`PathView`] per
//! path, with hostile keys, ignored names and files still being written left out (and reported).
//! Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::{BaseState, LocalFile, LocalState, PathView, RelPath, RemoteState};
use crate::remote::ListedObject;
use crate::scan::{IgnoreRules, ScanIssueKind, ScanReport, ScannedEntry};
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
    /// What was left out.
    pub warnings: Vec<SyncWarning>,
}

/// Turns a scan into planner states. Only empty folders are reported as folders: a folder with
/// anything in it (even an unsyncable entry) exists implicitly through its contents.
pub fn local_snapshot(report: &ScanReport) -> LocalSnapshot {
    let mut out = LocalSnapshot::default();
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
    for (rel, entry) in &report.entries {
        let is_dir = matches!(entry, ScannedEntry::Dir);
        let text = if is_dir { format!("{rel}/") } else { rel.clone() };
        let path = match RelPath::new(text.as_str()) {
            Ok(p) => p,
            Err(e) => {
                out.warnings.push(SyncWarning {
                    path: text,
                    side: super::Side::Local,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        match entry {
            ScannedEntry::Dir => {
                if !occupied.contains(rel.as_str()) {
                    out.states.insert(path, LocalState::Dir);
                }
            }
            ScannedEntry::File { identity, hash } => {
                out.states.insert(
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
                out.unstable.insert(path);
            }
        }
    }
    for issue in &report.issues {
        let reason = match &issue.kind {
            // The planner reports symlinks itself (and keeps the name from being downloaded over).
            ScanIssueKind::Symlink => match RelPath::new(issue.path.as_str()) {
                Ok(p) => {
                    out.states.insert(p, LocalState::Symlink);
                    continue;
                }
                Err(e) => e.to_string(),
            },
            ScanIssueKind::NotUtf8 => "the name is not valid Unicode, so it has no name in the bucket".into(),
            ScanIssueKind::SpecialFile => "it is a device, socket or pipe, not a file".into(),
            ScanIssueKind::Unreadable(why) => format!("it cannot be read: {why}"),
        };
        out.warnings.push(SyncWarning {
            path: issue.path.clone(),
            side: super::Side::Local,
            reason,
        });
    }
    out
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
        if rules.is_ignored(path.trimmed(), path.is_dir()) {
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

/// Whether an ETag is the MD5 of the whole object (single-part uploads without SSE-KMS): 32 hex
/// digits, where multipart ETags carry a `-N` suffix.
pub fn etag_is_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Joins bases and both sides into the planner's input. Paths whose local file is still being
/// written are left out entirely this pass: neither uploaded torn nor taken as deleted.
pub fn merge_views(
    bases: BTreeMap<RelPath, BaseState>,
    local: LocalSnapshot,
    remote: RemoteSnapshot,
) -> BTreeMap<RelPath, PathView> {
    // The three maps are sorted by path: one merge walk builds every view in order, and a
    // BTreeMap collected from sorted input is built in bulk (no search per insert). The states
    // are moved, not copied: for 100,000 paths each copy of them is tens of megabytes.
    let unstable = local.unstable;
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
        if !unstable.contains(&path) {
            merged.push((path, view));
        }
    }
    merged.into_iter().collect()
}

/// Hash cache entries for a scan: the stamps recorded in the bases, so an unchanged tree is not
/// read again, merged with the ones this process saw since.
pub fn scan_cache_from_bases(
    bases: &BTreeMap<RelPath, BaseState>,
    into: &mut HashMap<String, (crate::scan::Identity, ContentHash)>,
) {
    for (path, base) in bases {
        if let BaseState::File(b) = base {
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
