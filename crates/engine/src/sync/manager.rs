//! Runs every pair of the app in the background: one [`PairSync`] per pair, restarted with
//! backoff after errors, paused and resumed on request, with one live [`PairStatus`] each.
//!
//! Headless pairs (`pail sync`, no saved connection) are not the app's: the command line runs
//! them itself, so the manager never starts them.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::conflicts::{self, Conflict, Resolution};
use super::local_root::{self, LocalRootCheck};
use super::model::Mode;
use super::session::{host_name, PairSync, SyncEvent, SyncOptions};
use crate::core::activity::ActivityKind;
use crate::engine::Engine;
use crate::error::{Error, ErrorCode, Result};
use crate::preferences::Preferences;
use crate::remote::request_meter::RequestCounts;
use crate::remote::ClientOptions;
use crate::scan::IgnoreRules;
use crate::state::bases::{self, Activity};
use crate::state::pairs::{self, SyncPair};
use crate::state::request_log;

/// What a pair is doing, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum PairState {
    /// Connecting and taking the first look.
    Starting,
    /// Transferring.
    Syncing,
    /// Both sides agree.
    UpToDate,
    /// Paused by the user.
    Paused,
    /// The bucket cannot be reached; retrying on its own.
    Offline,
    /// Something the user should look at (credentials, a missing folder, held-back deletions);
    /// still retried on its own where that can help.
    NeedsAttention,
}

/// The live status of one pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PairStatus {
    /// The pair.
    pub pair_id: String,
    /// What it is doing.
    pub state: PairState,
    /// Actions finished in the current pass (while syncing).
    pub done: u32,
    /// Actions in the current pass (while syncing).
    pub total: u32,
    /// A sentence for the user when offline or needing attention.
    pub message: Option<String>,
    /// Technical detail behind `message`.
    pub detail: Option<String>,
    /// What kind of problem `message` is about, so the UI can offer a way out (another sync
    /// mode for a store that ignores conditional writes, …).
    pub error_code: Option<ErrorCode>,
    /// The mass-deletion guard holds back deletions until the user confirms.
    pub deletions_held: bool,
    /// Unresolved conflict copies.
    pub conflicts: u32,
    /// When the pair was last up to date (RFC 3339), if ever since the app started.
    pub last_synced: Option<String>,
}

impl PairStatus {
    fn new(pair_id: &str, state: PairState) -> Self {
        Self {
            pair_id: pair_id.to_owned(),
            state,
            done: 0,
            total: 0,
            message: None,
            detail: None,
            error_code: None,
            deletions_held: false,
            conflicts: 0,
            last_synced: None,
        }
    }
}

/// One pair's requests in the last 24 hours.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PairCost {
    /// The pair.
    pub pair_id: String,
    /// Its local folder.
    pub local_root: String,
    /// Its requests and their estimated price.
    pub cost: crate::prices::RequestCost,
}

/// What syncing cost at the stores over the last 24 hours.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CostOverview {
    /// Per pair (of the app's connections).
    pub pairs: Vec<PairCost>,
    /// Every pair together; the price covers the pairs whose prices are known.
    pub total: crate::prices::RequestCost,
    /// Pairs that sent requests to a store whose prices Pail does not know.
    pub unpriced_pairs: u32,
    /// When the price table was read ("December 2026").
    pub prices_as_of: String,
}

/// A pair as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PairInfo {
    /// Stable id.
    pub id: String,
    /// The connection that reaches the bucket.
    pub connection_id: String,
    /// The bucket.
    pub bucket: String,
    /// `""` or ending with `/`.
    pub prefix: String,
    /// The local folder.
    pub local_root: String,
    /// Which way changes flow.
    pub mode: Mode,
    /// Paused by the user.
    pub paused: bool,
    /// The user's own ignore patterns (the defaults apply too).
    pub ignore_patterns: Vec<String>,
    /// Whether the pair uses the bucket folder's change marker.
    pub change_marker: bool,
    /// Live status.
    pub status: PairStatus,
}

