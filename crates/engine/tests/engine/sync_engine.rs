//! The sync engine through its library API against moto: conditional writes refused by a racing
//! writer turn into a re-plan (never an overwrite), a local file changed before a download lands
//! is kept, and continuous mode follows both sides (watcher and poller) with pause and resume.

use std::sync::Arc;
use std::time::Duration;

use pail_engine::remote::{Remote, UploadOptions};
use pail_engine::scan::identity_of;
use pail_engine::state::{pairs, StateDb};
use pail_engine::sync::executor::{execute, ExecContext, Outcome};
use pail_engine::sync::{Action, ContentHash, LocalFile, Mode, PairSync, RelPath, SyncEvent, SyncOptions};
use pail_testkit::{bucket_name, eventually, make_bucket, moto_endpoint, s3, sdk_client};
use tokio_util::sync::CancellationToken;

struct Setup {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    db: StateDb,
    pair: pairs::SyncPair,
    remote: Remote,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

async fn setup(tag: &str) -> Setup {
    let endpoint = moto_endpoint();
    let bucket = bucket_name(tag);
    let s3 = sdk_client(&endpoint, "k", "s");
    make_bucket(&s3, &bucket, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Sync");
    std::fs::create_dir_all(&root).unwrap();
    let root = root.canonicalize().unwrap();
    let db = StateDb::open(&dir.path().join("state.db")).await.unwrap();
    let pair = pairs::SyncPair {
        id: "pair-1".into(),
        connection_id: None,
        bucket: bucket.clone(),
        prefix: "p/".into(),
        local_root: root.clone(),
        mode: Mode::TwoWay,
        paused: false,
        ignore_patterns: vec![],
        change_marker: true,
    };
    pairs::insert(db.pool(), &pair).await.unwrap();
    let remote = crate::support::remote(&endpoint, "k", "s").await;
    Setup {
        _dir: dir,
        root,
        db,
        pair,
        remote,
        s3,
        bucket,
    }
}

impl Setup {
    fn engine(&self) -> PairSync {
        self.engine_with(|_| {})
    }

    fn engine_with(&self, change: impl FnOnce(&mut SyncOptions)) -> PairSync {
        let mut options = SyncOptions::new("here");
        options.poll_interval = Duration::from_millis(500);
        // These tests write to the bucket behind Pail's back and expect it to notice.
        options.full_listing_interval = Duration::from_millis(500);
        change(&mut options);
        PairSync::new(self.remote.clone(), self.db.clone(), self.pair.clone(), options).unwrap()
    }

    /// An engine that trusts every stamp from before a pass began: for tests that count what a
    /// pass reads, whose files were all written a moment ago (each would be racy, and read
    /// again, for a while). Stamps of files written during a pass (downloads) stay racy.
    fn engine_trusting_stamps(&self) -> PairSync {
        self.engine_with(|o| o.racy_window = Duration::ZERO)
    }

    fn ctx(&self) -> Arc<ExecContext> {
        Arc::new(ExecContext {
            remote: self.remote.clone(),
            bucket: self.bucket.clone(),
            prefix: "p/".into(),
            root: self.root.clone(),
            rules: pail_engine::scan::IgnoreRules::new(&[]).unwrap(),
            upload: UploadOptions::default(),
            parallel: 4,
            journal: None,
            remote_spellings: Default::default(),
        })
    }

    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        s3::get(&self.s3, &self.bucket, key).await
    }

    async fn etag(&self, key: &str) -> String {
        s3::etag(&self.s3, &self.bucket, key).await.expect("the object")
    }

    async fn put(&self, key: &str, body: &[u8]) {
        s3::put(&self.s3, &self.bucket, key, body).await;
    }

    fn local_file(&self, rel: &str) -> LocalFile {
        let path = self.root.join(rel);
        let id = identity_of(&std::fs::symlink_metadata(&path).unwrap());
        LocalFile {
            size: id.size,
            mtime_ns: id.mtime_ns,
            inode: Some(id.inode),
            hash: ContentHash(*blake3::hash(&std::fs::read(&path).unwrap()).as_bytes()),
        }
    }
}

async fn run_actions(ctx: Arc<ExecContext>, actions: Vec<Action>) -> Vec<Outcome> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    execute(ctx, actions, tx).await;
    let mut out = Vec::new();
    while let Ok((_, outcome)) = rx.try_recv() {
        out.push(outcome);
    }
    out
}

