//! The transfer queue against a real S3 server (moto), with a request-counting proxy where a test
//! must stop a transfer half-way: folders up and down in parallel parts with content verified,
//! pause and resume, cancel leaving nothing behind, restart-resume without re-sending finished
//! parts or ranges, and name-clash policies.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pail_engine::remote::UploadOptions;
use pail_engine::state::transfers;
use pail_engine::transfers::{ClashPolicy, QueueSettings, TransferQueue, TransferState};
use pail_engine::{Engine, EngineConfig};
use pail_testkit::fault_proxy::{FaultConfig, FaultProxy};

use crate::support::*;

const MIB: usize = 1024 * 1024;

fn settings() -> QueueSettings {
    QueueSettings {
        parallel_transfers: 3,
        upload: UploadOptions {
            multipart_threshold: 8 * MIB as u64,
            part_size: 5 * MIB as u64,
            parallel_parts: 3,
        },
        download_parallel: 3,
        update_interval: Duration::from_millis(50),
    }
}

/// Bytes that differ in every part, so a misplaced part would show.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// A proxy that slows every request, so a test can stop a transfer half-way; it counts requests.
fn slow_proxy() -> FaultProxy {
    let config = FaultConfig {
        latency: 1.0,
        max_latency: Duration::from_millis(300),
        ..FaultConfig::none()
    };
    FaultProxy::start(moto_endpoint(), 7, config)
}

fn count(proxy: &FaultProxy, method: &str, needle: &str) -> usize {
    proxy
        .records()
        .iter()
        .filter(|r| r.method == method && r.target.contains(needle))
        .count()
}

async fn connect(t: &TestEngine, endpoint: &str) -> String {
    t.engine.create_connection(&draft(endpoint, "k", "s")).await.unwrap().id
}

