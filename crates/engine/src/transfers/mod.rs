//! The transfer queue: one list of uploads and downloads (files, and folders expanded into their
//! files), a few running at once with their parts in parallel, each journaled in the state DB so
//! that after a crash or restart unfinished transfers continue without redoing finished parts.
//!
//! - [`model`]: what the UI sees (views, totals, throttled updates, name-clash policies).
//! - [`plan`]: expanding dropped paths and selected keys into items; "keep both" names.
//! - `upload` / `download`: running one item; `job`: what a running item gets.
//! - [`Lander`]: flushing finished downloads to disk in batches before they take their names.
//! - [`TransferQueue`]: the scheduler, pause / resume / cancel / retry / clear, and progress.

pub mod model;
pub mod plan;

mod download;
mod job;
mod landing;
mod meter;
mod upload;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

pub use crate::remote::transfer::{land_batch, Durability, PendingFile};
pub use landing::{Landed, Lander};
pub use model::{
    ClashPolicy, Direction, Enqueued, TransferFailure, TransferState, TransferTotals, TransferView, TransfersUpdate,
    UploadCheck,
};
pub use upload::JournaledUpload;

use crate::engine::Engine;
use crate::error::{Error, ErrorCode, Result};
use crate::remote::{ClientOptions, Remote, UploadOptions};
use crate::state::transfers::{self as journal, PutCondition, TransferRow};
use crate::sync::local_name::NameRules;
use crate::untrusted_text::escape_untrusted;
use job::Job;
use meter::Meter;

/// How the queue runs.
#[derive(Debug, Clone, Copy)]
pub struct QueueSettings {
    /// Transfers running at once.
    pub parallel_transfers: usize,
    /// Multipart threshold, part size and parts in flight per upload.
    pub upload: UploadOptions,
    /// Ranges in flight per large download.
    pub download_parallel: usize,
    /// The least time between two updates (the UI stays smooth at ≤ 10 a second).
    pub update_interval: Duration,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            parallel_transfers: 4,
            upload: UploadOptions::default(),
            download_parallel: 4,
            update_interval: Duration::from_millis(100),
        }
    }
}

/// The transfer queue; cheap to clone. Its tasks run until [`TransferQueue::halt`].
#[derive(Clone)]
pub struct TransferQueue {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TransferQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferQueue").finish_non_exhaustive()
    }
}

struct Inner {
    engine: Engine,
    settings: Mutex<QueueSettings>,
    list: Mutex<List>,
    wake: Notify,
    updates: broadcast::Sender<TransfersUpdate>,
    remotes: tokio::sync::Mutex<HashMap<String, Remote>>,
    halted: CancellationToken,
}

/// The items in queue order, and what changed since the last update.
#[derive(Default)]
struct List {
    order: Vec<String>,
    items: HashMap<String, Item>,
    dirty: HashSet<String>,
    removed: Vec<String>,
}

struct Item {
    row: TransferRow,
    state: TransferState,
    progress: Arc<AtomicU64>,
    meter: Meter,
    failure: Option<TransferFailure>,
    control: Option<Control>,
}

/// The switches of a running item and its task.
struct Control {
    cancel: CancellationToken,
    pause: CancellationToken,
    task: Option<tokio::task::AbortHandle>,
}

impl Item {
    fn from_row(row: TransferRow) -> Item {
        let state = row.state.restored();
        let failure = row.error.as_ref().map(|(code, message, detail)| TransferFailure {
            code: serde_json::from_value(serde_json::Value::String(code.clone())).unwrap_or(ErrorCode::Internal),
            message: message.clone(),
            detail: detail.clone(),
        });
        let done = if state == TransferState::Done { row.size } else { 0 };
        Item {
            row,
            state,
            progress: Arc::new(AtomicU64::new(done)),
            meter: Meter::default(),
            failure,
            control: None,
        }
    }

