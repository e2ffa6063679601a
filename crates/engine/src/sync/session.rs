//! One pair's sync session: what lives from pass to pass (the folder's lock, the scan cache,
//! the store's probe, the change marker, the request log) and the options it runs with. A pass
//! is in [`super::pass`], the loops that run passes in [`super::runner`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::change_marker;
use super::executor::ExecContext;
use super::model::{BaseState, ContentHash, MassDeleteGuard, RelPath};
use crate::error::{Error, Result};
use crate::remote::{Remote, UploadOptions};
use crate::scan::{Identity, IgnoreRules};
use crate::state::{bases, pair_safety, pairs::SyncPair, request_log, StateDb};

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
    pub(super) ctx: Arc<ExecContext>,
    pub(super) db: StateDb,
    pub(super) pair: SyncPair,
    pub(super) options: SyncOptions,
    pub(super) scan_cache: HashMap<String, (Identity, ContentHash)>,
    pub(super) remote_hashes: HashMap<(String, String), ContentHash>,
    pub(super) reported: HashSet<String>,
    /// The watcher reported paths whose cached hashes were dropped: the next pass must read
    /// them even if the walk looks exactly like the last idle one.
    pub(super) rehash_pending: bool,
    pub(super) events: Option<mpsc::UnboundedSender<SyncEvent>>,
    pub(super) cleaned_up: bool,
    /// Held from the first pass on, so no other process syncs this folder meanwhile.
    pub(super) folder_lock: Option<super::folder::FolderLock>,
    /// When the store was last found to honour conditional requests (checked again daily).
    pub(super) store_checked: Option<Instant>,
    /// The bucket folder's change marker as read before the last listing.
    pub(super) marker: change_marker::Seen,
    /// Continuous mode: "Check now" from the UI (a pass with a listing at once).
    pub(super) check_now: Arc<tokio::sync::Notify>,
    /// Continuous mode: whether the pair is paused, looked at again right before a pass acts.
    pub(super) paused: Option<tokio::sync::watch::Receiver<bool>>,
    /// Continuous mode: paths the watcher named that no pass has looked at yet.
    pub(super) named: BTreeSet<String>,
    /// The client's request counts already added to the pair's request log, and when.
    pub(super) requests_logged: (crate::remote::request_meter::RequestCounts, Instant),
    /// Continuous mode: whether the app's window is in use (polls come quicker then).
    pub(super) foreground: Option<tokio::sync::watch::Receiver<bool>>,
    /// Continuous mode: when a pass last sent a local change to the bucket (polls come quicker
    /// for a while after: whoever works with this folder elsewhere may answer).
    pub(super) last_change: Option<Instant>,
    /// Continuous mode without a change marker: polls in a row that found nothing.
    pub(super) quiet_polls: u32,
    /// The list requests the last full listing of the bucket folder took.
    pub(super) last_listing_requests: u64,
    /// The pass under way: its activity lines carry this id, so they can be shown and undone
    /// together.
    pub(super) pass_id: String,
    /// When the pass under way began: stamps from shortly before it on are racy (see
    /// [`crate::core::stamp::RacyWindow`]).
    pub(super) pass_started: std::time::SystemTime,
    /// Continuous mode: moves when the computer's network changed (see `sync::network`).
    pub(super) network: Option<tokio::sync::watch::Receiver<u64>>,
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
    pub(super) async fn abort_unfinished_uploads(&mut self) -> Result<()> {
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
    pub(super) async fn claim_folder(&mut self) -> Result<()> {
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
    pub(super) async fn check_store(&mut self) -> Result<()> {
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

    pub(super) fn emit(&self, event: SyncEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    /// Adds the requests this session's client sent since the last call to the pair's request
    /// log (what the app shows as the pair's cost). A failure only loses a few counts.
    pub(super) async fn log_requests(&mut self) {
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
    pub(super) async fn marker_kept_still(&self) -> bool {
        let change_marker::Seen::At(seen) = &self.marker else {
            return false;
        };
        matches!(self.read_marker().await, Some(Ok(now)) if &now == seen)
    }

    /// Reads the change marker's ETag; `None` when the pair does not use markers.
    pub(super) async fn read_marker(&self) -> Option<Result<Option<String>>> {
        if !self.pair.change_marker {
            return None;
        }
        Some(change_marker::read(&self.ctx.remote, &self.ctx.bucket, &self.ctx.prefix).await)
    }

    /// Tells other computers that this pass changed the bucket folder (when the pair uses markers).
    pub(super) async fn write_marker(&mut self) {
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
    pub(super) fn full_listing_period(&self) -> Duration {
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
    pub(super) fn poll_wait(&self) -> Duration {
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

/// Bases by path, for callers that want to inspect the state DB (tests, the UI).
pub async fn load_bases(db: &StateDb, pair_id: &str) -> Result<BTreeMap<RelPath, BaseState>> {
    bases::load_all(db.pool(), pair_id).await
}
