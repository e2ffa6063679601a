//! One pass over a pair, as a pipeline of named steps: look (walk and list at once) → load (the
//! bases) → hash (what the scan cache cannot vouch for) → snapshot (both sides as the planner
//! reads them) → plan → execute → commit. A focused pass runs the same steps over the paths the
//! watcher named.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::change_marker;
use super::executor::{execute, Effect, ExecContext, Outcome, PendingCommit};
use super::model::PathView;
use super::model::{BaseState, DeletionConsent, PairSettings, RelPath};
use super::plan::Plan;
use super::plan::{plan, Action, MassDeleteGuardTripped};
use super::session::{PairSync, SyncEvent};
use super::views::{
    keys_needing_hash, local_snapshot, merge_views, remote_snapshot, scan_cache_from_bases, SyncWarning,
};
use super::views::{LocalSnapshot, RemoteSnapshot};
use crate::core::activity::ActivityKind;
use crate::error::{Error, Result};
use crate::remote::ListedObject;
use crate::scan::Walk;
use crate::scan::{hash_changed, ScanOptions};
use crate::state::{bases, idle_marks, pair_safety};
use crate::untrusted_text::escape_untrusted;

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    /// Files uploaded (new or changed).
    pub uploaded: usize,
    /// Files downloaded.
    pub downloaded: usize,
    /// Server-side copies and moves.
    pub copied: usize,
    /// Local files moved to the trash.
    pub trashed_local: usize,
    /// Objects deleted in the bucket.
    pub deleted_remote: usize,
    /// Edit-vs-edit conflicts resolved by keeping both.
    pub conflicts: usize,
    /// Folders created or removed, bases recorded or forgotten.
    pub bookkeeping: usize,
    /// Bytes moved over the network.
    pub bytes: u64,
    /// Actions whose precondition no longer held (re-planned on the next pass).
    pub changed: usize,
    /// Actions that failed, with why.
    pub failed: Vec<(RelPath, Error)>,
    /// Files still being written (left for a later pass).
    pub unstable: usize,
    /// Paths left out (hostile keys, unreadable files), first time seen only.
    pub warnings: Vec<SyncWarning>,
    /// Skipped paths with their reason, first time seen only.
    pub skipped: Vec<(RelPath, String)>,
    /// The mass-deletion guard withheld this pass's deletions.
    pub guard: Option<MassDeleteGuardTripped>,
    /// Files read to hash them during the scan.
    pub hashed_files: usize,
    /// Both sides and the settings were exactly as the last idle pass saw them, so the pass
    /// stopped before loading bases or planning.
    pub unchanged: bool,
}

impl PassReport {
    /// Whether the pass changed anything on either side.
    pub fn transferred(&self) -> usize {
        self.uploaded + self.downloaded + self.copied + self.trashed_local + self.deleted_remote + self.conflicts
    }

    /// Whether another pass may have something to do.
    pub(super) fn wants_another(&self, planned_work: bool) -> bool {
        planned_work || self.changed > 0 || self.unstable > 0
    }
}

/// What the look step found: both sides as they are, before any file is read.
struct Looked {
    walked: Walk,
    /// The walk's digest for the idle mark (taken on the walk's thread: it reads every path).
    local_digest: [u8; 32],
    listed: Vec<ListedObject>,
}

/// Both sides and their bases, path by path, as the planner reads them.
struct Snapshot {
    views: BTreeMap<RelPath, PathView>,
    /// Paths whose key is spelled otherwise than the local name (NFC and NFD), for the executor.
    spellings: HashMap<RelPath, RelPath>,
    /// Nothing was left out on either side.
    quiet: bool,
}

