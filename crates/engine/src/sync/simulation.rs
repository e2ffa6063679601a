//! Property tests of the planner against a small in-memory model of both sides.
//!
//! The model plays scanner, lister, executor and state DB: it builds the views, applies a plan the
//! way the executor must (checking every precondition an action carries, panicking on a violation
//! because nothing changes concurrently here), records bases, and keeps a trash of the versions
//! the rules allow to be deleted or overwritten (OS trash, bucket versions). Anything else that
//! disappears is recorded as lost.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use super::model::{
    BaseFile, BaseState, ContentHash, DeletionConsent, LocalFile, LocalState, MassDeleteGuard, Mode, PairSettings,
    PathView, RelPath, RemoteState,
};
use super::plan::{plan, Action, Phase, Plan};

fn h(content: u8) -> ContentHash {
    ContentHash([content; 32])
}

fn size_of(content: u8) -> u64 {
    u64::from(content) * 100
}

fn rel(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    File { content: u8, mtime: i128, inode: u64 },
    Symlink,
    Dir,
}

#[derive(Debug, Clone)]
struct Object {
    etag: String,
    /// `None` for a folder marker.
    content: Option<u8>,
    /// Written by Pail (hash in metadata) rather than by another tool.
    hash_known: bool,
}

#[derive(Debug, Clone)]
struct World {
    case_insensitive: bool,
    /// Folded name (no trailing `/`) → (name as spelled on disk, entry): one map, so a file and a
    /// folder, or two spellings on a case-insensitive disk, cannot share a name.
    local: BTreeMap<String, (RelPath, Entry)>,
    remote: BTreeMap<RelPath, Object>,
    base: BTreeMap<RelPath, BaseState>,
    clock: u64,
    /// Versions the rules allow to leave their path: deleted or overwritten synced content.
    trash: Vec<u8>,
    /// Content destroyed although it was not the synced version: must stay empty.
    lost: Vec<(RelPath, u8)>,
}

impl World {
    fn new(case_insensitive: bool) -> Self {
        Self {
            case_insensitive,
            local: BTreeMap::new(),
            remote: BTreeMap::new(),
            base: BTreeMap::new(),
            clock: 1000,
            trash: Vec::new(),
            lost: Vec::new(),
        }
    }