    fn view(&self) -> TransferView {
        let done = self.progress.load(Ordering::Relaxed).min(self.row.size);
        let running = self.state == TransferState::Running;
        let speed = if running { self.meter.bytes_per_sec() } else { 0 };
        TransferView {
            id: self.row.id.clone(),
            direction: self.row.direction,
            connection_id: self.row.connection_id.clone().unwrap_or_default(),
            bucket: self.row.bucket.clone(),
            key: self.row.key.clone(),
            local_path: self.row.local_path.clone(),
            size: self.row.size,
            done_bytes: done,
            state: self.state,
            bytes_per_sec: speed,
            eta_secs: (running && speed > 0).then(|| (self.row.size - done).div_ceil(speed)),
            failure: self.failure.clone(),
        }
    }
}

impl List {
    fn lock(m: &Mutex<List>) -> MutexGuard<'_, List> {
        // A panic while holding the lock cannot leave the list half-updated in a way that matters
        // more than losing the queue, so a poisoned lock is used as is.
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn totals(&self) -> TransferTotals {
        let mut t = TransferTotals::default();
        for item in self.items.values() {
            match item.state {
                TransferState::Queued | TransferState::Running => t.active += 1,
                TransferState::Paused => t.paused += 1,
                TransferState::Failed => t.failed += 1,
                TransferState::Done => t.done += 1,
                TransferState::Cancelled => continue,
            }
            t.total_bytes += item.row.size;
            t.done_bytes += item.progress.load(Ordering::Relaxed).min(item.row.size);
            if item.state == TransferState::Running {
                t.bytes_per_sec += item.meter.bytes_per_sec();
            }
        }
        let pending: u64 = self
            .items
            .values()
            .filter(|i| matches!(i.state, TransferState::Queued | TransferState::Running))
            .map(|i| i.row.size - i.progress.load(Ordering::Relaxed).min(i.row.size))
            .sum();
        t.eta_secs = (t.bytes_per_sec > 0 && t.active > 0).then(|| pending.div_ceil(t.bytes_per_sec));
        t
    }

    fn set_state(&mut self, id: &str, state: TransferState) {
        if let Some(item) = self.items.get_mut(id) {
            item.state = state;
            if state != TransferState::Failed {
                item.failure = None;
            }
            self.dirty.insert(id.to_owned());
        }
    }
}

impl TransferQueue {
    /// Opens the queue on the engine's state DB: transfers journaled by an earlier run come back
    /// (those that were running resume; paused and failed ones wait for the user).
    pub async fn open(engine: Engine, settings: QueueSettings) -> Result<TransferQueue> {
        let rows = journal::queue(engine.db().pool()).await?;
        let mut list = List::default();
        for row in rows {
            let id = row.id.clone();
            list.order.push(id.clone());
            list.items.insert(id, Item::from_row(row));
        }
        let restored = list.items.values().filter(|i| !i.state.is_finished()).count();
        if restored > 0 {
            tracing::info!(restored, "transfer queue restored from the journal");
        }
        let inner = Arc::new(Inner {
            engine,
            settings: Mutex::new(settings),
            list: Mutex::new(list),
            wake: Notify::new(),
            updates: broadcast::channel(64).0,
            remotes: tokio::sync::Mutex::new(HashMap::new()),
            halted: CancellationToken::new(),
        });
        tokio::spawn(schedule(inner.clone()));
        tokio::spawn(publish(inner.clone()));
        Ok(TransferQueue { inner })
    }

    /// Updates as they happen, at most one per update interval.
    pub fn subscribe(&self) -> broadcast::Receiver<TransfersUpdate> {
        self.inner.updates.subscribe()
    }

    /// The whole list and totals (`full` set), for a view that starts or fell behind.
    pub fn snapshot(&self) -> TransfersUpdate {
        let list = List::lock(&self.inner.list);
        TransfersUpdate {
            changed: list
                .order
                .iter()
                .filter_map(|id| list.items.get(id))
                .map(Item::view)
                .collect(),
            removed: Vec::new(),
            totals: list.totals(),
            full: true,
        }
    }

