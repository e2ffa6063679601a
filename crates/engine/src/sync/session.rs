//! Runs one pair: scan, list, plan, execute, commit — pass after pass until nothing is left to
//! do (`--once`), or forever, woken by the watcher and the poll timer (continuous mode).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::change_marker;
use super::executor::{execute, Effect, ExecContext, Outcome, PendingCommit};
use super::model::{BaseState, ContentHash, DeletionConsent, MassDeleteGuard, PairSettings, RelPath};
use super::plan::{plan, Action, MassDeleteGuardTripped};
use super::views::{
    keys_needing_hash, local_snapshot, merge_views, remote_snapshot, scan_cache_from_bases, SyncWarning,
};
use super::watcher::{LocalWatcher, WatchEvent};
use crate::core::activity::ActivityKind;
use crate::error::{Error, Result};
use crate::remote::{Remote, UploadOptions};
use crate::scan::{hash_changed, Identity, IgnoreRules, ScanOptions};
use crate::state::{bases, idle_marks, pair_safety, pairs::SyncPair, request_log, StateDb};
use crate::untrusted_text::escape_untrusted;

/// How a pair syncs beyond what is stored with it.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// This computer's name, written into conflict-copy names.
    pub host_name: String,
    /// When a pass deletes too much, deletions are withheld.
    pub mass_delete_guard: MassDeleteGuard,
    /// Apply withheld mass deletions anyway (the user confirmed).
    pub allow_mass_delete: bool,
    /// Transfers in flight at once.
    pub parallel: usize,
    /// Part sizes for large files.
    pub upload: UploadOptions,
    /// Continuous mode: how often the bucket folder's change marker is checked (one HEAD); the
    /// folder is listed when it moved. Without a readable marker, how often it is listed.
    pub poll_interval: Duration,
    /// Continuous mode: how often the bucket folder is listed even when its change marker kept
    /// still, to find changes made by something that is not Pail (the web console, other tools).
    pub full_listing_interval: Duration,
    /// Continuous mode: how long a file must be quiet before it is uploaded.
    pub settle: Duration,
    /// Continuous mode: how often every file is hashed again (catches changes that kept size,
    /// mtime and inode, which no watcher reported).
    pub full_rescan_interval: Duration,
    /// `--once`: passes before giving up on files that keep changing.
    pub max_passes: usize,
    /// Who syncs, as a second process trying the same folder should read it ("pail sync",
    /// "the Pail app").
    pub holder: String,
    /// Sync both ways even on a store that failed the conditional-request probe (the user was
    /// told what that risks).
    pub allow_unsafe_store: bool,
    /// How recent a file's stamp may be before its hash is read again instead of trusted (see
    /// [`crate::core::stamp::RACY_WINDOW`]). Only tests that count re-reads set it to zero, which
    /// still distrusts stamps from during a pass (Pail's own downloads).
    pub racy_window: Duration,
}

impl SyncOptions {
    /// Defaults for this computer.
    pub fn new(host_name: impl Into<String>) -> Self {
        Self {
            host_name: host_name.into(),
            mass_delete_guard: MassDeleteGuard::default(),
            allow_mass_delete: false,
            parallel: 16,
            upload: UploadOptions::default(),
            poll_interval: Duration::from_secs(30),
            full_listing_interval: Duration::from_secs(15 * 60),
            settle: Duration::from_millis(200),
            full_rescan_interval: Duration::from_secs(6 * 3600),
            max_passes: 12,
            holder: "Pail".into(),
            allow_unsafe_store: false,
            racy_window: crate::core::stamp::RACY_WINDOW,
        }
    }
}

/// This computer's name for conflict copies: `PAIL_HOST_NAME` if set (tests simulate several
/// computers on one machine), else the OS host name.
pub fn host_name() -> String {
    std::env::var("PAIL_HOST_NAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| gethostname::gethostname().to_string_lossy().into_owned())
}

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
    fn wants_another(&self, planned_work: bool) -> bool {
        planned_work || self.changed > 0 || self.unstable > 0
    }
}

/// The result of syncing until idle.
#[derive(Debug, Default)]
pub struct OnceSummary {
    /// Passes run.
    pub passes: usize,
    /// Totals over all passes.
    pub total: PassReport,
    /// Set when the last pass still had work: files that kept changing, or failures that may
    /// pass (a busy server) and still failed after the last pass.
    pub unfinished: bool,
}

/// What the engine tells a UI about a pair.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// A pass started.
    Syncing,
    /// Actions of the current pass finished so far (sent at most a few times a second).
    Progress {
        /// Actions finished.
        done: usize,
        /// Actions in the pass.
        total: usize,
    },
    /// A pass finished with nothing left to do.
    UpToDate,
    /// The pair is paused.
    Paused,
    /// The bucket cannot be reached; retrying on its own.
    Offline {
        /// A sentence for the user.
        message: String,
        /// Technical detail.
        detail: String,
        /// What kind of problem, for a UI that offers a way out (e.g. another mode).
        code: crate::error::ErrorCode,
    },
    /// A pass failed for a reason the user may have to fix (credentials, a missing folder, a
    /// full disk); retried with backoff, so it recovers on its own once the cause is gone.
    NeedsAttention {
        /// A sentence for the user.
        message: String,
        /// Technical detail.
        detail: String,
        /// What kind of problem, for a UI that offers a way out (e.g. another mode).
        code: crate::error::ErrorCode,
    },
    /// The mass-deletion guard withheld deletions; the user must confirm.
    DeletionsHeld {
        /// A sentence for the user.
        message: String,
    },
}