    fn key(&self, path: &RelPath) -> String {
        if self.case_insensitive {
            path.trimmed().to_lowercase()
        } else {
            path.trimmed().to_owned()
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Why the disk cannot create `path` (ancestors must be folders spelled the same, and the name
    /// itself free), or `None` if it can.
    fn cannot_create(&self, path: &RelPath) -> Option<String> {
        for dir in path.ancestors() {
            match self.local.get(&self.key(&dir)) {
                None => {}
                Some((spelled, Entry::Dir)) if spelled == &dir => {}
                Some((spelled, _)) => return Some(format!("{path}: {spelled} is in the way")),
            }
        }
        self.local
            .get(&self.key(path))
            .map(|(spelled, _)| format!("{path}: {spelled} already exists"))
    }

    /// What the disk holds at exactly `path` (same spelling), if anything.
    fn local_at(&self, path: &RelPath) -> Option<&Entry> {
        match self.local.get(&self.key(path)) {
            Some((spelled, entry)) if spelled == path => Some(entry),
            Some((spelled, _)) => panic!("{path} is spelled {spelled} on this disk"),
            None => None,
        }
    }

    fn create_local(&mut self, path: &RelPath, entry: Entry) {
        if let Some(why) = self.cannot_create(path) {
            panic!("cannot create {path} locally: {why}");
        }
        self.insert_local(path, entry);
    }

    fn insert_local(&mut self, path: &RelPath, entry: Entry) {
        for dir in path.ancestors() {
            let key = self.key(&dir);
            self.local.entry(key).or_insert((dir, Entry::Dir));
        }
        let key = self.key(path);
        self.local.insert(key, (path.clone(), entry));
    }

    /// For building worlds: like a real disk, refuse what cannot coexist.
    fn try_create_local(&mut self, path: &RelPath, entry: Entry) {
        if self.cannot_create(path).is_none() {
            self.insert_local(path, entry);
        }
    }

    fn local_is_empty_dir(&self, path: &RelPath) -> bool {
        let prefix = format!("{}/", self.key(path));
        !self
            .local
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    fn local_file(&self, path: &RelPath) -> Option<LocalFile> {
        match self.local_at(path) {
            Some(Entry::File { content, mtime, inode }) => Some(LocalFile {
                size: size_of(*content),
                mtime_ns: *mtime,
                inode: Some(*inode),
                hash: h(*content),
            }),
            _ => None,
        }
    }

    fn remote_state(object: &Object) -> RemoteState {
        RemoteState {
            etag: object.etag.clone(),
            size: object.content.map_or(0, size_of),
            version_id: None,
            hash: object.content.filter(|_| object.hash_known).map(h),
        }
    }

    /// What the scanner, the lister and the state DB would hand the planner.
    fn views(&self) -> BTreeMap<RelPath, PathView> {
        let mut views: BTreeMap<RelPath, PathView> = BTreeMap::new();
        for (path, entry) in self.local.values() {
            let state = match entry {
                Entry::File { .. } => self.local_file(path).map(LocalState::File),
                Entry::Symlink => Some(LocalState::Symlink),
                // The scanner lists only empty folders; the others are implied by their contents.
                Entry::Dir => self.local_is_empty_dir(path).then_some(LocalState::Dir),
            };
            if let Some(state) = state {
                views.entry(path.clone()).or_default().local = Some(state);
            }
        }
        for (path, object) in &self.remote {
            views.entry(path.clone()).or_default().remote = Some(Self::remote_state(object));
        }
        for (path, base) in &self.base {
            views.entry(path.clone()).or_default().base = Some(base.clone());
        }
        views
    }

    fn contents(&self) -> BTreeSet<u8> {
        let local = self.local.values().filter_map(|(_, e)| match e {
            Entry::File { content, .. } => Some(*content),
            _ => None,
        });
        let remote = self.remote.values().filter_map(|o| o.content);
        local.chain(remote).collect()
    }

    fn base_hash(&self, path: &RelPath) -> Option<ContentHash> {
        match self.base.get(path) {
            Some(BaseState::File(b)) => Some(b.hash),
            _ => None,
        }
    }

    /// A version leaves its path: fine if it was the synced one (trash / bucket versions).
    fn retire(&mut self, path: &RelPath, content: u8) {
        if self.base_hash(path) == Some(h(content)) {
            self.trash.push(content);
        } else {
            self.lost.push((path.clone(), content));
        }
    }

    fn expect_local(&self, path: &RelPath, expect: Option<&LocalFile>) {
        let now = self.local_file(path);
        assert_eq!(now.as_ref(), expect, "local precondition of {path}");
        if expect.is_none() {
            if let Some(why) = self.cannot_create(path) {
                panic!("{why}");
            }
        }
    }

    fn expect_etag(&self, path: &RelPath, etag: &str) -> Object {
        match self.remote.get(path) {
            Some(object) if object.etag == etag => object.clone(),
            other => panic!("remote precondition of {path}: want ETag {etag}, found {other:?}"),
        }
    }

    fn put_object(&mut self, path: &RelPath, content: Option<u8>) -> Object {
        assert!(!self.remote.contains_key(path), "If-None-Match: * on {path}");
        self.write_object(path, content)
    }

    fn write_object(&mut self, path: &RelPath, content: Option<u8>) -> Object {
        let object = Object {
            etag: format!("x{}", self.tick()),
            content,
            hash_known: true,
        };
        self.remote.insert(path.clone(), object.clone());
        object
    }

    fn write_local_file(&mut self, path: &RelPath, content: u8) -> LocalFile {
        let t = self.tick();
        let entry = Entry::File {
            content,
            mtime: i128::from(t),
            inode: t,
        };
        if self.local_at(path).is_some() {
            let key = self.key(path);
            self.local.insert(key, (path.clone(), entry));
        } else {
            self.create_local(path, entry);
        }
        self.local_file(path).unwrap()
    }

    fn record(&mut self, path: &RelPath, local: &LocalFile, object: &Object) {
        let hash = local.hash;
        assert_eq!(
            object.content.map(h),
            Some(hash),
            "base of {path} records agreed content"
        );
        self.base.insert(
            path.clone(),
            BaseState::File(BaseFile::agreed(hash, local, &Self::remote_state(object))),
        );
    }

    /// Runs a plan as the executor would: the files phase (in reverse, to show that its actions do
    /// not depend on each other's order), then folder removals in the listed order.
    fn apply(&mut self, plan: &Plan) {
        let (files, dirs): (Vec<&Action>, Vec<&Action>) = plan.actions.iter().partition(|a| a.phase() == Phase::Files);
        for action in files.into_iter().rev().chain(dirs) {
            self.apply_one(action);
        }
    }

    fn apply_one(&mut self, action: &Action) {
        match action {
            Action::Upload {
                path,
                if_match,
                expect_local,
            } => {
                self.expect_local(path, Some(expect_local));
                match if_match {
                    None => assert!(!self.remote.contains_key(path), "If-None-Match: * on {path}"),
                    Some(etag) => {
                        let old = self.expect_etag(path, etag);
                        self.retire(path, old.content.unwrap());
                    }
                }
                let content = expect_local.hash.0[0];
                let object = self.write_object(path, Some(content));
                self.record(path, expect_local, &object);
            }
            Action::Download {
                path,
                expect_remote_etag,
                expect_local,
            } => {
                let object = self.expect_etag(path, expect_remote_etag);
                self.expect_local(path, expect_local.as_ref());
                if let Some(old) = expect_local {
                    self.retire(path, old.hash.0[0]);
                }
                let local = self.write_local_file(path, object.content.unwrap());
                self.record(path, &local, &object);
            }
            Action::DeleteRemote { path, if_match } => {
                let old = self.expect_etag(path, if_match);
                self.retire(path, old.content.unwrap());
                self.remote.remove(path);
                self.base.remove(path);
            }
            Action::DeleteLocal { path, expect_local } => {
                self.expect_local(path, Some(expect_local));
                self.retire(path, expect_local.hash.0[0]);
                let key = self.key(path);
                self.local.remove(&key);
                self.base.remove(path);
            }
            Action::CopyRemote {
                from,
                source_if_match,
                to,
                expect_local,
                delete_source,
            } => {
                let source = self.expect_etag(from, source_if_match);
                assert_eq!(source.content.map(h), Some(expect_local.hash), "copy {from} -> {to}");
                self.expect_local(to, Some(expect_local));
                let object = self.put_object(to, source.content);
                self.record(to, expect_local, &object);
                if *delete_source {
                    self.retire(from, source.content.unwrap());
                    self.remote.remove(from);
                    self.base.remove(from);
                }
            }
            Action::MoveLocal {
                from,
                to,
                expect_local,
                remote_etag,
            } => {
                self.expect_local(from, Some(expect_local));
                self.expect_local(to, None);
                let object = self.expect_etag(to, remote_etag);
                assert_eq!(object.content.map(h), Some(expect_local.hash), "move {from} -> {to}");
                let key = self.key(from);
                let (_, entry) = self.local.remove(&key).unwrap();
                self.create_local(to, entry);
                let moved = self.local_file(to).unwrap();
                self.record(to, &moved, &object);
                self.base.remove(from);
            }
            Action::KeepBoth {
                path,
                conflict_path,
                expect_local,
                expect_remote_etag,
                upload_conflict_copy,
            } => {
                let object = self.expect_etag(path, expect_remote_etag);
                self.expect_local(path, Some(expect_local));
                if object.content.map(h) == Some(expect_local.hash) {
                    self.record(path, expect_local, &object);
                    return;
                }
                assert_eq!(parent(path), parent(conflict_path), "a conflict copy is a sibling");
                let key = self.key(path);
                let (_, entry) = self.local.remove(&key).unwrap();
                self.create_local(conflict_path, entry);
                let local = self.write_local_file(path, object.content.unwrap());
                self.record(path, &local, &object);
                if *upload_conflict_copy {
                    let copy = self.put_object(conflict_path, Some(expect_local.hash.0[0]));
                    let moved = self.local_file(conflict_path).unwrap();
                    self.record(conflict_path, &moved, &copy);
                }
            }
            Action::RecordBase { path, base } => {
                match base {
                    BaseState::File(b) => {
                        let local = self.local_file(path).expect("a local file to record");
                        assert!(
                            b.same_stamp(&local) && b.hash == local.hash,
                            "record {path}: local differs"
                        );
                        let object = self.remote.get(path).expect("an object to record");
                        assert_eq!(object.etag, b.remote_etag);
                        assert_eq!(object.content.map(h), Some(b.hash), "record {path}: remote differs");
                    }
                    BaseState::Dir => {
                        assert!(self.remote.contains_key(path), "record {path}: no marker");
                    }
                }
                self.base.insert(path.clone(), base.clone());
            }
            Action::ForgetBase { path } => {
                self.base.remove(path);
            }
            Action::CreateRemoteDir { path } => {
                self.put_object(path, None);
                self.base.insert(path.clone(), BaseState::Dir);
            }
            Action::CreateLocalDir { path, marker_etag } => {
                self.expect_etag(path, marker_etag);
                // Like `mkdir -p`: a download into the folder may have made it already.
                if self.local_at(path) != Some(&Entry::Dir) {
                    self.create_local(path, Entry::Dir);
                }
                self.base.insert(path.clone(), BaseState::Dir);
            }
            Action::DeleteRemoteDir { path, if_match } => {
                self.expect_etag(path, if_match);
                self.remote.remove(path);
                self.base.remove(path);
            }
            Action::DeleteLocalDir { path } => {
                assert_eq!(self.local_at(path), Some(&Entry::Dir), "rmdir {path}");
                assert!(self.local_is_empty_dir(path), "rmdir {path}: not empty");
                let key = self.key(path);
                self.local.remove(&key);
                self.base.remove(path);
            }
            Action::Skip { .. } => {}
        }
    }
}

fn parent(path: &RelPath) -> Option<RelPath> {
    path.parent()
}

// ---- World generation ------------------------------------------------------------------------

/// Files and folders that a local disk can hold all at once.
const FILES: &[&str] = &[
    ".env",
    "a.txt",
    "b",
    "d/e.txt",
    "d/f",
    "d/g/h.md",
    "k/l.tar.gz",
    "k/m.tar.gz",
    "n/o/p",
];
const DIRS: &[&str] = &["d/", "d/g/", "k/", "n/", "n/o/", "q/", "q/r/"];
const SYMLINK: &str = "s";
/// Names that clash with the pools above: a file where a folder is, case-only twins.
const CLASHING_FILES: &[&str] = &["A.TXT", "D/x", "k", "q", "q/r/t"];
const CLASHING_DIRS: &[&str] = &["B/", "a.txt/"];

#[derive(Debug, Clone)]
struct FileSpec {
    base: Option<u8>,
    local: Option<u8>,
    local_touched: bool,
    remote: Option<u8>,
    remote_rewritten: bool,
    remote_hash_known: bool,
}

#[derive(Debug, Clone)]
struct DirSpec {
    base: bool,
    local: bool,
    marker: bool,
}

#[derive(Debug, Clone)]
struct Specs {
    files: Vec<(&'static str, FileSpec)>,
    dirs: Vec<(&'static str, DirSpec)>,
    symlink: bool,
    symlink_remote: Option<u8>,
}

fn content() -> impl Strategy<Value = Option<u8>> {
    // Few distinct contents, so equal content on different paths (renames, copies) is common.
    prop::option::of(1u8..=3)
}

fn file_spec() -> impl Strategy<Value = FileSpec> {
    (
        content(),
        content(),
        any::<bool>(),
        content(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(base, local, local_touched, remote, remote_rewritten, remote_hash_known)| FileSpec {
                base,
                local,
                local_touched,
                remote,
                remote_rewritten,
                remote_hash_known,
            },
        )
}

fn dir_spec() -> impl Strategy<Value = DirSpec> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(base, local, marker)| DirSpec { base, local, marker })
}

fn specs(files: &'static [&'static str], dirs: &'static [&'static str]) -> impl Strategy<Value = Specs> {
    (
        prop::collection::vec(file_spec(), files.len()),
        prop::collection::vec(dir_spec(), dirs.len()),
        any::<bool>(),
        content(),
    )
        .prop_map(move |(f, d, symlink, symlink_remote)| Specs {
            files: files.iter().copied().zip(f).collect(),
            dirs: dirs.iter().copied().zip(d).collect(),
            symlink,
            symlink_remote,
        })
}

fn clashing_specs() -> impl Strategy<Value = Specs> {
    (specs(FILES, DIRS), specs(CLASHING_FILES, CLASHING_DIRS)).prop_map(|(mut a, b)| {
        a.files.extend(b.files);
        a.dirs.extend(b.dirs);
        a
    })
}

fn build(specs: &Specs, case_insensitive: bool) -> World {
    let mut world = World::new(case_insensitive);
    for (i, (path, spec)) in specs.files.iter().enumerate() {
        let path = rel(path);
        let inode = i as u64;
        let base_etag = format!("base{i}");
        if let Some(b) = spec.base {
            world.base.insert(
                path.clone(),
                BaseState::File(BaseFile {
                    hash: h(b),
                    size: size_of(b),
                    local_mtime_ns: 100,
                    local_inode: Some(inode),
                    remote_etag: base_etag.clone(),
                    remote_version_id: None,
                    stamp_racy: false,
                }),
            );
        }
        if let Some(c) = spec.local {
            let unchanged = spec.base == Some(c) && !spec.local_touched;
            let (mtime, inode) = if unchanged { (100, inode) } else { (200, 500 + inode) };
            world.try_create_local(
                &path,
                Entry::File {
                    content: c,
                    mtime,
                    inode,
                },
            );
        }
        if let Some(c) = spec.remote {
            let same_object = spec.base == Some(c) && !spec.remote_rewritten;
            let etag = if same_object { base_etag } else { format!("r{i}") };
            world.remote.insert(
                path,
                Object {
                    etag,
                    content: Some(c),
                    hash_known: spec.remote_hash_known,
                },
            );
        }
    }
    for (i, (path, spec)) in specs.dirs.iter().enumerate() {
        let path = rel(path);
        if spec.base {
            world.base.insert(path.clone(), BaseState::Dir);
        }
        if spec.local {
            world.try_create_local(&path, Entry::Dir);
        }
        if spec.marker {
            world.remote.insert(
                path,
                Object {
                    etag: format!("m{i}"),
                    content: None,
                    hash_known: false,
                },
            );
        }
    }
    let link = rel(SYMLINK);
    if specs.symlink {
        world.try_create_local(&link, Entry::Symlink);
    }
    if let Some(c) = specs.symlink_remote {
        world.remote.insert(
            link,
            Object {
                etag: "sl".into(),
                content: Some(c),
                hash_known: true,
            },
        );
    }
    world
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::TwoWay), Just(Mode::UploadOnly), Just(Mode::DownloadOnly)]
}

fn pair(mode: Mode, case_insensitive: bool, guard: MassDeleteGuard) -> PairSettings {
    PairSettings {
        mode,
        host_name: "pc".into(),
        now: chrono::NaiveDate::from_ymd_opt(2025, 1, 2)
            .and_then(|d| d.and_hms_opt(3, 4, 0))
            .unwrap(),
        mass_delete_guard: guard,
        // The convergence properties run without the guard; emptied sides trip it too.
        deletion_consent: if guard == NO_GUARD {
            DeletionConsent::Confirmed
        } else {
            DeletionConsent::Guarded
        },
        case_insensitive_fs: case_insensitive,
        windows_names: false,
    }
}

const NO_GUARD: MassDeleteGuard = MassDeleteGuard {
    max_fraction: 1.0,
    min_count: usize::MAX,
};

fn any_guard() -> impl Strategy<Value = MassDeleteGuard> {
    prop_oneof![
        Just(NO_GUARD),
        (0.0f64..=1.0, 0usize..4).prop_map(|(max_fraction, min_count)| MassDeleteGuard {
            max_fraction,
            min_count
        }),
    ]
}

// ---- Checks ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Touch {
    Delete,
    Transfer,
    Other,
}

