//! The dev store against the real AWS SDK over real loopback HTTP.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use futures_util::StreamExt;
use pail_devstore::{seed_sample_bucket, DevStore, DevStoreConfig, SAMPLE_BUCKET};

const KEY: &str = "AKIAPAILDEVSTORE";
const SECRET: &str = "pail-dev-secret/with+chars";

#[derive(Debug)]
struct AheadClock(Duration);

impl TimeSource for AheadClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + self.0
    }
}

fn client_with(store: &DevStore, key: &str, secret: &str, clock: Option<SharedTimeSource>) -> Client {
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(store.endpoint())
        .force_path_style(true)
        .credentials_provider(Credentials::new(key, secret, None, None, "test"));
    if let Some(clock) = clock {
        config = config.time_source(clock);
    }
    Client::from_conf(config.build())
}

fn client(store: &DevStore) -> Client {
    client_with(store, KEY, SECRET, None)
}

async fn start(dir: &tempfile::TempDir) -> DevStore {
    DevStore::start(DevStoreConfig::new(dir.path().join("data"), KEY, SECRET))
        .await
        .unwrap()
}

async fn put(client: &Client, bucket: &str, key: &str, body: &'static [u8]) {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(body))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
}

async fn list_all(client: &Client, bucket: &str, prefix: &str, delimiter: Option<&str>) -> (Vec<String>, Vec<String>) {
    let mut keys = Vec::new();
    let mut prefixes = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_owned))
            .set_continuation_token(token)
            .send()
            .await
            .unwrap();
        keys.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        prefixes.extend(
            out.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        token = out.next_continuation_token().map(str::to_owned);
        if !out.is_truncated().unwrap_or(false) {
            break;
        }
    }
    (keys, prefixes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_list_get_head_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    assert!(store.endpoint().starts_with("http://127.0.0.1:"));
    assert_eq!(store.endpoint(), format!("http://127.0.0.1:{}", store.port()));
    let s3 = client(&store);

    s3.create_bucket().bucket("round-trip").send().await.unwrap();
    let again = s3.create_bucket().bucket("round-trip").send().await.unwrap_err();
    assert_eq!(again.code(), Some("BucketAlreadyOwnedByYou"));

    let put_out = s3
        .put_object()
        .bucket("round-trip")
        .key("docs/hello world.txt")
        .content_type("text/plain; charset=utf-8")
        .metadata("origin", "pail-test")
        .body(ByteStream::from_static(b"hello, pail"))
        .send()
        .await
        .unwrap();

    let head = s3
        .head_object()
        .bucket("round-trip")
        .key("docs/hello world.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(11));
    assert_eq!(head.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(
        head.metadata().and_then(|m| m.get("origin")).map(String::as_str),
        Some("pail-test")
    );
    assert_eq!(head.e_tag(), put_out.e_tag());

    let got = s3
        .get_object()
        .bucket("round-trip")
        .key("docs/hello world.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("text/plain; charset=utf-8"));
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"hello, pail");

    let listed = s3.list_objects_v2().bucket("round-trip").send().await.unwrap();
    let objects = listed.contents();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].key(), Some("docs/hello world.txt"));
    assert_eq!(objects[0].size(), Some(11));
    assert_eq!(
        objects[0].e_tag(),
        put_out.e_tag(),
        "listing ETag must match the upload's"
    );
    assert!(objects[0].last_modified().is_some());

    let buckets = s3.list_buckets().send().await.unwrap();
    let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["round-trip"]);

    // A directory on disk is not an object: S3 says NoSuchKey, not HTTP 500.
    let err = s3
        .head_object()
        .bucket("round-trip")
        .key("docs")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));
    let err = s3
        .get_object()
        .bucket("round-trip")
        .key("docs")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchKey"));
    let err = s3
        .get_object()
        .bucket("no-such-bucket")
        .key("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchBucket"));

    let err = s3.delete_bucket().bucket("round-trip").send().await.unwrap_err();
    assert_eq!(err.code(), Some("BucketNotEmpty"));
    s3.delete_object()
        .bucket("round-trip")
        .key("docs/hello world.txt")
        .send()
        .await
        .unwrap();
    // Deleting a missing key succeeds, as on S3.
    s3.delete_object()
        .bucket("round-trip")
        .key("docs/hello world.txt")
        .send()
        .await
        .unwrap();
    let (keys, prefixes) = list_all(&s3, "round-trip", "", Some("/")).await;
    assert!(keys.is_empty() && prefixes.is_empty(), "{keys:?} {prefixes:?}");
    s3.delete_bucket().bucket("round-trip").send().await.unwrap();

    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_2500_keys_in_pages_of_1000() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let s3 = client(&store);
    s3.create_bucket().bucket("many").send().await.unwrap();

    let keys: Vec<String> = (0..2500).map(|i| format!("logs/entry-{i:05}.txt")).collect();
    futures_util::stream::iter(keys.iter().cloned())
        .map(|key| {
            let s3 = s3.clone();
            async move {
                s3.put_object()
                    .bucket("many")
                    .key(&key)
                    .body(ByteStream::from_static(b"x"))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    put(&s3, "many", "other/outside-the-prefix.txt", b"y").await;

    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket("many")
            .prefix("logs/")
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        let page: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        assert_eq!(out.key_count(), Some(i32::try_from(page.len()).unwrap()));
        assert_eq!(out.continuation_token(), token.as_deref());
        pages.push(page);
        token = out.next_continuation_token().map(str::to_owned);
        if !out.is_truncated().unwrap() {
            assert!(token.is_none());
            break;
        }
        assert!(token.is_some(), "a truncated page must carry a continuation token");
    }
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    assert_eq!(
        pages.concat(),
        keys,
        "pages must be complete, sorted and without repeats"
    );

    // max-keys and start-after.
    let out = s3
        .list_objects_v2()
        .bucket("many")
        .prefix("logs/")
        .start_after("logs/entry-02497.txt")
        .max_keys(2)
        .send()
        .await
        .unwrap();
    let page: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(page, ["logs/entry-02498.txt", "logs/entry-02499.txt"]);
    assert_eq!(out.is_truncated(), Some(false));

    // The paginator the app uses.
    let mut paginated = 0;
    let mut stream = s3
        .list_objects_v2()
        .bucket("many")
        .max_keys(700)
        .into_paginator()
        .send();
    while let Some(page) = stream.next().await {
        paginated += page.unwrap().contents().len();
    }
    assert_eq!(paginated, 2501);

    // ListObjects (v1) pages with markers.
    let mut v1_keys = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = s3
            .list_objects()
            .bucket("many")
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        v1_keys.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        if !out.is_truncated().unwrap() {
            break;
        }
        marker = out.next_marker().map(str::to_owned);
    }
    assert_eq!(v1_keys.len(), 2501);

    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delimiter_listing_and_folder_markers() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let s3 = client(&store);
    s3.create_bucket().bucket("tree").send().await.unwrap();
    for key in [
        "readme.md",
        "a.txt",
        "photos/one.png",
        "photos/2026/two.png",
        "documents/notes.md",
        "a b/c+d.txt",
    ] {
        put(&s3, "tree", key, b"data").await;
    }
    let marker = s3
        .put_object()
        .bucket("tree")
        .key("empty folder/")
        .body(ByteStream::from_static(b""))
        .send()
        .await
        .unwrap();
    assert_eq!(marker.e_tag(), Some("\"d41d8cd98f00b204e9800998ecf8427e\""));
    put(&s3, "tree", "photos/", b"").await; // a marker next to real content

    let (keys, prefixes) = list_all(&s3, "tree", "", Some("/")).await;
    assert_eq!(keys, ["a.txt", "readme.md"]);
    assert_eq!(prefixes, ["a b/", "documents/", "empty folder/", "photos/"]);

    let (keys, prefixes) = list_all(&s3, "tree", "photos/", Some("/")).await;
    assert_eq!(keys, ["photos/", "photos/one.png"]);
    assert_eq!(prefixes, ["photos/2026/"]);

    let (keys, prefixes) = list_all(&s3, "tree", "empty folder/", Some("/")).await;
    assert_eq!(keys, ["empty folder/"]);
    assert!(prefixes.is_empty());

    let (keys, _) = list_all(&s3, "tree", "", None).await;
    assert_eq!(
        keys,
        [
            "a b/c+d.txt",
            "a.txt",
            "documents/notes.md",
            "empty folder/",
            "photos/",
            "photos/2026/two.png",
            "photos/one.png",
            "readme.md",
        ]
    );

    // Paging through a delimiter listing never repeats a common prefix.
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket("tree")
            .delimiter("/")
            .max_keys(1)
            .set_continuation_token(token)
            .send()
            .await
            .unwrap();
        seen.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        seen.extend(
            out.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        token = out.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        seen,
        ["a b/", "a.txt", "documents/", "empty folder/", "photos/", "readme.md"]
    );

    let head = s3
        .head_object()
        .bucket("tree")
        .key("empty folder/")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(0));
    let got = s3
        .get_object()
        .bucket("tree")
        .key("empty folder/")
        .send()
        .await
        .unwrap();
    assert!(got.body.collect().await.unwrap().into_bytes().is_empty());

    // Deleting the last file of a folder makes the folder go away, as on S3.
    s3.delete_object()
        .bucket("tree")
        .key("documents/notes.md")
        .send()
        .await
        .unwrap();
    // Deleting a marker keeps the files below it.
    s3.delete_object().bucket("tree").key("photos/").send().await.unwrap();
    let (keys, prefixes) = list_all(&s3, "tree", "", Some("/")).await;
    assert_eq!(keys, ["a.txt", "readme.md"]);
    assert_eq!(prefixes, ["a b/", "empty folder/", "photos/"]);
    let err = s3.head_object().bucket("tree").key("photos/").send().await.unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));

    // Batch delete, markers included.
    let ids = ["empty folder/", "a b/c+d.txt", "never-existed"]
        .iter()
        .map(|k| aws_sdk_s3::types::ObjectIdentifier::builder().key(*k).build().unwrap())
        .collect();
    let out = s3
        .delete_objects()
        .bucket("tree")
        .delete(
            aws_sdk_s3::types::Delete::builder()
                .set_objects(Some(ids))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.deleted().len(), 3);
    assert!(out.errors().is_empty());
    let (_, prefixes) = list_all(&s3, "tree", "", Some("/")).await;
    assert_eq!(prefixes, ["photos/"]);

    // Copying a marker makes a marker.
    s3.put_object()
        .bucket("tree")
        .key("src/")
        .body(ByteStream::from_static(b""))
        .send()
        .await
        .unwrap();
    s3.copy_object()
        .bucket("tree")
        .key("dst/")
        .copy_source("tree/src/")
        .send()
        .await
        .unwrap();
    s3.copy_object()
        .bucket("tree")
        .key("photos/copy.png")
        .copy_source("tree/photos/one.png")
        .send()
        .await
        .unwrap();
    let (keys, _) = list_all(&s3, "tree", "", None).await;
    let keys: BTreeSet<_> = keys.into_iter().collect();
    assert!(
        keys.contains("dst/") && keys.contains("src/") && keys.contains("photos/copy.png"),
        "{keys:?}"
    );

    // encoding-type=url, as boto3 and the AWS CLI always ask for (they decode the keys; the
    // Rust SDK hands them over as sent).
    put(&s3, "tree", "photos/x y+z.png", b"data").await;
    let out = s3
        .list_objects_v2()
        .bucket("tree")
        .encoding_type(aws_sdk_s3::types::EncodingType::Url)
        .prefix("photos/x y")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = out.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["photos/x%20y%2Bz.png"]);
    assert_eq!(out.prefix(), Some("photos/x%20y"));

    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_checked_like_aws() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DevStoreConfig::new(dir.path().join("data"), KEY, SECRET);
    config.extra_users = vec![("AKIALIMITED".into(), "limited-secret".into())];
    config.deny_list_buckets_for = vec!["AKIALIMITED".into()];
    let store = DevStore::start(config).await.unwrap();
    let s3 = client(&store);
    s3.create_bucket().bucket("shared").send().await.unwrap();
    put(&s3, "shared", "file.txt", b"data").await;

    let wrong_key = client_with(&store, "AKIAWRONG", SECRET, None);
    let err = wrong_key.list_buckets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidAccessKeyId"), "{err:?}");

    let wrong_secret = client_with(&store, KEY, "not-the-secret", None);
    let err = wrong_secret.list_buckets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err:?}");
    let err = wrong_secret
        .put_object()
        .bucket("shared")
        .key("x")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err:?}");

    // The SDK corrects skews of 4 minutes or more by itself: it retries a RequestTimeTooSkewed
    // answer with its clock shifted by the response's Date header. Turned off, the error shows.
    let ahead = || Some(SharedTimeSource::new(AheadClock(Duration::from_secs(3600))));
    let skewed = client_with(&store, KEY, SECRET, ahead());
    let skewed = Client::from_conf(skewed.config().to_builder().disable_clock_skew_correction(true).build());
    let err = skewed.list_objects_v2().bucket("shared").send().await.unwrap_err();
    assert_eq!(err.code(), Some("RequestTimeTooSkewed"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let self_correcting = client_with(&store, KEY, SECRET, ahead());
    self_correcting.list_objects_v2().bucket("shared").send().await.unwrap();

    // Within the allowed skew is fine.
    let clock = SharedTimeSource::new(AheadClock(Duration::from_secs(60)));
    let slightly_off = client_with(&store, KEY, SECRET, Some(clock));
    slightly_off.list_objects_v2().bucket("shared").send().await.unwrap();

    let limited = client_with(&store, "AKIALIMITED", "limited-secret", None);
    let err = limited.list_buckets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let out = limited.list_objects_v2().bucket("shared").send().await.unwrap();
    assert_eq!(out.contents().len(), 1);
    // The main user may still list buckets.
    assert_eq!(s3.list_buckets().send().await.unwrap().buckets().len(), 1);

    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tighter_clock_skew_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DevStoreConfig::new(dir.path().join("data"), KEY, SECRET);
    config.max_clock_skew = Duration::from_secs(30);
    let store = DevStore::start(config).await.unwrap();
    let clock = SharedTimeSource::new(AheadClock(Duration::from_secs(120)));
    let err = client_with(&store, KEY, SECRET, Some(clock))
        .list_buckets()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("RequestTimeTooSkewed"), "{err:?}");
    client(&store).list_buckets().send().await.unwrap();
    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_creates_the_sample_tree_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let s3 = client(&store);

    seed_sample_bucket(&store).await.unwrap();
    let (keys, _) = list_all(&s3, SAMPLE_BUCKET, "", None).await;
    assert_eq!(
        keys,
        [
            "Welcome to Pail.txt",
            "documents/2026/report.csv",
            "documents/notes.md",
            "empty folder/",
            "photos/forest.png",
            "photos/sea.png",
            "photos/sunrise.png",
        ]
    );
    let (files, folders) = list_all(&s3, SAMPLE_BUCKET, "", Some("/")).await;
    assert_eq!(files, ["Welcome to Pail.txt"]);
    assert_eq!(folders, ["documents/", "empty folder/", "photos/"]);

    let png = s3
        .get_object()
        .bucket(SAMPLE_BUCKET)
        .key("photos/sunrise.png")
        .send()
        .await
        .unwrap();
    assert_eq!(png.content_type(), Some("image/png"));
    let bytes = png.body.collect().await.unwrap().into_bytes();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (64, 64));

    // A demo user's changes survive the next start's seeding.
    s3.delete_object()
        .bucket(SAMPLE_BUCKET)
        .key("photos/sea.png")
        .send()
        .await
        .unwrap();
    seed_sample_bucket(&store).await.unwrap();
    let (keys, _) = list_all(&s3, SAMPLE_BUCKET, "photos/", None).await;
    assert_eq!(keys, ["photos/forest.png", "photos/sunrise.png"]);

    // And the data outlives the server.
    store.shutdown().await;
    let store = start(&dir).await;
    seed_sample_bucket(&store).await.unwrap();
    let (keys, _) = list_all(&client(&store), SAMPLE_BUCKET, "", None).await;
    assert_eq!(keys.len(), 6);
    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ports_and_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(&dir).await;
    let port = first.port();

    let mut taken = DevStoreConfig::new(dir.path().join("other"), KEY, SECRET);
    taken.port = port;
    let err = DevStore::start(taken.clone()).await.unwrap_err();
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");

    let s3 = client(&first);
    s3.list_buckets().send().await.unwrap(); // leaves a pooled keep-alive connection open
    first.shutdown().await;
    let err = s3.list_buckets().send().await.unwrap_err();
    assert!(err.raw_response().is_none(), "the server must be gone: {err:?}");

    // The port is free again, and dropping a store stops it too.
    let second = DevStore::start(taken.clone()).await.unwrap();
    assert_eq!(second.port(), port);
    drop(second);
    let mut third = None;
    for _ in 0..50 {
        match DevStore::start(taken.clone()).await {
            Ok(store) => {
                third = Some(store);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    third.expect("a dropped store must release its port").shutdown().await;

    let err = DevStore::start(DevStoreConfig::new(dir.path().join("x"), "", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, pail_devstore::DevStoreError::InvalidConfig(_)));
}

#[test]
fn config_debug_hides_secrets() {
    let mut config = DevStoreConfig::new("/tmp/x".into(), KEY, SECRET);
    config.extra_users.push(("AKIAOTHER".into(), "other-secret".into()));
    let shown = format!("{config:?}");
    assert!(shown.contains(KEY) && shown.contains("AKIAOTHER"));
    assert!(!shown.contains(SECRET) && !shown.contains("other-secret"));
    assert_eq!(config.max_clock_skew, Duration::from_secs(900));
    assert_eq!(config.port, 0);
}

/// The listing remembers ETags; every way an object can change must still show its new ETag.
#[tokio::test]
async fn listed_etags_follow_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let c = client(&store);
    c.create_bucket().bucket("etags").send().await.unwrap();
    let etag_of = |key: &'static str| {
        let c = c.clone();
        async move {
            let listed = c.list_objects_v2().bucket("etags").send().await.unwrap();
            listed
                .contents()
                .iter()
                .find(|o| o.key() == Some(key))
                .and_then(|o| o.e_tag().map(str::to_owned))
        }
    };
    // What the store recorded when the object was written (HEAD reads it from disk each time).
    let recorded = |key: &'static str| {
        let c = c.clone();
        async move {
            let head = c.head_object().bucket("etags").key(key).send().await.ok()?;
            head.e_tag().map(str::to_owned)
        }
    };

    put(&c, "etags", "a.txt", b"one").await;
    assert_eq!(etag_of("a.txt").await, recorded("a.txt").await);
    let first = etag_of("a.txt").await;
    assert_eq!(etag_of("a.txt").await, first, "served again from memory");

    // Same size, new content, written at once after the listing.
    put(&c, "etags", "a.txt", b"two").await;
    assert_ne!(etag_of("a.txt").await, first);
    assert_eq!(etag_of("a.txt").await, recorded("a.txt").await);

    // Copied over, and completed from parts.
    put(&c, "etags", "b.txt", b"six").await;
    c.copy_object()
        .bucket("etags")
        .key("a.txt")
        .copy_source("etags/b.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(etag_of("a.txt").await, recorded("a.txt").await);
    let up = c
        .create_multipart_upload()
        .bucket("etags")
        .key("a.txt")
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap();
    let part = c
        .upload_part()
        .bucket("etags")
        .key("a.txt")
        .upload_id(id)
        .part_number(1)
        .body(ByteStream::from_static(b"ten"))
        .send()
        .await
        .unwrap();
    let done = aws_sdk_s3::types::CompletedMultipartUpload::builder()
        .parts(
            aws_sdk_s3::types::CompletedPart::builder()
                .part_number(1)
                .e_tag(part.e_tag().unwrap())
                .build(),
        )
        .build();
    let completed = c
        .complete_multipart_upload()
        .bucket("etags")
        .key("a.txt")
        .upload_id(id)
        .multipart_upload(done)
        .send()
        .await
        .unwrap();
    assert_eq!(etag_of("a.txt").await.as_deref(), completed.e_tag());

    // Deleted and written again under the same name.
    c.delete_object().bucket("etags").key("a.txt").send().await.unwrap();
    assert_eq!(etag_of("a.txt").await, None);
    put(&c, "etags", "a.txt", b"new").await;
    assert_eq!(etag_of("a.txt").await, recorded("a.txt").await);

    // A data file replaced on disk behind the store's back is listed as it is now (its ETag is
    // whatever the store recorded, as HEAD says).
    let path = dir.path().join("data").join("etags").join("a.txt");
    std::fs::write(path.with_extension("tmp"), b"newer").unwrap();
    std::fs::rename(path.with_extension("tmp"), &path).unwrap();
    let listed = c.list_objects_v2().bucket("etags").send().await.unwrap();
    let a = listed.contents().iter().find(|o| o.key() == Some("a.txt")).unwrap();
    assert_eq!(a.size(), Some(5));
    assert_eq!(a.e_tag().map(str::to_owned), recorded("a.txt").await);
    store.shutdown().await;
}

