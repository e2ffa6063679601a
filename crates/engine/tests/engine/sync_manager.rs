//! The app's sync service against moto, through a saved connection whose secret is in the real
//! keyring: a pair added through the manager syncs both ways with live statuses, pauses and
//! resumes, reports a vanished folder, a lost network and a vanished bucket in words and recovers
//! on its own, and
//! its conflicts can be listed and resolved (keep both / mine / theirs) with nothing lost.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pail_engine::connections::Connection;
use pail_engine::preferences::Preferences;
use pail_engine::sync::conflicts::Resolution;
use pail_engine::sync::manager::{PairDraft, PairState, PairStatus, SyncManager};
use pail_engine::sync::pair_files::FileSyncState;
use pail_engine::sync::Mode;
use pail_testkit::fault_proxy::{FaultConfig, FaultKind, FaultProxy};

use crate::support::{bucket_name, draft, eventually, make_bucket, moto_endpoint, s3, sdk_client, TestEngine};

struct World {
    te: TestEngine,
    manager: SyncManager,
    statuses: Arc<Mutex<Vec<PairStatus>>>,
    s3: aws_sdk_s3::Client,
    bucket: String,
    connection: Connection,
    dir: tempfile::TempDir,
}

async fn world(tag: &str, endpoint: &str) -> World {
    let te = TestEngine::new().await;
    let s3 = sdk_client(&moto_endpoint(), "k", "s");
    let bucket = bucket_name(tag);
    make_bucket(&s3, &bucket, &[]).await;
    let connection = te.engine.create_connection(&draft(endpoint, "k", "s")).await.unwrap();
    Preferences {
        notifications: false,
        concurrency: 4,
        poll_interval_secs: 5,
        ..Preferences::default()
    }
    .save(te.engine.db())
    .await
    .unwrap();
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let sink = statuses.clone();
    let manager = SyncManager::new(
        te.engine.clone(),
        Arc::new(move |s: &PairStatus| sink.lock().unwrap().push(s.clone())),
    );
    World {
        te,
        manager,
        statuses,
        s3,
        bucket,
        connection,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    fn folder(&self, name: &str) -> std::path::PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        p.canonicalize().unwrap()
    }

    fn draft(&self, root: &std::path::Path, prefix: &str) -> PairDraft {
        PairDraft {
            connection_id: self.connection.id.clone(),
            bucket: self.bucket.clone(),
            prefix: prefix.into(),
            local_root: root.to_string_lossy().into_owned(),
            mode: Mode::TwoWay,
        }
    }

    async fn object(&self, key: &str) -> Option<Vec<u8>> {
        s3::get(&self.s3, &self.bucket, key).await
    }

    async fn put(&self, key: &str, body: &[u8]) {
        s3::put(&self.s3, &self.bucket, key, body).await;
    }

    fn last(&self, pair_id: &str) -> Option<PairStatus> {
        self.statuses
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|s| s.pair_id == pair_id)
            .cloned()
    }

    async fn wait_state(&self, pair_id: &str, state: PairState) -> PairStatus {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(s) = self.last(pair_id).filter(|s| s.state == state) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "pair never reached {state:?}; last status {:?}",
                self.last(pair_id)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn states_seen(&self, pair_id: &str) -> Vec<PairState> {
        let mut out: Vec<PairState> = Vec::new();
        for s in self.statuses.lock().unwrap().iter().filter(|s| s.pair_id == pair_id) {
            if out.last() != Some(&s.state) {
                out.push(s.state);
            }
        }
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pair_added_through_the_manager_syncs_both_ways_pauses_and_resolves_conflicts() {
    let w = world("mgr", &moto_endpoint()).await;
    let root = w.folder("Shared");

    // The first-sync check: nothing to merge on an empty folder and prefix.
    let check = w.manager.check(&w.draft(&root, "team")).await.unwrap();
    assert!(!check.folder_has_files && !check.bucket_has_objects && check.warning.is_none());

    let pair = w.manager.add(&w.draft(&root, "/team")).await.unwrap();
    assert_eq!(pair.prefix, "team/");
    w.wait_state(&pair.id, PairState::UpToDate).await;

    // Local → bucket, with syncing → up to date.
    std::fs::write(root.join("notes.txt"), b"from this computer").unwrap();
    eventually("the upload", || async {
        w.object("team/notes.txt").await.as_deref() == Some(&b"from this computer"[..])
    })
    .await;
    w.wait_state(&pair.id, PairState::UpToDate).await;
    let seen = w.states_seen(&pair.id);
    assert!(seen.contains(&PairState::Syncing), "{seen:?}");

    // Bucket → local: another client (not Pail) wrote it, which moves no change marker; the full
    // listing would find it within 15 minutes, "Check now" finds it at once.
    w.put("team/from-elsewhere.txt", b"hello from the bucket").await;
    w.manager.check_now(&pair.id).await.unwrap();
    eventually("the download", || async {
        std::fs::read(root.join("from-elsewhere.txt")).ok().as_deref() == Some(&b"hello from the bucket"[..])
    })
    .await;

    // What the pair sent so far is in its request log, kept in the state DB: listings, the
    // uploads and the change marker. A custom endpoint has no known prices.
    eventually("the request log", || async {
        let costs = w.manager.request_costs().await.unwrap();
        let mine = costs
            .pairs
            .iter()
            .find(|p| p.pair_id == pair.id)
            .map(|p| p.cost.clone());
        mine.is_some_and(|c| c.requests.list >= 1 && c.requests.put >= 2 && c.requests.get >= 1 && c.usd.is_none())
            && costs.unpriced_pairs == 1
            && costs.total.usd.is_none()
    })
    .await;

    // Pause stops transfers; resume continues.
    w.manager.set_paused(&pair.id, true).await.unwrap();
    w.wait_state(&pair.id, PairState::Paused).await;
    std::fs::write(root.join("while-paused.txt"), b"wait for me").unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(w.object("team/while-paused.txt").await, None, "a paused pair uploaded");
    assert!(w.manager.list().await.unwrap()[0].paused);
    w.manager.set_paused(&pair.id, false).await.unwrap();
    eventually("the upload after resume", || async {
        w.object("team/while-paused.txt").await.is_some()
    })
    .await;

    // Per-file status: synced, waiting (new here), ignored (a default pattern), in a subfolder too.
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/inner.txt"), b"inner").unwrap();
    eventually("the subfolder upload", || async {
        w.object("team/sub/inner.txt").await.is_some()
    })
    .await;
    w.wait_state(&pair.id, PairState::UpToDate).await;
    w.manager.set_paused(&pair.id, true).await.unwrap();
    w.wait_state(&pair.id, PairState::Paused).await;
    std::fs::write(root.join("new-here.txt"), b"not yet sent").unwrap();
    std::fs::write(root.join("scratch.tmp"), b"ignored").unwrap();
    let files = w.manager.files(&pair.id, "").await.unwrap();
    let state_of = |path: &str| files.iter().find(|f| f.path == path).map(|f| f.state);
    assert_eq!(state_of("notes.txt"), Some(FileSyncState::Synced), "{files:?}");
    assert_eq!(state_of("sub/"), Some(FileSyncState::Synced), "{files:?}");
    assert_eq!(state_of("new-here.txt"), Some(FileSyncState::Waiting), "{files:?}");
    assert_eq!(state_of("scratch.tmp"), Some(FileSyncState::Ignored), "{files:?}");
    assert_eq!(files.first().map(|f| f.path.as_str()), Some("sub/"), "folders first");
    let inner = w.manager.files(&pair.id, "sub/").await.unwrap();
    assert_eq!(inner.len(), 1);
    assert_eq!(
        (inner[0].path.as_str(), inner[0].state),
        ("sub/inner.txt", FileSyncState::Synced)
    );
    assert!(
        w.manager.files(&pair.id, "../").await.is_err(),
        "a path outside the folder was listed"
    );
    std::fs::remove_file(root.join("new-here.txt")).unwrap();
    w.manager.set_paused(&pair.id, false).await.unwrap();
    w.wait_state(&pair.id, PairState::UpToDate).await;

    // A second check now warns that the first sync of a new pair on this prefix would merge.
    let other = w.folder("Other");
    std::fs::write(other.join("x.txt"), b"x").unwrap();
    let check = w.manager.check(&w.draft(&other, "team/")).await.unwrap();
    assert!(check.folder_has_files && check.bucket_has_objects);
    assert!(check.warning.unwrap_or_default().contains("Nothing is deleted"));
    // The same folder cannot be paired twice, nor one inside it.
    let inside = w.folder("Shared/sub");
    let refused = w.manager.add(&w.draft(&inside, "elsewhere")).await.unwrap_err();
    assert!(
        refused.user_message().contains("overlaps"),
        "{}",
        refused.user_message()
    );
    // Nor Pail's own data folder, or a folder holding it.
    let own = w.te.data_dir.path().canonicalize().unwrap();
    for folder in [own.as_path(), own.parent().unwrap()] {
        let refused = w.manager.check(&w.draft(folder, "elsewhere")).await.unwrap_err();
        assert!(
            refused.user_message().contains("Pail's own"),
            "{}",
            refused.user_message()
        );
    }

    // Edit vs edit: a conflict copy, listed, then "keep both".
    make_conflict(
        &w,
        &pair.id,
        &root,
        "notes.txt",
        b"mine, edited here",
        b"theirs, edited elsewhere",
    )
    .await;
    let conflicts = wait_conflicts(&w, &pair.id, 1).await;
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(c.original_path, "notes.txt");
    assert!(c.copy_is_mine, "this computer made the copy: {c:?}");
    assert!(
        c.copy_path.contains("conflict") && c.copy_path.ends_with(".txt"),
        "{c:?}"
    );
    assert_eq!(std::fs::read(root.join(&c.copy_path)).unwrap(), b"mine, edited here");
    assert_eq!(
        std::fs::read(root.join("notes.txt")).unwrap(),
        b"theirs, edited elsewhere"
    );
    let status = w.wait_state(&pair.id, PairState::UpToDate).await;
    assert_eq!(status.conflicts, 1);
    w.manager
        .resolve_conflict(&pair.id, &c.copy_path, Resolution::KeepBoth)
        .await
        .unwrap();
    assert!(w.manager.conflicts(&pair.id).await.unwrap().is_empty());
    assert!(root.join(&c.copy_path).exists() && root.join("notes.txt").exists());
    let copy_key = format!("team/{}", c.copy_path);
    eventually("the copy in the bucket", || async {
        w.object(&copy_key).await.is_some()
    })
    .await;

    // "Keep mine": the copy (this computer's edit) takes the name; the bucket follows.
    make_conflict(&w, &pair.id, &root, "plan.md", b"my plan", b"their plan").await;
    let c = wait_conflicts(&w, &pair.id, 1).await.pop().unwrap();
    assert_eq!(c.original_path, "plan.md");
    w.manager
        .resolve_conflict(&pair.id, &c.copy_path, Resolution::KeepCopy)
        .await
        .unwrap();
    assert_eq!(std::fs::read(root.join("plan.md")).unwrap(), b"my plan");
    assert!(!root.join(&c.copy_path).exists());
    eventually("my version in the bucket", || async {
        w.object("team/plan.md").await.as_deref() == Some(&b"my plan"[..])
    })
    .await;

    // Removing the pair stops syncing and keeps every file on both sides.
    w.manager.remove(&pair.id).await.unwrap();
    assert!(w.manager.list().await.unwrap().is_empty());
    std::fs::write(root.join("after-removal.txt"), b"not synced").unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(w.object("team/after-removal.txt").await, None);
    assert!(root.join("notes.txt").exists() && w.object("team/notes.txt").await.is_some());
    drop(w.te);
}

/// The pair's conflicts once `n` are listed (the copy is on disk a moment before its base row).
async fn wait_conflicts(w: &World, pair_id: &str, n: usize) -> Vec<pail_engine::sync::conflicts::Conflict> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let list = w.manager.conflicts(pair_id).await.unwrap();
        if list.len() >= n {
            return list;
        }
        assert!(Instant::now() < deadline, "{n} conflicts never listed; have {list:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Pauses the pair, edits `name` on both sides, resumes, and waits for the conflict copy.
async fn make_conflict(w: &World, pair_id: &str, root: &std::path::Path, name: &str, mine: &[u8], theirs: &[u8]) {
    std::fs::write(root.join(name), b"base").unwrap();
    let key = format!("team/{name}");
    eventually("the base version", || async {
        w.object(&key).await.as_deref() == Some(&b"base"[..])
    })
    .await;
    w.wait_state(pair_id, PairState::UpToDate).await;
    w.manager.set_paused(pair_id, true).await.unwrap();
    w.wait_state(pair_id, PairState::Paused).await;
    std::fs::write(root.join(name), mine).unwrap();
    w.put(&key, theirs).await;
    w.manager.set_paused(pair_id, false).await.unwrap();
    let stem = name.split('.').next().unwrap_or(name).to_owned();
    eventually("a conflict copy", || async {
        std::fs::read_dir(root).unwrap().filter_map(|e| e.ok()).any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&stem) && n.contains("(conflict from")
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_folder_a_lost_network_and_a_vanished_bucket_are_reported_and_heal_without_losing_anything() {
    let upstream = moto_endpoint();
    let proxy = FaultProxy::start(&upstream, 7, FaultConfig::none());
    let w = world("mgr-heal", &proxy.endpoint()).await;
    let root = w.folder("Photos");
    std::fs::write(root.join("a.jpg"), b"jpeg bytes").unwrap();
    let pair = w.manager.add(&w.draft(&root, "photos")).await.unwrap();
    eventually("the upload", || async { w.object("photos/a.jpg").await.is_some() }).await;
    w.wait_state(&pair.id, PairState::UpToDate).await;

    // The folder goes away (an unplugged disk): offline until it is back, and nothing is deleted
    // remotely.
    let parked = w.dir.path().join("parked");
    std::fs::rename(&root, &parked).unwrap();
    let status = w.wait_state(&pair.id, PairState::Offline).await;
    assert!(
        status.message.as_deref().unwrap_or_default().contains("missing"),
        "{status:?}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        w.object("photos/a.jpg").await.is_some(),
        "a missing folder was taken as deletions"
    );
    std::fs::rename(&parked, &root).unwrap();
    w.wait_state(&pair.id, PairState::UpToDate).await;
    assert!(root.join("a.jpg").exists());

    // The network drops: offline, retrying; it comes back: up to date again.
    proxy.set_config(FaultConfig::always(FaultKind::Reset));
    proxy.set_enabled(true);
    std::fs::write(root.join("b.jpg"), b"more bytes").unwrap();
    let status = w.wait_state(&pair.id, PairState::Offline).await;
    assert!(status.message.is_some() && status.detail.is_some(), "{status:?}");
    proxy.set_enabled(false);
    eventually("the upload after the network is back", || async {
        w.object("photos/b.jpg").await.is_some()
    })
    .await;
    w.wait_state(&pair.id, PairState::UpToDate).await;

    // The bucket vanishes: needs attention, in words naming it, and the folder is left alone.
    // Everything goes, Pail's change marker under photos/.pail/ too.
    let listed = w.s3.list_objects_v2().bucket(&w.bucket).send().await.unwrap();
    for key in listed.contents().iter().filter_map(|o| o.key()) {
        w.s3.delete_object().bucket(&w.bucket).key(key).send().await.unwrap();
    }
    w.s3.delete_bucket().bucket(&w.bucket).send().await.unwrap();
    let status = w.wait_state(&pair.id, PairState::NeedsAttention).await;
    assert!(
        status.message.as_deref().unwrap_or_default().contains(&w.bucket),
        "{status:?}"
    );
    assert!(root.join("a.jpg").exists() && root.join("b.jpg").exists());
    // It is restored (with its objects): syncing carries on by itself.
    make_bucket(&w.s3, &w.bucket, &[]).await;
    w.put("photos/a.jpg", b"jpeg bytes").await;
    w.put("photos/b.jpg", b"more bytes").await;
    w.wait_state(&pair.id, PairState::UpToDate).await;
    assert_eq!(std::fs::read(root.join("a.jpg")).unwrap(), b"jpeg bytes");

    w.manager.stop_all().await;
    drop(w.te);
}

/// Both sides of a pair at once: each relative file with its bytes, locally and in the bucket.
async fn both_sides(
    w: &World,
    root: &std::path::Path,
    prefix: &str,
) -> (
    std::collections::BTreeMap<String, Vec<u8>>,
    std::collections::BTreeMap<String, Vec<u8>>,
) {
    let mut local = std::collections::BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
        if entry.file_type().is_file() && !rel.starts_with(".pail") {
            local.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    // Read while the pair syncs: a key listed may be gone by the time it is read (the next
    // look sees the listing without it).
    let mut remote = std::collections::BTreeMap::new();
    for key in s3::keys(&w.s3, &w.bucket, prefix).await {
        let rel = &key[prefix.len()..];
        if rel.ends_with('/') || rel.starts_with(".pail/") {
            continue;
        }
        if let Some(body) = s3::get(&w.s3, &w.bucket, &key).await {
            remote.insert(rel.to_owned(), body);
        }
    }
    (local, remote)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_puts_back_what_a_sync_pass_changed_deleted_and_moved_on_both_sides() {
    let w = world("undo", &moto_endpoint()).await;
    pail_testkit::s3::enable_versioning(&w.s3, &w.bucket).await;
    let root = w.folder("Undo");
    let before: Vec<(&str, &[u8])> = vec![
        ("edited-here.txt", b"first words"),
        ("deleted-here.txt", b"keep me"),
        ("edited-there.txt", b"my draft"),
        ("d/deleted-there.txt", b"in a folder"),
        ("renamed-here.txt", b"old name"),
        ("untouched.txt", b"stays"),
    ];
    std::fs::create_dir_all(root.join("d")).unwrap();
    for (path, body) in &before {
        std::fs::write(root.join(path), body).unwrap();
    }
    let pair = w.manager.add(&w.draft(&root, "u")).await.unwrap();
    eventually("the first sync", || async {
        let (local, remote) = both_sides(&w, &root, "u/").await;
        local.len() == before.len() && local == remote
    })
    .await;
    w.wait_state(&pair.id, PairState::UpToDate).await;

    // One pass carries changes from both sides: made while paused, then synced at once.
    w.manager.set_paused(&pair.id, true).await.unwrap();
    w.wait_state(&pair.id, PairState::Paused).await;
    std::fs::write(root.join("edited-here.txt"), b"second words, longer").unwrap();
    std::fs::remove_file(root.join("deleted-here.txt")).unwrap();
    std::fs::rename(root.join("renamed-here.txt"), root.join("new-name.txt")).unwrap();
    std::fs::write(root.join("added-here.txt"), b"brand new").unwrap();
    // Two rewrites elsewhere between two syncs here: undo brings back what this computer had.
    w.put("u/edited-there.txt", b"their first rewrite").await;
    w.put("u/edited-there.txt", b"their rewrite").await;
    w.s3.delete_object()
        .bucket(&w.bucket)
        .key("u/d/deleted-there.txt")
        .send()
        .await
        .unwrap();
    w.s3.delete_object().bucket(&w.bucket).key("u/d/").send().await.unwrap();
    w.manager.set_paused(&pair.id, false).await.unwrap();
    w.manager.check_now(&pair.id).await.unwrap();
    eventually("the pass with both sides' changes", || async {
        let (local, remote) = both_sides(&w, &root, "u/").await;
        local == remote
            && local.get("edited-there.txt").map(Vec::as_slice) == Some(&b"their rewrite"[..])
            && !local.contains_key("d/deleted-there.txt")
            && !root.join("d").exists()
            && local.contains_key("new-name.txt")
    })
    .await;
    w.wait_state(&pair.id, PairState::UpToDate).await;

    let feed = w.manager.activity(&pair.id, 200).await.unwrap();
    let mut passes: Vec<String> = feed
        .iter()
        .filter(|a| a.can_undo)
        .filter_map(|a| a.pass_id.clone())
        .collect();
    passes.dedup();
    assert!(!passes.is_empty(), "no pass can be undone: {feed:#?}");
    let added = feed
        .iter()
        .find(|a| a.path == "added-here.txt")
        .expect("the new file's line");
    assert!(!added.can_undo, "a file a pass only added has nothing to put back");
    let trashed_from = root.join("d/deleted-there.txt");
    let in_trash = || {
        trash::os_limited::list()
            .unwrap()
            .into_iter()
            .any(|item| item.original_path() == trashed_from)
    };
    assert!(in_trash(), "the file deleted in the bucket went to the system trash");
    let mut put_back = Vec::new();
    for pass in &passes {
        let report = w.manager.undo_pass(&pair.id, pass).await.unwrap();
        assert!(report.not_put_back.is_empty(), "{report:#?}");
        put_back.extend(report.put_back);
        // Twice is refused: the first undo claimed the pass.
        let again = w.manager.undo_pass(&pair.id, pass).await.unwrap_err();
        assert!(again.user_message().contains("undone"), "{}", again.user_message());
    }
    // The trashed file came out of the system trash (not only back from the bucket).
    assert!(!in_trash(), "the trashed file is still in the trash");
    put_back.sort();
    assert_eq!(
        put_back,
        [
            "d/",
            "d/deleted-there.txt",
            "deleted-here.txt",
            "edited-here.txt",
            "edited-there.txt",
            "new-name.txt"
        ],
        "what the undo says it put back"
    );

    // Both sides show the state before the pass again; the file that pass added stays.
    let mut expected: std::collections::BTreeMap<String, Vec<u8>> =
        before.iter().map(|(p, b)| ((*p).to_owned(), b.to_vec())).collect();
    expected.insert("added-here.txt".into(), b"brand new".to_vec());
    eventually("both sides as before the pass", || async {
        let (local, remote) = both_sides(&w, &root, "u/").await;
        local == expected && remote == expected
    })
    .await;
    assert!(root.join("d").is_dir());
    let feed = w.manager.activity(&pair.id, 200).await.unwrap();
    assert!(feed
        .iter()
        .any(|a| a.action == pail_engine::core::activity::ActivityKind::PutBack));
    assert!(feed
        .iter()
        .filter(|a| passes.contains(a.pass_id.as_ref().unwrap_or(&String::new())))
        .all(|a| a.undone && !a.can_undo));
    // Every version the bucket held before the undo is still there.
    let versions =
        w.s3.list_object_versions()
            .bucket(&w.bucket)
            .prefix("u/edited-here.txt")
            .send()
            .await
            .unwrap();
    assert!(versions.versions().len() >= 3, "{:?}", versions.versions());
    w.manager.remove(&pair.id).await.unwrap();
}
