//! A fingerprint of what an idle pass saw, so the next pass can tell "nothing changed" without
//! loading a single base.
//!
//! A plan is a pure function of the bases, the two sides and the pair's settings. When a pass
//! plans nothing at all, Pail stores digests of its folder walk (every path with size, times
//! and inode), its bucket listing (every key with ETag and size) and the settings. A later pass
//! whose walk and listing digest to the same values would plan nothing again, so it stops there:
//! no bases loaded, no file read, no plan built. Any write to the bases clears the mark (a
//! trigger in the state DB), so a mark never outlives the bases it was taken against.

use crate::remote::ListedObject;
use crate::scan::{ScanIssueKind, Walk, WalkedEntry};
use crate::state::pairs::SyncPair;
use crate::sync::Mode;

pub use crate::core::model::IdleMark;

/// The mark of a pass that walked `walked` and listed `listed` for `pair`.
pub fn mark_of(walked: &Walk, listed: &[ListedObject], pair: &SyncPair) -> IdleMark {
    mark_with_local(local_digest(walked), listed, pair)
}

/// The same, with the walk's digest taken already (on the walking thread, while the listing is
/// still under way).
pub fn mark_with_local(local: [u8; 32], listed: &[ListedObject], pair: &SyncPair) -> IdleMark {
    IdleMark {
        local,
        remote: remote_digest(listed, &pair.prefix),
        settings: settings_digest(pair),
    }
}

/// Feeds length-prefixed fields, so no two different sequences of fields hash alike.
struct Fields(blake3::Hasher);

impl Fields {
    fn new(domain: &str) -> Self {
        let mut f = Self(blake3::Hasher::new());
        f.bytes(domain.as_bytes());
        f
    }

    fn bytes(&mut self, b: &[u8]) {
        self.0.update(&(b.len() as u64).to_le_bytes());
        self.0.update(b);
    }

    fn num(&mut self, n: u128) {
        self.0.update(&n.to_le_bytes());
    }

    fn finish(self) -> [u8; 32] {
        *self.0.finalize().as_bytes()
    }
}

/// The digest of a walk, for [`mark_with_local`].
pub fn local_digest(walked: &Walk) -> [u8; 32] {
    let mut f = Fields::new("pail local walk v1");
    for (path, entry) in &walked.entries {
        f.bytes(path.as_bytes());
        match entry {
            WalkedEntry::Dir => f.num(0),
            WalkedEntry::File(id) => {
                f.num(1);
                f.num(u128::from(id.size));
                f.num(id.mtime_ns as u128);
                f.num(u128::from(id.inode));
            }
        }
    }
    // Paths left out change what a pass reports, so they are part of what it saw.
    for issue in &walked.issues {
        f.bytes(issue.path.as_bytes());
        f.num(match &issue.kind {
            ScanIssueKind::Symlink => 0,
            ScanIssueKind::NotUtf8 => 1,
            ScanIssueKind::SpecialFile => 2,
            ScanIssueKind::Unreadable(_) => 3,
            ScanIssueKind::OtherDisk => 4,
        });
    }
    for temp in &walked.stale_temp_files {
        f.bytes(temp.as_bytes());
    }
    f.finish()
}

fn remote_digest(listed: &[ListedObject], prefix: &str) -> [u8; 32] {
    let mut f = Fields::new("pail bucket listing v1");
    // Pail's own objects under `.pail/` (the change marker) are no user files: a marker that
    // moved is no reason for a full pass by itself.
    let reserved = format!("{prefix}{}/", super::folder::RESERVED_DIR);
    let mut sorted: Vec<&ListedObject> = listed.iter().filter(|o| !o.key.starts_with(&reserved)).collect();
    // Ranged listings arrive in key order already; sorting makes the digest independent of it.
    if !sorted.is_sorted_by(|a, b| a.key <= b.key) {
        sorted.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    }
    for o in sorted {
        f.bytes(o.key.as_bytes());
        f.bytes(o.etag.as_bytes());
        f.num(u128::from(o.size));
    }
    f.finish()
}