const MIB: usize = 1024 * 1024;

/// Bytes that differ from part to part and from offset to offset.
fn part_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 13) as u8)
        .collect()
}

fn md5(data: &[u8]) -> [u8; 16] {
    use s3s::crypto::Checksum;
    s3s::crypto::Md5::checksum(data)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// S3's multipart ETag, computed independently of the store: MD5 of the part MD5s, then `-N`.
fn expected_multipart_etag(parts: &[&[u8]]) -> String {
    let digests: Vec<u8> = parts.iter().flat_map(|p| md5(p)).collect();
    format!("\"{}-{}\"", hex(&md5(&digests)), parts.len())
}

async fn create_upload(c: &Client, bucket: &str, key: &str) -> String {
    let up = c
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    up.upload_id().unwrap().to_owned()
}

async fn upload_part(c: &Client, bucket: &str, key: &str, id: &str, n: i32, body: &[u8]) -> String {
    let out = c
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .part_number(n)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload part {n}: {e:?}"));
    out.e_tag().unwrap().to_owned()
}

fn completed(parts: &[(i32, &str)]) -> aws_sdk_s3::types::CompletedMultipartUpload {
    let parts = parts.iter().map(|(n, etag)| {
        aws_sdk_s3::types::CompletedPart::builder()
            .part_number(*n)
            .e_tag(*etag)
            .build()
    });
    aws_sdk_s3::types::CompletedMultipartUpload::builder()
        .set_parts(Some(parts.collect()))
        .build()
}

async fn complete(c: &Client, bucket: &str, key: &str, id: &str, parts: &[(i32, &str)]) -> Result<String, String> {
    c.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(completed(parts))
        .send()
        .await
        .map(|out| out.e_tag().unwrap().to_owned())
        .map_err(|e| e.code().unwrap_or("(no code)").to_owned())
}

async fn get_bytes(c: &Client, bucket: &str, key: &str) -> Vec<u8> {
    let got = c.get_object().bucket(bucket).key(key).send().await.unwrap();
    got.body.collect().await.unwrap().into_bytes().to_vec()
}

async fn exists(c: &Client, bucket: &str, key: &str) -> bool {
    c.head_object().bucket(bucket).key(key).send().await.is_ok()
}

/// Upload bookkeeping files s3s-fs keeps in the data folder (parts, upload records, temporaries).
fn upload_files(dir: &tempfile::TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(".upload") || n.starts_with(".tmp.") || n.contains(".upload-"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_upload_completes_with_s3_etag_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let c = client(&store);
    c.create_bucket().bucket("mpu").send().await.unwrap();
    let parts = [part_bytes(1, 5 * MIB), part_bytes(2, 5 * MIB + 17), part_bytes(3, 1234)];

    let up = c
        .create_multipart_upload()
        .bucket("mpu")
        .key("big/file.bin")
        .content_type("application/x-pail")
        .metadata("origin", "pail-test")
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap();
    // Out of order, as parallel uploads finish.
    let e3 = upload_part(&c, "mpu", "big/file.bin", id, 3, &parts[2]).await;
    let e1 = upload_part(&c, "mpu", "big/file.bin", id, 1, &parts[0]).await;
    let e2 = upload_part(&c, "mpu", "big/file.bin", id, 2, &parts[1]).await;
    assert_eq!(e1, format!("\"{}\"", hex(&md5(&parts[0]))));

    let etag = complete(&c, "mpu", "big/file.bin", id, &[(1, &e1), (2, &e2), (3, &e3)])
        .await
        .unwrap();
    let expected = expected_multipart_etag(&[&parts[0], &parts[1], &parts[2]]);
    assert_eq!(etag, expected);

    assert_eq!(get_bytes(&c, "mpu", "big/file.bin").await, parts.concat());
    let head = c.head_object().bucket("mpu").key("big/file.bin").send().await.unwrap();
    assert_eq!(head.e_tag(), Some(expected.as_str()));
    assert_eq!(
        head.content_length(),
        Some(parts.iter().map(Vec::len).sum::<usize>() as i64)
    );
    assert_eq!(head.content_type(), Some("application/x-pail"));
    assert_eq!(
        head.metadata().and_then(|m| m.get("origin")).map(String::as_str),
        Some("pail-test")
    );
    let listed = c.list_objects_v2().bucket("mpu").prefix("big/").send().await.unwrap();
    assert_eq!(listed.contents().len(), 1);
    assert_eq!(listed.contents()[0].e_tag(), Some(expected.as_str()));
    assert_eq!(
        upload_files(&dir),
        Vec::<String>::new(),
        "no parts or upload record left"
    );

    // The upload is over: completing it again is refused.
    let again = complete(&c, "mpu", "big/file.bin", id, &[(1, &e1), (2, &e2), (3, &e3)]).await;
    assert_eq!(again, Err("AccessDenied".to_owned()));
    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_completions_leave_no_object_and_the_upload_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let c = client(&store);
    c.create_bucket().bucket("mpu").send().await.unwrap();
    let (one, two) = (part_bytes(4, 5 * MIB), part_bytes(5, 10));
    let id = create_upload(&c, "mpu", "k").await;
    let e1 = upload_part(&c, "mpu", "k", &id, 1, &one).await;
    let e2 = upload_part(&c, "mpu", "k", &id, 2, &two).await;
    let wrong = format!("\"{}\"", hex(&md5(b"something else")));

    let refusals = [
        (vec![(1, e1.as_str()), (2, wrong.as_str())], "InvalidPart"),
        (vec![(2, e2.as_str()), (1, e1.as_str())], "InvalidRequest"),
        (vec![(1, e2.as_str())], "InvalidPart"),
        (vec![], "InvalidPart"),
    ];
    for (parts, code) in refusals {
        let result = complete(&c, "mpu", "k", &id, &parts).await;
        assert_eq!(result, Err(code.to_owned()), "{parts:?}");
        assert!(!exists(&c, "mpu", "k").await, "{parts:?} left an object");
    }
    // A part never uploaded.
    let holey = create_upload(&c, "mpu", "holey").await;
    let h1 = upload_part(&c, "mpu", "holey", &holey, 1, &one).await;
    let result = complete(&c, "mpu", "holey", &holey, &[(1, &h1), (2, &h1)]).await;
    assert_eq!(result, Err("InvalidPart".to_owned()));
    assert!(!exists(&c, "mpu", "holey").await);
    // Too small a part that is not the last.
    let small_first = create_upload(&c, "mpu", "small").await;
    let s1 = upload_part(&c, "mpu", "small", &small_first, 1, &two).await;
    let s2 = upload_part(&c, "mpu", "small", &small_first, 2, &two).await;
    let result = complete(&c, "mpu", "small", &small_first, &[(1, &s1), (2, &s2)]).await;
    assert_eq!(result, Err("EntityTooSmall".to_owned()));
    assert!(!exists(&c, "mpu", "small").await);

    // Nothing was lost: the right list still completes the upload.
    let etag = complete(&c, "mpu", "k", &id, &[(1, &e1), (2, &e2)]).await.unwrap();
    assert_eq!(etag, expected_multipart_etag(&[&one, &two]));
    assert_eq!(
        get_bytes(&c, "mpu", "k").await,
        [one.as_slice(), two.as_slice()].concat()
    );
    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_conditions_and_aborted_uploads() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let c = client(&store);
    c.create_bucket().bucket("mpu").send().await.unwrap();
    put(&c, "mpu", "taken", b"already here").await;

    let id = create_upload(&c, "mpu", "taken").await;
    let e1 = upload_part(&c, "mpu", "taken", &id, 1, b"new content").await;
    let refused = c
        .complete_multipart_upload()
        .bucket("mpu")
        .key("taken")
        .upload_id(&id)
        .if_none_match("*")
        .multipart_upload(completed(&[(1, &e1)]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("PreconditionFailed"));
    let stale = c
        .complete_multipart_upload()
        .bucket("mpu")
        .key("taken")
        .upload_id(&id)
        .if_match(format!("\"{}\"", hex(&md5(b"not what is there"))))
        .multipart_upload(completed(&[(1, &e1)]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Some("PreconditionFailed"));
    assert_eq!(get_bytes(&c, "mpu", "taken").await, b"already here");
    let current = format!("\"{}\"", hex(&md5(b"already here")));
    c.complete_multipart_upload()
        .bucket("mpu")
        .key("taken")
        .upload_id(&id)
        .if_match(current)
        .multipart_upload(completed(&[(1, &e1)]))
        .send()
        .await
        .unwrap();
    assert_eq!(get_bytes(&c, "mpu", "taken").await, b"new content");

    let aborted = create_upload(&c, "mpu", "aborted").await;
    let a1 = upload_part(&c, "mpu", "aborted", &aborted, 1, b"abc").await;
    c.abort_multipart_upload()
        .bucket("mpu")
        .key("aborted")
        .upload_id(&aborted)
        .send()
        .await
        .unwrap();
    let result = complete(&c, "mpu", "aborted", &aborted, &[(1, &a1)]).await;
    assert_eq!(result, Err("AccessDenied".to_owned()));
    assert!(!exists(&c, "mpu", "aborted").await);
    assert_eq!(upload_files(&dir), Vec::<String>::new());
    store.shutdown().await;
}

/// Part MD5s are remembered in memory; a part uploaded again, or uploaded before the store
/// restarted, is read afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_hashes_parts_it_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let c = client(&store);
    c.create_bucket().bucket("mpu").send().await.unwrap();
    let (one, two, two_again) = (part_bytes(6, 5 * MIB), part_bytes(7, 99), part_bytes(8, 99));
    let id = create_upload(&c, "mpu", "k").await;
    let e1 = upload_part(&c, "mpu", "k", &id, 1, &one).await;
    let old_e2 = upload_part(&c, "mpu", "k", &id, 2, &two).await;
    let e2 = upload_part(&c, "mpu", "k", &id, 2, &two_again).await;
    let result = complete(&c, "mpu", "k", &id, &[(1, &e1), (2, &old_e2)]).await;
    assert_eq!(result, Err("InvalidPart".to_owned()), "part 2 was replaced");
    store.shutdown().await;

    let store = start(&dir).await;
    let c = client(&store);
    let result = complete(&c, "mpu", "k", &id, &[(1, &e1), (2, &old_e2)]).await;
    assert_eq!(result, Err("InvalidPart".to_owned()), "after a restart too");
    let etag = complete(&c, "mpu", "k", &id, &[(1, &e1), (2, &e2)]).await.unwrap();
    assert_eq!(etag, expected_multipart_etag(&[&one, &two_again]));
    assert_eq!(
        get_bytes(&c, "mpu", "k").await,
        [one.as_slice(), two_again.as_slice()].concat()
    );
    assert_eq!(upload_files(&dir), Vec::<String>::new());
    store.shutdown().await;
}

/// A GetObject answer, read whole.
struct Got {
    body: Vec<u8>,
    content_length: Option<i64>,
    content_range: Option<String>,
    crc32: Option<String>,
}

async fn get_range(c: &Client, bucket: &str, key: &str, range: Option<&str>) -> Result<Got, (u16, String)> {
    get_with(c, bucket, key, range, Some(aws_sdk_s3::types::ChecksumMode::Enabled)).await
}

async fn get_with(
    c: &Client,
    bucket: &str,
    key: &str,
    range: Option<&str>,
    checksum_mode: Option<aws_sdk_s3::types::ChecksumMode>,
) -> Result<Got, (u16, String)> {
    let got = c
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_range(range.map(str::to_owned))
        .set_checksum_mode(checksum_mode)
        .send()
        .await
        .map_err(|e| {
            let status = e.raw_response().map_or(0, |r| r.status().as_u16());
            (status, e.code().unwrap_or("(no code)").to_owned())
        })?;
    Ok(Got {
        content_length: got.content_length(),
        content_range: got.content_range().map(str::to_owned),
        crc32: got.checksum_crc32().map(str::to_owned),
        body: got.body.collect().await.unwrap().into_bytes().to_vec(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_serves_exact_bytes_for_whole_objects_and_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let s3 = client(&store);
    s3.create_bucket().bucket("get").send().await.unwrap();
    // Several of the store's 1 MiB read blocks, and not a whole number of them.
    let data = part_bytes(7, 2 * MIB + MIB / 2 + 123);
    let size = data.len();
    let put = s3
        .put_object()
        .bucket("get")
        .key("big.bin")
        .content_type("application/x-test")
        .metadata("origin", "pail-test")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Crc32)
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    assert!(put.checksum_crc32().is_some());

    let head = s3.head_object().bucket("get").key("big.bin").send().await.unwrap();
    let got = s3
        .get_object()
        .bucket("get")
        .key("big.bin")
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.e_tag(), put.e_tag());
    assert_eq!(got.e_tag(), head.e_tag());
    assert_eq!(got.content_type(), Some("application/x-test"));
    assert_eq!(got.metadata(), head.metadata());
    assert_eq!(
        got.metadata().and_then(|m| m.get("origin")).map(String::as_str),
        Some("pail-test")
    );
    assert_eq!(got.last_modified(), head.last_modified());
    assert_eq!(got.content_length(), Some(size as i64));
    assert_eq!(got.content_range(), None);
    assert_eq!(got.checksum_crc32(), put.checksum_crc32());
    assert!(got.body.collect().await.unwrap().into_bytes() == data[..]);

    // (Range header, first byte served, end); a whole-object checksum only for the whole object.
    let last = size - 1;
    let cases = [
        ("bytes=0-9".to_owned(), 0, 10),
        (format!("bytes=100-{}", 100 + MIB + 50), 100, 100 + MIB + 51),
        (format!("bytes={}-{}", MIB - 5, MIB + 4), MIB - 5, MIB + 5),
        (format!("bytes={}-", size - MIB - 700), size - MIB - 700, size),
        (format!("bytes={last}-{}", size + 100), last, size),
        ("bytes=-10".to_owned(), size - 10, size),
        (format!("bytes=-{}", 2 * MIB), size - 2 * MIB, size),
        // Longer than the object: the whole object, as on S3.
        (format!("bytes=-{}", size + 10), 0, size),
        ("bytes=0-".to_owned(), 0, size),
    ];
    for (range, start, end) in cases {
        let got = get_range(&s3, "get", "big.bin", Some(&range)).await.unwrap();
        assert!(got.body == data[start..end], "{range}: wrong bytes");
        assert_eq!(got.content_length, Some((end - start) as i64), "{range}");
        let expected_range = format!("bytes {start}-{}/{size}", end - 1);
        assert_eq!(got.content_range.as_deref(), Some(expected_range.as_str()), "{range}");
        let whole = end - start == size;
        assert_eq!(
            got.crc32.is_some(),
            whole,
            "{range}: checksum only for the whole object"
        );
    }
    for range in [
        format!("bytes={size}-"),
        format!("bytes={}-{}", size + 5, size + 9),
        "bytes=-0".into(),
    ] {
        let err = get_range(&s3, "get", "big.bin", Some(&range)).await.err();
        assert_eq!(err, Some((416, "InvalidRange".to_owned())), "{range}");
    }

    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_of_empty_objects_folder_markers_and_files_without_etag() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let s3 = client(&store);
    s3.create_bucket().bucket("get").send().await.unwrap();
    put(&s3, "get", "empty", b"").await;
    put(&s3, "get", "folder/", b"").await;

    for key in ["empty", "folder/"] {
        let got = s3.get_object().bucket("get").key(key).send().await.unwrap();
        assert_eq!(got.content_length(), Some(0), "{key}");
        assert_eq!(got.e_tag(), Some("\"d41d8cd98f00b204e9800998ecf8427e\""), "{key}");
        assert!(got.last_modified().is_some(), "{key}");
        assert!(got.body.collect().await.unwrap().into_bytes().is_empty(), "{key}");
    }
    // No byte of an empty object can be served.
    for range in ["bytes=0-", "bytes=-5"] {
        let err = get_range(&s3, "get", "empty", Some(range)).await.err();
        assert_eq!(err, Some((416, "InvalidRange".to_owned())), "{range}");
    }

    // A file put in the data folder by hand has no ETag sidecar: s3s-fs hashes the file.
    let data = part_bytes(3, MIB + 17);
    std::fs::write(dir.path().join("data/get/by-hand.bin"), &data).unwrap();
    let got = s3.get_object().bucket("get").key("by-hand.bin").send().await.unwrap();
    let expected_etag = format!("\"{}\"", hex(&md5(&data)));
    assert_eq!(got.e_tag(), Some(expected_etag.as_str()));
    assert!(got.body.collect().await.unwrap().into_bytes() == data[..]);

    store.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_racing_replacements_never_mixes_two_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store = start(&dir).await;
    let s3 = client(&store);
    s3.create_bucket().bucket("race").send().await.unwrap();
    // Different sizes: a body read from one version under the other's headers would be cut
    // short or run long.
    let versions = [vec![b'a'; 3 * MIB / 2], vec![b'b'; MIB / 3]];
    let put_version = |i: usize| {
        s3.put_object()
            .bucket("race")
            .key("k")
            .body(ByteStream::from(versions[i].clone()))
            .send()
    };
    put_version(0).await.unwrap();

    let writer = async {
        for i in 0..60 {
            put_version(i % 2).await.unwrap();
        }
    };
    // Checksums are not checked: s3s-fs writes them after the data file, so a GET between the
    // two gets the previous version's, with or without the large-block reads.
    let unchecked = Client::from_conf(
        s3.config()
            .to_builder()
            .response_checksum_validation(aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired)
            .build(),
    );
    let readers = futures_util::stream::iter(0..150)
        .map(|i| {
            let range = (i % 3 == 0).then_some("bytes=10-");
            get_with(&unchecked, "race", "k", range, None)
        })
        .buffer_unordered(6)
        .collect::<Vec<_>>();
    let ((), gots) = tokio::join!(writer, readers);
    for got in gots {
        let got = got.unwrap();
        let len = got.body.len();
        assert_eq!(got.content_length, Some(len as i64));
        let version = versions.iter().find(|v| v[0] == got.body[0]).unwrap();
        let skipped = if got.content_range.is_some() { 10 } else { 0 };
        assert!(got.body == version[skipped..], "a body of {len} bytes mixes versions");
    }

    store.shutdown().await;
}