/// Every path an action writes, with how.
fn touches(action: &Action) -> Vec<(&RelPath, Touch)> {
    use Touch::*;
    match action {
        Action::Upload { path, .. } | Action::Download { path, .. } => vec![(path, Transfer)],
        Action::DeleteRemote { path, .. }
        | Action::DeleteLocal { path, .. }
        | Action::DeleteRemoteDir { path, .. }
        | Action::DeleteLocalDir { path } => vec![(path, Delete)],
        Action::CopyRemote {
            from,
            to,
            delete_source,
            ..
        } => {
            let mut v = vec![(to, Transfer)];
            if *delete_source {
                v.push((from, Delete));
            }
            v
        }
        Action::KeepBoth {
            path, conflict_path, ..
        } => vec![(path, Transfer), (conflict_path, Transfer)],
        Action::MoveLocal { from, to, .. } => vec![(to, Transfer), (from, Delete)],
        Action::RecordBase { path, .. }
        | Action::ForgetBase { path }
        | Action::CreateRemoteDir { path }
        | Action::CreateLocalDir { path, .. }
        | Action::Skip { path, .. } => vec![(path, Other)],
    }
}

/// Properties (1) and (2), plus: one action per path, run order as documented, guard honoured.
fn check_plan_shape(views: &BTreeMap<RelPath, PathView>, plan: &Plan) -> Result<(), TestCaseError> {
    let mut seen: BTreeMap<&RelPath, Touch> = BTreeMap::new();
    for action in &plan.actions {
        for (path, touch) in touches(action) {
            // (1) never a delete and a transfer (nor any two actions) for the same path.
            prop_assert!(
                seen.insert(path, touch).is_none(),
                "{path} is touched twice: {:?}",
                plan.actions
            );
            // (2) only input paths, folders enclosing them, and conflict copies beside their source.
            let known = views.contains_key(path) || views.keys().any(|k| k.is_inside(path));
            let sibling_copy = matches!(action, Action::KeepBoth { path: src, conflict_path, .. }
                if conflict_path == path && src.parent() == path.parent() && path.as_str().contains(" (conflict from pc "));
            prop_assert!(known || sibling_copy, "{path} is outside the input: {action:?}");
        }
    }
    let phases: Vec<Phase> = plan.actions.iter().map(Action::phase).collect();
    prop_assert!(phases.windows(2).all(|w| w[0] <= w[1]), "phases out of order");
    if plan.guard.is_some() {
        prop_assert!(
            plan.actions.iter().all(|a| a.deletes_on().is_none()),
            "guard withholds deletes"
        );
    }
    Ok(())
}

