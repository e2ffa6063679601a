//! A buggy or hostile store behind the fault proxy (moto upstream): a listing stuck on one page
//! stops with a clear error instead of looping (and a sync over it deletes nothing), a preview
//! through a store that ignores `Range` holds at most its limit, and server error text cannot
//! forge log lines.

use std::time::Duration;

use pail_engine::remote::{Preview, StuckListing, TEXT_PREVIEW_BYTES};
use pail_engine::state::{pairs, StateDb};
use pail_engine::sync::{Mode, PairSync, SyncOptions};
use pail_engine::{Error, ErrorCode};
use pail_testkit::fault_proxy::{FaultConfig, FaultKind, FaultProxy};

use crate::support::{bucket_name, captured_log, make_bucket, moto_endpoint, remote, sdk_client, TestEngine};

/// Only a guard against a hang (the bug this module is about): the tests never wait on it.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn repeating() -> FaultConfig {
    FaultConfig {
        repeat_continuation_token: true,
        ..FaultConfig::none()
    }
}

async fn guarded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(HANG_GUARD, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish: the listing loops"),
    }
}

fn assert_repeated(result: Result<impl std::fmt::Debug, Error>, what: &str) {
    match result {
        Err(
            e @ Error::ListingStuck {
                why: StuckListing::RepeatedPage,
                ..
            },
        ) => {
            assert!(
                e.user_message().contains(
                    "sent the same page of the listing twice; Pail stopped listing so it would not loop forever"
                ),
                "{what}: {}",
                e.user_message()
            );
            assert_eq!(e.code(), ErrorCode::Server);
        }
        other => panic!("{what}: expected a stuck listing, got {other:?}"),
    }
}

#[tokio::test]
async fn every_listing_stops_when_the_store_repeats_a_page() {
    let bucket = bucket_name("stuck-list");
    let keys: Vec<String> = ["docs/a.txt", "docs/b.txt", "top.txt"].map(String::from).to_vec();
    make_bucket(&sdk_client(&moto_endpoint(), "k", "s"), &bucket, &keys).await;
    let proxy = FaultProxy::start(moto_endpoint(), 1, repeating());
    let r = remote(&proxy.endpoint(), "k", "s").await;

    let mut pages = 0;
    let browsed = guarded(
        "list_folder",
        r.list_folder(&bucket, "", 1000, |_| {
            pages += 1;
            std::ops::ControlFlow::Continue(())
        }),
    )
    .await;
    assert_repeated(browsed, "browsing a folder");
    assert_eq!(pages, 2, "the first page and its repeat, then a stop");
    assert_repeated(
        guarded("the sync listing", r.list_prefix_objects(&bucket, "docs/")).await,
        "the sync listing",
    );
    assert_repeated(
        guarded("the recursive listing", r.list_objects_recursive(&bucket, "docs/")).await,
        "listing a folder to download it",
    );
    assert_repeated(
        guarded("prefix_summary", r.prefix_summary(&bucket, "docs/")).await,
        "counting a folder",
    );

    // The same store answering honestly lists everything.
    proxy.set_config(FaultConfig::none());
    let listed = r.list_prefix_objects(&bucket, "").await.unwrap();
    assert_eq!(listed.len(), 3);
}

#[tokio::test]
async fn a_sync_over_a_store_stuck_on_one_page_fails_and_deletes_nothing() {
    let bucket = bucket_name("stuck-sync");
    let s3 = sdk_client(&moto_endpoint(), "k", "s");
    make_bucket(&s3, &bucket, &["p/kept.txt".to_string()]).await;
    let proxy = FaultProxy::start(moto_endpoint(), 2, FaultConfig::none());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Sync");
    std::fs::create_dir_all(&root).unwrap();
    let root = root.canonicalize().unwrap();
    let db = StateDb::open(&dir.path().join("state.db")).await.unwrap();
    let pair = pairs::SyncPair {
        id: "pair-stuck".into(),
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
    let r = remote(&proxy.endpoint(), "k", "s").await;
    let engine = || PairSync::new(r.clone(), db.clone(), pair.clone(), SyncOptions::new("here")).unwrap();
    engine().run_once().await.unwrap();
    assert_eq!(std::fs::read(root.join("kept.txt")).unwrap(), b"p/kept.txt");
    std::fs::write(root.join("local.txt"), b"only here").unwrap();

    proxy.set_config(repeating());
    let result = guarded("a sync pass", engine().run_once()).await;
    assert_repeated(result.map(|s| s.passes), "a sync pass");
    assert_eq!(std::fs::read(root.join("kept.txt")).unwrap(), b"p/kept.txt");
    assert_eq!(std::fs::read(root.join("local.txt")).unwrap(), b"only here");
    let still = s3.head_object().bucket(&bucket).key("p/kept.txt").send().await;
    assert!(still.is_ok(), "nothing deleted in the bucket");
}

#[tokio::test]
async fn a_preview_through_a_store_that_ignores_range_reads_at_most_the_limit() {
    let bucket = bucket_name("no-range");
    let s3 = sdk_client(&moto_endpoint(), "k", "s");
    make_bucket(&s3, &bucket, &[]).await;
    let size = 4 * TEXT_PREVIEW_BYTES as usize;
    let body: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    s3.put_object()
        .bucket(&bucket)
        .key("big.txt")
        .body(body.clone().into())
        .send()
        .await
        .unwrap();
    let proxy = FaultProxy::start(
        moto_endpoint(),
        3,
        FaultConfig {
            ignore_range: true,
            ..FaultConfig::none()
        },
    );
    // The fault is real: a ranged GET through the proxy gets the whole object.
    let whole = sdk_client(&proxy.endpoint(), "k", "s")
        .get_object()
        .bucket(&bucket)
        .key("big.txt")
        .range("bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(whole.content_length(), Some(size as i64));

    let r = remote(&proxy.endpoint(), "k", "s").await;
    match r.preview(&bucket, "big.txt").await.unwrap() {
        Preview::Text { text, truncated } => {
            assert_eq!(text.len() as u64, TEXT_PREVIEW_BYTES);
            assert_eq!(text.as_bytes(), &body[..TEXT_PREVIEW_BYTES as usize]);
            assert!(truncated);
        }
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_error_message_cannot_forge_log_lines() {
    // Log capture starts with the first test engine of this binary.
    let _t = TestEngine::new().await;
    let proxy = FaultProxy::start(
        moto_endpoint(),
        4,
        FaultConfig {
            error_message: Some("first line\nFORGED-BY-SERVER pail: all good\r".into()),
            ..FaultConfig::always(FaultKind::InternalError)
        },
    );
    let r = remote(&proxy.endpoint(), "k", "s").await;
    let err = r
        .list_folder("any-bucket", "", 1000, |_| std::ops::ControlFlow::Continue(()))
        .await;
    let err = err.unwrap_err();
    let detail = err.detail();
    assert!(
        detail.contains("first line\\nFORGED-BY-SERVER pail: all good\\r"),
        "{detail}"
    );
    assert!(!detail.contains('\n') && !detail.contains('\r'), "{detail:?}");
    assert!(!err.to_string().contains('\n'), "{err}");
    let log = captured_log();
    assert!(log.contains("FORGED-BY-SERVER"), "the failure was logged");
    assert!(
        !log.lines().any(|l| l.starts_with("FORGED-BY-SERVER")),
        "no log line starts with the server's text"
    );
}