/// One pair's sync engine.
pub struct PairSync {
    ctx: Arc<ExecContext>,
    db: StateDb,
    pair: SyncPair,
    options: SyncOptions,
    scan_cache: HashMap<String, (Identity, ContentHash)>,
    remote_hashes: HashMap<(String, String), ContentHash>,
    reported: HashSet<String>,
    /// The watcher reported paths whose cached hashes were dropped: the next pass must read
    /// them even if the walk looks exactly like the last idle one.
    rehash_pending: bool,
    events: Option<mpsc::UnboundedSender<SyncEvent>>,
    cleaned_up: bool,
    /// Held from the first pass on, so no other process syncs this folder meanwhile.
    folder_lock: Option<super::folder::FolderLock>,
    /// When the store was last found to honour conditional requests (checked again daily).
    store_checked: Option<Instant>,
    /// The bucket folder's change marker as read before the last listing.
    marker: change_marker::Seen,
    /// Continuous mode: "Check now" from the UI (a pass with a listing at once).
    check_now: Arc<tokio::sync::Notify>,
    /// Continuous mode: whether the pair is paused, looked at again right before a pass acts.
    paused: Option<tokio::sync::watch::Receiver<bool>>,
    /// Continuous mode: paths the watcher named that no pass has looked at yet.
    named: BTreeSet<String>,
    /// The client's request counts already added to the pair's request log, and when.
    requests_logged: (crate::remote::request_meter::RequestCounts, Instant),
    /// Continuous mode: whether the app's window is in use (polls come quicker then).
    foreground: Option<tokio::sync::watch::Receiver<bool>>,
    /// Continuous mode: when a pass last sent a local change to the bucket (polls come quicker
    /// for a while after: whoever works with this folder elsewhere may answer).
    last_change: Option<Instant>,
    /// Continuous mode without a change marker: polls in a row that found nothing.
    quiet_polls: u32,
    /// The list requests the last full listing of the bucket folder took.
    last_listing_requests: u64,
    /// The pass under way: its activity lines carry this id, so they can be shown and undone
    /// together.
    pass_id: String,
    /// When the pass under way began: stamps from shortly before it on are racy (see
    /// [`crate::core::stamp::RacyWindow`]).
    pass_started: std::time::SystemTime,
    /// Continuous mode: moves when the computer's network changed (see `sync::network`).
    network: Option<tokio::sync::watch::Receiver<u64>>,
}

impl PairSync {
    /// Prepares `pair` (already stored in `db`) to sync through `remote`.
    pub fn new(remote: Remote, db: StateDb, pair: SyncPair, options: SyncOptions) -> Result<Self> {
        let rules = IgnoreRules::new(&pair.ignore_patterns)?;
        // A client shared with an earlier session has counted its requests already.
        let requests_logged = (remote.requests(), Instant::now());
        let ctx = Arc::new(ExecContext {
            remote,
            bucket: pair.bucket.clone(),
            prefix: pair.prefix.clone(),
            root: pair.local_root.clone(),
            rules,
            upload: options.upload,
            parallel: options.parallel,
            journal: Some(Arc::new(crate::state::transfers::PairUploadJournal {
                db: db.clone(),
                pair_id: pair.id.clone(),
                bucket: pair.bucket.clone(),
            })),
            remote_spellings: HashMap::new(),
        });
        Ok(Self {
            ctx,
            db,
            pair,
            options,
            scan_cache: HashMap::new(),
            remote_hashes: HashMap::new(),
            reported: HashSet::new(),
            rehash_pending: false,
            events: None,
            cleaned_up: false,
            folder_lock: None,
            store_checked: None,
            marker: change_marker::Seen::Unknown,
            check_now: Arc::new(tokio::sync::Notify::new()),
            paused: None,
            named: BTreeSet::new(),
            requests_logged,
            foreground: None,
            last_change: None,
            quiet_polls: 0,
            last_listing_requests: 0,
            pass_id: String::new(),
            pass_started: std::time::SystemTime::UNIX_EPOCH,
            network: None,
        })
    }

    /// Aborts multipart uploads a killed run left open, so no hidden parts stay billed.
    async fn abort_unfinished_uploads(&mut self) -> Result<()> {
        for row in crate::state::transfers::pair_uploads(self.db.pool(), &self.pair.id).await? {
            if let Some(upload_id) = &row.upload_id {
                self.ctx
                    .remote
                    .abort_multipart(&row.bucket, &row.key, upload_id)
                    .await?;
            }
            crate::state::transfers::delete(self.db.pool(), &row.id).await?;
            tracing::info!(key = %crate::untrusted_text::escape_untrusted(&row.key), "aborted an upload a previous run left unfinished");
        }
        self.cleaned_up = true;
        Ok(())
    }