    /// One transfer.
    pub fn get(&self, id: &str) -> Option<TransferView> {
        List::lock(&self.inner.list).items.get(id).map(Item::view)
    }

    /// Changes how many transfers run at once (at least one).
    pub fn set_parallel(&self, n: usize) {
        if let Ok(mut s) = self.inner.settings.lock() {
            s.parallel_transfers = n.max(1);
        }
        self.inner.wake.notify_one();
    }

    /// What uploading `paths` under `bucket/prefix` would send, and which keys exist already.
    pub async fn check_upload(
        &self,
        connection_id: &str,
        bucket: &str,
        prefix: &str,
        paths: &[PathBuf],
    ) -> Result<UploadCheck> {
        crate::prefix::folder_prefix(prefix)?;
        let plan = plan_blocking(paths.to_vec(), prefix.to_owned()).await?;
        let remote = self.inner.remote(connection_id).await?;
        let existing = existing_keys(&remote, bucket, &plan.probe_prefixes).await?;
        Ok(UploadCheck {
            files: plan.files.len() as u64,
            bytes: plan.files.iter().map(|f| f.size).sum(),
            existing: plan
                .files
                .iter()
                .filter(|f| existing.contains(&f.key))
                .map(|f| f.key.clone())
                .collect(),
            skipped: plan.skipped,
        })
    }

    /// Queues uploads of `paths` (files and folders) under `bucket/prefix`; a key that exists is
    /// handled by its entry in `per_key`, else by `policy`.
    pub async fn enqueue_upload(
        &self,
        connection_id: &str,
        bucket: &str,
        prefix: &str,
        paths: &[PathBuf],
        policy: ClashPolicy,
        per_key: &HashMap<String, ClashPolicy>,
    ) -> Result<Enqueued> {
        crate::prefix::folder_prefix(prefix)?;
        let connection = self.inner.engine.connection(connection_id).await?;
        crate::connections::validate_bucket_name(bucket)?;
        let plan = plan_blocking(paths.to_vec(), prefix.to_owned()).await?;
        let remote = self.inner.remote(&connection.id).await?;
        let mut existing = existing_keys(&remote, bucket, &plan.probe_prefixes).await?;
        for folder in &plan.empty_folders {
            remote.create_folder(bucket, folder).await?;
        }
        let mut out = Enqueued {
            skipped: plan.skipped,
            ..Default::default()
        };
        let mut rows = Vec::new();
        for file in plan.files {
            let mut key = file.key;
            let mut condition = PutCondition::None;
            if existing.contains(&key) {
                match per_key.get(&key).copied().unwrap_or(policy) {
                    ClashPolicy::Skip => {
                        out.skipped_existing += 1;
                        continue;
                    }
                    ClashPolicy::Replace => {}
                    ClashPolicy::KeepBoth => {
                        key = plan::free_key(&key, |k| existing.contains(k));
                        // Never overwrite what may appear under the new name meanwhile.
                        condition = PutCondition::Absent;
                    }
                }
            }
            existing.insert(key.clone());
            out.queued += 1;
            out.bytes += file.size;
            let local = std::path::absolute(&file.local).unwrap_or(file.local);
            let mut row = TransferRow::new(Direction::Upload, bucket, &key, &local.to_string_lossy());
            row.connection_id = Some(connection.id.clone());
            row.size = file.size;
            row.mtime_ns = file.mtime_ns;
            row.put_condition = condition;
            rows.push(row);
        }
        self.add(rows).await?;
        tracing::info!(files = out.queued, bytes = out.bytes, "uploads queued");
        Ok(out)
    }

