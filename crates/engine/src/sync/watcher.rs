//! Watches a sync root and reports each changed path once it has stopped changing, so the sync
//! loop never uploads a file that is still being written.
//!
//! The pipeline: notify (inotify, FSEvents, ReadDirectoryChangesW) → `notify-debouncer-full`
//! (merges bursts, stitches a rename's two halves into one event) → a settle thread → the
//! caller's channel. The settle thread exists because the debouncer alone does not wait for
//! quiet: it drops the modifications that follow a create, so a new file's create comes out
//! after `settle` even while the writes go on. The settle thread holds each path until a stat of
//! it has stayed the same for a whole `settle`, which puts a change on the channel one to two
//! settle times after the last write.
//!
//! Whatever the watcher cannot account for becomes [`WatchEvent::Rescan`]: a full rescan is
//! always correct, only slower.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, ModifyKind};
use notify_debouncer_full::notify::{self, EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer_opt, DebounceEventResult, DebouncedEvent, Debouncer, RecommendedCache};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use walkdir::WalkDir;

use crate::error::{Error, Result};
use crate::remote::TEMP_PREFIX;

/// A zero settle time would make the debouncer's tick zero, a busy loop.
const MIN_SETTLE: Duration = Duration::from_millis(10);

/// Above this many entries in a folder that appeared at once, a full rescan is cheaper than
/// settling every path one by one.
const MAX_EXPANDED: usize = 10_000;

const WATCH_LIMIT_HINT: &str = "the system's limit on watched folders is reached; raise fs.inotify.max_user_watches";

/// What the watcher tells the sync loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// These paths (relative to the root, `/`-separated, UTF-8; both sides of a rename) changed
    /// and have been quiet for the settle time. A folder among them (or a name that no longer
    /// exists and was a folder) means anything beneath it may have changed too: removing or
    /// renaming a folder reports only the folder.
    Changed(BTreeSet<String>),
    /// Events were lost (queue overflow, watch error, the root itself removed/renamed, a
    /// non-UTF-8 name): the caller must do a full rescan. The string is for logs.
    Rescan(String),
}

/// Watches one sync root. The channel closes shortly after the watcher is dropped, and right
/// after the [`WatchEvent::Rescan`] that reports the root itself removed or moved: nothing under
/// it is watched any more, so start a new watcher once the folder is back.
pub struct LocalWatcher {
    root: PathBuf,
    // Dropping the debouncer stops its thread, which drops the settle thread's sender, which
    // ends that thread and with it the caller's channel.
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
}

impl std::fmt::Debug for LocalWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalWatcher")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl LocalWatcher {
    /// Watches `root` recursively; events arrive on the returned receiver once a path has been
    /// quiet for `settle`.
    pub fn start(root: &Path, settle: Duration) -> Result<(LocalWatcher, UnboundedReceiver<WatchEvent>)> {
        let settle = settle.max(MIN_SETTLE);
        let unavailable = |reason: String| Error::SyncRootUnavailable {
            path: root.to_path_buf(),
            reason,
        };
        let canonical = std::fs::canonicalize(root).map_err(|e| unavailable(e.to_string()))?;
        match std::fs::metadata(&canonical) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(unavailable("it is not a folder".into())),
            Err(e) => return Err(unavailable(e.to_string())),
        }
        // Backends report paths under the path they were given (inotify) or under the real
        // path (FSEvents resolves /var to /private/var), so both spellings are stripped.
        let mut prefixes = vec![canonical.clone()];
        if let Ok(given) = std::path::absolute(root) {
            if given != canonical {
                prefixes.push(given);
            }
        }

        let (notice_tx, notice_rx) = mpsc::channel();
        let (event_tx, event_rx) = unbounded_channel();
        let settler = Settler {
            settle,
            pending: BTreeMap::new(),
            out: event_tx,
        };
        std::thread::Builder::new()
            .name("pail-watch-settle".into())
            .spawn(move || settler.run(notice_rx))
            .map_err(|source| Error::Io {
                context: format!("start watching {} for changes", root.display()),
                source,
            })?;

        let mapper = EventMapper {
            prefixes,
            notices: notice_tx,
        };
        // Like `new_debouncer`, but without following symlinks: the scanner never follows them,
        // and a link to a big tree elsewhere would spend the system's watch limit on it.
        let config = notify::Config::default().with_follow_symlinks(false);
        let mut debouncer = new_debouncer_opt::<_, RecommendedWatcher, RecommendedCache>(
            settle,
            None,
            move |result: DebounceEventResult| mapper.handle(result),
            RecommendedCache::new(),
            config,
        )
        .map_err(|e| watch_error(root, &canonical, e))?;

        let mut retries = 0;
        loop {
            match debouncer.watch(&canonical, RecursiveMode::Recursive) {
                Ok(()) => break,
                // A subfolder removed while notify walks the tree fails the whole watch; the
                // next walk no longer sees it.
                Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) && retries < 3 && canonical.is_dir() => {
                    retries += 1;
                }
                Err(e) => return Err(watch_error(root, &canonical, e)),
            }
        }
        Ok((
            LocalWatcher {
                root: canonical,
                _debouncer: debouncer,
            },
            event_rx,
        ))
    }
}