#[tokio::test]
async fn an_upload_racing_another_writer_is_refused_and_replanned_into_a_conflict_copy() {
    let s = setup("race-up").await;
    std::fs::write(s.root.join("doc.txt"), b"v1").unwrap();
    s.engine().run_once().await.unwrap();
    let seen = s.etag("p/doc.txt").await;
    // This computer edits; the engine planned an upload conditional on the ETag it saw...
    std::fs::write(s.root.join("doc.txt"), b"my edit").unwrap();
    let action = Action::Upload {
        path: RelPath::new("doc.txt").unwrap(),
        if_match: Some(seen),
        expect_local: s.local_file("doc.txt"),
    };
    // ...but another computer writes first.
    s.put("p/doc.txt", b"their write").await;
    let outcomes = run_actions(s.ctx(), vec![action]).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Changed(_)]), "{outcomes:?}");
    assert_eq!(
        s.get("p/doc.txt").await.as_deref(),
        Some(&b"their write"[..]),
        "not clobbered"
    );
    // The next pass sees both edits and keeps both.
    let summary = s.engine().run_once().await.unwrap();
    assert_eq!(summary.total.conflicts, 1);
    assert_eq!(std::fs::read(s.root.join("doc.txt")).unwrap(), b"their write");
    let copy = std::fs::read_dir(&s.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.contains("conflict"))
        .expect("a conflict copy");
    assert_eq!(std::fs::read(s.root.join(&copy)).unwrap(), b"my edit");
    assert_eq!(s.get(&format!("p/{copy}")).await.as_deref(), Some(&b"my edit"[..]));
}

#[tokio::test]
async fn a_create_racing_another_writer_is_refused() {
    let s = setup("race-new").await;
    std::fs::write(s.root.join("new.txt"), b"mine").unwrap();
    let action = Action::Upload {
        path: RelPath::new("new.txt").unwrap(),
        if_match: None,
        expect_local: s.local_file("new.txt"),
    };
    s.put("p/new.txt", b"theirs, first").await;
    let outcomes = run_actions(s.ctx(), vec![action]).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Changed(_)]), "{outcomes:?}");
    assert_eq!(s.get("p/new.txt").await.as_deref(), Some(&b"theirs, first"[..]));
}