impl PairSync {
    /// One pass: look at both sides (at once), stop there if nothing changed since the last idle
    /// pass, else load the bases, hash what changed, snapshot, plan, execute and commit.
    pub async fn pass(&mut self, full_hash: bool) -> Result<(PassReport, bool)> {
        let started = Instant::now();
        self.begin_pass();
        self.claim_folder().await?;
        self.check_store().await?;
        if !self.cleaned_up {
            self.abort_unfinished_uploads().await?;
        }
        let looked = self.look().await?;
        let looked_at = started.elapsed();
        let mark = super::idle_mark::mark_with_local(looked.local_digest, &looked.listed, &self.pair);
        if !full_hash && !self.rehash_pending && idle_marks::load(self.db.pool(), &self.pair.id).await? == Some(mark) {
            tracing::debug!(
                paths = looked.walked.entries.len(),
                objects = looked.listed.len(),
                look_ms = looked_at.as_millis() as u64,
                "sync pass: nothing changed since the last idle pass"
            );
            let report = PassReport {
                unchanged: true,
                ..PassReport::default()
            };
            return Ok((report, false));
        }
        let mut report = PassReport::default();
        let clean_walk = looked.walked.issues.is_empty();
        let bases = self.load().await?;
        let loaded_at = started.elapsed();
        let local = self.hash(looked.walked, full_hash, &mut report).await?;
        let scanned_at = started.elapsed();
        let snapshot = self.snapshot(bases, local, looked.listed, &mut report).await?;
        let listed_at = started.elapsed();
        let planned = self.plan_and_hold(&snapshot.views).await?;
        // Bookkeeping alone (bases of racy stamps recorded again, say) changed neither side.
        let planned_work = !planned.is_idle() && planned.actions.iter().any(|a| !a.changes_no_side());
        report.guard = planned.guard.clone();
        // Nothing to do, nothing to warn about, nothing half-written: the next pass that sees
        // the same may stop early. Anything less keeps every pass a full one.
        let idle = clean_walk
            && snapshot.quiet
            && planned.actions.is_empty()
            && planned.guard.is_none()
            && report.unstable == 0;
        let actions = self.first_time_skips(planned.actions, &mut report);
        let planned_at = started.elapsed();
        if self.paused_now() && !actions.is_empty() {
            // Paused while this pass looked: act on nothing; the pass after resuming plans again.
            tracing::debug!(actions = actions.len(), "paused before acting");
            return Ok((report, true));
        }
        let action_count = actions.len();
        let work_count = actions.iter().filter(|a| !matches!(a, Action::Skip { .. })).count();
        self.execute(actions, snapshot.spellings, &mut report).await?;
        if idle {
            idle_marks::save(self.db.pool(), &self.pair.id, &mark).await?;
        }
        // Where a pass spends its time, for profiling large trees (PAIL_LOG=pail_engine=debug).
        tracing::debug!(
            paths = snapshot.views.len(),
            actions = action_count,
            hashed = report.hashed_files,
            look_ms = looked_at.as_millis() as u64,
            load_ms = (loaded_at - looked_at).as_millis() as u64,
            hash_ms = (scanned_at - loaded_at).as_millis() as u64,
            head_ms = (listed_at - scanned_at).as_millis() as u64,
            plan_ms = (planned_at - listed_at).as_millis() as u64,
            execute_ms = (started.elapsed() - planned_at).as_millis() as u64,
            unstable = report.unstable,
            changed = report.changed,
            planned_work,
            idle,
            "sync pass"
        );
        // Work that all failed, for reasons that do not pass by themselves (a store that kept
        // other bytes than were sent, a refused request), is not worth another pass at once: it
        // would fail the same way, and `--once` would end up blaming files that kept changing.
        let got_anywhere = report.failed.len() < work_count || report.failed.iter().any(|(_, e)| e.is_transient());
        Ok((report, planned_work && got_anywhere))
    }

    /// Step 0: a new pass id (its activity lines share it, to be shown and undone together) and
    /// the moment the pass began (stamps from shortly before it are racy).
    fn begin_pass(&mut self) {
        self.pass_id = uuid::Uuid::new_v4().to_string();
        self.pass_started = std::time::SystemTime::now();
    }