    /// Queues downloads of `keys` (files, and folders ending in `/` with everything in them) into
    /// the folder `dest`; a local name already taken gets `name (n).ext`.
    pub async fn enqueue_download(
        &self,
        connection_id: &str,
        bucket: &str,
        keys: &[String],
        dest: &Path,
    ) -> Result<Enqueued> {
        if !dest.is_absolute() {
            return Err(Error::InvalidInput("Choose a folder to download to.".into()));
        }
        let connection = self.inner.engine.connection(connection_id).await?;
        crate::connections::validate_bucket_name(bucket)?;
        let remote = self.inner.remote(&connection.id).await?;
        let mut out = Enqueued::default();
        let mut planned: HashSet<PathBuf> = HashSet::new();
        let mut rows = Vec::new();
        for selected in keys {
            let objects = if selected.ends_with('/') {
                remote.list_objects_recursive(bucket, selected).await?
            } else {
                match remote.head_identity(bucket, selected).await? {
                    Some(id) => vec![(selected.clone(), id.size)],
                    None => {
                        out.skipped.push(format!("{selected} (it is no longer in the bucket)"));
                        continue;
                    }
                }
            };
            for (key, size) in objects {
                let path = match plan::download_path(dest, selected, &key, NameRules::HOST) {
                    Ok(path) => path,
                    Err(why) => {
                        out.skipped.push(format!(
                            "{} (this name cannot be a file on this computer: {why})",
                            escape_untrusted(&key)
                        ));
                        continue;
                    }
                };
                if key.ends_with('/') {
                    // A folder marker: its folder appears through its files (or stays empty).
                    let _ = tokio::fs::create_dir_all(&path).await;
                    continue;
                }
                let path = plan::free_local_path(&path, &planned);
                planned.insert(path.clone());
                out.queued += 1;
                out.bytes += size;
                let mut row = TransferRow::new(Direction::Download, bucket, &key, &path.to_string_lossy());
                row.connection_id = Some(connection.id.clone());
                row.size = size;
                rows.push(row);
            }
        }
        self.add(rows).await?;
        tracing::info!(files = out.queued, bytes = out.bytes, "downloads queued");
        Ok(out)
    }