async fn wait_until(
    queue: &TransferQueue,
    what: &str,
    mut check: impl FnMut(&[pail_engine::transfers::TransferView]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let snap = queue.snapshot();
        if check(&snap.changed) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:#?}",
            snap.changed
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn all_in(state: TransferState) -> impl FnMut(&[pail_engine::transfers::TransferView]) -> bool {
    move |items| !items.is_empty() && items.iter().all(|i| i.state == state)
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_tree_goes_up_in_parallel_parts_and_comes_back_identical() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name("qfolder");
    make_bucket(&client, &bucket, &[]).await;
    let t = TestEngine::new().await;
    let conn = connect(&t, &endpoint).await;
    let queue = TransferQueue::open(t.engine.clone(), settings()).await.unwrap();

    let src = tempfile::tempdir().unwrap();
    let root = src.path().join("shoot");
    std::fs::create_dir_all(root.join("raw/day1")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    let big = pattern(21 * MIB, 1);
    std::fs::write(root.join("raw/day1/big.bin"), &big).unwrap();
    for i in 0..6 {
        std::fs::write(root.join(format!("raw/small-{i}.txt")), format!("small {i}")).unwrap();
    }
    std::fs::write(root.join("notes.md"), b"# notes").unwrap();

    let queued = queue
        .enqueue_upload(
            &conn,
            &bucket,
            "inbox/",
            std::slice::from_ref(&root),
            ClashPolicy::Replace,
            &HashMap::new(),
        )
        .await
        .unwrap();
    assert_eq!(queued.queued, 8);
    wait_until(&queue, "uploads done", all_in(TransferState::Done)).await;
    let totals = queue.snapshot().totals;
    assert_eq!(totals.done, 8);
    assert_eq!(totals.done_bytes, totals.total_bytes);

    assert!(s3::get(&client, &bucket, "inbox/shoot/raw/day1/big.bin").await.unwrap() == big);
    assert_eq!(
        s3::get(&client, &bucket, "inbox/shoot/notes.md").await.unwrap(),
        b"# notes"
    );
    assert!(
        s3::get(&client, &bucket, "inbox/shoot/empty/").await.is_some(),
        "empty folder kept as a marker"
    );
    let head = client
        .head_object()
        .bucket(&bucket)
        .key("inbox/shoot/raw/day1/big.bin")
        .send()
        .await
        .unwrap();
    assert!(
        head.e_tag().unwrap().trim_matches('"').ends_with("-5"),
        "5 parts: {:?}",
        head.e_tag()
    );
    assert_eq!(s3::open_uploads(&client, &bucket).await, 0);

    queue.clear_finished().await.unwrap();
    assert!(queue.snapshot().changed.is_empty(), "finished transfers cleared");
    let dest = tempfile::tempdir().unwrap();
    let down = queue
        .enqueue_download(&conn, &bucket, &["inbox/shoot/".to_string()], dest.path())
        .await
        .unwrap();
    assert_eq!(down.queued, 8);
    wait_until(&queue, "downloads done", all_in(TransferState::Done)).await;
    assert!(std::fs::read(dest.path().join("shoot/raw/day1/big.bin")).unwrap() == big);
    assert_eq!(std::fs::read(dest.path().join("shoot/notes.md")).unwrap(), b"# notes");
    assert!(dest.path().join("shoot/empty").is_dir(), "the empty folder comes back");
    let names = files_under(dest.path());
    assert_eq!(names.len(), 8, "no temp files left: {names:?}");
    assert!(names.iter().all(|n| !n.contains(".pail-tmp-")));

    // Downloading again never overwrites: the second copy gets a "(2)" name.
    queue
        .enqueue_download(
            &conn,
            &bucket,
            &["inbox/shoot/notes.md".to_string()],
            &dest.path().join("shoot"),
        )
        .await
        .unwrap();
    wait_until(&queue, "second download", all_in(TransferState::Done)).await;
    assert_eq!(
        std::fs::read(dest.path().join("shoot/notes (2).md")).unwrap(),
        b"# notes"
    );
    assert_eq!(std::fs::read(dest.path().join("shoot/notes.md")).unwrap(), b"# notes");
    queue.halt();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_upload_keeps_its_parts_and_resumes_to_the_same_content() {
    let proxy = slow_proxy();
    let client = sdk_client(&moto_endpoint(), "k", "s");
    let bucket = bucket_name("qpause");
    make_bucket(&client, &bucket, &[]).await;
    let t = TestEngine::new().await;
    let conn = connect(&t, &proxy.endpoint()).await;
    let queue = TransferQueue::open(t.engine.clone(), settings()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body = pattern(31 * MIB, 2);
    let file = dir.path().join("movie.mov");
    std::fs::write(&file, &body).unwrap();

    queue
        .enqueue_upload(&conn, &bucket, "", &[file], ClashPolicy::Replace, &HashMap::new())
        .await
        .unwrap();
    wait_until(&queue, "some progress", |items| items.iter().any(|i| i.done_bytes > 0)).await;
    let id = queue.snapshot().changed[0].id.clone();
    queue.pause(std::slice::from_ref(&id)).await.unwrap();
    wait_until(&queue, "paused", all_in(TransferState::Paused)).await;
    assert_eq!(
        s3::open_uploads(&client, &bucket).await,
        1,
        "a paused upload keeps its parts"
    );
    let kept = transfers::parts(t.engine.db().pool(), &id).await.unwrap().len();
    assert!(kept >= 1);
    let sent_before = count(&proxy, "PUT", "partNumber=");

    queue.resume(std::slice::from_ref(&id)).await.unwrap();
    wait_until(&queue, "done", all_in(TransferState::Done)).await;
    let sent_after = count(&proxy, "PUT", "partNumber=") - sent_before;
    assert!(
        sent_after <= 7 - kept,
        "{sent_after} parts sent after resume with {kept} of 7 kept"
    );
    assert!(s3::get(&client, &bucket, "movie.mov").await.unwrap() == body);
    assert_eq!(s3::open_uploads(&client, &bucket).await, 0);
    queue.halt();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_leaves_no_object_and_no_open_multipart_upload() {
    let proxy = slow_proxy();
    let client = sdk_client(&moto_endpoint(), "k", "s");
    let bucket = bucket_name("qcancel");
    make_bucket(&client, &bucket, &[]).await;
    let t = TestEngine::new().await;
    let conn = connect(&t, &proxy.endpoint()).await;
    let queue = TransferQueue::open(t.engine.clone(), settings()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.iso");
    std::fs::write(&file, pattern(31 * MIB, 3)).unwrap();

    queue
        .enqueue_upload(&conn, &bucket, "iso/", &[file], ClashPolicy::Replace, &HashMap::new())
        .await
        .unwrap();
    let id = queue.snapshot().changed[0].id.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while transfers::parts(t.engine.db().pool(), &id).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no part stored in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    queue.cancel(std::slice::from_ref(&id)).await.unwrap();
    wait_until(&queue, "cancelled", all_in(TransferState::Cancelled)).await;
    assert!(s3::get(&client, &bucket, "iso/huge.iso").await.is_none(), "no object");
    assert_eq!(
        s3::open_uploads(&client, &bucket).await,
        0,
        "no hidden parts left billed"
    );
    queue.halt();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_queue_finishes_without_resending_finished_parts() {
    let proxy = slow_proxy();
    let client = sdk_client(&moto_endpoint(), "k", "s");
    let bucket = bucket_name("qrestart");
    make_bucket(&client, &bucket, &[]).await;
    let t = TestEngine::new().await;
    let conn = connect(&t, &proxy.endpoint()).await;
    let queue = TransferQueue::open(t.engine.clone(), settings()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body = pattern(46 * MIB, 4);
    let file = dir.path().join("archive.tar");
    std::fs::write(&file, &body).unwrap();
    let total_parts = 10;

    queue
        .enqueue_upload(&conn, &bucket, "", &[file], ClashPolicy::Replace, &HashMap::new())
        .await
        .unwrap();
    let id = queue.snapshot().changed[0].id.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while transfers::parts(t.engine.db().pool(), &id).await.unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no parts stored in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // As if the app were killed: every task stops where it is, the journal is left as it was.
    queue.halt();
    drop(queue);
    let journaled: Vec<i32> = transfers::parts(t.engine.db().pool(), &id)
        .await
        .unwrap()
        .iter()
        .map(|p| p.number)
        .collect();
    assert!(journaled.len() < total_parts);

    // A new engine on the same data folder: the queue comes back from the state DB alone. Its
    // requests go through a fresh proxy, so everything counted there was sent after the restart.
    let second = slow_proxy();
    let engine = Engine::open(EngineConfig {
        data_dir: t.data_dir.path().to_path_buf(),
        keyring_service: t.service.clone(),
        aws_files: Default::default(),
    })
    .await
    .unwrap();
    engine
        .update_connection(&conn, &draft(&second.endpoint(), "k", "s"))
        .await
        .unwrap();
    let queue = TransferQueue::open(engine.clone(), settings()).await.unwrap();
    wait_until(&queue, "resumed upload done", all_in(TransferState::Done)).await;
    let resent: Vec<String> = second
        .records()
        .iter()
        .filter(|r| r.method == "PUT" && r.target.contains("partNumber="))
        .map(|r| r.target.clone())
        .collect();
    assert!(
        resent.len() <= total_parts - journaled.len(),
        "{} parts sent after the restart, but {journaled:?} of {total_parts} were already stored: {resent:?}",
        resent.len()
    );
    for n in &journaled {
        assert!(
            !resent.iter().any(|t| t.contains(&format!("partNumber={n}&"))),
            "part {n} was stored before the restart but sent again: {resent:?}"
        );
    }
    assert!(s3::get(&client, &bucket, "archive.tar").await.unwrap() == body);
    assert_eq!(s3::open_uploads(&client, &bucket).await, 0);
    queue.halt();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_download_resumes_after_a_restart_fetching_only_missing_ranges() {
    let proxy = slow_proxy();
    let client = sdk_client(&moto_endpoint(), "k", "s");
    let bucket = bucket_name("qdown");
    make_bucket(&client, &bucket, &[]).await;
    let body = pattern(6 * 8 * MIB + 1234, 5);
    client
        .put_object()
        .bucket(&bucket)
        .key("media/film.mkv")
        .body(body.clone().into())
        .send()
        .await
        .unwrap();
    let t = TestEngine::new().await;
    let conn = connect(&t, &proxy.endpoint()).await;
    let mut slow = settings();
    slow.download_parallel = 2;
    let queue = TransferQueue::open(t.engine.clone(), slow).await.unwrap();
    let dest = tempfile::tempdir().unwrap();
    queue
        .enqueue_download(&conn, &bucket, &["media/film.mkv".to_string()], dest.path())
        .await
        .unwrap();
    let id = queue.snapshot().changed[0].id.clone();
    let total_chunks = 7;
    let deadline = Instant::now() + Duration::from_secs(60);
    while transfers::chunks(t.engine.db().pool(), &id).await.unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no ranges stored in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    queue.halt();
    drop(queue);
    let stored = transfers::chunks(t.engine.db().pool(), &id).await.unwrap().len();
    assert!(
        !dest.path().join("film.mkv").exists(),
        "nothing under the final name yet"
    );
    let second = slow_proxy();
    t.engine
        .update_connection(&conn, &draft(&second.endpoint(), "k", "s"))
        .await
        .unwrap();

    let queue = TransferQueue::open(t.engine.clone(), slow).await.unwrap();
    wait_until(&queue, "download done", all_in(TransferState::Done)).await;
    let ranges_after = count(&second, "GET", "film.mkv");
    assert!(
        ranges_after <= total_chunks - stored,
        "{ranges_after} ranges fetched after the restart with {stored} of {total_chunks} stored"
    );
    assert!(std::fs::read(dest.path().join("film.mkv")).unwrap() == body);
    assert_eq!(
        files_under(dest.path()),
        vec!["film.mkv".to_string()],
        "temp file renamed away"
    );
    queue.halt();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_clashes_are_replaced_skipped_or_kept_both_as_asked() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name("qclash");
    make_bucket(&client, &bucket, &[]).await;
    for (key, body) in [("up/a.txt", "old a"), ("up/b.txt", "old b"), ("up/a (2).txt", "old a2")] {
        client
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let t = TestEngine::new().await;
    let conn = connect(&t, &endpoint).await;
    let queue = TransferQueue::open(t.engine.clone(), settings()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = ["a.txt", "b.txt", "c.txt"]
        .iter()
        .map(|n| {
            let p = dir.path().join(n);
            std::fs::write(&p, format!("new {n}")).unwrap();
            p
        })
        .collect();

    let check = queue.check_upload(&conn, &bucket, "up/", &paths).await.unwrap();
    assert_eq!(check.files, 3);
    assert_eq!(check.existing, vec!["up/a.txt".to_string(), "up/b.txt".to_string()]);

    // Keep both for all, except b: skip.
    let per_key = HashMap::from([("up/b.txt".to_string(), ClashPolicy::Skip)]);
    let out = queue
        .enqueue_upload(&conn, &bucket, "up/", &paths, ClashPolicy::KeepBoth, &per_key)
        .await
        .unwrap();
    assert_eq!((out.queued, out.skipped_existing), (2, 1));
    wait_until(&queue, "uploads", all_in(TransferState::Done)).await;
    assert_eq!(s3::get(&client, &bucket, "up/a.txt").await.unwrap(), b"old a");
    assert_eq!(s3::get(&client, &bucket, "up/a (2).txt").await.unwrap(), b"old a2");
    assert_eq!(s3::get(&client, &bucket, "up/a (3).txt").await.unwrap(), b"new a.txt");
    assert_eq!(s3::get(&client, &bucket, "up/b.txt").await.unwrap(), b"old b");
    assert_eq!(s3::get(&client, &bucket, "up/c.txt").await.unwrap(), b"new c.txt");

    // Replace for all.
    queue
        .enqueue_upload(
            &conn,
            &bucket,
            "up/",
            &paths[..2],
            ClashPolicy::Replace,
            &HashMap::new(),
        )
        .await
        .unwrap();
    wait_until(&queue, "replacements", all_in(TransferState::Done)).await;
    assert_eq!(s3::get(&client, &bucket, "up/a.txt").await.unwrap(), b"new a.txt");
    assert_eq!(s3::get(&client, &bucket, "up/b.txt").await.unwrap(), b"new b.txt");

    // A folder other tools made with an empty segment (`up//odd/`) opens in the browser, so an
    // upload into it works too; a path that is no folder is refused in words.
    queue
        .enqueue_upload(
            &conn,
            &bucket,
            "up//odd/",
            &paths[2..],
            ClashPolicy::Replace,
            &HashMap::new(),
        )
        .await
        .unwrap();
    wait_until(&queue, "the upload into an odd folder", all_in(TransferState::Done)).await;
    assert_eq!(s3::get(&client, &bucket, "up//odd/c.txt").await.unwrap(), b"new c.txt");
    let refused = queue
        .enqueue_upload(
            &conn,
            &bucket,
            "up/c.txt",
            &paths[2..],
            ClashPolicy::Replace,
            &HashMap::new(),
        )
        .await
        .unwrap_err();
    assert!(
        refused.user_message().contains("is not a folder path"),
        "{}",
        refused.user_message()
    );
    queue.halt();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_transfer_says_why_and_retries() {
    let proxy = slow_proxy();
    let client = sdk_client(&moto_endpoint(), "k", "s");
    let bucket = bucket_name("qfail");
    make_bucket(&client, &bucket, &[]).await;
    let t = TestEngine::new().await;
    let conn = connect(&t, &proxy.endpoint()).await;
    let mut one_at_a_time = settings();
    one_at_a_time.parallel_transfers = 1;
    let queue = TransferQueue::open(t.engine.clone(), one_at_a_time).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("first.bin");
    std::fs::write(&big, pattern(16 * MIB, 6)).unwrap();
    let file = dir.path().join("vanishing.txt");
    std::fs::write(&file, b"here").unwrap();
    // The big file keeps the only slot busy while the small one's file disappears.
    queue
        .enqueue_upload(
            &conn,
            &bucket,
            "",
            &[big, file.clone()],
            ClashPolicy::Replace,
            &HashMap::new(),
        )
        .await
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let id = queue.snapshot().changed[1].id.clone();
    wait_until(&queue, "failed", |items| {
        items.iter().any(|i| i.state == TransferState::Failed)
    })
    .await;
    let failure = queue.get(&id).unwrap().failure.unwrap();
    assert!(failure.message.contains("vanishing.txt"), "{failure:?}");
    assert!(!failure.detail.is_empty());

    std::fs::write(&file, b"back").unwrap();
    queue.resume(std::slice::from_ref(&id)).await.unwrap();
    wait_until(&queue, "retried", all_in(TransferState::Done)).await;
    assert_eq!(s3::get(&client, &bucket, "vanishing.txt").await.unwrap(), b"back");
    queue.halt();
}