#[tokio::test]
async fn a_download_never_replaces_a_local_file_changed_after_the_scan() {
    let s = setup("race-down").await;
    std::fs::write(s.root.join("notes.md"), b"v1").unwrap();
    s.engine().run_once().await.unwrap();
    s.put("p/notes.md", b"remote v2").await;
    let planned_against = s.local_file("notes.md");
    let action = Action::Download {
        path: RelPath::new("notes.md").unwrap(),
        expect_remote_etag: s.etag("p/notes.md").await,
        expect_local: Some(planned_against),
    };
    // The user saves between the scan and the download's rename.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(s.root.join("notes.md"), b"local v2, typed just now").unwrap();
    let outcomes = run_actions(s.ctx(), vec![action]).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Changed(_)]), "{outcomes:?}");
    assert_eq!(
        std::fs::read(s.root.join("notes.md")).unwrap(),
        b"local v2, typed just now"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&s.root)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pail-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "the verified temp file is removed");
    // Re-planning finds an edit on both sides: both versions survive.
    s.engine().run_once().await.unwrap();
    let names: Vec<String> = std::fs::read_dir(&s.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".pail")
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[tokio::test]
async fn continuous_mode_follows_both_sides_and_pauses() {
    let s = setup("continuous").await;
    let (events, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let mut engine = s.engine().with_events(events);
    let stop = CancellationToken::new();
    let (pause, paused) = tokio::sync::watch::channel(false);
    let task = {
        let stop = stop.clone();
        tokio::spawn(async move { engine.run_continuous(stop, paused).await })
    };
    // A file saved locally goes up (watcher), one written by another client comes down (poller).
    std::fs::write(s.root.join("saved.txt"), b"saved locally").unwrap();
    eventually("the upload", || async { s.get("p/saved.txt").await.is_some() }).await;
    s.put("p/from-elsewhere.txt", b"written by another client").await;
    let path = s.root.join("from-elsewhere.txt");
    eventually("the download", || async { path.exists() }).await;
    assert_eq!(std::fs::read(&path).unwrap(), b"written by another client");

    // Paused: nothing moves. Resumed: it catches up. A paused session says so each time
    // something wakes it: the second `Paused` is the watcher's news of the file, taken in and
    // left alone (no fixed wait that merely hopes the watcher was quick).
    pause.send(true).unwrap();
    let mut paused_told = async || {
        while let Some(event) = heard.recv().await {
            if event == SyncEvent::Paused {
                return;
            }
        }
        panic!("the session stopped");
    };
    tokio::time::timeout(Duration::from_secs(60), paused_told())
        .await
        .expect("the session says it is paused");
    std::fs::write(s.root.join("while-paused.txt"), b"wait for me").unwrap();
    tokio::time::timeout(Duration::from_secs(60), paused_told())
        .await
        .expect("the paused session hears of the new file");
    assert!(
        s.get("p/while-paused.txt").await.is_none(),
        "paused pairs do not upload"
    );
    pause.send(false).unwrap();
    eventually("the upload after resume", || async {
        s.get("p/while-paused.txt").await.is_some()
    })
    .await;

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("stops promptly")
        .unwrap()
        .unwrap();
}

/// Polls an hour apart, yet a change written behind Pail's back arrives at once when the
/// network changes (the pair looks at everything then) and when the app's window gains focus
/// (a poll at once).
#[tokio::test]
async fn a_network_change_or_the_window_in_use_looks_at_once() {
    let s = setup("wake").await;
    let mut options = SyncOptions::new("here");
    options.poll_interval = Duration::from_secs(3600);
    options.full_listing_interval = Duration::from_secs(3600);
    let (network, network_rx) = tokio::sync::watch::channel(0u64);
    let (focus, focus_rx) = tokio::sync::watch::channel(false);
    let mut engine = PairSync::new(s.remote.clone(), s.db.clone(), s.pair.clone(), options)
        .unwrap()
        .with_network_changes(network_rx)
        .with_foreground(focus_rx);
    let stop = CancellationToken::new();
    let (_pause, paused) = tokio::sync::watch::channel(false);
    let task = {
        let stop = stop.clone();
        tokio::spawn(async move { engine.run_continuous(stop, paused).await })
    };
    std::fs::write(s.root.join("here.txt"), b"here").unwrap();
    eventually("the first sync", || async { s.get("p/here.txt").await.is_some() }).await;

    s.put("p/while-away.txt", b"written while the network was down").await;
    network.send_modify(|n| *n += 1);
    let path = s.root.join("while-away.txt");
    eventually("the download after the network change", || async { path.exists() }).await;

    // Another Pail's change moves the marker; focus polls (one HEAD) and sees it.
    s.put("p/from-another-pail.txt", b"another computer").await;
    pail_engine::sync::change_marker::write(
        &s.remote,
        &s.bucket,
        "p/",
        &pail_engine::sync::change_marker::Seen::Unknown,
        "another Pail",
    )
    .await;
    focus.send(true).unwrap();
    let path = s.root.join("from-another-pail.txt");
    eventually("the download after focus", || async { path.exists() }).await;

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("stops promptly")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_file_written_moments_before_a_pass_is_read_again_until_its_stamp_is_old() {
    let s = setup("racy").await;
    let a = s.root.join("a.txt");
    std::fs::write(&a, b"one").unwrap();
    // Every stamp in this test is recent: an hour-long window keeps them all racy.
    let racy = |o: &mut SyncOptions| o.racy_window = Duration::from_secs(3600);
    let first = s.engine_with(racy).run_once().await.unwrap();
    assert_eq!(first.total.uploaded, 1);
    assert!(
        !first.unfinished && first.passes <= 2,
        "recording racy stamps again is no work that asks for another pass: {first:?}"
    );
    let flag = || async {
        sqlx::query_scalar::<_, bool>("SELECT stamp_racy FROM sync_base WHERE pair_id = ? AND path = 'a.txt'")
            .bind(&s.pair.id)
            .fetch_one(s.db.pool())
            .await
            .unwrap()
    };
    assert!(flag().await, "a stamp recorded right after the write is racy");

    // The same engine (its in-memory cache) and a new one (the bases) both read the file again.
    let mut e = s.engine_with(racy);
    for _ in 0..2 {
        let (r, work) = e.pass(false).await.unwrap();
        assert_eq!(r.hashed_files, 1, "a racy stamp vouches for nothing: {r:?}");
        assert!(!r.unchanged && !work && r.transferred() == 0, "{r:?}");
    }
    drop(e);

    // A same-size rewrite in the same clock tick keeps the whole stamp on a coarse-clock kernel
    // (Linux before 6.13). This kernel's clock is fine, so the test plays that tick: the base is
    // given the rewritten file's stamp, as a coarse clock would have, still with the old hash.
    std::fs::write(&a, b"uno").unwrap();
    let now = identity_of(&std::fs::symlink_metadata(&a).unwrap());
    sqlx::query("UPDATE sync_base SET local_mtime_ns = ?, local_inode = ? WHERE pair_id = ? AND path = 'a.txt'")
        .bind(now.mtime_ns.to_string())
        .bind(now.inode as i64)
        .bind(&s.pair.id)
        .execute(s.db.pool())
        .await
        .unwrap();
    let (r, _) = s.engine_with(racy).pass(false).await.unwrap();
    assert_eq!(r.uploaded, 1, "the rewrite behind a racy stamp is found: {r:?}");
    assert_eq!(s.get("p/a.txt").await.unwrap(), b"uno");

    // Once the stamp is old, recording it again makes it vouch: no more reading.
    let mut e = s.engine_trusting_stamps();
    e.pass(false).await.unwrap();
    assert!(!flag().await);
    let (r, _) = e.pass(false).await.unwrap();
    assert_eq!(r.hashed_files, 0, "{r:?}");
}

#[tokio::test]
async fn an_unchanged_pair_stops_early_and_every_kind_of_change_still_syncs() {
    let s = setup("idle").await;
    std::fs::write(s.root.join("a.txt"), b"one").unwrap();
    std::fs::create_dir_all(s.root.join("b")).unwrap();
    std::fs::write(s.root.join("b/c.txt"), b"two").unwrap();
    let first = s.engine_trusting_stamps().run_once().await.unwrap();
    assert_eq!(first.total.uploaded, 2);
    assert!(
        !first.total.unchanged,
        "the confirming pass after uploads plans in full"
    );

    // A new engine is a new process: it recognises the pair without loading a base.
    let mut e = s.engine_trusting_stamps();
    let (r, work) = e.pass(false).await.unwrap();
    assert!(r.unchanged && !work, "{r:?}");

    // An edit that keeps size and mtime moves the change time, so the walk differs.
    let a = s.root.join("a.txt");
    let mtime = filetime::FileTime::from_last_modification_time(&std::fs::metadata(&a).unwrap());
    std::fs::write(&a, b"uno").unwrap();
    filetime::set_file_mtime(&a, mtime).unwrap();
    let (r, _) = e.pass(false).await.unwrap();
    assert!(!r.unchanged);
    assert_eq!(r.uploaded, 1);
    assert_eq!(s.get("p/a.txt").await.unwrap(), b"uno");
    // The pass after work plans in full (and leaves the mark), the one after that stops early.
    assert!(!e.pass(false).await.unwrap().0.unchanged);
    assert!(e.pass(false).await.unwrap().0.unchanged);

    // Another writer replaces an object with one of the same size: the listing differs.
    s.put("p/b/c.txt", b"TWO").await;
    let (r, _) = e.pass(false).await.unwrap();
    assert!(!r.unchanged);
    assert_eq!(r.downloaded, 1);
    assert_eq!(std::fs::read(s.root.join("b/c.txt")).unwrap(), b"TWO");
    // The download's stamp came from during its pass, racy even without a window: the pass after
    // records it again, the next plans in full and leaves the mark, the one after stops early.
    assert!(!e.pass(false).await.unwrap().0.unchanged);
    assert!(!e.pass(false).await.unwrap().0.unchanged);
    assert!(e.pass(false).await.unwrap().0.unchanged);

    // Any write to the bases clears the mark, whoever writes.
    sqlx::query("DELETE FROM sync_base WHERE pair_id = ? AND path = 'a.txt'")
        .bind(&s.pair.id)
        .execute(s.db.pool())
        .await
        .unwrap();
    let (r, _) = e.pass(false).await.unwrap();
    assert!(!r.unchanged, "a pass after a base was forgotten must plan");
    assert!(!e.pass(false).await.unwrap().0.unchanged);
    assert!(e.pass(false).await.unwrap().0.unchanged);

    // A full hash pass always reads every file.
    let (r, _) = e.pass(true).await.unwrap();
    assert!(!r.unchanged);
    assert_eq!(r.hashed_files, 2);

    // Changing the pair's settings clears the mark too. (One engine per folder at a time: the
    // next ones take the folder's lock.)
    drop(e);
    pairs::set_ignore_patterns(s.db.pool(), &s.pair.id, &["*.log".to_owned()])
        .await
        .unwrap();
    assert!(!s.engine_trusting_stamps().pass(false).await.unwrap().0.unchanged);

    // A key that cannot be a local path is reported by every new process: never stop early.
    s.put("p/bad//name.txt", b"x").await;
    for _ in 0..2 {
        let (r, _) = s.engine_trusting_stamps().pass(false).await.unwrap();
        assert!(!r.unchanged);
        assert_eq!(r.warnings.len(), 1, "{r:?}");
    }
    // Nothing was lost on the way.
    assert_eq!(std::fs::read(&a).unwrap(), b"uno");
    assert_eq!(s.get("p/b/c.txt").await.unwrap(), b"TWO");
}