fn watch_error(root: &Path, canonical: &Path, err: notify::Error) -> Error {
    let context = format!("watch {} for changes", root.display());
    let text = err.to_string();
    match err.kind {
        notify::ErrorKind::PathNotFound if !canonical.is_dir() => Error::SyncRootUnavailable {
            path: root.to_path_buf(),
            reason: text,
        },
        notify::ErrorKind::MaxFilesWatch => Error::Io {
            context: format!("{context}: {WATCH_LIMIT_HINT}"),
            source: std::io::Error::other(text),
        },
        notify::ErrorKind::Io(source) => {
            // EMFILE from inotify_init: the per-user count of inotify instances (128 by
            // default, and every file-watching program takes some) or the open-file limit.
            let context = if cfg!(target_os = "linux") && source.raw_os_error() == Some(24) {
                format!("{context}: the system's limit on file watchers or open files is reached; raise fs.inotify.max_user_instances or close other programs that watch files")
            } else {
                context
            };
            Error::Io { context, source }
        }
        _ => Error::Io {
            context,
            source: std::io::Error::other(text),
        },
    }
}

/// What the debouncer's thread hands the settle thread.
enum Notice {
    /// One entry per debounced event that concerns paths under the root.
    Touched(Vec<Touched>),
    Rescan(String),
    /// The root was removed or moved: its watch is gone, or would report paths under the old name.
    RootGone(String),
}

/// The root-relative paths of one debounced event.
struct Touched {
    /// (relative path, path as reported); several only for a rename.
    paths: Vec<(String, PathBuf)>,
    /// A create or a rename: if the path is now a folder, its contents must be named too.
    appeared: bool,
}

/// Turns debounced notify events into notices; runs on the debouncer's thread.
struct EventMapper {
    prefixes: Vec<PathBuf>,
    notices: mpsc::Sender<Notice>,
}

enum Rel {
    Inside(String),
    Root,
    Outside,
    NotUtf8,
}

impl EventMapper {
    fn handle(&self, result: DebounceEventResult) {
        let notices = match result {
            Ok(events) => self.map_events(&events),
            Err(errors) => vec![Notice::Rescan(describe_errors(&errors))],
        };
        for notice in notices {
            // A closed settle thread means the caller dropped its receiver: nobody to tell.
            if self.notices.send(notice).is_err() {
                return;
            }
        }
    }

    fn map_events(&self, events: &[DebouncedEvent]) -> Vec<Notice> {
        let mut notices = Vec::new();
        let mut touched = Vec::new();
        for event in events {
            if event.need_rescan() {
                notices.push(Notice::Rescan(
                    "the operating system's queue of file changes overflowed".into(),
                ));
                continue;
            }
            if !is_change(&event.kind) {
                continue;
            }
            let root_gone = matches!(
                event.kind,
                EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
            );
            let mut paths = Vec::new();
            for path in &event.paths {
                match self.relative(path) {
                    Rel::Inside(rel) if !is_temp(&rel) => paths.push((rel, path.clone())),
                    Rel::Inside(_) | Rel::Outside => {}
                    // The root's own metadata is not synced; only its disappearance matters.
                    Rel::Root if root_gone => notices.push(Notice::RootGone(format!(
                        "the sync folder itself was removed, moved or renamed ({})",
                        path.display()
                    ))),
                    Rel::Root => {}
                    Rel::NotUtf8 => notices.push(Notice::Rescan(format!(
                        "a name that is not valid UTF-8 changed: {}",
                        path.display()
                    ))),
                }
            }
            if !paths.is_empty() {
                touched.push(Touched {
                    paths,
                    appeared: matches!(
                        event.kind,
                        EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
                    ),
                });
            }
        }
        if !touched.is_empty() {
            notices.push(Notice::Touched(touched));
        }
        notices
    }