    /// Checks that the folder is still the one that was paired (recording it the first time),
    /// then takes its lock if this session does not hold it yet and clears what a killed run
    /// left in Pail's temp folder. Every pass starts here: a disk unplugged between two passes
    /// leaves an empty mount point, which must fail the pass, not look like deletions.
    async fn claim_folder(&mut self) -> Result<()> {
        let recorded = pair_safety::folder_identity(self.db.pool(), &self.pair.id).await?;
        let root = self.ctx.root.clone();
        let holder = self.options.holder.clone();
        let need_lock = self.folder_lock.is_none();
        let known = recorded.clone();
        let checked = tokio::task::spawn_blocking(move || super::folder::check_identity(&root, known.as_ref()))
            .await
            .map_err(|e| Error::Io {
                context: "check the sync folder".into(),
                source: std::io::Error::other(e),
            })??;
        let identity = checked.identity;
        // Recorded first, marked second: see `CheckedFolder::write_marker`.
        if recorded.as_ref() != Some(&identity) {
            pair_safety::save_folder_identity(self.db.pool(), &self.pair.id, &identity).await?;
        }
        let root = self.ctx.root.clone();
        let lock = tokio::task::spawn_blocking(move || -> Result<_> {
            if checked.write_marker {
                super::folder::write_marker(&root, &identity.folder_id)?;
            }
            if !need_lock {
                return Ok(None);
            }
            let lock = super::folder::lock(&root, &holder)?;
            super::folder::reset_temp_dir(&root)?;
            Ok(Some(lock))
        })
        .await
        .map_err(|e| Error::Io {
            context: "check the sync folder".into(),
            source: std::io::Error::other(e),
        })??;
        if lock.is_some() {
            self.folder_lock = lock;
        }
        Ok(())
    }

    /// Before syncing both ways, makes sure the store refuses writes and deletes whose
    /// conditions are false (see [`crate::remote::ConditionProbe`]); the answer is kept per
    /// endpoint and bucket for a day. One-way pairs never race another writer's version, so they
    /// need no probe.
    async fn check_store(&mut self) -> Result<()> {
        const REPROBE: Duration = Duration::from_secs(24 * 3600);
        if self.pair.mode != super::Mode::TwoWay
            || self.options.allow_unsafe_store
            || self.store_checked.is_some_and(|t| t.elapsed() < REPROBE)
        {
            return Ok(());
        }
        let endpoint = self.ctx.remote.endpoint_label().to_owned();
        let recorded = pair_safety::store_probe(self.db.pool(), &endpoint, &self.ctx.bucket).await?;
        let fresh = recorded.as_ref().filter(|r| {
            (chrono::Utc::now() - r.probed_at)
                .to_std()
                .is_ok_and(|age| age < REPROBE)
        });
        let (lacks, detail) = match fresh {
            Some(r) => (r.lacks.clone(), r.detail.clone()),
            None => {
                let prober =
                    blake3::hash(format!("{}\n{}", self.options.host_name, self.ctx.root.display()).as_bytes())
                        .to_hex()[..16]
                        .to_owned();
                let remote = &self.ctx.remote;
                let mut probe = remote
                    .probe_conditions(&self.ctx.bucket, &self.ctx.prefix, &prober)
                    .await?;
                if !probe.is_safe() {
                    // Someone deleting the probe key between two steps (a console emptying the
                    // folder) looks like a broken promise once; a store that breaks it breaks it
                    // again. Judged on the second look.
                    tracing::info!(endpoint, detail = %probe.detail, "a store probe found a broken promise; probing again");
                    probe = remote
                        .probe_conditions(&self.ctx.bucket, &self.ctx.prefix, &prober)
                        .await?;
                }
                pair_safety::save_store_probe(self.db.pool(), &endpoint, &self.ctx.bucket, &probe.lacks, &probe.detail)
                    .await?;
                if !probe.is_safe() {
                    tracing::warn!(endpoint, detail = %probe.detail, "the store ignores conditional requests");
                }
                (probe.lacks, probe.detail)
            }
        };
        if !lacks.is_empty() {
            let probe = crate::remote::ConditionProbe { lacks, detail };
            return Err(Error::UnsafeStore {
                endpoint,
                lacks: probe.lacks_sentence(),
                detail: probe.detail,
            });
        }
        self.store_checked = Some(Instant::now());
        Ok(())
    }

    /// Sends status changes to `tx` from now on.
    pub fn with_events(mut self, tx: mpsc::UnboundedSender<SyncEvent>) -> Self {
        self.events = Some(tx);
        self
    }