fn settings_digest(pair: &SyncPair) -> [u8; 32] {
    let mut f = Fields::new("pail pair settings v1");
    f.bytes(pair.bucket.as_bytes());
    f.bytes(pair.prefix.as_bytes());
    f.bytes(pair.local_root.to_string_lossy().as_bytes());
    f.num(match pair.mode {
        Mode::TwoWay => 0,
        Mode::UploadOnly => 1,
        Mode::DownloadOnly => 2,
    });
    for pattern in &pair.ignore_patterns {
        f.bytes(pattern.as_bytes());
    }
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{Identity, ScanIssue};
    use std::path::PathBuf;

    fn pair() -> SyncPair {
        SyncPair {
            id: "p".into(),
            connection_id: None,
            bucket: "b".into(),
            prefix: "docs/".into(),
            local_root: PathBuf::from("/home/a/Docs"),
            mode: Mode::TwoWay,
            paused: false,
            ignore_patterns: vec![],
            change_marker: true,
        }
    }

    fn walk_of(files: &[(&str, u64, i128, u64)]) -> Walk {
        let mut w = Walk::default();
        for (path, size, mtime_ns, inode) in files {
            w.entries.insert(
                (*path).into(),
                WalkedEntry::File(Identity {
                    size: *size,
                    mtime_ns: *mtime_ns,
                    inode: *inode,
                }),
            );
        }
        w
    }

    fn obj(key: &str, etag: &str, size: u64) -> ListedObject {
        ListedObject {
            key: key.into(),
            etag: etag.into(),
            size,
        }
    }

    #[test]
    fn the_same_view_gives_the_same_mark() {
        let w = walk_of(&[("a.txt", 3, 10, 7), ("b/c.txt", 4, 11, 8)]);
        let l = vec![obj("docs/a.txt", "e1", 3), obj("docs/b/c.txt", "e2", 4)];
        assert_eq!(mark_of(&w, &l, &pair()), mark_of(&w.clone(), &l.clone(), &pair()));
    }

    #[test]
    fn any_change_on_either_side_changes_the_mark() {
        let w = walk_of(&[("a.txt", 3, 10, 7)]);
        let l = vec![obj("docs/a.txt", "e1", 3)];
        let base = mark_of(&w, &l, &pair());
        for changed in [
            walk_of(&[("a.txt", 4, 10, 7)]),
            walk_of(&[("a.txt", 3, 11, 7)]),
            walk_of(&[("a.txt", 3, 10, 9)]),
            walk_of(&[("b.txt", 3, 10, 7)]),
            walk_of(&[("a.txt", 3, 10, 7), ("z", 0, 0, 1)]),
            walk_of(&[]),
        ] {
            assert_ne!(mark_of(&changed, &l, &pair()).local, base.local);
        }
        let mut with_dir = w.clone();
        with_dir.entries.insert("d".into(), WalkedEntry::Dir);
        assert_ne!(mark_of(&with_dir, &l, &pair()).local, base.local);
        let mut with_issue = w.clone();
        with_issue.issues.push(ScanIssue {
            path: "link".into(),
            kind: ScanIssueKind::Symlink,
        });
        assert_ne!(mark_of(&with_issue, &l, &pair()).local, base.local);
        for changed in [
            vec![obj("docs/a.txt", "e2", 3)],
            vec![obj("docs/a.txt", "e1", 4)],
            vec![obj("docs/A.txt", "e1", 3)],
            vec![obj("docs/a.txt", "e1", 3), obj("docs/b", "e", 0)],
            vec![],
        ] {
            assert_ne!(mark_of(&w, &changed, &pair()).remote, base.remote);
        }
    }

    #[test]
    fn settings_that_shape_a_plan_change_the_mark() {
        let (w, l) = (Walk::default(), vec![]);
        let base = mark_of(&w, &l, &pair()).settings;
        let mut p = pair();
        p.mode = Mode::UploadOnly;
        assert_ne!(mark_of(&w, &l, &p).settings, base);
        let mut p = pair();
        p.ignore_patterns = vec!["*.tmp".into()];
        assert_ne!(mark_of(&w, &l, &p).settings, base);
        let mut p = pair();
        p.prefix = "doc/".into();
        assert_ne!(mark_of(&w, &l, &p).settings, base);
        let mut p = pair();
        p.local_root = PathBuf::from("/home/a/Other");
        assert_ne!(mark_of(&w, &l, &p).settings, base);
    }

    #[test]
    fn field_boundaries_do_not_blur() {
        let one = vec![obj("docs/ab", "c", 1)];
        let other = vec![obj("docs/a", "bc", 1)];
        let w = Walk::default();
        assert_ne!(mark_of(&w, &one, &pair()).remote, mark_of(&w, &other, &pair()).remote);
    }
}