    async fn add(&self, rows: Vec<TransferRow>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        journal::insert_all(self.inner.engine.db(), &rows).await?;
        {
            let mut list = List::lock(&self.inner.list);
            for row in rows {
                let id = row.id.clone();
                list.order.push(id.clone());
                list.dirty.insert(id.clone());
                list.items.insert(id, Item::from_row(row));
            }
        }
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Pauses transfers: running ones stop keeping their finished parts, queued ones wait.
    pub async fn pause(&self, ids: &[String]) -> Result<()> {
        let mut now_paused = Vec::new();
        {
            let mut list = List::lock(&self.inner.list);
            for id in ids {
                let Some(item) = list.items.get_mut(id) else { continue };
                match item.state {
                    TransferState::Running => {
                        if let Some(c) = &item.control {
                            c.pause.cancel();
                        }
                    }
                    TransferState::Queued => {
                        list.set_state(id, TransferState::Paused);
                        now_paused.push(id.clone());
                    }
                    _ => {}
                }
            }
        }
        for id in now_paused {
            journal::set_state(self.inner.engine.db().pool(), &id, TransferState::Paused).await?;
        }
        Ok(())
    }

    /// Resumes paused transfers and retries failed (or cancelled) ones.
    pub async fn resume(&self, ids: &[String]) -> Result<()> {
        let mut requeued = Vec::new();
        {
            let mut list = List::lock(&self.inner.list);
            for id in ids {
                let Some(item) = list.items.get_mut(id) else { continue };
                if matches!(
                    item.state,
                    TransferState::Paused | TransferState::Failed | TransferState::Cancelled
                ) {
                    list.set_state(id, TransferState::Queued);
                    requeued.push(id.clone());
                }
            }
        }
        for id in &requeued {
            journal::set_state(self.inner.engine.db().pool(), id, TransferState::Queued).await?;
        }
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Cancels transfers: a multipart upload is aborted (no hidden parts stay billed), a partial
    /// download's temp file removed; nothing appears under the destination name.
    pub async fn cancel(&self, ids: &[String]) -> Result<()> {
        let mut idle = Vec::new();
        {
            let mut list = List::lock(&self.inner.list);
            for id in ids {
                let Some(item) = list.items.get_mut(id) else { continue };
                match item.state {
                    TransferState::Running => {
                        if let Some(c) = &item.control {
                            c.cancel.cancel();
                        }
                    }
                    TransferState::Queued | TransferState::Paused | TransferState::Failed => {
                        item.progress.store(0, Ordering::Relaxed);
                        list.set_state(id, TransferState::Cancelled);
                        idle.push(id.clone());
                    }
                    TransferState::Done | TransferState::Cancelled => {}
                }
            }
        }
        for id in idle {
            self.inner.clean_up_cancelled(&id).await?;
            journal::set_state(self.inner.engine.db().pool(), &id, TransferState::Cancelled).await?;
        }
        Ok(())
    }

    /// Removes done and cancelled transfers from the list and the journal.
    pub async fn clear_finished(&self) -> Result<u64> {
        let gone: Vec<String> = {
            let mut list = List::lock(&self.inner.list);
            let gone: Vec<String> = list
                .order
                .iter()
                .filter(|id| list.items.get(*id).is_some_and(|i| i.state.is_finished()))
                .cloned()
                .collect();
            for id in &gone {
                list.items.remove(id);
                list.dirty.remove(id);
            }
            list.order.retain(|id| !gone.contains(id));
            list.removed.extend(gone.iter().cloned());
            gone
        };
        journal::delete_many(self.inner.engine.db(), &gone).await?;
        Ok(gone.len() as u64)
    }

    /// Stops every task at once without touching the journal, as if the process had been
    /// killed; the app calls it on exit, so the next start resumes what was running.
    pub fn halt(&self) {
        self.inner.halted.cancel();
        let list = List::lock(&self.inner.list);
        for item in list.items.values() {
            if let Some(task) = item.control.as_ref().and_then(|c| c.task.as_ref()) {
                task.abort();
            }
        }
    }
}

impl Inner {
    /// A client per connection, built once.
    async fn remote(&self, connection_id: &str) -> Result<Remote> {
        let mut remotes = self.remotes.lock().await;
        if let Some(r) = remotes.get(connection_id) {
            return Ok(r.clone());
        }
        let connection = self.engine.connection(connection_id).await?;
        let remote = self.engine.remote(&connection, ClientOptions::default()).await?;
        remotes.insert(connection_id.to_owned(), remote.clone());
        Ok(remote)
    }

    /// Aborts a cancelled upload's multipart upload, or removes a cancelled download's temp file.
    async fn clean_up_cancelled(&self, id: &str) -> Result<()> {
        let Some(row) = journal::get(self.engine.db().pool(), id).await? else {
            return Ok(());
        };
        if let Some(upload_id) = &row.upload_id {
            let remote = self.remote(row.connection_id.as_deref().unwrap_or_default()).await?;
            remote.abort_multipart(&row.bucket, &row.key, upload_id).await?;
            journal::forget_upload(self.engine.db(), id).await?;
        }
        if let Some(temp) = &row.temp_path {
            let _ = tokio::fs::remove_file(temp).await;
        }
        Ok(())
    }

    fn settings(&self) -> QueueSettings {
        self.settings.lock().map(|s| *s).unwrap_or_default()
    }
}

/// Starts queued transfers, in order, while fewer than the configured number run.
async fn schedule(inner: Arc<Inner>) {
    loop {
        let parallel = inner.settings().parallel_transfers.max(1);
        let starts: Vec<(String, CancellationToken, CancellationToken)> = {
            let mut list = List::lock(&inner.list);
            let running = list
                .items
                .values()
                .filter(|i| i.state == TransferState::Running)
                .count();
            let free = parallel.saturating_sub(running);
            let next: Vec<String> = list
                .order
                .iter()
                .filter(|id| list.items.get(*id).is_some_and(|i| i.state == TransferState::Queued))
                .take(free)
                .cloned()
                .collect();
            next.into_iter()
                .filter_map(|id| {
                    let (cancel, pause) = (CancellationToken::new(), CancellationToken::new());
                    let item = list.items.get_mut(&id)?;
                    item.control = Some(Control {
                        cancel: cancel.clone(),
                        pause: pause.clone(),
                        task: None,
                    });
                    item.meter = Meter::default();
                    list.set_state(&id, TransferState::Running);
                    Some((id, cancel, pause))
                })
                .collect()
        };
        for (id, cancel, pause) in starts {
            if let Err(e) = journal::set_state(inner.engine.db().pool(), &id, TransferState::Running).await {
                tracing::warn!(error = %e.detail(), "could not journal a transfer's start");
            }
            let task = tokio::spawn(work(inner.clone(), id.clone(), cancel, pause));
            let mut list = List::lock(&inner.list);
            if let Some(control) = list.items.get_mut(&id).and_then(|i| i.control.as_mut()) {
                control.task = Some(task.abort_handle());
            }
        }
        tokio::select! {
            () = inner.wake.notified() => {}
            () = inner.halted.cancelled() => return,
        }
    }
}

/// Runs one transfer and records how it ended.
async fn work(inner: Arc<Inner>, id: String, cancel: CancellationToken, pause: CancellationToken) {
    let Some((row, progress)) = ({
        let list = List::lock(&inner.list);
        list.items.get(&id).map(|i| (i.row.clone(), i.progress.clone()))
    }) else {
        return;
    };
    let result = run_transfer(&inner, &row, progress, &cancel, &pause).await;
    let (state, failure) = how_it_ended(result, &cancel, &pause, &row);
    if state == TransferState::Cancelled {
        if let Err(e) = inner.clean_up_cancelled(&id).await {
            tracing::warn!(error = %e.detail(), "could not clean up a cancelled transfer");
        }
    }
    let db = inner.engine.db().pool();
    journal_end(db, &id, state, failure.as_ref()).await;
    let local_path = match state {
        TransferState::Done => journal::get(db, &id).await.ok().flatten().map(|r| r.local_path),
        _ => None,
    };
    show_end(&inner, &id, state, failure, local_path);
    inner.wake.notify_one();
}

/// Connects and runs the transfer `row` in its direction; a download returns where it landed.
async fn run_transfer(
    inner: &Inner,
    row: &TransferRow,
    progress: Arc<AtomicU64>,
    cancel: &CancellationToken,
    pause: &CancellationToken,
) -> Result<Option<PathBuf>> {
    let settings = inner.settings();
    let remote = inner.remote(row.connection_id.as_deref().unwrap_or_default()).await?;
    let job = Job {
        db: inner.engine.db().clone(),
        remote,
        row: row.clone(),
        upload: settings.upload,
        download_parallel: settings.download_parallel,
        progress,
        cancel: cancel.clone(),
        pause: pause.clone(),
    };
    match row.direction {
        Direction::Download => download::run(&job).await.map(Some),
        Direction::Upload => upload::run(&job).await.map(|()| None),
    }
}

/// The state a transfer ended in and, for a failure, what to tell the user. An error after a
/// cancel or pause is that cancel or pause, not a failure.
fn how_it_ended<T>(
    result: Result<T>,
    cancel: &CancellationToken,
    pause: &CancellationToken,
    row: &TransferRow,
) -> (TransferState, Option<TransferFailure>) {
    match result {
        Ok(_) => (TransferState::Done, None),
        Err(_) if cancel.is_cancelled() => (TransferState::Cancelled, None),
        Err(_) if pause.is_cancelled() => (TransferState::Paused, None),
        Err(e) => {
            tracing::warn!(key = %escape_untrusted(&row.key), direction = ?row.direction, detail = %e.detail(), "transfer failed");
            (
                TransferState::Failed,
                Some(TransferFailure {
                    code: e.code(),
                    message: e.user_message(),
                    detail: e.detail(),
                }),
            )
        }
    }
}

/// Journals how a transfer ended, so a restart shows it the same way; a journal that cannot be
/// written is only logged.
async fn journal_end(db: &sqlx::SqlitePool, id: &str, state: TransferState, failure: Option<&TransferFailure>) {
    let saved = match failure {
        Some(f) => {
            let code = serde_json::to_value(f.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            journal::set_failed(db, id, &code, &f.message, &f.detail).await
        }
        None => journal::set_state(db, id, state).await,
    };
    if let Err(e) = saved {
        tracing::warn!(error = %e.detail(), "could not journal how a transfer ended");
    }
}

/// Shows how a transfer ended in the list: its state, its progress (full when done, none when
/// cancelled), where a download landed, and why it failed.
fn show_end(
    inner: &Inner,
    id: &str,
    state: TransferState,
    failure: Option<TransferFailure>,
    local_path: Option<String>,
) {
    let mut list = List::lock(&inner.list);
    if let Some(item) = list.items.get_mut(id) {
        item.control = None;
        match state {
            TransferState::Done => {
                item.progress.store(item.row.size, Ordering::Relaxed);
                if let Some(p) = local_path {
                    item.row.local_path = p;
                }
            }
            TransferState::Cancelled => item.progress.store(0, Ordering::Relaxed),
            _ => {}
        }
        item.failure = failure;
    }
    list.set_state(id, state);
    if let Some(item) = list.items.get_mut(id) {
        if state == TransferState::Failed && item.failure.is_none() {
            item.failure = Some(TransferFailure {
                code: ErrorCode::Internal,
                message: "The transfer stopped for an unknown reason.".into(),
                detail: String::new(),
            });
        }
    }
}

/// Sends what changed, at most once per update interval, while anything changes or runs.
async fn publish(inner: Arc<Inner>) {
    loop {
        let interval = inner.settings().update_interval;
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = inner.halted.cancelled() => return,
        }
        let update = {
            let mut list = List::lock(&inner.list);
            let now = std::time::Instant::now();
            let mut running = Vec::new();
            for (id, item) in list.items.iter_mut() {
                if item.state == TransferState::Running {
                    item.meter.sample(item.progress.load(Ordering::Relaxed), now);
                    running.push(id.clone());
                }
            }
            if list.dirty.is_empty() && list.removed.is_empty() && running.is_empty() {
                continue;
            }
            let mut changed: HashSet<String> = std::mem::take(&mut list.dirty);
            changed.extend(running);
            TransfersUpdate {
                changed: list
                    .order
                    .iter()
                    .filter(|id| changed.contains(*id))
                    .filter_map(|id| list.items.get(id))
                    .map(Item::view)
                    .collect(),
                removed: std::mem::take(&mut list.removed),
                totals: list.totals(),
                full: false,
            }
        };
        // No subscriber is fine: the UI reads a snapshot when it opens.
        let _ = inner.updates.send(update);
    }
}

async fn plan_blocking(paths: Vec<PathBuf>, prefix: String) -> Result<plan::UploadPlan> {
    tokio::task::spawn_blocking(move || plan::plan_upload(&paths, &prefix))
        .await
        .map_err(|e| Error::Io {
            context: "read the files to upload".into(),
            source: std::io::Error::other(e),
        })?
}

/// Keys under the plan's probe prefixes (one paged listing each).
async fn existing_keys(remote: &Remote, bucket: &str, prefixes: &[String]) -> Result<HashSet<String>> {
    let mut keys = HashSet::new();
    for prefix in prefixes {
        for (key, _) in remote.list_objects_recursive(bucket, prefix).await? {
            keys.insert(key);
        }
    }
    Ok(keys)
}