fn check_nothing_lost(before: &BTreeSet<u8>, world: &World) -> Result<(), TestCaseError> {
    prop_assert!(world.lost.is_empty(), "lost: {:?}", world.lost);
    let mut after = world.contents();
    after.extend(world.trash.iter().copied());
    for c in before {
        prop_assert!(after.contains(c), "content {c} vanished");
    }
    Ok(())
}

/// In a two-way pair, after a pass every synced file is the same on both sides.
fn check_sides_agree(world: &World, plan: &Plan) -> Result<(), TestCaseError> {
    let skipped: BTreeSet<&RelPath> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Skip { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    let local_files: BTreeMap<&RelPath, u8> = world
        .local
        .values()
        .filter_map(|(p, e)| match e {
            Entry::File { content, .. } => Some((p, *content)),
            _ => None,
        })
        .filter(|(p, _)| !skipped.contains(p))
        .collect();
    let remote_files: BTreeMap<&RelPath, u8> = world
        .remote
        .iter()
        .filter_map(|(p, o)| o.content.map(|c| (p, c)))
        .filter(|(p, _)| !skipped.contains(p))
        .collect();
    prop_assert_eq!(local_files, remote_files);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Kept beside this file (relative to the crate root, where cargo runs tests).
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("src/sync/simulation.proptest-regressions"))),
        ..ProptestConfig::with_cases(1024)
    })]

    /// (1) + (2) on arbitrary worlds, clashing names, every mode, with and without the guard.
    #[test]
    fn plans_are_well_formed(specs in clashing_specs(), mode in mode(), ci in any::<bool>(), guard in any_guard()) {
        let world = build(&specs, ci);
        let views = world.views();
        let plan = plan(&pair(mode, ci, guard), &views);
        check_plan_shape(&views, &plan)?;
    }

    /// (3) one pass converges: re-planning after applying the plan finds nothing to do; and in a
    /// two-way pair both sides then hold the same files. (4) nothing is lost.
    #[test]
    fn one_pass_converges_and_loses_nothing(specs in specs(FILES, DIRS), mode in mode()) {
        let mut world = build(&specs, false);
        let before = world.contents();
        let settings = pair(mode, false, NO_GUARD);
        let first = plan(&settings, &world.views());
        world.apply(&first);
        check_nothing_lost(&before, &world)?;
        let second = plan(&settings, &world.views());
        prop_assert!(second.is_idle(), "second pass: {:?}\nafter first: {:?}", second.actions, first.actions);
        if mode == Mode::TwoWay {
            check_sides_agree(&world, &first)?;
        }
    }

    /// With names that clash (file vs folder, case-only twins on a case-insensitive disk) some
    /// paths wait for a clash to clear, so allow a few passes; still nothing is lost and the
    /// passes settle.
    #[test]
    fn clashing_names_settle_and_lose_nothing(specs in clashing_specs(), mode in mode(), ci in any::<bool>()) {
        let mut world = build(&specs, ci);
        let before = world.contents();
        let settings = pair(mode, ci, NO_GUARD);
        let mut passes = Vec::new();
        loop {
            let next = plan(&settings, &world.views());
            if next.is_idle() {
                break;
            }
            prop_assert!(passes.len() < 4, "no fixpoint after 4 passes: {:?}", passes);
            world.apply(&next);
            check_nothing_lost(&before, &world)?;
            passes.push(next.actions);
        }
    }

    /// (4) also holds when the guard withholds deletions.
    #[test]
    fn the_guard_loses_nothing_either(specs in specs(FILES, DIRS), mode in mode(), guard in any_guard()) {
        let mut world = build(&specs, false);
        let before = world.contents();
        let plan = plan(&pair(mode, false, guard), &world.views());
        world.apply(&plan);
        check_nothing_lost(&before, &world)?;
    }
}