    fn relative(&self, path: &Path) -> Rel {
        let Some(rest) = self.prefixes.iter().find_map(|p| path.strip_prefix(p).ok()) else {
            return Rel::Outside;
        };
        let mut parts = Vec::new();
        for c in rest.components() {
            match c {
                Component::Normal(name) => match name.to_str() {
                    Some(s) => parts.push(s),
                    None => return Rel::NotUtf8,
                },
                // `..` and friends would name something that is not under the root.
                _ => return Rel::Outside,
            }
        }
        if parts.is_empty() {
            Rel::Root
        } else {
            Rel::Inside(parts.join("/"))
        }
    }
}

fn is_change(kind: &EventKind) -> bool {
    match kind {
        // A finished write is the surest sign a save completed.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        // Reads, among them our own scanner hashing files, must not wake the loop.
        EventKind::Access(_) | EventKind::Other => false,
        EventKind::Any | EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
    }
}

/// Downloads land in temp files first, and Pail keeps its lock, marker and sync temp files in
/// `.pail/` at the root; none of that churn is a user's change, so none of it wakes the loop.
fn is_temp(rel: &str) -> bool {
    let reserved = crate::sync::folder::RESERVED_DIR;
    rel == reserved
        || rel.strip_prefix(reserved).is_some_and(|rest| rest.starts_with('/'))
        || rel.rsplit('/').next().is_some_and(|name| name.starts_with(TEMP_PREFIX))
}

fn describe_errors(errors: &[notify::Error]) -> String {
    let texts: Vec<String> = errors
        .iter()
        .map(|e| match e.kind {
            notify::ErrorKind::MaxFilesWatch => format!("{WATCH_LIMIT_HINT} ({e})"),
            _ => e.to_string(),
        })
        .collect();
    format!("the folder watcher reported an error: {}", texts.join("; "))
}

/// What a stat shows; equal snapshots a settle time apart mean nobody is writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
    is_dir: bool,
}

/// None for a path that is gone, and also for one that cannot be read: it is as settled as a
/// removed one, and the scanner reports why it cannot be read.
fn snapshot(path: &Path) -> Option<Snapshot> {
    let m = std::fs::symlink_metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Snapshot {
        len: m.len(),
        modified: m.modified().ok(),
        inode,
        is_dir: m.is_dir(),
    })
}

/// A path waiting to be quiet.
struct Pending {
    abs: PathBuf,
    seen: Option<Snapshot>,
    check_at: Instant,
    quiet: bool,
    /// The other side of a rename: both go out in the same event so the caller can see a move.
    linked: BTreeSet<String>,
}

/// Holds paths until they are quiet; runs on its own thread.
struct Settler {
    settle: Duration,
    pending: BTreeMap<String, Pending>,
    out: UnboundedSender<WatchEvent>,
}

