//! The pure three-way reconcile: `plan(settings, views) -> Plan`, no I/O.
//!
//! Each path is compared on each side against its base (the state both sides had at the last
//! successful sync); the combination picks one action. The rules, in the order they apply:
//!
//! 1. **Change detection.** Local changed iff its content hash differs from the base hash (size and
//!    mtime only tell the scanner when to re-hash). Remote changed iff its ETag differs from the
//!    base ETag, unless the object carries Pail's content hash and it equals the base hash: then it
//!    was only touched, and the base is re-recorded without a transfer.
//! 2. **Per path.** One side changed → copy it over (conditional on what was seen). Both changed to
//!    the same content → record the base. Both changed otherwise → keep both: the remote version
//!    lands at the path and the local edit becomes a conflict copy beside it. A deletion propagates
//!    only when the other side is unchanged; delete-vs-edit keeps the edit; delete-vs-delete forgets
//!    the base. First sync (no base) with both present is the same as edit-vs-edit.
//! 3. **Modes.** One-way modes drop every action that would write to the protected side.
//! 4. **Moves.** A local creation whose content equals a path deleted locally (remote unchanged)
//!    becomes a server-side copy plus delete of the old key; other creations whose content already
//!    exists remotely become server-side copies.
//!    The same on the other side: a synced file deleted remotely (local unchanged) whose content
//!    shows up remotely under a new path (same content hash or ETag) is renamed locally.
//! 5. **Local names.** Anything to be created locally that the local disk cannot hold (a file where
//!    a folder is, a case-only twin on a case-insensitive disk, a Windows-reserved name) is skipped
//!    with a reason instead.
//! 6. **Folders**, deepest first, knowing what the file actions leave inside each folder.
//! 7. **Mass-deletion guard.** Too many deletions on one side, or a side that lost every file,
//!    → all deletions are withheld; while an earlier trip waits for the user's answer
//!    ([`DeletionConsent::Held`]), every deletion of a synced path is.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use super::conflict_name::conflict_path;
use super::local_name::WindowsNameIssue;
use super::model::{
    BaseFile, BaseState, ContentHash, DeletionConsent, LocalFile, LocalState, Mode, PairSettings, PathView, RelPath,
    RemoteState,
};

/// One step for the executor. Each carries the state the planner saw, which the executor must
/// still find before acting (a mismatch means "changed meanwhile": drop the action and re-plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Upload the local file. Precondition: local still equals `expect_local` (hash it while
    /// uploading). `if_match: Some(etag)` → `If-Match: etag`; `None` → `If-None-Match: *` (create).
    /// Record the content hash in object metadata; on success record the base.
    Upload {
        /// The path on both sides.
        path: RelPath,
        /// The ETag the object must still have, or `None` if it must not exist.
        if_match: Option<String>,
        /// What the local file must still be.
        expect_local: LocalFile,
    },
    /// Download the object into a temp file, verify, then atomically rename it over the path.
    /// Preconditions: the object still has `expect_remote_etag` (`If-Match` on the GET), and the
    /// local path still equals `expect_local` (`None`: still absent) right before the rename.
    Download {
        /// The path on both sides.
        path: RelPath,
        /// The ETag the object must still have.
        expect_remote_etag: String,
        /// What the local path must still hold, `None` if it must still be absent.
        expect_local: Option<LocalFile>,
    },
    /// Delete the object with `If-Match: if_match` (bucket versioning keeps it); forget the base.
    DeleteRemote {
        /// The path on both sides.
        path: RelPath,
        /// The ETag the object must still have.
        if_match: String,
    },
    /// Move the local file to the OS trash if it still equals `expect_local`; forget the base.
    DeleteLocal {
        /// The path on both sides.
        path: RelPath,
        /// What the local file must still be.
        expect_local: LocalFile,
    },
    /// Server-side copy `from` → `to` (`x-amz-copy-source-if-match: source_if_match`,
    /// `If-None-Match: *` on `to`, the content hash in metadata), instead of uploading `to`. Then,
    /// if `delete_source`, delete `from` with `If-Match: source_if_match` (a local rename) and
    /// forget its base. Precondition: local `to` still equals `expect_local`. Record `to`'s base.
    CopyRemote {
        /// The existing object whose content equals the local file at `to`.
        from: RelPath,
        /// The ETag `from` must still have.
        source_if_match: String,
        /// The new path (absent remotely; present locally).
        to: RelPath,
        /// What the local file at `to` must still be.
        expect_local: LocalFile,
        /// Delete `from` after the copy (the local file was renamed, not copied).
        delete_source: bool,
    },
    /// The bucket moved a synced file (another computer renamed it: its old key is gone and a
    /// new key holds the same content): rename the local file `from` → `to` instead of
    /// downloading `to` and trashing `from`. Preconditions: `from` still equals `expect_local`
    /// and `to` is still absent locally (never replaced). Record `to`'s base with
    /// `remote_etag`; forget `from`'s.
    MoveLocal {
        /// The local file that moved (deleted in the bucket).
        from: RelPath,
        /// Where it is now (new in the bucket, absent here).
        to: RelPath,
        /// What the local file at `from` must still be.
        expect_local: LocalFile,
        /// The ETag of the object at `to`.
        remote_etag: String,
    },
    /// Edit-vs-edit (or first sync with different content): keep both. Executor order: download
    /// the object (`If-Match: expect_remote_etag`) to a temp file; if its hash equals
    /// `expect_local.hash` after all (an object without Pail's hash), just record the base. Else
    /// rename the local file to `conflict_path` (only if it still equals `expect_local`, never
    /// replacing), rename the temp file to `path`, and, if `upload_conflict_copy`, upload the copy
    /// with `If-None-Match: *`. Record the bases of both paths.
    KeepBoth {
        /// The path: gets the remote version.
        path: RelPath,
        /// A free sibling path: gets the local edit.
        conflict_path: RelPath,
        /// What the local file must still be.
        expect_local: LocalFile,
        /// The ETag the object must still have.
        expect_remote_etag: String,
        /// Upload the copy too (two-way); download-only pairs keep it local.
        upload_conflict_copy: bool,
    },
    /// Both sides hold the recorded content already (or only metadata changed): write the base,
    /// no transfer.
    RecordBase {
        /// The path.
        path: RelPath,
        /// The base to store.
        base: BaseState,
    },
    /// Both sides deleted the path (or a folder lives on only implicitly): drop its base.
    ForgetBase {
        /// The path.
        path: RelPath,
    },
    /// Put a zero-byte folder marker `path` with `If-None-Match: *`; record a folder base.
    CreateRemoteDir {
        /// The folder path (ends with `/`).
        path: RelPath,
    },
    /// Create the local folder (and its parents) for a marker, like `mkdir -p` (a download into it
    /// may have made it already); record a folder base.
    CreateLocalDir {
        /// The folder path (ends with `/`).
        path: RelPath,
        /// The marker's ETag as listed.
        marker_etag: String,
    },
    /// Delete the folder marker with `If-Match: if_match`; forget the base.
    DeleteRemoteDir {
        /// The folder path (ends with `/`).
        path: RelPath,
        /// The ETag the marker must still have.
        if_match: String,
    },
    /// Remove the local folder only if it is empty by now (ignored files inside may go to the
    /// trash with it; anything else there → precondition failed); forget any base. Runs in the
    /// last phase, deepest first, after the file actions emptied it.
    DeleteLocalDir {
        /// The folder path (ends with `/`).
        path: RelPath,
    },
    /// Leave the path alone and show the user why.
    Skip {
        /// The path.
        path: RelPath,
        /// Why.
        reason: SkipReason,
    },
}

/// When an action may run: every action of one phase may run concurrently, phases in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Phase {
    /// Transfers, copies, deletions of files, folder creation, base bookkeeping.
    Files,
    /// Folder removals, deepest first; they rely on the files phase having emptied them.
    RemoveDirs,
}

pub use crate::core::model::Side;

impl Action {
    /// The path the action is about (`to` for a copy).
    pub fn path(&self) -> &RelPath {
        match self {
            Action::Upload { path, .. }
            | Action::Download { path, .. }
            | Action::DeleteRemote { path, .. }
            | Action::DeleteLocal { path, .. }
            | Action::KeepBoth { path, .. }
            | Action::RecordBase { path, .. }
            | Action::ForgetBase { path }
            | Action::CreateRemoteDir { path }
            | Action::CreateLocalDir { path, .. }
            | Action::DeleteRemoteDir { path, .. }
            | Action::DeleteLocalDir { path }
            | Action::Skip { path, .. } => path,
            Action::CopyRemote { to, .. } | Action::MoveLocal { to, .. } => to,
        }
    }

    /// Whether the action leaves both sides as they are: it only records or forgets what the
    /// state DB knows, or reports a skip. A pass of nothing else gives another pass nothing new
    /// to look at.
    pub fn changes_no_side(&self) -> bool {
        matches!(
            self,
            Action::Skip { .. } | Action::RecordBase { .. } | Action::ForgetBase { .. }
        )
    }

    /// When the action may run relative to the others.
    pub fn phase(&self) -> Phase {
        match self {
            Action::DeleteLocalDir { .. } | Action::DeleteRemoteDir { .. } => Phase::RemoveDirs,
            _ => Phase::Files,
        }
    }

    /// The side this action deletes from, if it is a deletion (a move's source delete is not).
    pub fn deletes_on(&self) -> Option<Side> {
        match self {
            Action::DeleteLocal { .. } | Action::DeleteLocalDir { .. } => Some(Side::Local),
            Action::DeleteRemote { .. } | Action::DeleteRemoteDir { .. } => Some(Side::Remote),
            _ => None,
        }
    }
}