/// The simulator itself: a hand-made world where two computers edit the same file.
#[test]
fn two_computers_editing_one_file_both_end_with_both_versions() {
    // Computer A and B share a synced `notes.txt` (content 1). A uploads content 2 first.
    let path = rel("notes.txt");
    let mut a = World::new(false);
    let mut b = World::new(false);
    for w in [&mut a, &mut b] {
        let local = w.write_local_file(&path, 1);
        let object = Object {
            etag: "e1".into(),
            content: Some(1),
            hash_known: true,
        };
        w.remote.insert(path.clone(), object.clone());
        w.record(&path, &local, &object);
    }
    let settings_a = pair(Mode::TwoWay, false, NO_GUARD);
    let settings_b = PairSettings {
        host_name: "desk".into(),
        ..settings_a.clone()
    };
    a.write_local_file(&path, 2);
    b.write_local_file(&path, 3);
    let plan_a = plan(&settings_a, &a.views());
    a.apply(&plan_a);
    // B sees A's upload in the bucket: share the bucket by copying it over.
    b.remote = a.remote.clone();
    let plan_b = plan(&settings_b, &b.views());
    assert!(
        matches!(&plan_b.actions[..], [Action::KeepBoth { .. }]),
        "{:?}",
        plan_b.actions
    );
    b.apply(&plan_b);
    a.remote = b.remote.clone();
    a.apply(&plan(&settings_a, &a.views()));
    for w in [&a, &b] {
        let files: BTreeMap<String, u8> = w
            .local
            .values()
            .filter_map(|(p, e)| match e {
                Entry::File { content, .. } => Some((p.to_string(), *content)),
                _ => None,
            })
            .collect();
        assert_eq!(
            files,
            BTreeMap::from([
                ("notes (conflict from desk 2025-01-02 0304).txt".to_owned(), 3),
                ("notes.txt".to_owned(), 2),
            ])
        );
        assert!(plan(&settings_a, &w.views()).is_idle());
    }
}