impl Settler {
    fn run(mut self, notices: mpsc::Receiver<Notice>) {
        loop {
            let next_check = self.pending.values().filter(|p| !p.quiet).map(|p| p.check_at).min();
            let notice = match next_check {
                Some(at) => match notices.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(notice) => Some(notice),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                },
                None => match notices.recv() {
                    Ok(notice) => Some(notice),
                    Err(_) => return,
                },
            };
            let delivered = match notice {
                // Pending paths stay: the rescan may find them still being written.
                Some(Notice::Rescan(reason)) => self.out.send(WatchEvent::Rescan(reason)).is_ok(),
                Some(Notice::RootGone(reason)) => {
                    let _ = self.out.send(WatchEvent::Rescan(reason));
                    return;
                }
                Some(Notice::Touched(all)) => {
                    let reasons: Vec<String> = all.into_iter().filter_map(|t| self.touch(t)).collect();
                    reasons
                        .into_iter()
                        .all(|reason| self.out.send(WatchEvent::Rescan(reason)).is_ok())
                }
                None => true,
            };
            // A failed send means the caller dropped its receiver: nobody is listening.
            if !delivered {
                return;
            }
            if !self.send_quiet() {
                return;
            }
        }
    }

    /// Starts (or restarts) the wait for an event's paths; Some(reason) if a rescan is needed.
    fn touch(&mut self, touched: Touched) -> Option<String> {
        let names: BTreeSet<&str> = touched.paths.iter().map(|(rel, _)| rel.as_str()).collect();
        let mut rescan = None;
        for (rel, abs) in &touched.paths {
            let linked = names
                .iter()
                .filter(|n| **n != rel.as_str())
                .map(|n| n.to_string())
                .collect();
            self.arm(rel.clone(), abs.clone(), linked);
            if touched.appeared {
                rescan = rescan.or(self.expand(rel, abs));
            }
        }
        rescan
    }

    fn arm(&mut self, rel: String, abs: PathBuf, mut linked: BTreeSet<String>) {
        if let Some(old) = self.pending.remove(&rel) {
            linked.extend(old.linked);
        }
        let pending = Pending {
            seen: snapshot(&abs),
            abs,
            check_at: Instant::now() + self.settle,
            quiet: false,
            linked,
        };
        self.pending.insert(rel, pending);
    }

    /// Names what is inside a folder that appeared: files written into a new folder before
    /// notify has added its watch report nothing, and a folder moved in from outside reports
    /// only itself.
    fn expand(&mut self, rel: &str, abs: &Path) -> Option<String> {
        if !std::fs::symlink_metadata(abs).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        let mut rescan = None;
        let mut walker = WalkDir::new(abs).follow_links(false).min_depth(1).into_iter();
        let mut found = 0;
        while let Some(next) = walker.next() {
            // The scanner reports what cannot be read.
            let Ok(entry) = next else { continue };
            found += 1;
            if found > MAX_EXPANDED {
                return Some(format!(
                    "more than {MAX_EXPANDED} files and folders appeared at once in {rel}"
                ));
            }
            let Ok(sub) = entry.path().strip_prefix(abs) else {
                continue;
            };
            let Some(child) = sub
                .components()
                .map(|c| c.as_os_str().to_str())
                .try_fold(rel.to_owned(), |acc, part| part.map(|p| format!("{acc}/{p}")))
            else {
                rescan = Some(format!(
                    "a name that is not valid UTF-8 appeared: {}",
                    entry.path().display()
                ));
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                continue;
            };
            if !is_temp(&child) {
                self.arm(child, entry.into_path(), BTreeSet::new());
            }
        }
        rescan
    }

    /// Re-stats the paths whose wait is over and sends the ones that stayed the same; false once
    /// the receiver is gone.
    fn send_quiet(&mut self) -> bool {
        let now = Instant::now();
        for p in self.pending.values_mut().filter(|p| !p.quiet && p.check_at <= now) {
            let current = snapshot(&p.abs);
            if current == p.seen {
                p.quiet = true;
            } else {
                p.seen = current;
                p.check_at = now + self.settle;
            }
        }
        let mut ready: BTreeSet<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.quiet)
            .map(|(rel, _)| rel.clone())
            .collect();
        loop {
            let held: Vec<String> = ready
                .iter()
                .filter(|rel| {
                    self.pending.get(*rel).is_some_and(|p| {
                        p.linked
                            .iter()
                            .any(|other| self.pending.contains_key(other) && !ready.contains(other))
                    })
                })
                .cloned()
                .collect();
            if held.is_empty() {
                break;
            }
            for rel in held {
                ready.remove(&rel);
            }
        }
        if ready.is_empty() {
            return true;
        }
        for rel in &ready {
            self.pending.remove(rel);
        }
        self.out.send(WatchEvent::Changed(ready)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const SETTLE: Duration = Duration::from_millis(200);
    const PATIENCE: Duration = Duration::from_secs(5);

    /// Collects changed paths until `done` holds for them; panics on a rescan or after PATIENCE.
    async fn changed_until(
        rx: &mut UnboundedReceiver<WatchEvent>,
        done: impl Fn(&BTreeSet<String>) -> bool,
    ) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done(&seen) {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(WatchEvent::Changed(paths))) => seen.extend(paths),
                Ok(Some(WatchEvent::Rescan(reason))) => panic!("unexpected rescan: {reason}"),
                Ok(None) => panic!("channel closed; saw {seen:?}"),
                Err(_) => panic!("timed out; saw {seen:?}"),
            }
        }
        seen
    }

    fn has(name: &str) -> impl Fn(&BTreeSet<String>) -> bool + '_ {
        move |seen| seen.contains(name)
    }

    #[tokio::test]
    async fn a_file_is_reported_only_after_its_writes_stop() {
        let dir = tempfile::tempdir().unwrap();
        let (_watcher, mut rx) = LocalWatcher::start(dir.path(), SETTLE).unwrap();
        let mut file = std::fs::File::create(dir.path().join("growing.bin")).unwrap();
        let started = Instant::now();
        let mut last_write = started;
        let mut longest_gap = Duration::ZERO;
        let mut early = None;
        while started.elapsed() < SETTLE * 3 {
            file.write_all(&[7; 512]).unwrap();
            longest_gap = longest_gap.max(last_write.elapsed());
            last_write = Instant::now();
            while let Ok(event) = rx.try_recv() {
                early = early.or(Some(event));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(file);
        // A machine so loaded that the writer stalled for a settle time really was quiet.
        if longest_gap < SETTLE {
            assert_eq!(early, None, "reported while still being written");
        }
        changed_until(&mut rx, has("growing.bin")).await;
    }

    #[tokio::test]
    async fn a_rename_reports_both_names_together() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.txt"), "x").unwrap();
        let (_watcher, mut rx) = LocalWatcher::start(dir.path(), SETTLE).unwrap();
        std::fs::rename(dir.path().join("old.txt"), dir.path().join("new.txt")).unwrap();
        let first = changed_until(&mut rx, |seen| !seen.is_empty()).await;
        assert_eq!(first, BTreeSet::from(["new.txt".to_string(), "old.txt".to_string()]));
    }

    #[tokio::test]
    async fn a_file_in_a_new_nested_folder_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (_watcher, mut rx) = LocalWatcher::start(dir.path(), SETTLE).unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/deep.txt"), "x").unwrap();
        changed_until(&mut rx, has("a/b/deep.txt")).await;
    }

    #[tokio::test]
    async fn a_deleted_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("doomed.txt"), "x").unwrap();
        let (_watcher, mut rx) = LocalWatcher::start(dir.path(), SETTLE).unwrap();
        std::fs::remove_file(dir.path().join("doomed.txt")).unwrap();
        changed_until(&mut rx, has("doomed.txt")).await;
    }

    #[tokio::test]
    async fn pail_temp_files_are_not_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (_watcher, mut rx) = LocalWatcher::start(dir.path(), SETTLE).unwrap();
        std::fs::write(dir.path().join(".pail-tmp-xyz"), "partial download").unwrap();
        std::fs::remove_file(dir.path().join(".pail-tmp-xyz")).unwrap();
        std::fs::write(dir.path().join(".pail-tmp-abc"), "another").unwrap();
        // A later real change proves the pipeline ran: the temp files would come out no later.
        tokio::time::sleep(SETTLE).await;
        std::fs::write(dir.path().join("real.txt"), "x").unwrap();
        let seen = changed_until(&mut rx, has("real.txt")).await;
        assert_eq!(seen, BTreeSet::from(["real.txt".to_string()]));
    }

    #[tokio::test]
    async fn dropping_the_watcher_closes_the_channel() {
        let dir = tempfile::tempdir().unwrap();
        let (watcher, mut rx) = LocalWatcher::start(dir.path(), SETTLE).unwrap();
        drop(watcher);
        let closed = tokio::time::timeout(PATIENCE, async { while rx.recv().await.is_some() {} }).await;
        assert!(closed.is_ok(), "channel still open after the watcher was dropped");
    }

    #[tokio::test]
    async fn removing_the_root_asks_for_a_rescan_and_closes_the_channel() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let (_watcher, mut rx) = LocalWatcher::start(&root, SETTLE).unwrap();
        std::fs::remove_dir(&root).unwrap();
        let event = tokio::time::timeout(PATIENCE, rx.recv()).await.unwrap();
        assert!(matches!(event, Some(WatchEvent::Rescan(_))), "{event:?}");
        let after = tokio::time::timeout(PATIENCE, rx.recv()).await.unwrap();
        assert_eq!(after, None, "the channel closes once the root is gone");
    }

    #[tokio::test]
    async fn a_missing_root_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let err = LocalWatcher::start(&dir.path().join("unplugged"), SETTLE).unwrap_err();
        assert!(matches!(err, Error::SyncRootUnavailable { .. }), "{err:?}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_root_given_through_a_symlink_reports_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        let (_watcher, mut rx) = LocalWatcher::start(&dir.path().join("link"), SETTLE).unwrap();
        std::fs::write(dir.path().join("link/via-link.txt"), "x").unwrap();
        let seen = changed_until(&mut rx, has("via-link.txt")).await;
        assert_eq!(seen, BTreeSet::from(["via-link.txt".to_string()]));
    }
}
