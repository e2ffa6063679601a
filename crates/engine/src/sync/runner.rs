//! The loops that run passes: `run_once` until nothing is left to do, and `run_continuous`,
//! woken by the watcher, the poll timer, the network and the user, with one retry loop.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::change_marker;
use super::pass::PassReport;
use super::plan::MassDeleteGuardTripped;
use super::retry::Backoff;
use super::session::{PairSync, SyncEvent};
use super::watcher::{LocalWatcher, WatchEvent};
use crate::error::Result;

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

impl PairSync {
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
        let mut run = Continuous::start(&self.ctx.root, self.options.settle);
        let check_now = self.check_now.clone();
        self.paused = Some(paused.clone());
        loop {
            if *paused.borrow() {
                self.emit(SyncEvent::Paused);
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = pause_changed(&mut paused) => run.wake_full(),
                    Some(event) = recv_opt(&mut run.changes) => { self.absorb(event, &mut run.full); run.dirty = true; }
                }
                continue;
            }
            if run.rewatch(&self.ctx.root, self.options.settle).await {
                run.wake_full();
            }
            let poll_due = Instant::now() >= run.next_poll;
            if run.dirty || poll_due {
                if poll_due && !run.full && !self.poll(&mut run).await {
                    continue;
                }
                self.turn(&mut run).await;
                continue;
            }
            if self.wait(&mut run, &stop, &mut paused, &check_now).await {
                break;
            }
        }
        self.log_requests().await;
        Ok(())
    }

    /// A poll with no pass asked for yet: whether the bucket folder must be listed (its change
    /// marker moved, or may have without a marker, or a full listing is due). Otherwise one
    /// HEAD was the whole poll, and `false` unless the watcher left something to do.
    async fn poll(&mut self, run: &mut Continuous) -> bool {
        let listing_due = run
            .last_listing
            .is_none_or(|at| at.elapsed() >= self.full_listing_period());
        if listing_due || !self.marker_kept_still().await {
            run.full = true;
        }
        run.next_poll = Instant::now() + self.poll_wait();
        if !run.full && !run.dirty {
            // Marker checks alone: logged now and then, not a write per poll.
            if self.requests_logged.1.elapsed() >= Duration::from_secs(300) {
                self.log_requests().await;
            }
            return false;
        }
        true
    }

    /// One turn of continuous mode: a focused pass over what the watcher named when that is
    /// enough, else a full one; then what the result asks for next.
    async fn turn(&mut self, run: &mut Continuous) {
        run.dirty = false;
        let mut focused = None;
        if !run.full {
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
                run.last_listing = Some(Instant::now());
                let full_hash = run.last_full_hash.elapsed() >= self.options.full_rescan_interval;
                if full_hash {
                    run.last_full_hash = Instant::now();
                }
                let r = self.pass(full_hash).await;
                if r.is_ok() {
                    // Whatever the watcher named was looked at with everything else.
                    self.named.clear();
                }
                r
            }
        };
        run.full = false;
        self.log_requests().await;
        match result {
            Ok((report, planned_work)) => self.after_pass(run, &report, planned_work, was_full).await,
            Err(e) => self.after_error(run, &e),
        }
    }

    /// What a finished pass asks for next: another pass at once (work left, a file still being
    /// written), the status to show, and when to poll again.
    async fn after_pass(&mut self, run: &mut Continuous, report: &PassReport, planned_work: bool, was_full: bool) {
        run.retry.reset();
        if let Some(g) = &report.guard {
            self.emit(SyncEvent::DeletionsHeld {
                message: held_message(g),
            });
        }
        // A focused pass that did its uploads is done; a full one that did work looks again, to
        // catch what changed while it worked.
        let again = if was_full {
            report.wants_another(planned_work)
        } else {
            report.changed > 0 || report.unstable > 0 || !report.failed.is_empty()
        };
        if again && report.guard.is_none() {
            run.dirty = true;
            // Only a file still being written is worth another narrow look.
            run.full = was_full || report.changed > 0 || !report.failed.is_empty();
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
        let pushed = report.uploaded + report.copied;
        if pushed + report.deleted_remote + report.conflicts > 0 {
            // Someone here is at work: others may answer soon.
            self.last_change = Some(Instant::now());
        }
        if report.transferred() > 0 {
            self.quiet_polls = 0;
        } else if was_full {
            self.quiet_polls = self.quiet_polls.saturating_add(1);
        }
        if pushed > 0 {
            // Another computer may have raced this push: look again soon.
            run.next_poll = Instant::now() + Duration::from_secs(2).min(self.options.poll_interval);
        } else if was_full {
            run.next_poll = Instant::now() + self.poll_wait();
        }
    }

    /// A pass that failed as a whole: shown as offline (comes back by itself) or as needing
    /// attention, and retried after a jittered wait that grows while it keeps failing.
    fn after_error(&mut self, run: &mut Continuous, e: &crate::error::Error) {
        let wait = run.retry.next_wait();
        tracing::warn!(error = %e.detail(), "sync pass failed; retrying in {wait:?}");
        // Whatever woke this pass is still to do: the retry must not be skipped because the
        // change marker kept still.
        self.marker = change_marker::Seen::Unknown;
        run.full = true;
        let (message, detail, code) = (e.user_message(), e.detail(), e.code());
        self.emit(if e.is_offline() {
            SyncEvent::Offline { message, detail, code }
        } else {
            SyncEvent::NeedsAttention { message, detail, code }
        });
        run.next_poll = Instant::now() + wait;
    }

    /// Waits for the next poll or for anything that asks for a pass sooner. `true` when `stop`
    /// was cancelled.
    async fn wait(
        &mut self,
        run: &mut Continuous,
        stop: &CancellationToken,
        paused: &mut tokio::sync::watch::Receiver<bool>,
        check_now: &tokio::sync::Notify,
    ) -> bool {
        let sleep = tokio::time::sleep_until(tokio::time::Instant::from_std(run.next_poll));
        let (wall, mono) = (std::time::SystemTime::now(), Instant::now());
        // Taken out for the wait (and put back after it), so they mark each change as seen.
        let mut foreground = self.foreground.take();
        let mut network = self.network.take();
        let stopped = tokio::select! {
            _ = stop.cancelled() => true,
            _ = sleep => {
                // The monotonic clock stops while the computer sleeps, the wall clock does not:
                // a wait that took much longer by the wall clock ended in a wake-up, after which
                // anything may have changed on either side.
                let slept = wall.elapsed().unwrap_or_default().saturating_sub(mono.elapsed());
                if slept > Duration::from_secs(30) {
                    tracing::info!(slept_secs = slept.as_secs(), "woke from sleep; looking at everything");
                    run.wake_full();
                }
                false
            }
            Some(_) = watch_changed(&mut network) => {
                // A network that came back (or changed) may hide changes on either side.
                tracing::debug!("the network changed; looking at everything");
                run.wake_full();
                false
            }
            Some(in_use) = watch_changed(&mut foreground) => {
                if in_use {
                    // The user looks at the window: a poll now, quicker ones while it lasts.
                    run.next_poll = run.next_poll.min(Instant::now());
                }
                false
            }
            _ = pause_changed(paused) => false,
            _ = check_now.notified() => { run.wake_full(); false }
            event = recv_opt(&mut run.changes) => { self.absorb_burst(run, event); false }
        };
        self.foreground = foreground;
        self.network = network;
        stopped
    }

    /// Takes in one watcher event and every one already queued behind it (a download of many
    /// files, a copied folder), so they cost one pass instead of one each. `None`: the watcher
    /// stopped (the folder vanished?); polling goes on and the folder is watched again once back.
    fn absorb_burst(&mut self, run: &mut Continuous, first: Option<WatchEvent>) {
        let mut next = Some(first);
        while let Some(event) = next.take() {
            match event {
                Some(event) => {
                    self.absorb(event, &mut run.full);
                    run.dirty = true;
                }
                None => {
                    run.changes = None;
                    run.watcher = None;
                    run.full = true;
                }
            }
            next = match run.changes.as_mut().map(|rx| rx.try_recv()) {
                Some(Ok(event)) => Some(Some(event)),
                Some(Err(mpsc::error::TryRecvError::Disconnected)) => Some(None),
                Some(Err(mpsc::error::TryRecvError::Empty)) | None => None,
            };
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
}

/// What continuous mode keeps from one turn of its loop to the next.
struct Continuous {
    /// The folder's watcher; `None` while the folder cannot be watched (polling goes on).
    watcher: Option<LocalWatcher>,
    changes: Option<mpsc::UnboundedReceiver<WatchEvent>>,
    next_poll: Instant,
    last_full_hash: Instant,
    last_listing: Option<Instant>,
    retry: Backoff,
    /// Something to do: a pass over everything (`full`), or only over what the watcher named
    /// since the last pass, which costs what those paths cost.
    dirty: bool,
    full: bool,
}

impl Continuous {
    /// Watching `root` from the start, with a full pass due at once.
    fn start(root: &std::path::Path, settle: Duration) -> Self {
        let (watcher, changes) = match LocalWatcher::start(root, settle) {
            Ok((w, rx)) => (Some(w), Some(rx)),
            Err(e) => {
                // Polling still works without a watcher; it is only slower to notice.
                tracing::warn!("watching the folder failed, falling back to rescans: {}", e.detail());
                (None, None)
            }
        };
        Self {
            watcher,
            changes,
            next_poll: Instant::now(),
            last_full_hash: Instant::now(),
            last_listing: None,
            retry: Backoff::new(Duration::from_secs(1), Duration::from_secs(30)),
            dirty: true,
            full: true,
        }
    }

    /// Watches the folder again if the watcher stopped and the folder is back; `true` then.
    async fn rewatch(&mut self, root: &std::path::Path, settle: Duration) -> bool {
        if self.changes.is_some() || tokio::fs::metadata(root).await.is_err() {
            return false;
        }
        match LocalWatcher::start(root, settle) {
            Ok((w, rx)) => {
                self.watcher = Some(w);
                self.changes = Some(rx);
                true
            }
            Err(_) => false,
        }
    }

    /// Asks for a pass over everything.
    fn wake_full(&mut self) {
        self.dirty = true;
        self.full = true;
    }
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