/// The generators reach every kind of action, so the properties above are not vacuous.
#[test]
fn generated_worlds_exercise_every_action() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(Config::default().rng_algorithm),
    );
    let strategy = (clashing_specs(), mode(), any::<bool>());
    let mut seen = BTreeSet::new();
    for _ in 0..3000 {
        let (specs, mode, ci) = strategy.new_tree(&mut runner).unwrap().current();
        let world = build(&specs, ci);
        for action in plan(&pair(mode, ci, NO_GUARD), &world.views()).actions {
            let name = match &action {
                Action::Skip { reason, .. } => format!("Skip {reason:?}")
                    .split([' ', '('])
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" "),
                Action::CopyRemote { delete_source, .. } => format!("CopyRemote delete_source={delete_source}"),
                Action::KeepBoth {
                    upload_conflict_copy, ..
                } => format!("KeepBoth upload={upload_conflict_copy}"),
                other => format!("{other:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            };
            seen.insert(name);
        }
    }
    let want = [
        "CopyRemote delete_source=false",
        "CopyRemote delete_source=true",
        "CreateLocalDir",
        "CreateRemoteDir",
        "DeleteLocal",
        "DeleteLocalDir",
        "DeleteRemote",
        "DeleteRemoteDir",
        "Download",
        "ForgetBase",
        "KeepBoth upload=false",
        "KeepBoth upload=true",
        "RecordBase",
        "Skip CaseCollision",
        "Skip ConflictInUploadOnly",
        "Skip PathClash",
        "Skip Symlink",
        "Upload",
    ];
    for name in want {
        assert!(seen.contains(name), "never generated: {name}; saw {seen:?}");
    }
}