/// What the add-pair flow asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PairDraft {
    /// The connection.
    pub connection_id: String,
    /// The bucket.
    pub bucket: String,
    /// The bucket folder (`""` for the whole bucket); a trailing `/` is added.
    pub prefix: String,
    /// The local folder, absolute.
    pub local_root: String,
    /// Which way changes flow.
    pub mode: Mode,
}

/// What the add-pair flow tells the user before the first sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PairCheck {
    /// The folder holds files already.
    pub folder_has_files: bool,
    /// The bucket folder holds objects already.
    pub bucket_has_objects: bool,
    /// A sentence about what the first sync will do, when both hold something.
    pub warning: Option<String>,
}

/// One line of the activity feed, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    /// Insertion order.
    pub id: i64,
    /// The pair.
    pub pair_id: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The path or key concerned.
    pub path: String,
    /// What happened.
    pub action: ActivityKind,
    /// What happened, in words for the feed (the engine words it so the UI does not copy them).
    pub summary: String,
    /// Human-readable detail; may be empty.
    pub detail: String,
    /// The sync pass that did it (lines of one pass share it; None for older lines).
    pub pass_id: Option<String>,
    /// Whether "Undo" on its pass can put this change back.
    pub can_undo: bool,
    /// Whether its pass was undone.
    pub undone: bool,
}

impl From<Activity> for ActivityEntry {
    fn from(a: Activity) -> Self {
        Self {
            id: a.id,
            can_undo: super::undo::can_undo(&a),
            undone: a.undone_at.is_some(),
            pass_id: a.pass_id,
            pair_id: a.pair_id,
            at: a.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            path: a.path,
            action: a.action,
            summary: a.action.summary().to_owned(),
            detail: a.detail,
        }
    }
}

/// Called with every status change (the shell forwards it to the window, tray and notifications).
pub type StatusListener = Arc<dyn Fn(&PairStatus) + Send + Sync>;

struct Runner {
    stop: CancellationToken,
    paused: watch::Sender<bool>,
    /// "Check now": list the bucket folder and sync at once.
    check_now: Arc<tokio::sync::Notify>,
    task: JoinHandle<()>,
}

struct Inner {
    engine: Engine,
    listener: StatusListener,
    runners: tokio::sync::Mutex<HashMap<String, Runner>>,
    statuses: Mutex<HashMap<String, PairStatus>>,
    /// Whether the app's window is in use; every session polls quicker while it is.
    foreground: watch::Sender<bool>,
    /// Moves when the computer's network changed; started with the first pair.
    network: std::sync::OnceLock<watch::Sender<u64>>,
}

/// The app's sync service.
#[derive(Clone)]
pub struct SyncManager {
    inner: Arc<Inner>,
}