/// Why a path is left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SkipReason {
    /// Symbolic links are never followed or synced.
    Symlink,
    /// The scanner or listing put a file at a folder path or the reverse (a caller bug).
    KindMismatch,
    /// An object whose key ends with `/` has bytes in it; a local folder cannot hold them.
    FolderMarkerHasContent,
    /// On this case-insensitive disk the name is already used by `with`, spelled differently.
    CaseCollision {
        /// The path that keeps the name.
        with: RelPath,
    },
    /// The name is spelled with the same letters as `with` but in another Unicode form (NFC vs
    /// NFD, as macOS and Linux write accents differently): the two look identical and collide on
    /// macOS, so only one is synced.
    UnicodeTwin {
        /// The path that keeps the name.
        with: RelPath,
    },
    /// A file and a folder want the same local name.
    PathClash {
        /// The path that keeps the name.
        with: RelPath,
    },
    /// This disk follows Windows naming rules and cannot hold the name.
    WindowsName(WindowsNameIssue),
    /// Both sides changed; an upload-only pair neither overwrites the bucket's version nor touches
    /// the local one, so the local edit waits for the user.
    ConflictInUploadOnly,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Symlink => f.write_str("symbolic links are not synced"),
            Self::KindMismatch => f.write_str("a file and a folder were reported at the same path"),
            Self::FolderMarkerHasContent => f.write_str("the folder's key in the bucket holds data"),
            Self::CaseCollision { with } => {
                write!(f, "this disk ignores case, and `{with}` already uses the name")
            }
            Self::PathClash { with } => write!(f, "`{with}` already uses the name"),
            Self::UnicodeTwin { with } => {
                write!(f, "`{with}` has the same name written in another Unicode form")
            }
            Self::WindowsName(issue) => write!(f, "{issue}"),
            Self::ConflictInUploadOnly => {
                f.write_str("changed on both sides; an upload-only pair will not overwrite the bucket's version")
            }
        }
    }
}

/// The mass-deletion guard stopped this plan's deletions; the pair should pause and ask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassDeleteGuardTripped {
    /// The side with the most deletions.
    pub side: Side,
    /// How many synced paths the plan would have deleted on that side.
    pub count: usize,
    /// How many paths have a base (were synced).
    pub total: usize,
    /// The most deletions one side may have: `max(min_count, max_fraction × total)`.
    pub limit: f64,
    /// Set when the guard tripped because this side holds no file any more (however few
    /// deletions that makes).
    pub emptied: Option<Side>,
    /// The deletions held back, to show the user and to run if they confirm.
    pub withheld: Vec<Action>,
}

/// The result of one planning pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Actions in run order: phase by phase; by path within the files phase, deepest first within
    /// the folder-removal phase. Each path appears in at most one action.
    pub actions: Vec<Action>,
    /// Set when deletions were withheld; everything else is still planned.
    pub guard: Option<MassDeleteGuardTripped>,
}

impl Plan {
    /// Nothing to do but warnings: the pair is in sync.
    pub fn is_idle(&self) -> bool {
        self.guard.is_none() && self.actions.iter().all(|a| matches!(a, Action::Skip { .. }))
    }
}

/// Plans one pass for a pair: what to do so that both sides agree, given every path's base and
/// both sides now. Pure and deterministic: same input, same plan.
pub fn plan(pair: &PairSettings, views: &BTreeMap<RelPath, PathView>) -> Plan {
    let mut planner = Planner::new(pair, views);
    for (path, view) in views.iter().filter(|(p, _)| !p.is_dir()) {
        if let Some(action) = planner.decide_file(path, view) {
            planner.actions.insert(path.clone(), action);
        }
    }
    planner.detect_moves();
    planner.check_local_names();
    planner.detect_remote_moves();
    planner.decide_dirs();
    planner.finish()
}

struct Planner<'a> {
    pair: &'a PairSettings,
    views: &'a BTreeMap<RelPath, PathView>,
    /// Keyed by [`Action::path`]; at most one action per path.
    actions: BTreeMap<RelPath, Action>,
    /// Names a conflict copy must avoid: every path and folder known on any side, case-folded on a
    /// case-insensitive disk.
    taken: BTreeSet<String>,
    names: LocalNames,
}

impl<'a> Planner<'a> {
    fn new(pair: &'a PairSettings, views: &'a BTreeMap<RelPath, PathView>) -> Self {
        let ci = pair.case_insensitive_fs;
        let mut taken = BTreeSet::new();
        for path in views.keys() {
            taken.insert(fold(ci, path.trimmed()));
            for dir in path.ancestors() {
                if !taken.insert(fold(ci, dir.trimmed())) {
                    break;
                }
            }
        }
        let mut names = LocalNames {
            ci,
            by_folded_name: HashMap::new(),
        };
        for (path, view) in views {
            if view.local.is_some() {
                names.claim(path);
            }
        }
        Self {
            pair,
            views,
            actions: BTreeMap::new(),
            taken,
            names,
        }
    }

    fn decide_file(&mut self, path: &RelPath, view: &PathView) -> Option<Action> {
        let local = match &view.local {
            None => None,
            Some(LocalState::File(f)) => Some(f),
            Some(LocalState::Symlink) => return Some(skip(path, SkipReason::Symlink)),
            Some(LocalState::Dir) => return Some(skip(path, SkipReason::KindMismatch)),
        };
        let base = match &view.base {
            None => None,
            Some(BaseState::File(b)) => Some(b),
            Some(BaseState::Dir) => return Some(skip(path, SkipReason::KindMismatch)),
        };
        let remote = view.remote.as_ref();
        let path = path.clone();
        let action = match (base, local, remote) {
            (None, None, None) => return None,
            (None, Some(l), None) => upload(path, None, l),
            (None, None, Some(r)) => download(path, r, None),
            (None, Some(l), Some(r)) => {
                if r.hash == Some(l.hash) {
                    record(path, BaseFile::agreed(l.hash, l, r))
                } else {
                    // Unknown identity (no hash on the object) lands here too: KeepBoth compares
                    // the downloaded bytes before making a copy, so equal files still cost no copy.
                    return Some(self.keep_both(path, l, r));
                }
            }
            (Some(_), None, None) => Action::ForgetBase { path },
            (Some(b), None, Some(r)) => {
                if remote_changed(b, r) {
                    // Delete-vs-edit keeps the edit.
                    download(path, r, None)
                } else {
                    Action::DeleteRemote {
                        path,
                        if_match: r.etag.clone(),
                    }
                }
            }
            (Some(b), Some(l), None) => {
                if l.hash != b.hash {
                    upload(path, None, l)
                } else {
                    Action::DeleteLocal {
                        path,
                        expect_local: l.clone(),
                    }
                }
            }
            (Some(b), Some(l), Some(r)) => match (l.hash != b.hash, remote_changed(b, r)) {
                (false, false) => {
                    if b.same_stamp(l) && r.etag == b.remote_etag {
                        return None;
                    }
                    // Touched on one side but same content: refresh the base so the scanner
                    // stops re-hashing and the new ETag counts as seen.
                    record(path, BaseFile::agreed(b.hash, l, r))
                }
                (true, false) => upload(path, Some(r.etag.clone()), l),
                (false, true) => download(path, r, Some(l)),
                (true, true) if r.hash == Some(l.hash) => record(path, BaseFile::agreed(l.hash, l, r)),
                (true, true) => return Some(self.keep_both(path, l, r)),
            },
        };
        mode_allows(self.pair.mode, &action).then_some(action)
    }

    fn keep_both(&mut self, path: RelPath, local: &LocalFile, remote: &RemoteState) -> Action {
        if self.pair.mode == Mode::UploadOnly {
            return skip(&path, SkipReason::ConflictInUploadOnly);
        }
        let ci = self.pair.case_insensitive_fs;
        let taken = &self.taken;
        let conflict_path = conflict_path(&path, &self.pair.host_name, self.pair.now, |candidate| {
            taken.contains(&fold(ci, candidate.trimmed()))
        });
        self.taken.insert(fold(ci, conflict_path.trimmed()));
        Action::KeepBoth {
            path,
            conflict_path,
            expect_local: local.clone(),
            expect_remote_etag: remote.etag.clone(),
            upload_conflict_copy: self.pair.mode == Mode::TwoWay,
        }
    }

    /// Turns uploads of content the bucket already has into server-side copies.
    fn detect_moves(&mut self) {
        let mut created: BTreeMap<ContentHash, Vec<RelPath>> = BTreeMap::new();
        let mut deleted: BTreeMap<ContentHash, Vec<(RelPath, String)>> = BTreeMap::new();
        for (path, action) in &self.actions {
            let Some(view) = self.views.get(path) else { continue };
            match (action, &view.base) {
                (
                    Action::Upload {
                        if_match: None,
                        expect_local,
                        ..
                    },
                    None,
                ) if view.remote.is_none() => {
                    created.entry(expect_local.hash).or_default().push(path.clone());
                }
                (Action::DeleteRemote { if_match, .. }, Some(BaseState::File(b))) => {
                    deleted
                        .entry(b.hash)
                        .or_default()
                        .push((path.clone(), if_match.clone()));
                }
                _ => {}
            }
        }
        if created.is_empty() {
            return;
        }
        let mut rename_sources = BTreeSet::new();
        let mut leftover = Vec::new();
        for (hash, targets) in created {
            let mut sources = deleted.remove(&hash).unwrap_or_default().into_iter();
            for to in targets {
                match sources.next() {
                    // Both lists are sorted, so every computer pairs the same way.
                    Some((from, etag)) => {
                        self.actions.remove(&from);
                        rename_sources.insert(from.clone());
                        self.make_copy(from, etag, to, true);
                    }
                    None => leftover.push((hash, to)),
                }
            }
        }
        if leftover.is_empty() {
            return;
        }
        let mut copy_sources: BTreeMap<ContentHash, (RelPath, String)> = BTreeMap::new();
        for (path, view) in self.views.iter().filter(|(p, _)| !p.is_dir()) {
            let Some(remote) = &view.remote else { continue };
            let base_hash = match &view.base {
                Some(BaseState::File(b)) if b.remote_etag == remote.etag => Some(b.hash),
                _ => None,
            };
            let Some(hash) = remote.hash.or(base_hash) else {
                continue;
            };
            let rewrites_remote = matches!(
                self.actions.get(path),
                Some(Action::Upload { .. } | Action::DeleteRemote { .. } | Action::CopyRemote { .. })
            );
            if !rewrites_remote && !rename_sources.contains(path) {
                copy_sources
                    .entry(hash)
                    .or_insert_with(|| (path.clone(), remote.etag.clone()));
            }
        }
        for (hash, to) in leftover {
            if let Some((from, etag)) = copy_sources.get(&hash) {
                self.make_copy(from.clone(), etag.clone(), to, false);
            }
        }
    }

    fn make_copy(&mut self, from: RelPath, source_if_match: String, to: RelPath, delete_source: bool) {
        let expect_local = match self.actions.get(&to) {
            Some(Action::Upload { expect_local, .. }) => expect_local.clone(),
            _ => return,
        };
        self.actions.insert(
            to.clone(),
            Action::CopyRemote {
                from,
                source_if_match,
                to,
                expect_local,
                delete_source,
            },
        );
    }