    fn emit(&self, event: SyncEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    /// One pass: walk and list (at once), stop there if nothing changed since the last idle
    /// pass, else hash what changed, plan, execute, commit.
    pub async fn pass(&mut self, full_hash: bool) -> Result<(PassReport, bool)> {
        let mut report = PassReport::default();
        let pair_id = self.pair.id.clone();
        let started = Instant::now();
        self.pass_id = uuid::Uuid::new_v4().to_string();
        self.pass_started = std::time::SystemTime::now();
        self.claim_folder().await?;
        self.check_store().await?;
        if !self.cleaned_up {
            self.abort_unfinished_uploads().await?;
        }

        // Independent, and together most of an unchanged pair's pass: the walk is disk-bound on a
        // blocking thread, the listing waits on the store.
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
        let looked_at = started.elapsed();
        let mark = super::idle_mark::mark_with_local(local_digest, &listed, &self.pair);
        if !full_hash && !self.rehash_pending && idle_marks::load(self.db.pool(), &pair_id).await? == Some(mark) {
            tracing::debug!(
                paths = walked.entries.len(),
                objects = listed.len(),
                look_ms = looked_at.as_millis() as u64,
                "sync pass: nothing changed since the last idle pass"
            );
            report.unchanged = true;
            return Ok((report, false));
        }
        let clean_walk = walked.issues.is_empty();

        let bases = bases::load_all(self.db.pool(), &pair_id).await?;
        scan_cache_from_bases(&bases, &mut self.scan_cache);
        let loaded_at = started.elapsed();
        let scanned = self.hash_walk(walked, full_hash).await?;
        self.rehash_pending = false;
        report.hashed_files = scanned.hashed_files;
        // Only what exists now stays cached, so the cache never outgrows the tree; a racy stamp
        // is not cached at all, so the next pass reads that file again.
        let racy = self.racy_window();
        self.scan_cache = scanned
            .entries
            .iter()
            .filter_map(|(rel, e)| match e {
                crate::scan::ScannedEntry::File { identity, hash } if !racy.is_racy(identity.mtime_ns) => {
                    Some((rel.clone(), (*identity, *hash)))
                }
                _ => None,
            })
            .collect();
        let local = local_snapshot(&scanned);
        // A pass over a large tree holds several maps of every path at once; each one goes as
        // soon as it has served, to keep the pass's peak memory down.
        drop(scanned);
        report.unstable = local.unstable.len();
        let scanned_at = started.elapsed();

        let mut remote = remote_snapshot(&self.ctx.prefix, &listed, &self.ctx.rules, &self.remote_hashes);
        let wanted = keys_needing_hash(&self.ctx.prefix, &local, &remote, &bases);
        if !wanted.is_empty() {
            self.fetch_hashes(wanted).await?;
            remote = remote_snapshot(&self.ctx.prefix, &listed, &self.ctx.rules, &self.remote_hashes);
        }
        drop(listed);
        let quiet = clean_walk && local.warnings.is_empty() && remote.warnings.is_empty();
        for w in local.warnings.iter().chain(&remote.warnings) {
            if self.reported.insert(format!("w:{}:{}", w.path, w.reason)) {
                // Reported to the user through the report and the activity feed; the log only keeps it.
                tracing::info!(path = %w.path.escape_debug(), side = ?w.side, "left out of sync: {}", w.reason);
                bases::record_activity(self.db.pool(), &pair_id, &w.path, ActivityKind::Warning, &w.reason).await?;
                report.warnings.push(w.clone());
            }
        }

        let listed_at = started.elapsed();
        let mut views = merge_views(bases, local, remote);
        let spellings = super::views::unify_spellings(&mut views);
        let held = pair_safety::held_deletions(self.db.pool(), &pair_id).await?;
        let planned = plan(&self.settings(held.is_some()), &views);
        // The hold outlives this pass until the user answers: a rerun must not find the
        // deletions diluted by what was downloaded meanwhile and let them through.
        match (&planned.guard, &held) {
            (Some(g), None) => {
                let hold = pair_safety::HeldDeletions {
                    side: g.side,
                    count: g.count,
                    total: g.total,
                };
                pair_safety::hold_deletions(self.db.pool(), &pair_id, &hold).await?;
            }
            (Some(_), Some(_)) => {}
            (None, Some(_)) => pair_safety::clear_held_deletions(self.db.pool(), &pair_id).await?,
            (None, None) => {}
        }
        // Bookkeeping alone (bases of racy stamps recorded again, say) changed neither side.
        let planned_work = !planned.is_idle() && planned.actions.iter().any(|a| !a.changes_no_side());
        report.guard = planned.guard.clone();
        // Nothing to do, nothing to warn about, nothing half-written: the next pass that sees
        // the same may stop early. Anything less keeps every pass a full one.
        let idle = quiet && planned.actions.is_empty() && planned.guard.is_none() && report.unstable == 0;

        let actions = self.first_time_skips(planned.actions, &mut report);
        let planned_at = started.elapsed();
        if self.paused.as_ref().is_some_and(|p| *p.borrow()) && !actions.is_empty() {
            // Paused while this pass looked: act on nothing; the pass after resuming plans again.
            tracing::debug!(actions = actions.len(), "paused before acting");
            return Ok((report, true));
        }
        let action_count = actions.len();
        let work_count = actions.iter().filter(|a| !matches!(a, Action::Skip { .. })).count();
        if !actions.is_empty() {
            self.emit(SyncEvent::Syncing);
            let ctx = if spellings.is_empty() {
                self.ctx.clone()
            } else {
                Arc::new(ExecContext {
                    remote_spellings: spellings,
                    ..(*self.ctx).clone()
                })
            };
            self.run_actions(ctx, actions, &mut report).await?;
            if report.uploaded + report.copied + report.deleted_remote + report.conflicts > 0 {
                self.write_marker().await;
            }
        }
        if idle {
            idle_marks::save(self.db.pool(), &pair_id, &mark).await?;
        }
        // Where a pass spends its time, for profiling large trees (PAIL_LOG=pail_engine=debug).
        tracing::debug!(
            paths = views.len(),
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

    /// Hashes what a walk found that the scan cache cannot vouch for, on a blocking thread
    /// (the cache lent to it and taken back).
    async fn hash_walk(&mut self, walked: crate::scan::Walk, full_hash: bool) -> Result<crate::scan::ScanReport> {
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
    fn first_time_skips(&mut self, planned: Vec<Action>, report: &mut PassReport) -> Vec<Action> {
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
    fn settings(&self, deletions_held: bool) -> PairSettings {
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

    /// A pass over just the paths the watcher named (and what lies below them): the same
    /// planner, fed those paths' bases, their local state and a listing of just their keys, so
    /// a saved file costs one small listing and its upload instead of a walk and a listing of
    /// the whole pair. `Ok(None)` means "do a full pass instead", decided before anything is
    /// touched: whenever the narrow view could decide otherwise than the whole one would (see
    /// [`focused_plan_is_safe`]), or had anything to warn about.
    pub async fn focused_pass(&mut self, named: &BTreeSet<String>) -> Result<Option<(PassReport, bool)>> {
        let started = Instant::now();
        self.pass_started = std::time::SystemTime::now();
        if named.len() > 4 * MAX_FOCUSED_PATHS {
            return Ok(None);
        }
        let paths = outermost(named);
        if paths.is_empty() || paths.len() > MAX_FOCUSED_PATHS || !self.cleaned_up {
            return Ok(None);
        }
        self.claim_folder().await?;
        self.check_store().await?;
        let pair_id = self.pair.id.clone();
        if pair_safety::held_deletions(self.db.pool(), &pair_id).await?.is_some() {
            // Held deletions wait for the user's answer, which only a full pass can apply.
            return Ok(None);
        }
        let walking = {
            let root = self.ctx.root.clone();
            let rules = self.ctx.rules.clone();
            let paths = paths.clone();
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
            for path in &paths {
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
        let Some(walked) = walked else {
            return Ok(None);
        };
        if !walked.issues.is_empty() {
            return Ok(None);
        }
        let bases = {
            let mut conn = self.db.pool().acquire().await?;
            bases::load_under(&mut conn, &pair_id, paths.iter().map(String::as_str)).await?
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
        // What is gone below the named paths leaves the cache; what is there now enters it,
        // unless its stamp is racy.
        self.scan_cache
            .retain(|cached, _| !paths.iter().any(|p| is_at_or_below(cached, p)));
        let racy = self.racy_window();
        for (rel, e) in &scanned.entries {
            if let crate::scan::ScannedEntry::File { identity, hash } = e {
                if !racy.is_racy(identity.mtime_ns) {
                    self.scan_cache.insert(rel.clone(), (*identity, *hash));
                }
            }
        }
        let local = local_snapshot(&scanned);
        drop(scanned);
        report.unstable = local.unstable.len();
        let mut remote = remote_snapshot(&self.ctx.prefix, &listed, &self.ctx.rules, &self.remote_hashes);
        let wanted = keys_needing_hash(&self.ctx.prefix, &local, &remote, &bases);
        if !wanted.is_empty() {
            self.fetch_hashes(wanted).await?;
            remote = remote_snapshot(&self.ctx.prefix, &listed, &self.ctx.rules, &self.remote_hashes);
        }
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
        if self.paused.as_ref().is_some_and(|p| *p.borrow()) && !actions.is_empty() {
            // Paused while this pass looked: the named paths wait for the pass after resuming.
            return Ok(None);
        }
        let action_count = actions.len();
        if !actions.is_empty() {
            self.emit(SyncEvent::Syncing);
            self.run_actions(self.ctx.clone(), actions, &mut report).await?;
            if report.uploaded + report.copied + report.deleted_remote + report.conflicts > 0 {
                self.write_marker().await;
            }
        }
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

    async fn fetch_hashes(&mut self, wanted: Vec<super::views::HashWanted>) -> Result<()> {
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

    async fn run_actions(
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
    fn racy_window(&self) -> crate::core::stamp::RacyWindow {
        crate::core::stamp::RacyWindow::new(
            self.pass_started,
            std::time::SystemTime::now(),
            self.options.racy_window,
        )
    }

    async fn commit(&self, pending: &mut PendingCommit) -> Result<()> {
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

    /// Passes until a plan has nothing left to do (or `max_passes`). Deletions withheld by the
    /// guard end the run too: they wait for the user.
    pub async fn run_once(&mut self) -> Result<OnceSummary> {
        let mut summary = OnceSummary::default();
        let mut full_hash = false;
        loop {
            let passed = self.pass(full_hash).await;
            self.log_requests().await;
            let (report, planned_work) = passed?;
            full_hash = false;
            summary.passes += 1;
            let again = report.wants_another(planned_work) && report.guard.is_none();
            if report.unstable > 0 {
                // Give files being written a moment to settle before looking again.
                tokio::time::sleep(self.options.settle.max(Duration::from_millis(200))).await;
            }
            if let Some(g) = &report.guard {
                self.emit(SyncEvent::DeletionsHeld {
                    message: held_message(g),
                });
            }
            let guarded = report.guard.is_some();
            merge_reports(&mut summary.total, report);
            if !again {
                if !guarded {
                    self.emit(SyncEvent::UpToDate);
                }
                return Ok(summary);
            }
            if summary.passes >= self.options.max_passes {
                summary.unfinished = true;
                return Ok(summary);
            }
        }
    }

    /// Syncs until `stop` is cancelled: the watcher wakes a pass when local files settle, the
    /// timer polls the bucket, and a pass follows soon after each local push. Errors that a
    /// person can fix (offline, folder missing) are reported and retried with backoff.
    pub async fn run_continuous(
        &mut self,
        stop: CancellationToken,
        mut paused: tokio::sync::watch::Receiver<bool>,
    ) -> Result<()> {
        let (watcher, mut changes) = match LocalWatcher::start(&self.ctx.root, self.options.settle) {
            Ok(w) => (Some(w.0), Some(w.1)),
            Err(e) => {
                // Polling still works without a watcher; it is only slower to notice.
                tracing::warn!("watching the folder failed, falling back to rescans: {}", e.detail());
                (None, None)
            }
        };
        let mut _watcher = watcher;
        let mut watcher_down = changes.is_none();
        let mut next_poll = Instant::now();
        let mut last_full = Instant::now();
        let mut last_listing: Option<Instant> = None;
        let check_now = self.check_now.clone();
        self.paused = Some(paused.clone());
        let mut backoff = Duration::from_secs(1);
        // Something to do: a pass over everything (`full`), or only over what the watcher
        // named since the last pass (`named`), which costs what those paths cost.
        let mut dirty = true;
        let mut full = true;
        loop {
            if *paused.borrow() {
                self.emit(SyncEvent::Paused);
                tokio::select! {
                    _ = stop.cancelled() => { self.log_requests().await; return Ok(()) }
                    _ = pause_changed(&mut paused) => { dirty = true; full = true; continue; }
                    Some(event) = recv_opt(&mut changes) => { self.absorb(event, &mut full); dirty = true; continue; }
                }
            }
            if watcher_down && tokio::fs::metadata(&self.ctx.root).await.is_ok() {
                if let Ok((w, rx)) = LocalWatcher::start(&self.ctx.root, self.options.settle) {
                    _watcher = Some(w);
                    changes = Some(rx);
                    watcher_down = false;
                    dirty = true;
                    full = true;
                }
            }
            let poll_due = Instant::now() >= next_poll;
            if dirty || poll_due {
                if poll_due && !full {
                    let listing_due = last_listing.is_none_or(|at| at.elapsed() >= self.full_listing_period());
                    // Something changed there (the marker moved) or may have without a marker
                    // (a writer that is not Pail): list. Otherwise one HEAD was the whole poll.
                    if listing_due || !self.marker_kept_still().await {
                        full = true;
                    }
                    next_poll = Instant::now() + self.poll_wait();
                    if !full && !dirty {
                        // Marker checks alone: logged now and then, not a write per poll.
                        if self.requests_logged.1.elapsed() >= Duration::from_secs(300) {
                            self.log_requests().await;
                        }
                        continue;
                    }
                }
                dirty = false;
                let mut focused = None;
                if !full {
                    let named = std::mem::take(&mut self.named);
                    match self.focused_pass(&named).await {
                        Ok(Some(done)) => {
                            if done.0.unstable > 0 {
                                // Still being written: the same paths again once they settle.
                                self.named = named;
                            }
                            focused = Some(Ok(done));
                        }
                        Ok(None) => self.named = named,
                        Err(e) => {
                            self.named = named;
                            focused = Some(Err(e));
                        }
                    }
                }
                let was_full = focused.is_none();
                let result = match focused {
                    Some(r) => r,
                    None => {
                        last_listing = Some(Instant::now());
                        let full_hash = last_full.elapsed() >= self.options.full_rescan_interval;
                        if full_hash {
                            last_full = Instant::now();
                        }
                        let r = self.pass(full_hash).await;
                        if r.is_ok() {
                            // Whatever the watcher named was looked at with everything else.
                            self.named.clear();
                        }
                        r
                    }
                };
                full = false;
                self.log_requests().await;
                match result {
                    Ok((report, planned_work)) => {
                        backoff = Duration::from_secs(1);
                        if let Some(g) = &report.guard {
                            self.emit(SyncEvent::DeletionsHeld {
                                message: held_message(g),
                            });
                        }
                        // A focused pass that did its uploads is done; a full one that did work
                        // looks again, to catch what changed while it worked.
                        let again = if was_full {
                            report.wants_another(planned_work)
                        } else {
                            report.changed > 0 || report.unstable > 0 || !report.failed.is_empty()
                        };
                        if again && report.guard.is_none() {
                            dirty = true;
                            // Only a file still being written is worth another narrow look.
                            full = was_full || report.changed > 0 || !report.failed.is_empty();
                            if report.unstable > 0 || report.changed > 0 {
                                tokio::time::sleep(self.options.settle).await;
                            }
                        } else if report.failed.is_empty() && report.guard.is_none() {
                            self.emit(SyncEvent::UpToDate);
                        }
                        if !report.failed.is_empty() {
                            // Failed actions are tried again at the next poll, marker or not.
                            self.marker = change_marker::Seen::Unknown;
                        }
                        if report.uploaded + report.copied + report.deleted_remote + report.conflicts > 0 {
                            // Someone here is at work: others may answer soon.
                            self.last_change = Some(Instant::now());
                        }
                        if report.transferred() > 0 {
                            self.quiet_polls = 0;
                        } else if was_full {
                            self.quiet_polls = self.quiet_polls.saturating_add(1);
                        }
                        if was_full || report.uploaded + report.copied > 0 {
                            next_poll = if report.uploaded + report.copied > 0 {
                                // Another computer may have raced this push: look again soon.
                                Instant::now() + Duration::from_secs(2).min(self.options.poll_interval)
                            } else {
                                Instant::now() + self.poll_wait()
                            };
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e.detail(), "sync pass failed; retrying in {backoff:?}");
                        // Whatever woke this pass is still to do: the retry must not be skipped
                        // because the change marker kept still.
                        self.marker = change_marker::Seen::Unknown;
                        full = true;
                        let (message, detail, code) = (e.user_message(), e.detail(), e.code());
                        self.emit(if e.is_offline() {
                            SyncEvent::Offline { message, detail, code }
                        } else {
                            SyncEvent::NeedsAttention { message, detail, code }
                        });
                        next_poll = Instant::now() + backoff;
                        backoff = (backoff * 2).min(Duration::from_secs(60));
                    }
                }
                continue;
            }
            let sleep = tokio::time::sleep_until(tokio::time::Instant::from_std(next_poll));
            let (wall, mono) = (std::time::SystemTime::now(), Instant::now());
            // Taken out for the wait (and put back after it), so they mark each change as seen.
            let mut foreground = self.foreground.take();
            let mut network = self.network.take();
            tokio::select! {
                _ = stop.cancelled() => { self.log_requests().await; return Ok(()) }
                _ = sleep => {
                    // The monotonic clock stops while the computer sleeps, the wall clock does
                    // not: a wait that took much longer by the wall clock ended in a wake-up,
                    // after which anything may have changed on either side.
                    let slept = wall.elapsed().unwrap_or_default().saturating_sub(mono.elapsed());
                    if slept > Duration::from_secs(30) {
                        tracing::info!(slept_secs = slept.as_secs(), "woke from sleep; looking at everything");
                        dirty = true;
                        full = true;
                    }
                }
                Some(_) = watch_changed(&mut network) => {
                    // A network that came back (or changed) may hide changes on either side.
                    tracing::debug!("the network changed; looking at everything");
                    dirty = true;
                    full = true;
                }
                Some(in_use) = watch_changed(&mut foreground) => {
                    if in_use {
                        // The user looks at the window: a poll now, quicker ones while it lasts.
                        next_poll = next_poll.min(Instant::now());
                    }
                }
                _ = pause_changed(&mut paused) => {}
                _ = check_now.notified() => { dirty = true; full = true; }
                event = recv_opt(&mut changes) => {
                    // One event usually comes with more behind it (a download of many files, a
                    // copied folder): take them all, so they cost one pass instead of one each.
                    let mut next = Some(event);
                    while let Some(event) = next.take() {
                        match event {
                            Some(event) => {
                                self.absorb(event, &mut full);
                                dirty = true;
                            }
                            None => {
                                // The watcher stopped (the folder vanished?): keep going on the
                                // timer and watch again once the folder is back.
                                changes = None;
                                watcher_down = true;
                                full = true;
                            }
                        }
                        next = match changes.as_mut().map(|rx| rx.try_recv()) {
                            Some(Ok(event)) => Some(Some(event)),
                            Some(Err(mpsc::error::TryRecvError::Disconnected)) => Some(None),
                            Some(Err(mpsc::error::TryRecvError::Empty)) | None => None,
                        };
                    }
                }
            }
            self.foreground = foreground;
            self.network = network;
        }
    }

    /// Takes in what the watcher saw: the paths it names are for the next pass to look at (a
    /// focused one, unless `full` is or becomes set).
    fn absorb(&mut self, event: WatchEvent, full: &mut bool) {
        match event {
            WatchEvent::Changed(paths) => {
                tracing::debug!(paths = paths.len(), "the watcher saw changes");
                self.named.extend(paths.iter().cloned());
                // The watcher saw them: hash again even if size and stamps kept still. A
                // folder stands for everything under it.
                self.rehash_pending = true;
                self.scan_cache.retain(|cached, _| {
                    !paths.iter().any(|p| {
                        cached == p || (cached.starts_with(p.as_str()) && cached.as_bytes().get(p.len()) == Some(&b'/'))
                    })
                });
            }
            WatchEvent::Rescan(why) => {
                tracing::info!("watcher asks for a rescan: {why}");
                *full = true;
            }
        }
    }

    /// Adds the requests this session's client sent since the last call to the pair's request
    /// log (what the app shows as the pair's cost). A failure only loses a few counts.
    async fn log_requests(&mut self) {
        let now = self.ctx.remote.requests();
        let delta = now.since(&self.requests_logged.0);
        self.requests_logged.1 = Instant::now();
        if delta.total() == 0 {
            return;
        }
        match request_log::add(self.db.pool(), &self.pair.id, chrono::Utc::now(), &delta).await {
            Ok(()) => self.requests_logged.0 = now,
            Err(e) => tracing::debug!(detail = %e.detail(), "could not log the pair's requests"),
        }
    }

    /// Lets `check_now` wake continuous mode for a pass with a full listing at once.
    pub fn with_check_now(mut self, check_now: Arc<tokio::sync::Notify>) -> Self {
        self.check_now = check_now;
        self
    }

    /// Whether the bucket folder's change marker still has the ETag read before the last
    /// listing (false when unknown, unreadable or switched off: then the folder is listed).
    async fn marker_kept_still(&self) -> bool {
        let change_marker::Seen::At(seen) = &self.marker else {
            return false;
        };
        matches!(self.read_marker().await, Some(Ok(now)) if &now == seen)
    }

    /// Reads the change marker's ETag; `None` when the pair does not use markers.
    async fn read_marker(&self) -> Option<Result<Option<String>>> {
        if !self.pair.change_marker {
            return None;
        }
        Some(change_marker::read(&self.ctx.remote, &self.ctx.bucket, &self.ctx.prefix).await)
    }

    /// Tells other computers that this pass changed the bucket folder (when the pair uses markers).
    async fn write_marker(&mut self) {
        if !self.pair.change_marker {
            return;
        }
        self.marker = change_marker::write(
            &self.ctx.remote,
            &self.ctx.bucket,
            &self.ctx.prefix,
            &self.marker,
            &self.options.holder,
        )
        .await;
    }

    /// How long after a full listing the next one is due. The full-listing interval, stretched
    /// for a folder whose listing costs more than ten requests, by two minutes per request (up to
    /// a day), so that the periodic listings of any folder cost about 30 requests an hour: at
    /// 100,000 keys a listing is ~116 requests, every ~4 hours. Changes by Pail elsewhere still
    /// arrive within a poll (the marker); only changes by other tools wait longer, and "Check
    /// now" lists at once.
    fn full_listing_period(&self) -> Duration {
        let floor = self.options.full_listing_interval;
        if self.last_listing_requests <= 10 {
            return floor;
        }
        let stretched =
            Duration::from_secs(120).saturating_mul(u32::try_from(self.last_listing_requests).unwrap_or(u32::MAX));
        floor.max(stretched.min(Duration::from_secs(24 * 3600)))
    }

    /// Wakes continuous mode for a full pass whenever `network` moves (see `sync::network`).
    pub fn with_network_changes(mut self, network: tokio::sync::watch::Receiver<u64>) -> Self {
        self.network = Some(network);
        self
    }

    /// Lets the app say whether its window is in use: polls come quicker while it is.
    pub fn with_foreground(mut self, foreground: tokio::sync::watch::Receiver<bool>) -> Self {
        self.foreground = Some(foreground);
        self
    }

    /// How long until the next poll. Quicker (a third, at least 5 s) while the app's window is
    /// in use and for five minutes after a local change went up; without a change marker, where each
    /// poll is a listing, never quicker, and slower (doubling, up to 8×) with each poll in a
    /// row that found nothing while the window is not in use. With a marker a
    /// quiet poll is one HEAD, so it does not slow down: the saving would be cents a year,
    /// paid for in minutes of delay.
    fn poll_wait(&self) -> Duration {
        let base = self.options.poll_interval;
        let brisk = (base / 3).max(Duration::from_secs(5)).min(base);
        let in_use = self.foreground.as_ref().is_some_and(|f| *f.borrow());
        let recent = self.last_change.is_some_and(|t| t.elapsed() < Duration::from_secs(300));
        if self.pair.change_marker {
            if in_use || recent {
                brisk
            } else {
                base
            }
        } else if in_use {
            base
        } else {
            // Every poll is a listing here: never quicker than asked, and slower with each poll
            // in a row that found nothing (any change starts again at the interval).
            base * 2u32.pow(self.quiet_polls.min(3))
        }
    }

    /// The pair being synced.
    pub fn pair(&self) -> &SyncPair {
        &self.pair
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

/// What the app says when the guard held deletions back.
fn held_message(g: &MassDeleteGuardTripped) -> String {
    use super::plan::Side;
    let (here, there) = match g.side {
        Side::Local => ("on this computer", "in the bucket"),
        Side::Remote => ("in the bucket", "on this computer"),
    };
    if g.emptied.is_some() {
        format!(
            "Every file is gone {there}, so syncing would delete all {} of them {here} too. Pail held that back: check the folder, then confirm if that is what you want.",
            g.count
        )
    } else {
        format!(
            "Pail held back deleting {} files {here}. Check the folder and confirm to continue.",
            g.count
        )
    }
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

/// Waits for the pause switch to flip; a dropped switch never flips again (instead of waking
/// the loop at once, forever).
async fn pause_changed(rx: &mut tokio::sync::watch::Receiver<bool>) {
    if rx.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Waits for a watched value to change and says what it is now; never, without one.
async fn watch_changed<T: Copy>(rx: &mut Option<tokio::sync::watch::Receiver<T>>) -> Option<T> {
    if let Some(rx) = rx {
        if rx.changed().await.is_ok() {
            return Some(*rx.borrow());
        }
    }
    std::future::pending().await
}

async fn recv_opt(rx: &mut Option<mpsc::UnboundedReceiver<WatchEvent>>) -> Option<WatchEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn count(action: &Action, effect: &Effect, report: &mut PassReport) {
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

fn merge_reports(total: &mut PassReport, pass: PassReport) {
    total.uploaded += pass.uploaded;
    total.downloaded += pass.downloaded;
    total.copied += pass.copied;
    total.trashed_local += pass.trashed_local;
    total.deleted_remote += pass.deleted_remote;
    total.conflicts += pass.conflicts;
    total.bookkeeping += pass.bookkeeping;
    total.bytes += pass.bytes;
    total.changed += pass.changed;
    total.unstable = pass.unstable;
    total.hashed_files += pass.hashed_files;
    total.unchanged = pass.unchanged;
    // Only the last pass's failures matter: earlier ones were retried.
    total.failed = pass.failed;
    total.warnings.extend(pass.warnings);
    total.skipped.extend(pass.skipped);
    if pass.guard.is_some() {
        total.guard = pass.guard;
    }
}

/// Bases by path, for callers that want to inspect the state DB (tests, the UI).
pub async fn load_bases(db: &StateDb, pair_id: &str) -> Result<BTreeMap<RelPath, BaseState>> {
    bases::load_all(db.pool(), pair_id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::plan::{Plan, SkipReason};
    use crate::sync::LocalFile;

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