impl SyncManager {
    /// A manager with no pair running yet; `listener` hears every status change.
    pub fn new(engine: Engine, listener: StatusListener) -> Self {
        Self {
            inner: Arc::new(Inner {
                engine,
                listener,
                runners: tokio::sync::Mutex::new(HashMap::new()),
                statuses: Mutex::new(HashMap::new()),
                foreground: watch::channel(false).0,
                network: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Starts every app pair stored in the state DB (on app start).
    pub async fn start_all(&self) -> Result<()> {
        for pair in pairs::list(self.inner.engine.db().pool()).await? {
            if pair.connection_id.is_some() {
                self.start(&pair, false).await;
            }
        }
        Ok(())
    }

    /// Stops every pair and waits for them (on app exit).
    pub async fn stop_all(&self) {
        let runners: Vec<Runner> = self.inner.runners.lock().await.drain().map(|(_, r)| r).collect();
        for r in &runners {
            r.stop.cancel();
        }
        for r in runners {
            let _ = r.task.await;
        }
    }

    async fn start(&self, pair: &SyncPair, allow_mass_delete: bool) {
        self.stop(&pair.id).await;
        let initial = if pair.paused {
            PairState::Paused
        } else {
            PairState::Starting
        };
        let mut status = PairStatus::new(&pair.id, initial);
        status.conflicts = self.inner.count_conflicts(pair).await;
        if let Ok(map) = self.inner.statuses.lock() {
            if let Some(old) = map.get(&pair.id) {
                status.last_synced = old.last_synced.clone();
            }
        }
        self.inner.publish(status);
        let stop = CancellationToken::new();
        let (paused_tx, paused_rx) = watch::channel(pair.paused);
        let check_now = Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn(run_pair(
            self.inner.clone(),
            pair.id.clone(),
            stop.clone(),
            paused_rx,
            check_now.clone(),
            allow_mass_delete,
        ));
        self.inner.runners.lock().await.insert(
            pair.id.clone(),
            Runner {
                stop,
                paused: paused_tx,
                check_now,
                task,
            },
        );
    }

    async fn stop(&self, pair_id: &str) {
        let runner = self.inner.runners.lock().await.remove(pair_id);
        if let Some(r) = runner {
            r.stop.cancel();
            let _ = r.task.await;
        }
    }

    /// Every app pair with its live status.
    pub async fn list(&self) -> Result<Vec<PairInfo>> {
        let all = pairs::list(self.inner.engine.db().pool()).await?;
        Ok(all.into_iter().filter_map(|p| self.inner.info(p)).collect())
    }

    /// Checks a draft and says what the first sync will meet, without storing anything.
    pub async fn check(&self, draft: &PairDraft) -> Result<PairCheck> {
        let (root, prefix) = self.validate(draft).await?;
        let folder_has_files = matches!(
            self.check_local_root(&root).await?,
            LocalRootCheck::Ready { has_files: true }
        );
        let mut bucket_has_objects = false;
        self.inner
            .engine
            .list_folder(&draft.connection_id, &draft.bucket, &prefix, |page| {
                bucket_has_objects |= page.iter().any(|e| e.key != prefix);
                ControlFlow::Break(())
            })
            .await?;
        let warning = (folder_has_files && bucket_has_objects && draft.mode == Mode::TwoWay).then(|| {
            "Both the folder and the bucket folder already hold files. The first sync merges them: files only on one side are copied to the other, and where the same name holds different content both versions are kept (one as a conflict copy). Nothing is deleted.".to_owned()
        });
        Ok(PairCheck {
            folder_has_files,
            bucket_has_objects,
            warning,
        })
    }

    /// Stores a new pair and starts syncing it.
    pub async fn add(&self, draft: &PairDraft) -> Result<PairInfo> {
        let (root, prefix) = self.validate(draft).await?;
        let pair = SyncPair {
            id: uuid::Uuid::new_v4().to_string(),
            connection_id: Some(draft.connection_id.clone()),
            bucket: draft.bucket.clone(),
            prefix,
            local_root: root,
            mode: draft.mode,
            paused: false,
            ignore_patterns: Vec::new(),
            change_marker: true,
        };
        pairs::insert(self.inner.engine.db().pool(), &pair).await?;
        tracing::info!(pair = %pair.id, bucket = %pair.bucket, "sync pair added");
        self.start(&pair, false).await;
        self.inner
            .info(pair)
            .ok_or_else(|| Error::InvalidInput("The new sync could not be read back.".into()))
    }

    /// Stops syncing a pair and forgets it; its files stay where they are, on both sides.
    pub async fn remove(&self, pair_id: &str) -> Result<()> {
        self.stop(pair_id).await;
        pairs::delete(self.inner.engine.db().pool(), pair_id).await?;
        if let Ok(mut map) = self.inner.statuses.lock() {
            map.remove(pair_id);
        }
        tracing::info!(pair = pair_id, "sync pair removed; files kept");
        Ok(())
    }

    /// "Check now": lists the pair's bucket folder and syncs at once, instead of waiting for the
    /// change marker or the next full listing (changes made outside Pail show up this way). A
    /// paused pair stays paused; a pair waiting out an error tries again now.
    pub async fn check_now(&self, pair_id: &str) -> Result<()> {
        let runners = self.inner.runners.lock().await;
        match runners.get(pair_id) {
            Some(r) => {
                r.check_now.notify_one();
                Ok(())
            }
            None => Err(no_pair(pair_id)),
        }
    }

    /// Pauses or resumes one pair (remembered across restarts).
    pub async fn set_paused(&self, pair_id: &str, paused: bool) -> Result<()> {
        if !pairs::set_paused(self.inner.engine.db().pool(), pair_id, paused).await? {
            return Err(no_pair(pair_id));
        }
        let runners = self.inner.runners.lock().await;
        match runners.get(pair_id) {
            Some(r) => {
                let _ = r.paused.send(paused);
            }
            None => {
                drop(runners);
                let pair = self.inner.pair(pair_id).await?;
                self.start(&pair, false).await;
            }
        }
        if paused {
            self.inner.update(pair_id, |s| {
                s.state = PairState::Paused;
                s.message = None;
            });
        }
        Ok(())
    }

    /// Pauses or resumes every pair.
    pub async fn set_all_paused(&self, paused: bool) -> Result<()> {
        for pair in self.list().await? {
            self.set_paused(&pair.id, paused).await?;
        }
        Ok(())
    }

    /// Replaces a pair's own ignore patterns (checked first) and restarts it with them.
    pub async fn set_ignore_patterns(&self, pair_id: &str, patterns: &[String]) -> Result<()> {
        let cleaned: Vec<String> = patterns
            .iter()
            .map(|p| p.trim_end().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        IgnoreRules::new(&cleaned)?;
        if !pairs::set_ignore_patterns(self.inner.engine.db().pool(), pair_id, &cleaned).await? {
            return Err(no_pair(pair_id));
        }
        let pair = self.inner.pair(pair_id).await?;
        self.start(&pair, false).await;
        Ok(())
    }

    /// Changes which way a pair syncs (e.g. to upload-only where the store cannot be trusted
    /// with two-way sync) and restarts it.
    pub async fn set_mode(&self, pair_id: &str, mode: Mode) -> Result<()> {
        if !pairs::set_mode(self.inner.engine.db().pool(), pair_id, mode).await? {
            return Err(no_pair(pair_id));
        }
        let pair = self.inner.pair(pair_id).await?;
        self.start(&pair, false).await;
        Ok(())
    }

    /// Turns one pair's change marker on or off (off: every check lists the bucket folder).
    pub async fn set_change_marker(&self, pair_id: &str, on: bool) -> Result<()> {
        if !pairs::set_change_marker(self.inner.engine.db().pool(), pair_id, on).await? {
            return Err(no_pair(pair_id));
        }
        let pair = self.inner.pair(pair_id).await?;
        self.start(&pair, false).await;
        Ok(())
    }

    /// Says whether the app's window is in use: while it is, pairs look for changes more often.
    pub fn set_foreground(&self, in_use: bool) {
        self.inner
            .foreground
            .send_if_modified(|now| std::mem::replace(now, in_use) != in_use);
    }

    /// The user confirmed deletions the mass-deletion guard held back: one pass applies them.
    pub async fn confirm_deletions(&self, pair_id: &str) -> Result<()> {
        let pair = self.inner.pair(pair_id).await?;
        self.start(&pair, true).await;
        Ok(())
    }

    /// Restarts every running pair, e.g. after the preferences changed.
    pub async fn restart_all(&self) -> Result<()> {
        let running: Vec<String> = self.inner.runners.lock().await.keys().cloned().collect();
        for id in running {
            let pair = self.inner.pair(&id).await?;
            self.start(&pair, false).await;
        }
        Ok(())
    }

    /// What each pair sent to its store in the last 24 hours and what that costs at its
    /// provider's prices, with the sum over all pairs.
    pub async fn request_costs(&self) -> Result<CostOverview> {
        let db = self.inner.engine.db().pool();
        let now = chrono::Utc::now();
        let mut out = CostOverview {
            pairs: Vec::new(),
            total: crate::prices::RequestCost {
                requests: RequestCounts::default(),
                usd: None,
            },
            unpriced_pairs: 0,
            prices_as_of: crate::prices::PRICES_AS_OF.to_owned(),
        };
        for pair in pairs::list(db).await? {
            let Some(connection_id) = pair.connection_id.as_deref() else {
                continue;
            };
            // A pair whose connection is gone is being removed with it.
            let Ok(connection) = self.inner.engine.connection(connection_id).await else {
                continue;
            };
            let requests = request_log::last_day(db, &pair.id, now).await?;
            let cost = crate::prices::estimate(connection.provider, requests);
            out.total.requests = out.total.requests.plus(&requests);
            match cost.usd {
                Some(usd) => out.total.usd = Some(out.total.usd.unwrap_or(0.0) + usd),
                None if requests.total() > 0 => out.unpriced_pairs += 1,
                None => {}
            }
            out.pairs.push(PairCost {
                pair_id: pair.id,
                local_root: pair.local_root.to_string_lossy().into_owned(),
                cost,
            });
        }
        Ok(out)
    }

    /// The newest activity of one pair, newest first.
    pub async fn activity(&self, pair_id: &str, limit: u32) -> Result<Vec<ActivityEntry>> {
        let rows = bases::recent_activity(self.inner.engine.db().pool(), pair_id, limit).await?;
        Ok(rows.into_iter().map(ActivityEntry::from).collect())
    }

    /// The newest activity over all pairs, newest first (the tray's "recent activity").
    pub async fn recent_activity(&self, limit: u32) -> Result<Vec<ActivityEntry>> {
        let mut all = Vec::new();
        for pair in self.list().await? {
            all.extend(self.activity(&pair.id, limit).await?);
        }
        // RFC 3339 UTC with fixed precision: text order is time order.
        all.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
        all.truncate(limit as usize);
        Ok(all)
    }

    /// The unresolved conflicts of a pair.
    pub async fn conflicts(&self, pair_id: &str) -> Result<Vec<Conflict>> {
        let pair = self.inner.pair(pair_id).await?;
        conflicts::list(self.inner.engine.db(), pair_id, &pair.local_root, &host_name()).await
    }

    /// Applies the user's choice to a conflict; the pair syncs the result at once.
    pub async fn resolve_conflict(&self, pair_id: &str, copy_path: &str, choice: Resolution) -> Result<()> {
        let pair = self.inner.pair(pair_id).await?;
        conflicts::resolve(self.inner.engine.db(), pair_id, &pair.local_root, copy_path, choice).await?;
        let count = self.inner.count_conflicts(&pair).await;
        self.inner.update(pair_id, |s| s.conflicts = count);
        Ok(())
    }

    /// Puts back what one sync pass of a pair changed, removed or moved (see [`super::undo`]),
    /// then syncs the pair so the other side follows. A pass is undone once.
    pub async fn undo_pass(&self, pair_id: &str, pass_id: &str) -> Result<super::undo::UndoReport> {
        let pair = self.inner.pair(pair_id).await?;
        let db = self.inner.engine.db();
        let lines = bases::pass_activity(db.pool(), pair_id, pass_id).await?;
        if !lines.iter().any(super::undo::can_undo) {
            return Err(Error::InvalidInput(
                "That sync has nothing left to undo (it was undone already, or it only added files).".into(),
            ));
        }
        let connection = self
            .inner
            .engine
            .connection(pair.connection_id.as_deref().unwrap_or_default())
            .await?;
        let remote = self.inner.engine.remote(&connection, ClientOptions::default()).await?;
        // Claimed once the store can be reached and before acting, so a second click cannot undo
        // the same pass twice (and a failed start can be tried again).
        if !bases::mark_pass_undone(db.pool(), pair_id, pass_id).await? {
            return Err(Error::InvalidInput("That sync was undone already.".into()));
        }
        let place = super::undo::UndoPlace {
            remote: &remote,
            bucket: &pair.bucket,
            prefix: &pair.prefix,
            root: &pair.local_root,
        };
        let report = super::undo::undo_lines(place, &lines).await;
        let when = lines
            .first()
            .map(|l| l.at.with_timezone(&chrono::Local).format("%-d %b %H:%M").to_string())
            .unwrap_or_default();
        let detail = format!("undoing the sync of {when}");
        for path in &report.put_back {
            bases::record_activity(db.pool(), pair_id, path, ActivityKind::PutBack, &detail).await?;
        }
        tracing::info!(
            pair = pair_id,
            put_back = report.put_back.len(),
            left = report.not_put_back.len(),
            "undid a sync pass"
        );
        // A pair that is not running (stopped, or failing) picks the change up when it starts.
        let _ = self.check_now(pair_id).await;
        Ok(report)
    }

    /// The entries of one folder of a pair (`""` = its top), each with where it stands.
    pub async fn files(&self, pair_id: &str, dir: &str) -> Result<Vec<super::pair_files::PairFile>> {
        let pair = self.inner.pair(pair_id).await?;
        let rules = IgnoreRules::new(&pair.ignore_patterns)?;
        super::pair_files::list(self.inner.engine.db(), pair_id, &pair.local_root, dir, &rules).await
    }

    /// The local path of a file of a pair (for "open"), refusing anything outside its folder.
    pub async fn local_path(&self, pair_id: &str, rel: &str) -> Result<PathBuf> {
        let pair = self.inner.pair(pair_id).await?;
        if rel.is_empty() {
            return Ok(pair.local_root);
        }
        let rel = super::local_name::local_rel(rel, super::local_name::NameRules::HOST)
            .map_err(|e| Error::InvalidInput(format!("“{rel}” is not a file of this folder: {e}")))?;
        super::local_name::join_under(&pair.local_root, &rel, super::local_name::NameRules::HOST)
            .map_err(|e| Error::InvalidInput(format!("“{rel}” is not a file of this folder: {e}")))
    }

    async fn validate(&self, draft: &PairDraft) -> Result<(PathBuf, String)> {
        crate::connections::validate_bucket_name(&draft.bucket)?;
        self.inner.engine.connection(&draft.connection_id).await?;
        let prefix = crate::prefix::sync_prefix(&draft.prefix)?;
        let root =
            local_root::require_ready(Path::new(draft.local_root.trim()), &self.forbidden_roots().await?).await?;
        Ok((root, prefix))
    }

    /// What the add-pair flow's first step says about a chosen folder.
    pub async fn check_local_root(&self, root: &Path) -> Result<LocalRootCheck> {
        local_root::check(root, &self.forbidden_roots().await?).await
    }

    /// Creates a chosen folder that does not exist yet ("Create this folder").
    pub async fn create_local_root(&self, root: &Path) -> Result<LocalRootCheck> {
        local_root::create(root, &self.forbidden_roots().await?).await
    }

    async fn forbidden_roots(&self) -> Result<local_root::Forbidden<'_>> {
        let synced = pairs::list(self.inner.engine.db().pool()).await?;
        Ok(local_root::Forbidden {
            data_dir: self.inner.engine.data_dir(),
            synced: synced.into_iter().map(|p| p.local_root).collect(),
        })
    }
}

impl Inner {
    fn publish(&self, status: PairStatus) {
        if let Ok(mut map) = self.statuses.lock() {
            if map.get(&status.pair_id) == Some(&status) {
                return;
            }
            map.insert(status.pair_id.clone(), status.clone());
        }
        (self.listener)(&status);
    }

    fn update(&self, pair_id: &str, change: impl FnOnce(&mut PairStatus)) {
        let current = self
            .statuses
            .lock()
            .ok()
            .and_then(|m| m.get(pair_id).cloned())
            .unwrap_or_else(|| PairStatus::new(pair_id, PairState::Starting));
        let mut next = current;
        change(&mut next);
        self.publish(next);
    }

    fn info(&self, pair: SyncPair) -> Option<PairInfo> {
        let connection_id = pair.connection_id?;
        let status = self
            .statuses
            .lock()
            .ok()
            .and_then(|m| m.get(&pair.id).cloned())
            .unwrap_or_else(|| PairStatus::new(&pair.id, PairState::Starting));
        Some(PairInfo {
            id: pair.id,
            connection_id,
            bucket: pair.bucket,
            prefix: pair.prefix,
            local_root: pair.local_root.to_string_lossy().into_owned(),
            mode: pair.mode,
            paused: pair.paused,
            ignore_patterns: pair.ignore_patterns,
            change_marker: pair.change_marker,
            status,
        })
    }

    async fn pair(&self, pair_id: &str) -> Result<SyncPair> {
        pairs::get(self.engine.db().pool(), pair_id)
            .await?
            .filter(|p| p.connection_id.is_some())
            .ok_or_else(|| no_pair(pair_id))
    }

    async fn count_conflicts(&self, pair: &SyncPair) -> u32 {
        match conflicts::list(self.engine.db(), &pair.id, &pair.local_root, &host_name()).await {
            Ok(list) => u32::try_from(list.len()).unwrap_or(u32::MAX),
            Err(e) => {
                tracing::warn!(pair = %pair.id, "could not count conflicts: {}", e.detail());
                0
            }
        }
    }

    /// Wakes on each change of the computer's network (the watcher starts on first use, inside
    /// the runtime).
    fn network_changes(&self) -> watch::Receiver<u64> {
        self.network.get_or_init(super::network::watch_network).subscribe()
    }

    /// One run of a pair until stopped or an error; events become statuses.
    async fn run_pair_session(
        self: &Arc<Self>,
        pair_id: &str,
        stop: &CancellationToken,
        paused: watch::Receiver<bool>,
        check_now: &Arc<tokio::sync::Notify>,
        allow_mass_delete: &mut bool,
    ) -> Result<()> {
        let pair = self.pair(pair_id).await?;
        let connection_id = pair.connection_id.clone().unwrap_or_default();
        let connection = self.engine.connection(&connection_id).await?;
        let remote = self.engine.remote(&connection, ClientOptions::default()).await?;
        let prefs = Preferences::load(self.engine.db()).await?;
        let mut options = SyncOptions::new(host_name());
        options.holder = "the Pail app".into();
        options.parallel = prefs.concurrency as usize;
        options.poll_interval = Duration::from_secs(u64::from(prefs.poll_interval_secs));
        let (tx, rx) = mpsc::unbounded_channel();
        let forward = tokio::spawn(forward_events(self.clone(), pair.clone(), rx));
        let result = async {
            if *allow_mass_delete {
                let mut once_options = options.clone();
                once_options.allow_mass_delete = true;
                let mut once = PairSync::new(remote.clone(), self.engine.db().clone(), pair.clone(), once_options)?
                    .with_events(tx.clone());
                once.run_once().await?;
                *allow_mass_delete = false;
                self.update(pair_id, |s| s.deletions_held = false);
            }
            let mut sync = PairSync::new(remote, self.engine.db().clone(), pair, options)?
                .with_events(tx)
                .with_check_now(check_now.clone())
                .with_foreground(self.foreground.subscribe())
                .with_network_changes(self.network_changes());
            sync.run_continuous(stop.clone(), paused).await
        }
        .await;
        let _ = forward.await;
        result
    }
}

async fn run_pair(
    inner: Arc<Inner>,
    pair_id: String,
    stop: CancellationToken,
    paused: watch::Receiver<bool>,
    check_now: Arc<tokio::sync::Notify>,
    mut allow_mass_delete: bool,
) {
    // The same jittered waits as a failed pass (sync::retry), from two seconds: a session that
    // would not start (no credentials, a folder that is gone) rarely comes back sooner.
    let mut retry = super::retry::Backoff::new(Duration::from_secs(2), Duration::from_secs(30));
    let mut network = inner.network_changes();
    while !stop.is_cancelled() {
        match inner
            .run_pair_session(&pair_id, &stop, paused.clone(), &check_now, &mut allow_mass_delete)
            .await
        {
            Ok(()) => return,
            Err(e) => {
                let wait = retry.next_wait();
                tracing::warn!(pair = %pair_id, detail = %e.detail(), "sync stopped; retrying in {wait:?}");
                let state = if e.is_offline() {
                    PairState::Offline
                } else {
                    PairState::NeedsAttention
                };
                inner.update(&pair_id, |s| {
                    s.state = state;
                    s.message = Some(e.user_message());
                    s.detail = Some(e.detail());
                    s.error_code = Some(e.code());
                });
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                    // The user asked to try now; the session it starts lists at once anyway.
                    _ = check_now.notified() => {}
                    // The network came back or changed: what failed may work now.
                    Ok(()) = network.changed() => {}
                }
            }
        }
    }
}

/// Turns the session's events into the pair's status.
async fn forward_events(inner: Arc<Inner>, pair: SyncPair, mut rx: mpsc::UnboundedReceiver<SyncEvent>) {
    while let Some(event) = rx.recv().await {
        match event {
            SyncEvent::Syncing => inner.update(&pair.id, |s| {
                if s.state != PairState::Syncing {
                    s.done = 0;
                    s.total = 0;
                }
                s.state = PairState::Syncing;
                s.message = None;
                s.detail = None;
            }),
            SyncEvent::Progress { done, total } => inner.update(&pair.id, |s| {
                s.state = PairState::Syncing;
                s.done = u32::try_from(done).unwrap_or(u32::MAX);
                s.total = u32::try_from(total).unwrap_or(u32::MAX);
            }),
            SyncEvent::UpToDate => {
                let conflicts = inner.count_conflicts(&pair).await;
                inner.update(&pair.id, |s| {
                    // Only a pass that held nothing back is up to date: held deletions are over.
                    s.state = PairState::UpToDate;
                    s.deletions_held = false;
                    s.message = None;
                    s.detail = None;
                    s.error_code = None;
                    s.done = 0;
                    s.total = 0;
                    s.conflicts = conflicts;
                    s.last_synced = Some(chrono::Utc::now().to_rfc3339());
                });
            }
            SyncEvent::Paused => inner.update(&pair.id, |s| {
                s.state = PairState::Paused;
                s.message = None;
                s.detail = None;
            }),
            SyncEvent::Offline { message, detail, code } => inner.update(&pair.id, |s| {
                s.state = PairState::Offline;
                s.message = Some(message);
                s.detail = Some(detail);
                s.error_code = Some(code);
            }),
            SyncEvent::NeedsAttention { message, detail, code } => inner.update(&pair.id, |s| {
                s.state = PairState::NeedsAttention;
                s.message = Some(message);
                s.detail = Some(detail);
                s.error_code = Some(code);
            }),
            SyncEvent::DeletionsHeld { message } => inner.update(&pair.id, |s| {
                s.state = PairState::NeedsAttention;
                s.deletions_held = true;
                s.message = Some(message);
                s.detail = None;
            }),
        }
    }
}

fn no_pair(pair_id: &str) -> Error {
    Error::InvalidInput(format!(
        "This synced folder no longer exists (id {pair_id}). It may have been removed in another window."
    ))
}