    /// Turns "download the new path, trash the old one" into a local rename where the bucket
    /// only moved a synced file (another computer renamed it). Runs after the name checks, so
    /// only downloads whose name is fine become moves; pairs in sorted order, so it is
    /// deterministic.
    fn detect_remote_moves(&mut self) {
        // Synced files deleted in the bucket, unchanged here, by what identifies their content.
        let mut by_hash: BTreeMap<ContentHash, Vec<RelPath>> = BTreeMap::new();
        let mut by_etag: BTreeMap<&str, Vec<RelPath>> = BTreeMap::new();
        for (path, action) in &self.actions {
            let Action::DeleteLocal { .. } = action else { continue };
            let Some(PathView {
                base: Some(BaseState::File(b)),
                remote: None,
                ..
            }) = self.views.get(path)
            else {
                continue;
            };
            by_hash.entry(b.hash).or_default().push(path.clone());
            if !b.remote_etag.is_empty() {
                by_etag.entry(b.remote_etag.as_str()).or_default().push(path.clone());
            }
        }
        if by_hash.is_empty() {
            return;
        }
        let mut taken: BTreeSet<RelPath> = BTreeSet::new();
        let mut moves = Vec::new();
        for (path, action) in &self.actions {
            let Action::Download {
                expect_local: None,
                expect_remote_etag,
                ..
            } = action
            else {
                continue;
            };
            let Some(view) = self.views.get(path) else { continue };
            if view.base.is_some() || view.local.is_some() {
                continue;
            }
            let by_content = view.remote.as_ref().and_then(|r| r.hash).and_then(|h| by_hash.get(&h));
            let candidates = by_content
                .into_iter()
                .flatten()
                .chain(by_etag.get(expect_remote_etag.as_str()).into_iter().flatten());
            if let Some(from) = candidates.into_iter().find(|from| !taken.contains(*from)) {
                taken.insert(from.clone());
                moves.push((from.clone(), path.clone(), expect_remote_etag.clone()));
            }
        }
        for (from, to, remote_etag) in moves {
            let Some(Action::DeleteLocal { expect_local, .. }) = self.actions.remove(&from) else {
                continue;
            };
            self.actions.insert(
                to.clone(),
                Action::MoveLocal {
                    from,
                    to,
                    expect_local,
                    remote_etag,
                },
            );
        }
    }

    /// Skips local creations the local disk cannot hold, first come (sorted) first served.
    fn check_local_names(&mut self) {
        let mut replaced = Vec::new();
        for (path, action) in &self.actions {
            match action {
                Action::Download { expect_local: None, .. } => match self.local_name_problem(path) {
                    Some(reason) => replaced.push((path.clone(), reason)),
                    None => self.names.claim(path),
                },
                Action::KeepBoth { conflict_path, .. } => self.names.claim(conflict_path),
                _ => {}
            }
        }
        for (path, reason) in replaced {
            let action = skip(&path, reason);
            self.actions.insert(path, action);
        }
    }

    fn local_name_problem(&self, path: &RelPath) -> Option<SkipReason> {
        let rules = super::local_name::NameRules::windows_if(self.pair.windows_names);
        if let Some(issue) = rules.issue(path) {
            return Some(SkipReason::WindowsName(issue));
        }
        self.names.problem(path)
    }

    /// Folder markers and empty folders, deepest first, so each folder knows what its children's
    /// actions leave inside it.
    fn decide_dirs(&mut self) {
        let (mut presence, candidates) = self.presence_and_folders();
        for action in self.actions.values() {
            presence.apply(action);
        }
        for dir in candidates.iter().rev() {
            let action = self.folder_action(dir, &presence);
            presence.note_folder(dir, action.as_ref());
            if let Some(action) = action {
                self.actions.insert(dir.clone(), action);
            }
        }
    }

    /// What is there now on each side, and every folder the plan may have to decide about.
    fn presence_and_folders(&self) -> (Presence, BTreeSet<RelPath>) {
        let mut local_now: BTreeSet<String> = BTreeSet::new();
        let mut remote_after: BTreeSet<String> = BTreeSet::new();
        // Folders that exist locally because something is inside them; with the folder views,
        // every folder the plan may have to decide about.
        let mut candidates: BTreeSet<RelPath> = BTreeSet::new();
        for (path, view) in self.views {
            if view.local.is_some() {
                local_now.insert(path.as_str().to_owned());
                for dir in path.ancestors() {
                    // Once one folder is in, so are all of its own (inserted by the same loop).
                    if !candidates.insert(dir) {
                        break;
                    }
                }
            }
            if view.remote.is_some() {
                remote_after.insert(path.as_str().to_owned());
            }
        }
        candidates.extend(self.views.keys().filter(|p| p.is_dir()).cloned());
        let local_after = local_now.clone();
        let presence = Presence {
            local_now,
            local_after,
            remote_after,
        };
        (presence, candidates)
    }

    /// The action for one folder (if any), within what the mode allows, and a local folder
    /// only where its name can be made next to the names already claimed.
    fn folder_action(&mut self, dir: &RelPath, presence: &Presence) -> Option<Action> {
        let action = match self.views.get(dir) {
            Some(view) => self.decide_dir(
                dir,
                view,
                &presence.local_now,
                &presence.local_after,
                &presence.remote_after,
            ),
            // A folder holding only paths this plan deletes locally, with nothing coming in and
            // nothing left remotely: remove it too, or the next scan would see a new empty
            // folder and resurrect it as a marker.
            None if !has_inside(&presence.local_after, dir) && !has_inside(&presence.remote_after, dir) => {
                Some(Action::DeleteLocalDir { path: dir.clone() })
            }
            None => None,
        };
        let mut action = action.filter(|a| mode_allows(self.pair.mode, a));
        if let Some(Action::CreateLocalDir { .. }) = action {
            match self.local_name_problem(dir) {
                Some(reason) => action = Some(skip(dir, reason)),
                None => self.names.claim(dir),
            }
        }
        action
    }

    fn decide_dir(
        &self,
        dir: &RelPath,
        view: &PathView,
        local_now: &BTreeSet<String>,
        local_after: &BTreeSet<String>,
        remote_after: &BTreeSet<String>,
    ) -> Option<Action> {
        let explicit = match &view.local {
            None => false,
            Some(LocalState::Dir) => true,
            Some(LocalState::Symlink) => return Some(skip(dir, SkipReason::Symlink)),
            Some(LocalState::File(_)) => return Some(skip(dir, SkipReason::KindMismatch)),
        };
        if matches!(view.base, Some(BaseState::File(_))) {
            return Some(skip(dir, SkipReason::KindMismatch));
        }
        if view.remote.as_ref().is_some_and(|r| r.size > 0) {
            return Some(skip(dir, SkipReason::FolderMarkerHasContent));
        }
        // A folder with anything in it exists locally even when the scanner does not list it.
        let local = explicit || has_inside(local_now, dir);
        let path = dir.clone();
        match (view.base.is_some(), local, &view.remote) {
            (false, false, None) => None,
            // A marker only for a folder that stays empty in the bucket: one with objects inside
            // exists there already (and an interrupted download leaves exactly such a folder).
            (false, true, None) => {
                (explicit && !has_inside(remote_after, dir)).then_some(Action::CreateRemoteDir { path })
            }
            (false, false, Some(marker)) => Some(Action::CreateLocalDir {
                path,
                marker_etag: marker.etag.clone(),
            }),
            (false, true, Some(_)) => Some(Action::RecordBase {
                path,
                base: BaseState::Dir,
            }),
            (true, true, Some(_)) => None,
            (true, false, None) => Some(Action::ForgetBase { path }),
            // Deleted locally: the marker goes too, unless files arriving in the folder bring it
            // back anyway (then keeping the marker saves churn).
            (true, false, Some(marker)) => (!has_inside(local_after, dir)).then(|| Action::DeleteRemoteDir {
                path,
                if_match: marker.etag.clone(),
            }),
            // Marker deleted remotely: remove the local folder once this plan empties it; if
            // something stays in it, the folder lives on implicitly and the base is dropped.
            (true, true, None) => Some(if has_inside(local_after, dir) {
                Action::ForgetBase { path }
            } else {
                Action::DeleteLocalDir { path }
            }),
        }
    }

    fn finish(self) -> Plan {
        let guard_settings = self.pair.mass_delete_guard;
        let total = self.views.values().filter(|v| v.base.is_some()).count();
        let (mut local, mut remote) = (0usize, 0usize);
        for (path, action) in &self.actions {
            let synced = self.views.get(path).is_some_and(|v| v.base.is_some());
            match action.deletes_on() {
                Some(Side::Local) if synced => local += 1,
                Some(Side::Remote) if synced => remote += 1,
                _ => {}
            }
        }
        let limit = (guard_settings.min_count as f64).max(guard_settings.max_fraction * total as f64);
        let emptied = self.emptied_side(local, remote);
        let tripped = match self.pair.deletion_consent {
            DeletionConsent::Confirmed => false,
            DeletionConsent::Held => local + remote > 0,
            DeletionConsent::Guarded => local as f64 > limit || remote as f64 > limit || emptied.is_some(),
        };
        let mut withheld = Vec::new();
        let mut actions: Vec<Action> = Vec::with_capacity(self.actions.len());
        for action in self.actions.into_values() {
            if tripped && action.deletes_on().is_some() {
                withheld.push(action);
            } else {
                actions.push(action);
            }
        }
        // Files phase by path; removals deepest first (a child sorts after its parent).
        actions.sort_by(|a, b| {
            a.phase().cmp(&b.phase()).then_with(|| match a.phase() {
                Phase::Files => a.path().cmp(b.path()),
                Phase::RemoveDirs => b.path().cmp(a.path()),
            })
        });
        let guard = tripped.then(|| {
            let (side, count) = if remote > local {
                (Side::Remote, remote)
            } else {
                (Side::Local, local)
            };
            MassDeleteGuardTripped {
                side,
                count,
                total,
                limit,
                emptied,
                withheld,
            }
        });
        Plan { actions, guard }
    }
}