    /// Step 1, look: walk the folder and list the bucket folder at once. They are independent,
    /// and together most of an unchanged pair's pass: the walk is disk-bound on a blocking
    /// thread, the listing waits on the store.
    async fn look(&mut self) -> Result<Looked> {
        let walking = {
            let root = self.ctx.root.clone();
            let rules = self.ctx.rules.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    crate::scan::walk(&root, &rules).map(|w| {
                        let digest = super::idle_mark::local_digest(&w);
                        (w, digest)
                    })
                })
                .await
                .map_err(|e| Error::Io {
                    context: "scan the folder".into(),
                    source: std::io::Error::other(e),
                })?
            }
        };
        // Read before the listing: whatever lands after it moves the marker again (see
        // change_marker). A marker that cannot be read only costs listings.
        self.marker = match self.read_marker().await {
            None => change_marker::Seen::Unknown,
            Some(Ok(etag)) => change_marker::Seen::At(etag),
            Some(Err(e)) if e.is_transient() => return Err(e),
            Some(Err(e)) => {
                tracing::debug!(detail = %e.detail(), "the change marker cannot be read; listing every poll");
                change_marker::Seen::Unknown
            }
        };
        let listing = self.ctx.remote.list_prefix_objects(&self.ctx.bucket, &self.ctx.prefix);
        let lists_before = self.ctx.remote.requests().list;
        // The first error wins and stops the other: a missing folder fails at once, without
        // waiting out an unreachable store's retries.
        let ((walked, local_digest), listed) = tokio::try_join!(walking, listing)?;
        self.last_listing_requests = self.ctx.remote.requests().list.saturating_sub(lists_before);
        Ok(Looked {
            walked,
            local_digest,
            listed,
        })
    }

    /// Step 2, load: every base of the pair; their stamps seed the scan cache.
    async fn load(&mut self) -> Result<BTreeMap<RelPath, BaseState>> {
        let bases = bases::load_all(self.db.pool(), &self.pair.id).await?;
        scan_cache_from_bases(&bases, &mut self.scan_cache);
        Ok(bases)
    }

    /// Step 3, hash: read what the scan cache cannot vouch for; what exists now (and is not racy)
    /// is the cache from here on, so it never outgrows the tree.
    async fn hash(&mut self, walked: Walk, full_hash: bool, report: &mut PassReport) -> Result<LocalSnapshot> {
        let scanned = self.hash_walk(walked, full_hash).await?;
        self.rehash_pending = false;
        report.hashed_files = scanned.hashed_files;
        self.scan_cache.clear();
        self.remember_hashes(&scanned);
        let local = local_snapshot(&scanned);
        report.unstable = local.unstable.len();
        // A pass over a large tree holds several maps of every path at once; each one goes as
        // soon as it has served (here: the scan), to keep the pass's peak memory down.
        Ok(local)
    }

    /// Step 4, snapshot: the bucket's side (hashes of objects that lack them fetched), what was
    /// left out reported once, and one view per path.
    async fn snapshot(
        &mut self,
        bases: BTreeMap<RelPath, BaseState>,
        local: LocalSnapshot,
        listed: Vec<ListedObject>,
        report: &mut PassReport,
    ) -> Result<Snapshot> {
        let remote = self.remote_view(&listed, &local, &bases).await?;
        drop(listed);
        let quiet = local.warnings.is_empty() && remote.warnings.is_empty();
        for w in local.warnings.iter().chain(&remote.warnings) {
            if self.reported.insert(format!("w:{}:{}", w.path, w.reason)) {
                // Reported to the user through the report and the activity feed; the log only keeps it.
                tracing::info!(path = %w.path.escape_debug(), side = ?w.side, "left out of sync: {}", w.reason);
                bases::record_activity(self.db.pool(), &self.pair.id, &w.path, ActivityKind::Warning, &w.reason)
                    .await?;
                report.warnings.push(w.clone());
            }
        }
        let mut views = merge_views(bases, local, remote);
        let spellings = super::views::unify_spellings(&mut views);
        Ok(Snapshot {
            views,
            spellings,
            quiet,
        })
    }

    /// Step 5, plan. A mass deletion the guard withheld stays held beyond this pass until the
    /// user answers: a rerun must not find the deletions diluted by what was downloaded
    /// meanwhile and let them through.
    async fn plan_and_hold(&self, views: &BTreeMap<RelPath, PathView>) -> Result<Plan> {
        let pair_id = &self.pair.id;
        let held = pair_safety::held_deletions(self.db.pool(), pair_id).await?;
        let planned = plan(&self.settings(held.is_some()), views);
        match (&planned.guard, &held) {
            (Some(g), None) => {
                let hold = pair_safety::HeldDeletions {
                    side: g.side,
                    count: g.count,
                    total: g.total,
                };
                pair_safety::hold_deletions(self.db.pool(), pair_id, &hold).await?;
            }
            (None, Some(_)) => pair_safety::clear_held_deletions(self.db.pool(), pair_id).await?,
            (Some(_), Some(_)) | (None, None) => {}
        }
        Ok(planned)
    }

    /// Steps 6 and 7, execute and commit: run the actions (their bases and activity committed
    /// in batches as they finish), then tell other computers when the bucket folder changed.
    async fn execute(
        &mut self,
        actions: Vec<Action>,
        spellings: HashMap<RelPath, RelPath>,
        report: &mut PassReport,
    ) -> Result<()> {
        if actions.is_empty() {
            return Ok(());
        }
        self.emit(SyncEvent::Syncing);
        let ctx = if spellings.is_empty() {
            self.ctx.clone()
        } else {
            Arc::new(ExecContext {
                remote_spellings: spellings,
                ..(*self.ctx).clone()
            })
        };
        self.run_actions(ctx, actions, report).await?;
        if report.uploaded + report.copied + report.deleted_remote + report.conflicts > 0 {
            self.write_marker().await;
        }
        Ok(())
    }

    /// Whether the pair was paused while the pass looked (continuous mode only).
    fn paused_now(&self) -> bool {
        self.paused.as_ref().is_some_and(|p| *p.borrow())
    }

    /// The bucket's side as the planner reads it: the listing, with the hashes of objects whose
    /// listing lacks them fetched first where a local file or a base is there to compare.
    async fn remote_view(
        &mut self,
        listed: &[ListedObject],
        local: &LocalSnapshot,
        bases: &BTreeMap<RelPath, BaseState>,
    ) -> Result<RemoteSnapshot> {
        let remote = remote_snapshot(&self.ctx.prefix, listed, &self.ctx.rules, &self.remote_hashes);
        let wanted = keys_needing_hash(&self.ctx.prefix, local, &remote, bases);
        if wanted.is_empty() {
            return Ok(remote);
        }
        self.fetch_hashes(wanted).await?;
        Ok(remote_snapshot(
            &self.ctx.prefix,
            listed,
            &self.ctx.rules,
            &self.remote_hashes,
        ))
    }

    /// Keeps the hashes of `scanned` for the next pass, except under a racy stamp (see
    /// [`crate::core::stamp::RacyWindow`]): such a file is read again.
    fn remember_hashes(&mut self, scanned: &crate::scan::ScanReport) {
        let racy = self.racy_window();
        for (rel, e) in &scanned.entries {
            if let crate::scan::ScannedEntry::File { identity, hash } = e {
                if !racy.is_racy(identity.mtime_ns) {
                    self.scan_cache.insert(rel.clone(), (*identity, *hash));
                }
            }
        }
    }

    /// A pass over just the paths the watcher named (and what lies below them): the same
    /// steps, fed those paths' bases, their local state and a listing of just their keys, so
    /// a saved file costs one small listing and its upload instead of a walk and a listing of
    /// the whole pair. `Ok(None)` means "do a full pass instead", decided before anything is
    /// touched: whenever the narrow view could decide otherwise than the whole one would (see
    /// [`focused_plan_is_safe`]), or had anything to warn about.
    pub async fn focused_pass(&mut self, named: &BTreeSet<String>) -> Result<Option<(PassReport, bool)>> {
        let started = Instant::now();
        let Some(paths) = focus_on(named).filter(|_| self.cleaned_up) else {
            return Ok(None);
        };
        self.begin_pass();
        self.claim_folder().await?;
        self.check_store().await?;
        if pair_safety::held_deletions(self.db.pool(), &self.pair.id)
            .await?
            .is_some()
        {
            // Held deletions wait for the user's answer, which only a full pass can apply.
            return Ok(None);
        }
        let Some((walked, listed)) = self.look_at(&paths).await? else {
            return Ok(None);
        };
        let bases = {
            let mut conn = self.db.pool().acquire().await?;
            bases::load_under(&mut conn, &self.pair.id, paths.iter().map(String::as_str)).await?
        };
        scan_cache_from_bases(&bases, &mut self.scan_cache);
        let scanned = self.hash_walk(walked, false).await?;
        if !scanned.issues.is_empty() {
            return Ok(None);
        }
        let mut report = PassReport {
            hashed_files: scanned.hashed_files,
            ..PassReport::default()
        };
        // What is gone below the named paths leaves the cache; what is there now enters it.
        self.scan_cache
            .retain(|cached, _| !paths.iter().any(|p| is_at_or_below(cached, p)));
        self.remember_hashes(&scanned);
        let local = local_snapshot(&scanned);
        drop(scanned);
        report.unstable = local.unstable.len();
        let remote = self.remote_view(&listed, &local, &bases).await?;
        if !local.warnings.is_empty() || !remote.warnings.is_empty() {
            return Ok(None);
        }
        let mut views = merge_views(bases, local, remote);
        if !super::views::unify_spellings(&mut views).is_empty()
            || views.keys().any(|p| !unicode_normalization::is_nfc(p.as_str()))
        {
            return Ok(None);
        }
        let planned = plan(&self.settings(false), &views);
        if !focused_plan_is_safe(&planned) {
            tracing::debug!(
                paths = paths.len(),
                "a focused pass found more than uploads; passing over everything"
            );
            return Ok(None);
        }
        let actions = self.first_time_skips(planned.actions, &mut report);
        let planned_work = actions.iter().any(|a| !a.changes_no_side());
        let looked_at = started.elapsed();
        if self.paused_now() && !actions.is_empty() {
            // Paused while this pass looked: the named paths wait for the pass after resuming.
            return Ok(None);
        }
        let action_count = actions.len();
        self.execute(actions, HashMap::new(), &mut report).await?;
        tracing::debug!(
            paths = paths.len(),
            views = views.len(),
            actions = action_count,
            hashed = report.hashed_files,
            look_ms = looked_at.as_millis() as u64,
            execute_ms = (started.elapsed() - looked_at).as_millis() as u64,
            "focused sync pass"
        );
        // Done unless something is left: a file still being written (its path stays named) or
        // an action that failed or met a change (a full pass sorts those out).
        Ok(Some((report, planned_work)))
    }

    /// The look step of a focused pass: a walk of `paths` and a listing of just their keys (and
    /// what is below them), at once. `None` when the walk cannot stand for those paths (a
    /// different spelling on disk, an unreadable entry): a full pass looks instead.
    async fn look_at(&self, paths: &[String]) -> Result<Option<(Walk, Vec<ListedObject>)>> {
        let walking = {
            let root = self.ctx.root.clone();
            let rules = self.ctx.rules.clone();
            let paths = paths.to_vec();
            let exact_names = self.settings(false).case_insensitive_fs;
            async move {
                tokio::task::spawn_blocking(move || {
                    crate::scan::walk_paths(&root, &rules, paths.iter().map(String::as_str), exact_names)
                })
                .await
                .map_err(|e| Error::Io {
                    context: "scan the folder".into(),
                    source: std::io::Error::other(e),
                })?
            }
        };
        let listing = async {
            let mut listed = Vec::new();
            for path in paths {
                let key = format!("{}{path}", self.ctx.prefix);
                let below = format!("{key}/");
                let objects = self.ctx.remote.list_prefix_objects(&self.ctx.bucket, &key).await?;
                // The listing of `a.txt` also holds `a.txt.bak`: only the path and what is below it.
                listed.extend(
                    objects
                        .into_iter()
                        .filter(|o| o.key == key || o.key.starts_with(&below)),
                );
            }
            listed.sort_by(|a, b| a.key.cmp(&b.key));
            listed.dedup_by(|a, b| a.key == b.key);
            Ok::<_, Error>(listed)
        };
        let (walked, listed) = tokio::try_join!(walking, listing)?;
        Ok(walked.filter(|w| w.issues.is_empty()).map(|w| (w, listed)))
    }

    /// Hashes what a walk found that the scan cache cannot vouch for, on a blocking thread
    /// (the cache lent to it and taken back).
    pub(super) async fn hash_walk(
        &mut self,
        walked: crate::scan::Walk,
        full_hash: bool,
    ) -> Result<crate::scan::ScanReport> {
        let root = self.ctx.root.clone();
        let rules = self.ctx.rules.clone();
        let previous = std::mem::take(&mut self.scan_cache);
        let (scanned, previous) = tokio::task::spawn_blocking(move || {
            let r = hash_changed(
                &root,
                walked,
                ScanOptions {
                    rules: &rules,
                    previous: &previous,
                    full_hash,
                },
            );
            (r, previous)
        })
        .await
        .map_err(|e| Error::Io {
            context: "scan the folder".into(),
            source: std::io::Error::other(e),
        })?;
        self.scan_cache = previous;
        Ok(scanned)
    }

    /// Planned actions with each skip kept only the first time it is seen (reported once).
    pub(super) fn first_time_skips(&mut self, planned: Vec<Action>, report: &mut PassReport) -> Vec<Action> {
        let mut actions = Vec::with_capacity(planned.len());
        for action in planned {
            if let Action::Skip { path, reason } = &action {
                if self.reported.insert(format!("s:{path}:{reason}")) {
                    report.skipped.push((path.clone(), reason.to_string()));
                    actions.push(action);
                }
                continue;
            }
            actions.push(action);
        }
        actions
    }

    /// What the planner knows of this pair besides the paths.
    pub(super) fn settings(&self, deletions_held: bool) -> PairSettings {
        let mut settings = PairSettings::new(self.options.host_name.clone(), chrono::Local::now().naive_local());
        settings.mode = self.pair.mode;
        settings.mass_delete_guard = self.options.mass_delete_guard;
        settings.deletion_consent = if self.options.allow_mass_delete {
            DeletionConsent::Confirmed
        } else if deletions_held {
            DeletionConsent::Held
        } else {
            DeletionConsent::Guarded
        };
        settings
    }

    pub(super) async fn fetch_hashes(&mut self, wanted: Vec<super::views::HashWanted>) -> Result<()> {
        let permits = Arc::new(tokio::sync::Semaphore::new(self.options.parallel.max(1)));
        let mut set = JoinSet::new();
        for want in wanted {
            let (ctx, permits) = (self.ctx.clone(), permits.clone());
            set.spawn(async move {
                let _p = permits.acquire_owned().await;
                let id = ctx.remote.head_identity(&ctx.bucket, &want.key).await?;
                let Some(id) = id.filter(|id| id.etag == want.etag) else {
                    // Rewritten since the listing: the next pass sees the new version.
                    return Ok(None);
                };
                if let Some(hash) = id.hash {
                    return Ok(Some((want.key, want.etag, hash)));
                }
                // Written by another tool: a plain MD5 ETag still proves the local file equal,
                // so identical files are never transferred.
                if super::views::etag_is_md5(&want.etag) {
                    let path = ctx.root.join(want.path.trimmed());
                    let md5 = tokio::task::spawn_blocking(move || md5_of(&path))
                        .await
                        .ok()
                        .and_then(|r| r.ok());
                    if md5.is_some_and(|m| m.eq_ignore_ascii_case(&want.etag)) {
                        return Ok(Some((want.key, want.etag, want.local_hash)));
                    }
                }
                Ok::<_, Error>(None)
            });
        }
        while let Some(joined) = set.join_next().await {
            let Ok(found) = joined else { continue };
            if let Some((key, etag, hash)) = found? {
                self.remote_hashes.insert((key, etag), hash);
            }
        }
        Ok(())
    }

    pub(super) async fn run_actions(
        &mut self,
        ctx: Arc<ExecContext>,
        actions: Vec<Action>,
        report: &mut PassReport,
    ) -> Result<()> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let total = actions.len();
        let runner = tokio::spawn(execute(ctx, actions, tx));
        let mut pending = PendingCommit::default();
        let mut last_commit = Instant::now();
        let mut last_progress = Instant::now();
        let mut done = 0usize;
        while let Some((action, outcome)) = rx.recv().await {
            done += 1;
            // Throttled so a UI stays smooth during a sync of many small files.
            if last_progress.elapsed() > Duration::from_millis(250) || done == total {
                self.emit(SyncEvent::Progress { done, total });
                last_progress = Instant::now();
            }
            match outcome {
                Outcome::Done(mut effect) => {
                    count(&action, &effect, report);
                    for (k, h) in effect.hashes.drain(..) {
                        self.remote_hashes.insert(k, h);
                    }
                    pending.add(&mut effect);
                }
                Outcome::Changed(why) => {
                    tracing::info!(path = %escape_untrusted(action.path().as_str()), "changed meanwhile, planning again: {}", escape_untrusted(&why));
                    report.changed += 1;
                }
                Outcome::Failed(e) => {
                    tracing::info!(path = %escape_untrusted(action.path().as_str()), error = %e.detail(), "sync action failed");
                    report.failed.push((action.path().clone(), e));
                }
            }
            // One transaction per batch: an fsync per file would dominate small-file syncs.
            if pending.len() >= 512 || (!pending.is_empty() && last_commit.elapsed() > Duration::from_secs(1)) {
                self.commit(&mut pending).await?;
                last_commit = Instant::now();
            }
        }
        let _ = runner.await;
        self.commit(&mut pending).await
    }

    /// The racy window of the pass under way, as of now.
    pub(super) fn racy_window(&self) -> crate::core::stamp::RacyWindow {
        crate::core::stamp::RacyWindow::new(
            self.pass_started,
            std::time::SystemTime::now(),
            self.options.racy_window,
        )
    }

    pub(super) async fn commit(&self, pending: &mut PendingCommit) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.pool().begin().await?;
        let racy = self.racy_window();
        let records: Vec<(RelPath, BaseState)> = std::mem::take(&mut pending.record)
            .into_iter()
            .map(|(path, mut base)| {
                if let BaseState::File(f) = &mut base {
                    f.stamp_racy = racy.is_racy(f.local_mtime_ns);
                }
                (path, base)
            })
            .collect();
        bases::upsert_many(&mut tx, &self.pair.id, &records).await?;
        let forget: Vec<RelPath> = std::mem::take(&mut pending.forget).into_iter().collect();
        bases::delete_many(&mut tx, &self.pair.id, &forget).await?;
        for (path, action, detail, undo) in pending.activity.drain(..) {
            // A note that cannot be written as JSON only loses the undo of that line.
            let undo = undo.and_then(|note| serde_json::to_string(&note).ok());
            let line = bases::NewActivity {
                path: &path,
                action,
                detail: &detail,
                pass_id: Some(&self.pass_id),
                undo: undo.as_deref(),
            };
            bases::add_activity(&mut *tx, &self.pair.id, line).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Above this many named paths a full pass is simpler and not much dearer.
const MAX_FOCUSED_PATHS: usize = 64;

/// Whether a plan made from a few paths' views is what a plan of every path would have done
/// with them. Per path the planner looks only at that path's view, which a focused pass fills
/// completely (base, local state and listing of the path and everything below it). The rules
/// that look across paths can only add actions of other kinds: moves and copies (rule 4),
/// downloads checked against local names (rule 5), removals of folders (rule 6) and the mass-
/// deletion guard (rule 7). So a plan of uploads, folder markers, base records and skips is
/// kept; any other plan goes to a full pass. The one difference left: a new file whose bytes
/// already sit elsewhere in the bucket is uploaded instead of copied server-side, which ends in
/// the same object.
fn focused_plan_is_safe(planned: &super::plan::Plan) -> bool {
    planned.guard.is_none()
        && planned.actions.iter().all(|a| {
            matches!(
                a,
                Action::Upload { .. }
                    | Action::RecordBase { .. }
                    | Action::CreateRemoteDir { .. }
                    | Action::Skip { .. }
            )
        })
}

/// The paths a focused pass looks at: the outermost of `named`, unless there are none or too
/// many (then a full pass is simpler and not much dearer).
fn focus_on(named: &BTreeSet<String>) -> Option<Vec<String>> {
    if named.len() > 4 * MAX_FOCUSED_PATHS {
        return None;
    }
    Some(outermost(named)).filter(|paths| !paths.is_empty() && paths.len() <= MAX_FOCUSED_PATHS)
}

/// The named paths without those inside another named path (a folder stands for its contents).
fn outermost(named: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Sorted, so a folder comes before what is inside it ("a" < "a/b"), though "a.txt" may sit
    // between them ("a" < "a.txt" < "a/b"): compare with every kept path, few as they are.
    for path in named {
        if !out.iter().any(|kept| is_at_or_below(path, kept)) {
            out.push(path.clone());
        }
    }
    out
}

/// Whether `path` is `dir` or lies below it.
fn is_at_or_below(path: &str, dir: &str) -> bool {
    path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

fn md5_of(path: &std::path::Path) -> std::io::Result<String> {
    use md5::Digest;
    use std::io::Read;
    let mut hasher = md5::Md5::new();
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

pub(super) fn count(action: &Action, effect: &Effect, report: &mut PassReport) {
    report.bytes += effect.bytes;
    match action {
        Action::Upload { .. } => report.uploaded += 1,
        Action::Download { .. } => report.downloaded += 1,
        Action::CopyRemote { .. } | Action::MoveLocal { .. } => report.copied += 1,
        Action::DeleteLocal { .. } => report.trashed_local += 1,
        Action::DeleteRemote { .. } => report.deleted_remote += 1,
        // Equal bytes after all record no activity line and are not a conflict.
        Action::KeepBoth { .. } if effect.activity.is_some() => report.conflicts += 1,
        Action::Skip { .. } => {}
        _ => report.bookkeeping += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::plan::{Plan, SkipReason};
    use crate::sync::{ContentHash, LocalFile};

    #[test]
    fn a_named_folder_stands_for_what_is_inside_it() {
        let named: BTreeSet<String> = ["a", "a.txt", "a/b", "a/b/c.txt", "ab/c", "z"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(outermost(&named), ["a", "a.txt", "ab/c", "z"]);
        assert!(is_at_or_below("a/b", "a") && is_at_or_below("a", "a"));
        assert!(!is_at_or_below("ab", "a") && !is_at_or_below("a.txt", "a"));
    }

    #[test]
    fn only_plans_that_a_narrow_view_cannot_get_wrong_are_kept() {
        let path = RelPath::new("a.txt").unwrap();
        let local = LocalFile {
            size: 1,
            mtime_ns: 1,
            inode: None,
            hash: ContentHash([1; 32]),
        };
        let upload = Action::Upload {
            path: path.clone(),
            if_match: None,
            expect_local: local,
        };
        let skip = Action::Skip {
            path: path.clone(),
            reason: SkipReason::Symlink,
        };
        let delete = Action::DeleteRemote {
            path: path.clone(),
            if_match: "etag".into(),
        };
        let plan_of = |actions: Vec<Action>| Plan { actions, guard: None };
        assert!(focused_plan_is_safe(&plan_of(vec![upload.clone(), skip])));
        assert!(focused_plan_is_safe(&plan_of(Vec::new())));
        // A deletion is decided by a full pass, where the guard sees every path.
        assert!(!focused_plan_is_safe(&plan_of(vec![upload, delete])));
    }
}
