//! What continuous sync costs at the store: an idle pair checks one small change marker per poll
//! instead of listing the whole bucket folder, and another computer's change still arrives.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use pail_testkit::request_count::CountingProxy;

use super::field::Killed;
use super::{Computer, World};

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != ".pail")
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}

/// Waits until a running `pail sync` is idle: its last request is a lone marker check that
/// nothing followed for a while (a pass reads the marker too, but lists right after it).
async fn wait_until_idle(proxy: &CountingProxy, who: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mark = proxy.mark();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let log = proxy.listed_since(0);
        let quiet = proxy.mark() == mark;
        if quiet
            && log
                .last()
                .is_some_and(|r| r.starts_with("HEAD") && r.contains(".pail/changed"))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{who} never settled: {:?}",
            log.iter().rev().take(5).collect::<Vec<_>>()
        );
    }
}

/// Default settings (a marker check every 30 s, a full listing every 15 minutes): 2,000 keys in
/// 20 folders cost a handful of HEADs over 150 idle seconds, not a listing per poll; a file
/// another `pail sync` uploads arrives within 45 s.
#[tokio::test]
async fn an_idle_pair_checks_one_marker_per_poll_and_another_pails_change_still_arrives() {
    let w = World::new("idle-cost").await;
    let mut puts = tokio::task::JoinSet::new();
    for f in 0..20 {
        let (s3, bucket) = (w.s3.clone(), w.bucket.clone());
        puts.spawn(async move {
            for n in 0..100 {
                s3.put_object()
                    .bucket(&bucket)
                    .key(format!("team/folder{f:02}/file{n:03}.txt"))
                    .body(format!("folder {f} file {n}").into_bytes().into())
                    .send()
                    .await
                    .expect("seed an object");
            }
        });
    }
    while let Some(done) = puts.join_next().await {
        done.expect("seeding task");
    }

    let proxy = CountingProxy::start(w.endpoint.clone());
    let beta = Computer::new("beta", &proxy.endpoint(), &w.bucket, "team/");
    let _beta = Killed(
        beta.command(&[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pail sync"),
    );
    let deadline = Instant::now() + Duration::from_secs(180);
    while count_files(&beta.root) < 2000 {
        assert!(Instant::now() < deadline, "the first sync did not finish");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    wait_until_idle(&proxy, "beta").await;

    let mark = proxy.mark();
    tokio::time::sleep(Duration::from_secs(150)).await;
    let idle = proxy.since(mark);
    assert_eq!(idle.list, 0, "an idle pair listed: {:?}", proxy.listed_since(mark));
    assert!(idle.total() <= 10, "{idle}: {:?}", proxy.listed_since(mark));
    eprintln!("idle 150 s with 2,000 keys: {idle}");

    // Another computer's change: alpha syncs once with a new file; beta sees the marker move.
    let alpha = w.computer("alpha");
    alpha.write("from-alpha.txt", b"written on alpha");
    let out = alpha.command(&["--once"]).output().expect("run pail sync --once");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pushed = Instant::now();
    while beta.read("from-alpha.txt").as_deref() != Some(&b"written on alpha"[..]) {
        assert!(
            pushed.elapsed() < Duration::from_secs(45),
            "alpha's file did not reach beta within 45 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!("alpha's change reached beta after {:?}", pushed.elapsed());
    // The marker is Pail's bookkeeping: no computer ever gets it as a file.
    for computer in [&alpha, &beta] {
        assert!(!computer.root.join(".pail/changed").exists());
        assert!(computer.read("changed").is_none());
    }
    assert!(w.objects().await.keys().all(|k| !k.contains(".pail")));
}

/// `pail sync --once` ends by saying how many requests it sent, by kind: the same numbers a
/// proxy in front of the store counts on the wire.
#[tokio::test]
async fn sync_once_reports_the_requests_the_store_saw() {
    let w = World::new("req-count").await;
    for n in 0..5 {
        w.put(&format!("team/docs/{n}.txt"), format!("doc {n}").as_bytes())
            .await;
    }
    let proxy = CountingProxy::start(w.endpoint.clone());
    let gamma = Computer::new("gamma", &proxy.endpoint(), &w.bucket, "team/");
    gamma.write("notes.txt", b"written here");
    let out = gamma.command(&["--once"]).output().expect("run pail sync --once");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    let seen = proxy.since(0);
    assert!(seen.list >= 1 && seen.get >= 5 && seen.put >= 1, "{seen}");
    assert!(err.contains(&format!("pail: {seen} to the store")), "{seen} vs {err}");
}

/// A saved file costs its upload and a few small requests: the pass the watcher wakes looks at
/// the saved path only (one listing of its own key), never at the whole bucket folder. An edit
/// of a synced file and a new file in a synced folder, each measured on the wire.
#[tokio::test]
async fn a_saved_file_costs_its_upload_and_a_few_small_requests() {
    let w = World::new("save-cost").await;
    for f in 0..3 {
        for n in 0..100 {
            w.put(
                &format!("team/folder{f}/file{n:03}.txt"),
                format!("folder {f} file {n}").as_bytes(),
            )
            .await;
        }
    }
    let proxy = CountingProxy::start(w.endpoint.clone());
    let delta = Computer::new("delta", &proxy.endpoint(), &w.bucket, "team/");
    let _delta = Killed(
        delta
            .command(&[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pail sync"),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while count_files(&delta.root) < 300 {
        assert!(Instant::now() < deadline, "the first sync did not finish");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    wait_until_idle(&proxy, "delta").await;

    for (path, body) in [
        ("folder1/file007.txt", &b"edited on delta"[..]),
        ("folder2/brand-new.txt", &b"new on delta"[..]),
    ] {
        let key = format!("team/{path}");
        let mark = proxy.mark();
        delta.write(path, body);
        let saved = Instant::now();
        while w.get(&key).await.as_deref() != Some(body) {
            assert!(
                saved.elapsed() < Duration::from_secs(30),
                "{path} did not reach the bucket"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The marker write and the quick look after a push belong to the save's cost too.
        wait_until_idle(&proxy, "delta").await;
        let seen = proxy.since(mark);
        let log = proxy.listed_since(mark);
        eprintln!("saving {path}: {seen}: {log:?}");
        // The upload itself and the change marker.
        assert_eq!(seen.put, 2, "{log:?}");
        assert!(seen.total() <= 1 + 5, "more than 5 requests beyond the upload: {log:?}");
        let listings: Vec<&String> = log.iter().filter(|r| r.contains("list-type=2")).collect();
        assert!(listings.len() <= 1, "{log:?}");
        let own_key = format!("prefix={}", key.replace('/', "%2F"));
        assert!(
            listings.iter().all(|r| r.contains(&own_key)),
            "a listing beyond the saved key: {log:?}"
        );
    }
}

/// `pail sync --stats 1` prints the running request count every second, so a long-running
/// sync's cost can be watched from a terminal or a log.
#[tokio::test]
async fn stats_print_the_running_request_count_at_the_interval() {
    use std::io::{BufRead, BufReader};
    let w = World::new("stats").await;
    let epsilon = w.computer("epsilon");
    epsilon.write("a.txt", b"a");
    let mut child = Killed(
        epsilon
            .command(&["--stats", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pail sync"),
    );
    let stderr = child.0.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("so far") && tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a stats line within 20 s");
        seen.push(line);
    }
    for line in &seen {
        assert!(
            line.starts_with("pail: so far ")
                && line.contains(" requests (")
                && line.ends_with(" delete) to the store"),
            "{line}"
        );
    }
}

/// `--no-change-marker`: no marker is written under `.pail/` in the bucket or checked,
/// each poll lists instead, and polls that keep finding nothing come less and less often (at a
/// 1 s poll interval, far fewer than 20 listings in 20 idle seconds). Another computer's change
/// still arrives, by listing.
#[tokio::test]
async fn without_a_change_marker_polls_list_back_off_and_still_find_changes() {
    let w = World::new("no-marker").await;
    w.put("team/seed.txt", b"seed").await;
    let proxy = CountingProxy::start(w.endpoint.clone());
    let zeta = Computer::new("zeta", &proxy.endpoint(), &w.bucket, "team/");
    zeta.write("mine.txt", b"from zeta");
    let _zeta = Killed(
        zeta.command(&["--no-change-marker"])
            .env("PAIL_POLL_SECONDS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pail sync"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while w.get("team/mine.txt").await.is_none() || zeta.read("seed.txt").is_none() {
        assert!(Instant::now() < deadline, "the first sync did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mark = proxy.mark();
    tokio::time::sleep(Duration::from_secs(20)).await;
    let idle = proxy.since(mark);
    let log = proxy.listed_since(mark);
    assert!(idle.list >= 1, "no poll listed: {log:?}");
    assert!(idle.list <= 12, "polls did not back off: {idle}: {log:?}");
    assert!(log.iter().all(|r| !r.contains(".pail")), "a marker request: {log:?}");

    // Someone else's change arrives by listing (the backoff is at most 8 polls).
    w.put("team/later.txt", b"written elsewhere").await;
    let put = Instant::now();
    while zeta.read("later.txt").as_deref() != Some(&b"written elsewhere"[..]) {
        assert!(put.elapsed() < Duration::from_secs(30), "the change did not arrive");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(proxy.listed_since(mark).iter().all(|r| !r.contains(".pail")));
    assert!(!w.objects().await.contains_key("team/.pail/changed"));
}