impl Planner<'_> {
    /// The side that holds no file any more although files were synced, when the plan would
    /// carry that emptiness over to the other side. Whatever the count, that is what an unmounted
    /// disk, a wiped folder or an emptied bucket folder looks like, so it always waits for the
    /// user (rclone bisync stops with a critical error here too).
    fn emptied_side(&self, local_deletions: usize, remote_deletions: usize) -> Option<Side> {
        let synced_files = self
            .views
            .iter()
            .any(|(p, v)| !p.is_dir() && matches!(v.base, Some(BaseState::File(_))));
        if !synced_files {
            return None;
        }
        let holds_files = |side: Side| {
            self.views.iter().any(|(p, v)| {
                !p.is_dir()
                    && match side {
                        Side::Local => matches!(v.local, Some(LocalState::File(_))),
                        Side::Remote => v.remote.is_some(),
                    }
            })
        };
        if remote_deletions > 0 && !holds_files(Side::Local) {
            Some(Side::Local)
        } else if local_deletions > 0 && !holds_files(Side::Remote) {
            Some(Side::Remote)
        } else {
            None
        }
    }
}

/// Which paths are there locally now, and on each side once the plan's actions are done, as
/// text. Folders are decided deepest first against it, each one updating it for its parent.
struct Presence {
    local_now: BTreeSet<String>,
    local_after: BTreeSet<String>,
    remote_after: BTreeSet<String>,
}

impl Presence {
    /// Counts in what a file action adds or removes on either side.
    fn apply(&mut self, action: &Action) {
        let (local_after, remote_after) = (&mut self.local_after, &mut self.remote_after);
        match action {
            Action::DeleteLocal { path, .. } => {
                local_after.remove(path.as_str());
            }
            Action::Download { path, .. } => {
                local_after.insert(path.as_str().to_owned());
            }
            Action::MoveLocal { from, to, .. } => {
                local_after.remove(from.as_str());
                local_after.insert(to.as_str().to_owned());
            }
            Action::KeepBoth {
                conflict_path,
                upload_conflict_copy,
                ..
            } => {
                local_after.insert(conflict_path.as_str().to_owned());
                if *upload_conflict_copy {
                    remote_after.insert(conflict_path.as_str().to_owned());
                }
            }
            Action::DeleteRemote { path, .. } => {
                remote_after.remove(path.as_str());
            }
            Action::Upload { path, .. } => {
                remote_after.insert(path.as_str().to_owned());
            }
            Action::CopyRemote {
                from,
                to,
                delete_source,
                ..
            } => {
                remote_after.insert(to.as_str().to_owned());
                if *delete_source {
                    remote_after.remove(from.as_str());
                }
            }
            _ => {}
        }
    }

    /// Records whether the folder `dir` is still there after `action`, for its parent's decision.
    fn note_folder(&mut self, dir: &RelPath, action: Option<&Action>) {
        // The parent must know whether this folder is still there after the plan, even when
        // nothing inside it is (a kept empty folder keeps its parent non-empty).
        let exists_after = match action {
            Some(Action::DeleteLocalDir { .. }) => false,
            Some(Action::CreateLocalDir { .. }) => true,
            _ => self.local_now.contains(dir.as_str()) || has_inside(&self.local_now, dir),
        };
        if exists_after {
            self.local_after.insert(dir.as_str().to_owned());
        } else {
            self.local_after.remove(dir.as_str());
        }
        // Likewise for the bucket: the parent's marker depends on what stays inside it.
        match action {
            Some(Action::DeleteRemoteDir { .. }) => {
                self.remote_after.remove(dir.as_str());
            }
            Some(Action::CreateRemoteDir { .. }) => {
                self.remote_after.insert(dir.as_str().to_owned());
            }
            _ => {}
        }
    }
}

/// Which local names are in use, case-folded on a case-insensitive disk, with who holds each.
struct LocalNames {
    ci: bool,
    by_folded_name: HashMap<String, RelPath>,
}

impl LocalNames {
    /// Marks `path` (a file, or a folder if it ends with `/`) and its folders as used.
    fn claim(&mut self, path: &RelPath) {
        self.by_folded_name
            .entry(fold(self.ci, path.trimmed()))
            .or_insert_with(|| path.clone());
        for dir in path.ancestors() {
            let key = fold(self.ci, dir.trimmed());
            if self.by_folded_name.contains_key(&key) {
                break;
            }
            self.by_folded_name.insert(key, dir);
        }
    }

    /// Why `path` cannot be created locally next to what is claimed, if it cannot.
    fn problem(&self, path: &RelPath) -> Option<SkipReason> {
        let mut dirs: Vec<RelPath> = path.ancestors().collect();
        dirs.reverse();
        for dir in dirs.iter().chain(std::iter::once(path)) {
            let Some(holder) = self.by_folded_name.get(&fold(self.ci, dir.trimmed())) else {
                continue;
            };
            if holder.trimmed() != dir.trimmed() {
                if nfc(holder.trimmed()) == nfc(dir.trimmed()) {
                    return Some(SkipReason::UnicodeTwin { with: holder.clone() });
                }
                return Some(SkipReason::CaseCollision { with: holder.clone() });
            }
            if holder.is_dir() != dir.is_dir() {
                return Some(SkipReason::PathClash { with: holder.clone() });
            }
        }
        None
    }
}

/// The key under which local names collide: Unicode forms always (they look the same and macOS
/// treats them as one name), case too on a case-insensitive disk.
fn fold(case_insensitive: bool, s: &str) -> String {
    let normal = nfc(s);
    if case_insensitive {
        normal.to_lowercase()
    } else {
        normal
    }
}

fn nfc(s: &str) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    // Most names (all ASCII ones) are already NFC: a quick check instead of re-composing every
    // path of a large tree char by char, same result.
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return s.to_owned();
    }
    s.nfc().collect()
}

/// Whether any path in `set` lies strictly inside the folder `dir`. Paths sharing a prefix are
/// contiguous in sorted order and the folder itself sorts first, so one step of the range decides.
fn has_inside(set: &BTreeSet<String>, dir: &RelPath) -> bool {
    set.range::<str, _>((Bound::Excluded(dir.as_str()), Bound::Unbounded))
        .next()
        .is_some_and(|p| p.starts_with(dir.as_str()))
}

fn remote_changed(base: &BaseFile, remote: &RemoteState) -> bool {
    remote.etag != base.remote_etag && remote.hash != Some(base.hash)
}

fn mode_allows(mode: Mode, action: &Action) -> bool {
    match mode {
        Mode::TwoWay => true,
        Mode::UploadOnly => !matches!(
            action,
            Action::Download { .. }
                | Action::DeleteLocal { .. }
                | Action::MoveLocal { .. }
                | Action::KeepBoth { .. }
                | Action::CreateLocalDir { .. }
                | Action::DeleteLocalDir { .. }
        ),
        Mode::DownloadOnly => !matches!(
            action,
            Action::Upload { .. }
                | Action::DeleteRemote { .. }
                | Action::CopyRemote { .. }
                | Action::CreateRemoteDir { .. }
                | Action::DeleteRemoteDir { .. }
        ),
    }
}

fn skip(path: &RelPath, reason: SkipReason) -> Action {
    Action::Skip {
        path: path.clone(),
        reason,
    }
}

fn upload(path: RelPath, if_match: Option<String>, local: &LocalFile) -> Action {
    Action::Upload {
        path,
        if_match,
        expect_local: local.clone(),
    }
}

fn download(path: RelPath, remote: &RemoteState, local: Option<&LocalFile>) -> Action {
    Action::Download {
        path,
        expect_remote_etag: remote.etag.clone(),
        expect_local: local.cloned(),
    }
}

fn record(path: RelPath, base: BaseFile) -> Action {
    Action::RecordBase {
        path,
        base: BaseState::File(base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::model::MassDeleteGuard;

    fn h(n: u8) -> ContentHash {
        ContentHash([n; 32])
    }

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    fn at() -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 3, 1)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap()
    }

    fn settings(mode: Mode) -> PairSettings {
        PairSettings {
            mode,
            host_name: "laptop".into(),
            now: at(),
            mass_delete_guard: MassDeleteGuard::default(),
            // Most tables hold one path, whose deletion empties a side; the guard has its own tests.
            deletion_consent: DeletionConsent::Confirmed,
            case_insensitive_fs: false,
            windows_names: false,
        }
    }

    fn local(n: u8, mtime_ns: i128) -> LocalFile {
        LocalFile {
            size: 10 + u64::from(n),
            mtime_ns,
            inode: Some(7),
            hash: h(n),
        }
    }

    fn remote(etag: &str, hash: Option<u8>) -> RemoteState {
        RemoteState {
            etag: etag.into(),
            size: 10 + u64::from(hash.unwrap_or(2)),
            version_id: None,
            hash: hash.map(h),
        }
    }

    /// Content 0, synced with local mtime 100 and ETag `e0`.
    fn base() -> BaseFile {
        BaseFile {
            hash: h(0),
            size: 10,
            local_mtime_ns: 100,
            local_inode: Some(7),
            remote_etag: "e0".into(),
            remote_version_id: None,
            stamp_racy: false,
        }
    }

    fn file_view(base_present: bool, l: Option<LocalFile>, r: Option<RemoteState>) -> PathView {
        PathView {
            base: base_present.then(|| BaseState::File(base())),
            local: l.map(LocalState::File),
            remote: r,
        }
    }

    fn run_with(pair: &PairSettings, views: Vec<(&str, PathView)>) -> Plan {
        let views: BTreeMap<RelPath, PathView> = views.into_iter().map(|(k, v)| (p(k), v)).collect();
        plan(pair, &views)
    }

    fn run(views: Vec<(&str, PathView)>) -> Vec<Action> {
        let plan = run_with(&settings(Mode::TwoWay), views);
        assert_eq!(plan.guard, None);
        plan.actions
    }

    // ---- The exhaustive table for one file -------------------------------------------------

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum B {
        Absent,
        Present,
    }

    /// The local file relative to the base (content 0 at mtime 100).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum L {
        Absent,
        /// Same content, same stat data.
        Unchanged,
        /// Same content, new mtime (saved without changes).
        Touched,
        /// Content 1.
        Modified,
        /// Content 1, no base.
        Created,
    }

    /// The object relative to the base (ETag e0, content 0).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum R {
        Absent,
        /// ETag e0 with Pail's hash.
        Unchanged,
        /// ETag e0, written by another tool (no hash): unchanged all the same.
        UnchangedForeign,
        /// New ETag e9 but Pail's hash says content 0: metadata-only rewrite.
        Touched,
        /// ETag e2, content 2.
        Modified,
        /// ETag e2, no hash: content unknown.
        ModifiedForeign,
        /// ETag e1, content 1 (the same edit as the local one).
        SameAsLocal,
        /// ETag e2, content 2, no base.
        Created,
        /// ETag e2, no hash, no base.
        CreatedForeign,
        /// ETag e1, content 1 (equal to the local creation), no base.
        CreatedSameAsLocal,
    }

    /// The expected action, in terms of the row's own states.
    #[derive(Debug, Clone, Copy)]
    enum Expect {
        Nothing,
        Upload {
            if_match: Option<&'static str>,
        },
        Download {
            etag: &'static str,
            local_present: bool,
        },
        DeleteRemote {
            if_match: &'static str,
        },
        DeleteLocal,
        KeepBoth {
            etag: &'static str,
        },
        /// Record local and remote as the base, with the local content hash.
        RecordBase,
        ForgetBase,
    }

    impl L {
        fn state(self) -> Option<LocalFile> {
            match self {
                L::Absent => None,
                L::Unchanged => Some(local(0, 100)),
                L::Touched => Some(local(0, 200)),
                L::Modified | L::Created => Some(local(1, 300)),
            }
        }
        fn core(self) -> &'static str {
            match self {
                L::Absent => "absent",
                L::Unchanged | L::Touched => "unchanged",
                L::Modified => "modified",
                L::Created => "created",
            }
        }
    }

    impl R {
        fn state(self) -> Option<RemoteState> {
            match self {
                R::Absent => None,
                R::Unchanged => Some(remote("e0", Some(0))),
                R::UnchangedForeign => Some(remote("e0", None)),
                R::Touched => Some(remote("e9", Some(0))),
                R::Modified | R::Created => Some(remote("e2", Some(2))),
                R::ModifiedForeign | R::CreatedForeign => Some(remote("e2", None)),
                R::SameAsLocal | R::CreatedSameAsLocal => Some(remote("e1", Some(1))),
            }
        }
        fn core(self) -> &'static str {
            match self {
                R::Absent => "absent",
                R::Unchanged | R::UnchangedForeign | R::Touched => "unchanged",
                R::Modified | R::ModifiedForeign | R::SameAsLocal => "modified",
                R::Created | R::CreatedForeign | R::CreatedSameAsLocal => "created",
            }
        }
    }

    #[rustfmt::skip]
    const FILE_TABLE: &[(B, L, R, Expect, &str)] = {
        use Expect::*;
        &[
        // base     local          remote              expected                                            why
        (B::Absent, L::Absent,    R::Absent,           Nothing,                                            "nothing anywhere"),
        (B::Absent, L::Created,   R::Absent,           Upload { if_match: None },                          "new local file: create remotely, If-None-Match: *"),
        (B::Absent, L::Absent,    R::Created,          Download { etag: "e2", local_present: false },      "new remote file: download into a still-free path"),
        (B::Absent, L::Absent,    R::CreatedForeign,   Download { etag: "e2", local_present: false },      "objects from other tools download the same"),
        (B::Absent, L::Created,   R::CreatedSameAsLocal, RecordBase,                                       "first sync, same content: no transfer (invariant 2)"),
        (B::Absent, L::Created,   R::Created,          KeepBoth { etag: "e2" },                            "first sync, different content: keep both, never overwrite"),
        (B::Absent, L::Created,   R::CreatedForeign,   KeepBoth { etag: "e2" },                            "identity unknown: KeepBoth compares the bytes before copying"),
        (B::Present, L::Unchanged, R::Unchanged,       Nothing,                                            "in sync"),
        (B::Present, L::Unchanged, R::UnchangedForeign, Nothing,                                           "same ETag as the base: unchanged even without Pail's hash"),
        (B::Present, L::Touched,  R::Unchanged,        RecordBase,                                         "saved without changes: refresh stat data, no transfer"),
        (B::Present, L::Unchanged, R::Touched,         RecordBase,                                         "rewritten with the same content: remember the new ETag only"),
        (B::Present, L::Touched,  R::Touched,          RecordBase,                                         "both touched, nothing changed"),
        (B::Present, L::Modified, R::Unchanged,        Upload { if_match: Some("e0") },                    "local edit: upload only if the object is still the base"),
        (B::Present, L::Modified, R::UnchangedForeign, Upload { if_match: Some("e0") },                    "local edit over a foreign but unchanged object"),
        (B::Present, L::Modified, R::Touched,          Upload { if_match: Some("e9") },                    "remote content unchanged; If-Match the ETag seen now"),
        (B::Present, L::Unchanged, R::Modified,        Download { etag: "e2", local_present: true },       "remote edit: replace only if local is still the base"),
        (B::Present, L::Touched,  R::Modified,         Download { etag: "e2", local_present: true },       "touched is unchanged content: the remote edit wins"),
        (B::Present, L::Unchanged, R::ModifiedForeign, Download { etag: "e2", local_present: true },       "a foreign edit is an edit"),
        (B::Present, L::Unchanged, R::SameAsLocal,     Download { etag: "e1", local_present: true },       "remote edit to some content"),
        (B::Present, L::Modified, R::Modified,         KeepBoth { etag: "e2" },                            "edit vs edit: keep both"),
        (B::Present, L::Modified, R::ModifiedForeign,  KeepBoth { etag: "e2" },                            "edit vs unknown edit: keep both (bytes compared first)"),
        (B::Present, L::Modified, R::SameAsLocal,      RecordBase,                                         "both made the same edit: nothing to move"),
        (B::Present, L::Absent,   R::Unchanged,        DeleteRemote { if_match: "e0" },                    "local delete, remote unchanged: propagate"),
        (B::Present, L::Absent,   R::UnchangedForeign, DeleteRemote { if_match: "e0" },                    "same, for an object without Pail's hash"),
        (B::Present, L::Absent,   R::Touched,          DeleteRemote { if_match: "e9" },                    "content unchanged, so the delete propagates; If-Match what is there"),
        (B::Present, L::Absent,   R::Modified,         Download { etag: "e2", local_present: false },      "delete vs edit keeps the edit"),
        (B::Present, L::Absent,   R::ModifiedForeign,  Download { etag: "e2", local_present: false },      "delete vs unknown edit keeps the edit"),
        (B::Present, L::Absent,   R::SameAsLocal,      Download { etag: "e1", local_present: false },      "delete vs edit keeps the edit"),
        (B::Present, L::Unchanged, R::Absent,          DeleteLocal,                                        "remote delete, local unchanged: to the OS trash"),
        (B::Present, L::Touched,  R::Absent,           DeleteLocal,                                        "touched is unchanged content: the delete propagates"),
        (B::Present, L::Modified, R::Absent,           Upload { if_match: None },                          "edit vs delete keeps the edit: re-create"),
        (B::Present, L::Absent,   R::Absent,           ForgetBase,                                         "deleted on both sides"),
        ]
    };

    fn expected_action(path: &RelPath, l: Option<LocalFile>, r: Option<RemoteState>, e: Expect) -> Option<Action> {
        let path = path.clone();
        Some(match e {
            Expect::Nothing => return None,
            Expect::Upload { if_match } => Action::Upload {
                path,
                if_match: if_match.map(String::from),
                expect_local: l.unwrap(),
            },
            Expect::Download { etag, local_present } => {
                assert_eq!(local_present, l.is_some());
                Action::Download {
                    path,
                    expect_remote_etag: etag.into(),
                    expect_local: l,
                }
            }
            Expect::DeleteRemote { if_match } => Action::DeleteRemote {
                path,
                if_match: if_match.into(),
            },
            Expect::DeleteLocal => Action::DeleteLocal {
                path,
                expect_local: l.unwrap(),
            },
            Expect::KeepBoth { etag } => Action::KeepBoth {
                conflict_path: p("report (conflict from laptop 2025-03-01 0930).txt"),
                path,
                expect_local: l.unwrap(),
                expect_remote_etag: etag.into(),
                upload_conflict_copy: true,
            },
            Expect::RecordBase => {
                let (l, r) = (l.unwrap(), r.unwrap());
                Action::RecordBase {
                    path,
                    base: BaseState::File(BaseFile::agreed(l.hash, &l, &r)),
                }
            }
            Expect::ForgetBase => Action::ForgetBase { path },
        })
    }

    #[test]
    fn file_table_gives_exactly_the_expected_action() {
        // At the top of the root, so no enclosing folder is pruned when the file goes.
        let path = p("report.txt");
        for &(b, l, r, expect, why) in FILE_TABLE {
            let view = file_view(b == B::Present, l.state(), r.state());
            let views = BTreeMap::from([(path.clone(), view)]);
            let got = plan(&settings(Mode::TwoWay), &views);
            let want: Vec<Action> = expected_action(&path, l.state(), r.state(), expect)
                .into_iter()
                .collect();
            assert_eq!(got.actions, want, "base {b:?}, local {l:?}, remote {r:?}: {why}");
            assert_eq!(got.guard, None);
        }
    }

    #[test]
    fn file_table_covers_every_combination_that_makes_sense() {
        for b in [B::Absent, B::Present] {
            let sides: &[&str] = match b {
                B::Absent => &["absent", "created"],
                B::Present => &["absent", "unchanged", "modified"],
            };
            for l in sides {
                for r in sides {
                    let covered = FILE_TABLE
                        .iter()
                        .any(|&(tb, tl, tr, _, _)| tb == b && tl.core() == *l && tr.core() == *r);
                    assert!(covered, "no row for base {b:?}, local {l}, remote {r}");
                }
            }
        }
        // And no row describes an impossible state ("created" needs no base, "modified" needs one).
        for &(b, l, r, _, why) in FILE_TABLE {
            for core in [l.core(), r.core()] {
                let ok = match b {
                    B::Absent => matches!(core, "absent" | "created"),
                    B::Present => matches!(core, "absent" | "unchanged" | "modified"),
                };
                assert!(ok, "row '{why}' is impossible");
            }
        }
    }

    // ---- Folders -----------------------------------------------------------------------------

    /// The local folder `d/`: absent, empty (the scanner lists it), or holding a synced file.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum DL {
        Absent,
        Empty,
        NonEmpty,
    }

    #[rustfmt::skip]
    const DIR_TABLE: &[(B, DL, bool, Option<&str>, &str)] = &[
        // base      local         marker  expected action on d/   why
        (B::Absent,  DL::Absent,   false,  None,                    "nothing anywhere"),
        (B::Absent,  DL::Empty,    false,  Some("create-remote"),   "new empty folder: put a marker"),
        (B::Absent,  DL::NonEmpty, false,  None,                    "a folder with files needs no marker"),
        (B::Absent,  DL::Absent,   true,   Some("create-local"),    "new marker: create the folder"),
        (B::Absent,  DL::Empty,    true,   Some("record"),          "both have it: record"),
        (B::Absent,  DL::NonEmpty, true,   Some("record"),          "both have it: record"),
        (B::Present, DL::Absent,   false,  Some("forget"),          "deleted on both sides"),
        (B::Present, DL::Empty,    false,  Some("delete-local"),    "marker deleted, local folder unchanged (empty): remove it"),
        (B::Present, DL::NonEmpty, false,  Some("forget"),          "marker deleted but files stay in the folder: it lives on"),
        (B::Present, DL::Absent,   true,   Some("delete-remote"),   "local folder deleted: delete the marker"),
        (B::Present, DL::Empty,    true,   None,                    "in sync"),
        (B::Present, DL::NonEmpty, true,   None,                    "in sync"),
    ];

    #[test]
    fn unicode_twins_are_one_name_and_the_second_is_skipped() {
        // "é" precomposed (NFC, what Linux and Windows apps write) and decomposed (NFD, macOS).
        let nfc_name = "caf\u{e9}.txt";
        let nfd_name = "cafe\u{301}.txt";
        let views = BTreeMap::from([
            (p(nfc_name), file_view(false, Some(local(1, 100)), None)),
            (p(nfd_name), file_view(false, None, Some(remote("e2", Some(2))))),
        ]);
        let plan = plan(&settings(Mode::TwoWay), &views);
        assert!(
            plan.actions.contains(&Action::Skip {
                path: p(nfd_name),
                reason: SkipReason::UnicodeTwin { with: p(nfc_name) }
            }),
            "{:?}",
            plan.actions
        );
        assert!(matches!(
            plan.actions.iter().find(|a| a.path() == &p(nfc_name)),
            Some(Action::Upload { .. })
        ));
    }

    #[test]
    fn folder_table_gives_exactly_the_expected_action() {
        let dir = p("d/");
        for &(b, l, marker, expect, why) in DIR_TABLE {
            let mut views = vec![(
                "d/",
                PathView {
                    base: (b == B::Present).then_some(BaseState::Dir),
                    local: (l == DL::Empty).then_some(LocalState::Dir),
                    remote: marker.then(|| RemoteState {
                        size: 0,
                        ..remote("m1", None)
                    }),
                },
            )];
            if l == DL::NonEmpty {
                // A synced, unchanged file keeps the folder non-empty and needs no action itself.
                views.push(("d/x", file_view(true, Some(local(0, 100)), Some(remote("e0", Some(0))))));
            }
            let want: Vec<Action> = expect
                .map(|e| match e {
                    "create-remote" => Action::CreateRemoteDir { path: dir.clone() },
                    "create-local" => Action::CreateLocalDir {
                        path: dir.clone(),
                        marker_etag: "m1".into(),
                    },
                    "record" => Action::RecordBase {
                        path: dir.clone(),
                        base: BaseState::Dir,
                    },
                    "forget" => Action::ForgetBase { path: dir.clone() },
                    "delete-local" => Action::DeleteLocalDir { path: dir.clone() },
                    "delete-remote" => Action::DeleteRemoteDir {
                        path: dir.clone(),
                        if_match: "m1".into(),
                    },
                    other => panic!("unknown expectation {other}"),
                })
                .into_iter()
                .collect();
            assert_eq!(run(views), want, "base {b:?}, local {l:?}, marker {marker}: {why}");
        }
    }

    fn marker(etag: &str) -> RemoteState {
        RemoteState {
            etag: etag.into(),
            size: 0,
            version_id: None,
            hash: None,
        }
    }

    fn dir_view(base: bool, local: bool, remote: Option<RemoteState>) -> PathView {
        PathView {
            base: base.then_some(BaseState::Dir),
            local: local.then_some(LocalState::Dir),
            remote,
        }
    }

    #[test]
    fn remote_folder_delete_empties_and_removes_the_local_folder_deepest_first() {
        // Another computer deleted `a/` with everything in it; nothing here changed since.
        let actions = run(vec![
            ("a/", dir_view(true, false, None)),
            ("a/b/c.txt", file_view(true, Some(local(0, 100)), None)),
        ]);
        assert_eq!(
            actions,
            vec![
                Action::DeleteLocal {
                    path: p("a/b/c.txt"),
                    expect_local: local(0, 100)
                },
                // `a/b/` had no marker: it is removed so the next scan does not see a new empty folder.
                Action::DeleteLocalDir { path: p("a/b/") },
                Action::DeleteLocalDir { path: p("a/") },
            ]
        );
        assert_eq!(actions[1].phase(), Phase::RemoveDirs);
    }

    #[test]
    fn a_folder_is_kept_while_something_stays_or_arrives_in_it() {
        // The marker was deleted remotely, but a local edit in the folder is re-uploaded.
        let actions = run(vec![
            ("a/", dir_view(true, false, None)),
            ("a/kept.txt", file_view(true, Some(local(1, 300)), None)),
            ("a/gone.txt", file_view(true, Some(local(0, 100)), None)),
        ]);
        assert!(actions.contains(&Action::ForgetBase { path: p("a/") }), "{actions:?}");
        assert!(!actions.iter().any(|a| matches!(a, Action::DeleteLocalDir { .. })));

        // Locally deleted folder, but a new remote file arrives in it: keep the marker.
        let actions = run(vec![
            ("b/", dir_view(true, false, Some(marker("m")))),
            ("b/new.txt", file_view(false, None, Some(remote("e5", Some(5))))),
        ]);
        assert_eq!(
            actions,
            vec![Action::Download {
                path: p("b/new.txt"),
                expect_remote_etag: "e5".into(),
                expect_local: None
            }]
        );

        // An implicit folder whose remote side still has a file nothing downloads: not pruned.
        let actions = run(vec![
            ("c/x", file_view(true, Some(local(0, 100)), None)),
            (
                "c/y",
                PathView {
                    remote: Some(remote("e3", Some(3))),
                    local: Some(LocalState::Symlink),
                    base: None,
                },
            ),
        ]);
        assert!(
            !actions.iter().any(|a| matches!(a, Action::DeleteLocalDir { .. })),
            "{actions:?}"
        );
    }

    #[test]
    fn markers_holding_data_are_skipped() {
        let actions = run(vec![(
            "d/",
            PathView {
                remote: Some(remote("e1", Some(1))),
                ..PathView::default()
            },
        )]);
        assert_eq!(
            actions,
            vec![Action::Skip {
                path: p("d/"),
                reason: SkipReason::FolderMarkerHasContent
            }]
        );
    }

    // ---- Modes -------------------------------------------------------------------------------

    fn mode_scenario() -> Vec<(&'static str, PathView)> {
        vec![
            (
                "both-edit",
                file_view(true, Some(local(1, 300)), Some(remote("e2", Some(2)))),
            ),
            ("del-local", file_view(true, None, Some(remote("e0", Some(0))))),
            (
                "del-local-edit-remote",
                file_view(true, None, Some(remote("e2", Some(2)))),
            ),
            ("del-remote", file_view(true, Some(local(0, 100)), None)),
            (
                "edit-local",
                file_view(true, Some(local(1, 300)), Some(remote("e0", Some(0)))),
            ),
            ("edit-local-del-remote", file_view(true, Some(local(1, 300)), None)),
            (
                "edit-remote",
                file_view(true, Some(local(0, 100)), Some(remote("e2", Some(2)))),
            ),
            (
                "first-diff",
                file_view(false, Some(local(1, 300)), Some(remote("e2", Some(2)))),
            ),
            ("new-local", file_view(false, Some(local(3, 300)), None)),
            ("new-local-dir/", dir_view(false, true, None)),
            ("new-marker/", dir_view(false, false, Some(marker("m")))),
            ("new-remote", file_view(false, None, Some(remote("e4", Some(4))))),
            (
                "same",
                file_view(false, Some(local(1, 300)), Some(remote("e1", Some(1)))),
            ),
        ]
    }

    #[test]
    fn upload_only_never_changes_local_files_and_never_downloads() {
        let plan = run_with(&settings(Mode::UploadOnly), mode_scenario());
        let l1 = local(1, 300);
        assert_eq!(
            plan.actions,
            vec![
                Action::Skip {
                    path: p("both-edit"),
                    reason: SkipReason::ConflictInUploadOnly
                },
                Action::DeleteRemote {
                    path: p("del-local"),
                    if_match: "e0".into()
                },
                Action::Upload {
                    path: p("edit-local"),
                    if_match: Some("e0".into()),
                    expect_local: l1.clone()
                },
                Action::Upload {
                    path: p("edit-local-del-remote"),
                    if_match: None,
                    expect_local: l1.clone()
                },
                Action::Skip {
                    path: p("first-diff"),
                    reason: SkipReason::ConflictInUploadOnly
                },
                Action::Upload {
                    path: p("new-local"),
                    if_match: None,
                    expect_local: local(3, 300)
                },
                Action::CreateRemoteDir {
                    path: p("new-local-dir/")
                },
                Action::RecordBase {
                    path: p("same"),
                    base: BaseState::File(BaseFile::agreed(h(1), &l1, &remote("e1", Some(1))))
                },
            ]
        );
    }

    #[test]
    fn download_only_never_touches_the_bucket() {
        let plan = run_with(&settings(Mode::DownloadOnly), mode_scenario());
        let l1 = local(1, 300);
        let keep_both = |path: &str, conflict: &str| Action::KeepBoth {
            path: p(path),
            conflict_path: p(conflict),
            expect_local: l1.clone(),
            expect_remote_etag: "e2".into(),
            upload_conflict_copy: false,
        };
        assert_eq!(
            plan.actions,
            vec![
                keep_both("both-edit", "both-edit (conflict from laptop 2025-03-01 0930)"),
                Action::Download {
                    path: p("del-local-edit-remote"),
                    expect_remote_etag: "e2".into(),
                    expect_local: None
                },
                Action::DeleteLocal {
                    path: p("del-remote"),
                    expect_local: local(0, 100)
                },
                Action::Download {
                    path: p("edit-remote"),
                    expect_remote_etag: "e2".into(),
                    expect_local: Some(local(0, 100))
                },
                keep_both("first-diff", "first-diff (conflict from laptop 2025-03-01 0930)"),
                Action::CreateLocalDir {
                    path: p("new-marker/"),
                    marker_etag: "m".into()
                },
                Action::Download {
                    path: p("new-remote"),
                    expect_remote_etag: "e4".into(),
                    expect_local: None
                },
                Action::RecordBase {
                    path: p("same"),
                    base: BaseState::File(BaseFile::agreed(h(1), &l1, &remote("e1", Some(1))))
                },
            ]
        );
    }

    // ---- Mass-deletion guard -----------------------------------------------------------------

    /// `synced` synced files of which the other side deleted `deleted`, plus one new local file.
    fn deletions(synced: usize, deleted: usize, remote_side: bool) -> Vec<(String, PathView)> {
        let mut views: Vec<(String, PathView)> = (0..synced)
            .map(|i| {
                let gone = i < deleted;
                let view = match (gone, remote_side) {
                    (false, _) => file_view(true, Some(local(0, 100)), Some(remote("e0", Some(0)))),
                    (true, true) => file_view(true, Some(local(0, 100)), None),
                    (true, false) => file_view(true, None, Some(remote("e0", Some(0)))),
                };
                (format!("f{i:03}"), view)
            })
            .collect();
        views.push(("new".into(), file_view(false, Some(local(9, 1)), None)));
        views
    }

    fn run_guard(max_fraction: f64, min_count: usize, views: Vec<(String, PathView)>) -> Plan {
        let mut pair = settings(Mode::TwoWay);
        pair.deletion_consent = DeletionConsent::Guarded;
        pair.mass_delete_guard = MassDeleteGuard {
            max_fraction,
            min_count,
        };
        let views: BTreeMap<RelPath, PathView> = views.into_iter().map(|(k, v)| (p(&k), v)).collect();
        plan(&pair, &views)
    }

    #[test]
    fn mass_delete_guard_allows_the_limit_and_trips_just_above_it() {
        // Fraction decides: max(10, 0.25 × 100) = 25.
        let at_limit = run_guard(0.25, 10, deletions(100, 25, true));
        assert_eq!(at_limit.guard, None);
        assert_eq!(
            at_limit
                .actions
                .iter()
                .filter(|a| a.deletes_on() == Some(Side::Local))
                .count(),
            25
        );

        let over = run_guard(0.25, 10, deletions(100, 26, true));
        let guard = over.guard.clone().expect("guard trips at 26 > 25");
        assert_eq!((guard.side, guard.count, guard.total), (Side::Local, 26, 100));
        assert_eq!(guard.limit, 25.0);
        assert_eq!(guard.withheld.len(), 26);
        assert!(
            over.actions.iter().all(|a| a.deletes_on().is_none()),
            "deletes are withheld"
        );
        assert!(
            over.actions
                .iter()
                .any(|a| matches!(a, Action::Upload { path, .. } if path.as_str() == "new")),
            "everything else is still planned"
        );
        assert!(!over.is_idle());

        // Min count decides: max(10, 0.25 × 20) = 10, on the remote side this time.
        assert_eq!(run_guard(0.25, 10, deletions(20, 10, false)).guard, None);
        let over = run_guard(0.25, 10, deletions(20, 11, false)).guard.expect("11 > 10");
        assert_eq!((over.side, over.count, over.total), (Side::Remote, 11, 20));
    }

    #[test]
    fn a_side_that_lost_every_file_waits_for_the_user_whatever_the_count() {
        // Three synced files, all gone locally (an emptied or unmounted folder): far below the
        // count limit, still withheld.
        let gone_here: Vec<(String, PathView)> = (0..3)
            .map(|i| (format!("f{i}"), file_view(true, None, Some(remote("e0", Some(0))))))
            .collect();
        let plan = run_guard(0.5, 50, gone_here.clone());
        let guard = plan.guard.expect("an emptied folder trips the guard");
        assert_eq!(
            (guard.side, guard.emptied, guard.count),
            (Side::Remote, Some(Side::Local), 3)
        );
        assert!(plan.actions.iter().all(|a| a.deletes_on().is_none()));

        // The bucket folder emptied behind a synced pair: the local copies stay.
        let gone_there: Vec<(String, PathView)> = (0..3)
            .map(|i| (format!("f{i}"), file_view(true, Some(local(0, 100)), None)))
            .collect();
        let guard = run_guard(0.5, 50, gone_there)
            .guard
            .expect("an emptied bucket folder trips it");
        assert_eq!((guard.side, guard.emptied), (Side::Local, Some(Side::Remote)));

        // One file left on the side: an ordinary deletion under the limit.
        let mut one_left = gone_here;
        one_left.push((
            "kept".into(),
            file_view(true, Some(local(0, 100)), Some(remote("e0", Some(0)))),
        ));
        assert_eq!(run_guard(0.5, 50, one_left).guard, None);
    }

    #[test]
    fn a_held_guard_withholds_every_synced_deletion_until_confirmed() {
        // After the guard tripped, downloads doubled the synced paths: 3 deletions of 200 would
        // pass the count, but the hold stays until the user answers.
        let views: BTreeMap<RelPath, PathView> = deletions(200, 3, true).into_iter().map(|(k, v)| (p(&k), v)).collect();
        let mut pair = settings(Mode::TwoWay);
        pair.deletion_consent = DeletionConsent::Held;
        let held = plan(&pair, &views);
        assert_eq!(held.guard.as_ref().map(|g| g.withheld.len()), Some(3));
        assert!(held.actions.iter().all(|a| a.deletes_on().is_none()));
        pair.deletion_consent = DeletionConsent::Confirmed;
        let confirmed = plan(&pair, &views);
        assert_eq!(confirmed.guard, None);
        assert_eq!(confirmed.actions.iter().filter(|a| a.deletes_on().is_some()).count(), 3);
        // Nothing to delete: a hold has nothing to withhold and the plan is the ordinary one.
        pair.deletion_consent = DeletionConsent::Held;
        let calm: BTreeMap<RelPath, PathView> = deletions(10, 0, true).into_iter().map(|(k, v)| (p(&k), v)).collect();
        assert_eq!(plan(&pair, &calm).guard, None);
    }

    #[test]
    fn a_file_moved_in_the_bucket_is_renamed_here_not_downloaded_and_trashed() {
        // Another computer renamed `old/a` to `new/a` (server-side copy, same ETag) and `b` to
        // `c` (its content hash known from a HEAD); `gone` really was deleted.
        let base_e = |etag: &str, n: u8| BaseFile {
            remote_etag: etag.into(),
            ..BaseFile::agreed(h(n), &local(n, 100), &remote(etag, None))
        };
        let views: BTreeMap<RelPath, PathView> = [
            (
                "old/a",
                PathView {
                    base: Some(BaseState::File(base_e("ea", 1))),
                    local: Some(LocalState::File(local(1, 100))),
                    remote: None,
                },
            ),
            ("new/a", file_view(false, None, Some(remote("ea", None)))),
            (
                "b",
                PathView {
                    base: Some(BaseState::File(base_e("eb", 2))),
                    local: Some(LocalState::File(local(2, 100))),
                    remote: None,
                },
            ),
            ("c", file_view(false, None, Some(remote("ec", Some(2))))),
            (
                "gone",
                PathView {
                    base: Some(BaseState::File(base_e("eg", 3))),
                    local: Some(LocalState::File(local(3, 100))),
                    remote: None,
                },
            ),
            (
                "keep",
                file_view(true, Some(local(4, 100)), Some(remote("e0", Some(4)))),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (p(k), v))
        .collect();
        let plan = plan(&settings(Mode::TwoWay), &views);
        assert!(plan.actions.contains(&Action::MoveLocal {
            from: p("old/a"),
            to: p("new/a"),
            expect_local: local(1, 100),
            remote_etag: "ea".into(),
        }));
        assert!(plan.actions.contains(&Action::MoveLocal {
            from: p("b"),
            to: p("c"),
            expect_local: local(2, 100),
            remote_etag: "ec".into(),
        }));
        assert!(plan
            .actions
            .iter()
            .any(|a| matches!(a, Action::DeleteLocal { path, .. } if path.as_str() == "gone")));
        assert!(!plan.actions.iter().any(|a| matches!(a, Action::Download { .. })));
        // The emptied folder goes too, as after any move.
        assert!(plan.actions.contains(&Action::DeleteLocalDir { path: p("old/") }));
        // Upload-only pairs never change local files.
        let upload_only = plan_for(Mode::UploadOnly, &views);
        assert!(!upload_only
            .actions
            .iter()
            .any(|a| matches!(a, Action::MoveLocal { .. })));
    }

    fn plan_for(mode: Mode, views: &BTreeMap<RelPath, PathView>) -> Plan {
        plan(&settings(mode), views)
    }

    #[test]
    fn renames_do_not_count_as_deletions() {
        // Ten files moved into a folder: copies plus source deletes, not a mass deletion.
        let mut views = Vec::new();
        for i in 0..10u8 {
            views.push((
                format!("f{i}"),
                PathView {
                    base: Some(BaseState::File(BaseFile { hash: h(i), ..base() })),
                    local: None,
                    remote: Some(remote("e0", Some(i))),
                },
            ));
            views.push((format!("moved/f{i}"), file_view(false, Some(local(i, 5)), None)));
        }
        let plan = run_guard(0.0, 0, views);
        assert_eq!(plan.guard, None);
        assert_eq!(plan.actions.len(), 10);
        assert!(plan.actions.iter().all(|a| matches!(
            a,
            Action::CopyRemote {
                delete_source: true,
                ..
            }
        )));
    }

    // ---- Moves and copies --------------------------------------------------------------------

    #[test]
    fn a_local_rename_becomes_a_server_side_copy() {
        let actions = run(vec![
            ("old.txt", file_view(true, None, Some(remote("e0", Some(0))))),
            ("sub/new.txt", file_view(false, Some(local(0, 500)), None)),
        ]);
        assert_eq!(
            actions,
            vec![Action::CopyRemote {
                from: p("old.txt"),
                source_if_match: "e0".into(),
                to: p("sub/new.txt"),
                expect_local: local(0, 500),
                delete_source: true,
            }]
        );
        // The same holds for an object another tool wrote: the base knows its content.
        let actions = run(vec![
            ("old.txt", file_view(true, None, Some(remote("e0", None)))),
            ("new.txt", file_view(false, Some(local(0, 500)), None)),
        ]);
        assert!(matches!(
            &actions[..],
            [Action::CopyRemote {
                delete_source: true,
                ..
            }]
        ));
    }

    #[test]
    fn renames_pair_deterministically_and_leftovers_upload_or_delete() {
        let actions = run(vec![
            ("a", file_view(true, None, Some(remote("ea", Some(0))))),
            ("b", file_view(true, None, Some(remote("eb", Some(0))))),
            ("c", file_view(true, None, Some(remote("ec", Some(0))))),
            ("x", file_view(false, Some(local(0, 1)), None)),
            ("y", file_view(false, Some(local(0, 2)), None)),
        ]);
        let summary: Vec<String> = actions
            .iter()
            .map(|a| match a {
                Action::CopyRemote { from, to, .. } => format!("{from}->{to}"),
                Action::DeleteRemote { path, .. } => format!("delete {path}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(summary, ["delete c", "a->x", "b->y"]);
    }

    #[test]
    fn no_rename_when_the_source_changed_remotely() {
        // Delete vs edit keeps the edit; the new local file uploads normally.
        let actions = run(vec![
            ("old", file_view(true, None, Some(remote("e2", Some(2))))),
            ("new", file_view(false, Some(local(0, 1)), None)),
        ]);
        assert!(
            matches!(&actions[..], [Action::Upload { .. }, Action::Download { .. }]),
            "{actions:?}"
        );
    }

    #[test]
    fn a_local_duplicate_of_a_synced_file_is_copied_server_side() {
        let actions = run(vec![
            (
                "orig",
                file_view(true, Some(local(0, 100)), Some(remote("e0", Some(0)))),
            ),
            ("dup", file_view(false, Some(local(0, 600)), None)),
        ]);
        assert_eq!(
            actions,
            vec![Action::CopyRemote {
                from: p("orig"),
                source_if_match: "e0".into(),
                to: p("dup"),
                expect_local: local(0, 600),
                delete_source: false,
            }]
        );
        // Not from a source this plan overwrites.
        let actions = run(vec![
            (
                "orig",
                file_view(true, Some(local(1, 300)), Some(remote("e0", Some(0)))),
            ),
            ("dup", file_view(false, Some(local(0, 600)), None)),
        ]);
        assert!(
            matches!(&actions[..], [Action::Upload { .. }, Action::Upload { .. }]),
            "{actions:?}"
        );
    }

    #[test]
    fn renames_follow_the_mode() {
        let views = || {
            vec![
                ("old", file_view(true, None, Some(remote("e0", Some(0))))),
                ("new", file_view(false, Some(local(0, 1)), None)),
            ]
        };
        let up = run_with(&settings(Mode::UploadOnly), views());
        assert!(matches!(
            &up.actions[..],
            [Action::CopyRemote {
                delete_source: true,
                ..
            }]
        ));
        let down = run_with(&settings(Mode::DownloadOnly), views());
        assert!(down.actions.is_empty(), "{:?}", down.actions);
    }

    // ---- Conflict copies in the plan ---------------------------------------------------------

    #[test]
    fn conflict_copies_avoid_every_known_name() {
        let taken = "notes (conflict from laptop 2025-03-01 0930).md";
        let actions = run(vec![
            (
                "notes.md",
                file_view(true, Some(local(1, 300)), Some(remote("e2", Some(2)))),
            ),
            // Exists only remotely; a local copy with this name would collide on the next pass.
            (taken, file_view(false, None, Some(remote("e7", Some(7))))),
        ]);
        assert!(
            actions
                .iter()
                .any(|a| matches!(a, Action::KeepBoth { conflict_path, .. }
                if conflict_path.as_str() == "notes (conflict from laptop 2025-03-01 0930) 2.md")),
            "{actions:?}"
        );

        // Two conflicts in one pass never share a name, and a folder's name counts as taken.
        let mut pair = settings(Mode::TwoWay);
        pair.case_insensitive_fs = true;
        let plan = run_with(
            &pair,
            vec![
                (
                    "a.txt",
                    file_view(true, Some(local(1, 300)), Some(remote("e2", Some(2)))),
                ),
                (
                    "A (CONFLICT from laptop 2025-03-01 0930).txt/",
                    dir_view(false, true, None),
                ),
            ],
        );
        assert!(
            plan.actions
                .iter()
                .any(|a| matches!(a, Action::KeepBoth { conflict_path, .. }
                if conflict_path.as_str() == "a (conflict from laptop 2025-03-01 0930) 2.txt")),
            "{:?}",
            plan.actions
        );
    }

    // ---- Names the local disk cannot hold ----------------------------------------------------

    fn new_remote(etag: &str) -> PathView {
        file_view(false, None, Some(remote(etag, Some(5))))
    }

    fn ci() -> PairSettings {
        PairSettings {
            case_insensitive_fs: true,
            ..settings(Mode::TwoWay)
        }
    }

    #[test]
    fn case_only_twins_keep_the_first_and_skip_the_rest() {
        let plan = run_with(
            &ci(),
            vec![("Photo.JPG", new_remote("e1")), ("photo.jpg", new_remote("e2"))],
        );
        assert_eq!(
            plan.actions,
            vec![
                Action::Download {
                    path: p("Photo.JPG"),
                    expect_remote_etag: "e1".into(),
                    expect_local: None
                },
                Action::Skip {
                    path: p("photo.jpg"),
                    reason: SkipReason::CaseCollision { with: p("Photo.JPG") }
                },
            ]
        );
        // A case-sensitive disk holds both.
        let plan = run_with(
            &settings(Mode::TwoWay),
            vec![("Photo.JPG", new_remote("e1")), ("photo.jpg", new_remote("e2"))],
        );
        assert_eq!(
            plan.actions
                .iter()
                .filter(|a| matches!(a, Action::Download { .. }))
                .count(),
            2
        );
    }

    #[test]
    fn the_local_spelling_wins_case_collisions_including_folders() {
        let synced = || file_view(true, Some(local(0, 100)), Some(remote("e0", Some(0))));
        let plan = run_with(
            &ci(),
            vec![
                ("Docs/a.txt", synced()),
                ("README.md", new_remote("e1")),
                ("docs/b.txt", new_remote("e2")),
                ("readme.md", synced()),
            ],
        );
        assert_eq!(
            plan.actions,
            vec![
                Action::Skip {
                    path: p("README.md"),
                    reason: SkipReason::CaseCollision { with: p("readme.md") }
                },
                Action::Skip {
                    path: p("docs/b.txt"),
                    reason: SkipReason::CaseCollision { with: p("Docs/") }
                },
            ]
        );
    }

    #[test]
    fn a_file_and_a_folder_cannot_share_a_name() {
        let synced = || file_view(true, Some(local(0, 100)), Some(remote("e0", Some(0))));
        let actions = run(vec![
            ("a", synced()),
            ("a/x", new_remote("e1")),
            ("b", new_remote("e2")),
            ("b/y", new_remote("e3")),
            ("c", new_remote("e4")),
            ("c/z", synced()),
            ("m", new_remote("e5")),
            ("m/", dir_view(false, false, Some(marker("m5")))),
        ]);
        let reasons: Vec<(String, String)> = actions
            .iter()
            .map(|a| match a {
                Action::Skip { path, reason } => (path.to_string(), format!("{reason:?}")),
                other => (other.path().to_string(), "act".into()),
            })
            .collect();
        assert_eq!(
            reasons,
            [
                ("a/x".into(), r#"PathClash { with: RelPath("a") }"#.into()),
                ("b".into(), "act".into()),
                ("b/y".into(), r#"PathClash { with: RelPath("b") }"#.into()),
                ("c".into(), r#"PathClash { with: RelPath("c/") }"#.into()),
                ("m".into(), "act".into()),
                ("m/".into(), r#"PathClash { with: RelPath("m") }"#.into()),
            ]
        );
    }

    #[test]
    fn windows_names_are_skipped_only_on_windows_disks() {
        let views = || vec![("docs/CON.txt", new_remote("e1")), ("ok.txt", new_remote("e2"))];
        let mut pair = settings(Mode::TwoWay);
        pair.windows_names = true;
        let plan = run_with(&pair, views());
        assert_eq!(
            plan.actions[0],
            Action::Skip {
                path: p("docs/CON.txt"),
                reason: SkipReason::WindowsName(WindowsNameIssue::Reserved("CON".into()))
            }
        );
        assert!(matches!(plan.actions[1], Action::Download { .. }));
        let plan = run_with(&settings(Mode::TwoWay), views());
        assert!(plan.actions.iter().all(|a| matches!(a, Action::Download { .. })));
    }

    #[test]
    fn windows_style_keys_are_held_on_windows_disks_never_deleted_or_moved_to() {
        let mut pair = settings(Mode::TwoWay);
        pair.windows_names = true;
        let marker = PathView {
            base: None,
            local: None,
            remote: Some(RemoteState {
                size: 0,
                ..remote("m", None)
            }),
        };
        let plan = run_with(
            &pair,
            vec![
                ("C:foo", new_remote("e1")),
                ("a:b", new_remote("e2")),
                ("docs/NUL.", new_remote("e3")),
                ("lpt9.log", new_remote("e4")),
                ("C:/", marker),
                // Synced elsewhere, deleted here, edited there: delete-vs-edit keeps the edit,
                // which this disk cannot hold, so the path is held.
                ("was:synced", file_view(true, None, Some(remote("e9", Some(9))))),
            ],
        );
        assert!(plan.guard.is_none());
        assert!(
            plan.actions.iter().all(|a| matches!(
                a,
                Action::Skip {
                    reason: SkipReason::WindowsName(_),
                    ..
                }
            )),
            "{:?}",
            plan.actions
        );
        assert_eq!(plan.actions.len(), 6);
    }

    #[test]
    fn symlinks_and_kind_mismatches_are_skipped_with_no_other_effect() {
        let actions = run(vec![
            (
                "link",
                PathView {
                    base: Some(BaseState::File(base())),
                    local: Some(LocalState::Symlink),
                    remote: Some(remote("e0", Some(0))),
                },
            ),
            (
                "weird",
                PathView {
                    local: Some(LocalState::Dir),
                    ..PathView::default()
                },
            ),
        ]);
        assert_eq!(
            actions,
            vec![
                Action::Skip {
                    path: p("link"),
                    reason: SkipReason::Symlink
                },
                Action::Skip {
                    path: p("weird"),
                    reason: SkipReason::KindMismatch
                },
            ]
        );
        assert!(Plan { actions, guard: None }.is_idle());
        assert_eq!(SkipReason::Symlink.to_string(), "symbolic links are not synced");
    }

    #[test]
    fn plans_are_deterministic_and_serialisable() {
        let views: BTreeMap<RelPath, PathView> = mode_scenario().into_iter().map(|(k, v)| (p(k), v)).collect();
        let a = plan(&settings(Mode::TwoWay), &views);
        let b = plan(&settings(Mode::TwoWay), &views);
        assert_eq!(a, b);
        let json = serde_json::to_string(&a).unwrap();
        let back: Plan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}
