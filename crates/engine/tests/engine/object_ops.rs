//! Folder and object operations against a real S3 server (moto; pail-devstore where moto does not
//! check what is tested): renames and moves of whole prefixes, recursive deletes in batches,
//! multipart copies, share links fetched with a plain HTTP client, content types and versions.
//! Every test works in fresh buckets and reads objects back to check their content.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::time::Duration;

use pail_devstore::{DevStore, DevStoreConfig};
use pail_engine::remote::{CopyOptions, PrefixOutcome, PrefixSummary, Remote};
use pail_engine::ErrorCode;

use crate::support::*;

/// A moto bucket holding `keys` (each key's own name as its content, `x/` keys as empty markers),
/// with the engine's client and a raw SDK client to check the results independently.
async fn moto_bucket(tag: &str, keys: &[&str]) -> (Remote, aws_sdk_s3::Client, String) {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name(tag);
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    make_bucket(&client, &bucket, &keys).await;
    (remote(&endpoint, "k", "s").await, client, bucket)
}

/// Every key in the bucket with its content, read back through the raw client.
async fn contents(client: &aws_sdk_s3::Client, bucket: &str) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for key in s3::keys(client, bucket, "").await {
        let body = s3::get(client, bucket, &key).await.expect("the object");
        out.insert(key, body);
    }
    out
}

/// A plain HTTP/1.1 GET over a TCP socket: no S3 client, no signing, nothing but the URL, the
/// way a browser or `curl` would use a share link.
fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("a loopback http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response head");
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap();
    let mut body = raw[head_end + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}

#[tokio::test]
async fn renaming_a_folder_moves_every_key_and_leaves_nothing_at_the_old_prefix() {
    let moved = [
        "photos/",
        "photos/cat.png",
        "photos/2024/",
        "photos/2024/summer/beach.jpg",
        "photos/empty/",
        "photos/summer holiday/straße ☀ été+1.jpg",
    ];
    let others = ["photos2/keep.jpg", "photos.txt", "readme.txt"];
    let all: Vec<&str> = moved.iter().chain(others.iter()).copied().collect();
    let (r, client, bucket) = moto_bucket("rename", &all).await;
    let before = contents(&client, &bucket).await;

    let outcome = r.move_prefix(&bucket, "photos/", &bucket, "pictures/").await.unwrap();
    let bytes: u64 = moved.iter().filter(|k| !k.ends_with('/')).map(|k| k.len() as u64).sum();
    assert_eq!(
        outcome,
        PrefixOutcome {
            copied: 6,
            bytes,
            deleted: 6
        }
    );

    let after = contents(&client, &bucket).await;
    let mut expected: BTreeMap<String, Vec<u8>> = others.iter().map(|k| (k.to_string(), before[*k].clone())).collect();
    for k in moved {
        expected.insert(k.replacen("photos/", "pictures/", 1), before[k].clone());
    }
    assert_eq!(
        after, expected,
        "every key moved with its content; the sibling photos2/ untouched"
    );
    assert!(
        s3::keys(&client, &bucket, "photos/").await.is_empty(),
        "nothing left at the old prefix"
    );

    // Renaming one object is a move too; an object onto itself is refused before anything happens.
    r.rename(&bucket, "readme.txt", "docs/read me.txt").await.unwrap();
    assert_eq!(
        s3::get(&client, &bucket, "docs/read me.txt").await.expect("the object"),
        b"readme.txt"
    );
    assert!(s3::keys(&client, &bucket, "readme.txt").await.is_empty());
    let err = r.rename(&bucket, "photos.txt", "photos.txt").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(
        s3::get(&client, &bucket, "photos.txt").await.expect("the object"),
        b"photos.txt"
    );
}

#[tokio::test]
async fn creating_a_folder_writes_one_empty_marker_and_an_existing_one_is_fine() {
    let (r, client, bucket) = moto_bucket("mkdir", &[]).await;
    assert!(r.create_folder(&bucket, "new folder/").await.unwrap(), "created");
    assert!(
        !r.create_folder(&bucket, "new folder/").await.unwrap(),
        "already there, not an error"
    );
    assert_eq!(s3::keys(&client, &bucket, "").await, vec!["new folder/".to_string()]);
    assert!(s3::get(&client, &bucket, "new folder/")
        .await
        .expect("the object")
        .is_empty());
    for bad in ["no-slash", "", "/", "a//"] {
        let err = r.create_folder(&bucket, bad).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad:?}");
    }
}

#[tokio::test]
async fn deleting_a_folder_removes_exactly_its_keys() {
    let (r, client, bucket) = moto_bucket(
        "rmdir",
        &[
            "photos/",
            "photos/a.jpg",
            "photos/nested/deep/b.jpg",
            "photos/é ü/c.jpg",
            "photos2/survives.jpg",
            "photos",
            "other/photos/x.jpg",
        ],
    )
    .await;
    let summary = r.prefix_summary(&bucket, "photos/").await.unwrap();
    assert_eq!(summary.objects, 4);
    assert_eq!(r.delete_prefix(&bucket, "photos/").await.unwrap(), 4);
    assert_eq!(
        s3::keys(&client, &bucket, "").await,
        vec!["other/photos/x.jpg", "photos", "photos2/survives.jpg"],
        "only the folder's keys are gone: the sibling photos2/ and the file “photos” stay"
    );

    // Without the slash "photos" would also match photos2/: refused, in words.
    let err = r.delete_prefix(&bucket, "photos").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.user_message().contains("end in /"), "{}", err.user_message());
    assert_eq!(
        r.delete_prefix(&bucket, "").await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );

    r.delete_object(&bucket, "photos").await.unwrap();
    r.delete_object(&bucket, "photos").await.unwrap();
    assert_eq!(
        s3::keys(&client, &bucket, "").await,
        vec!["other/photos/x.jpg", "photos2/survives.jpg"]
    );
}

#[tokio::test]
async fn deleting_more_than_a_thousand_keys_goes_in_batches() {
    let many: Vec<String> = (0..2345).map(|i| format!("big/{:02}/file-{i:05}.txt", i % 7)).collect();
    let mut all: Vec<&str> = many.iter().map(String::as_str).collect();
    all.push("big-sibling/keep.txt");
    let (r, client, bucket) = moto_bucket("batch", &all).await;

    let summary = r.prefix_summary(&bucket, "big/").await.unwrap();
    let bytes: u64 = many.iter().map(|k| k.len() as u64).sum();
    assert_eq!(summary, PrefixSummary { objects: 2345, bytes });

    assert_eq!(r.delete_prefix(&bucket, "big/").await.unwrap(), 2345);
    assert_eq!(s3::keys(&client, &bucket, "").await, vec!["big-sibling/keep.txt"]);
}

#[tokio::test]
async fn prefix_summary_counts_keys_and_bytes_under_the_prefix_only() {
    let (r, _client, bucket) = moto_bucket(
        "summary",
        &[
            "docs/",
            "docs/a.txt",
            "docs/sub/",
            "docs/sub/bb.txt",
            "docs2/x.txt",
            "top.txt",
        ],
    )
    .await;
    let docs = r.prefix_summary(&bucket, "docs/").await.unwrap();
    let bytes = ("docs/a.txt".len() + "docs/sub/bb.txt".len()) as u64;
    assert_eq!(
        docs,
        PrefixSummary { objects: 4, bytes },
        "markers count as items, not as bytes"
    );
    assert_eq!(
        r.prefix_summary(&bucket, "").await.unwrap().objects,
        6,
        "the whole bucket"
    );
    assert_eq!(
        r.prefix_summary(&bucket, "nothing/").await.unwrap(),
        PrefixSummary::default()
    );
    assert_eq!(
        r.prefix_summary(&bucket, "docs").await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn copying_between_buckets_keeps_content_type_and_metadata() {
    let (r, client, from) = moto_bucket("copy-src", &["album/", "album/one.jpg", "album/sub/two.jpg"]).await;
    let to = bucket_name("copy-dst");
    make_bucket(&client, &to, &[]).await;
    client
        .put_object()
        .bucket(&from)
        .key("report é.pdf")
        .body(b"%PDF-1.7 report".to_vec().into())
        .content_type("application/pdf")
        .metadata("author", "Ada")
        .send()
        .await
        .unwrap();

    let written = r
        .copy_object(&from, "report é.pdf", &to, "archive/report é.pdf")
        .await
        .unwrap();
    assert_eq!(written.bytes, 15);
    assert_eq!(
        s3::get(&client, &to, "archive/report é.pdf").await.expect("the object"),
        b"%PDF-1.7 report"
    );
    let head = client
        .head_object()
        .bucket(&to)
        .key("archive/report é.pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("application/pdf"));
    assert_eq!(head.metadata().unwrap().get("author").map(String::as_str), Some("Ada"));
    assert_eq!(
        s3::get(&client, &from, "report é.pdf").await.expect("the object"),
        b"%PDF-1.7 report",
        "a copy keeps the source"
    );

    let outcome = r.copy_prefix(&from, "album/", &to, "backup/album/").await.unwrap();
    assert_eq!((outcome.copied, outcome.deleted), (3, 0));
    assert_eq!(
        s3::keys(&client, &to, "backup/").await,
        vec!["backup/album/", "backup/album/one.jpg", "backup/album/sub/two.jpg"]
    );
    assert_eq!(
        s3::get(&client, &to, "backup/album/sub/two.jpg")
            .await
            .expect("the object"),
        b"album/sub/two.jpg"
    );
    assert_eq!(
        s3::keys(&client, &from, "album/").await.len(),
        3,
        "a copy keeps the sources"
    );

    r.move_object(&from, "report é.pdf", &to, "moved.pdf").await.unwrap();
    assert_eq!(
        s3::get(&client, &to, "moved.pdf").await.expect("the object"),
        b"%PDF-1.7 report"
    );
    assert!(
        s3::keys(&client, &from, "report").await.is_empty(),
        "a move removes the source"
    );

    let err = r.copy_object(&from, "missing.txt", &to, "x.txt").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoSuchKey);
}

#[tokio::test]
async fn a_large_object_is_copied_in_parts_and_comes_back_identical() {
    let (r, client, bucket) = moto_bucket("mpcopy", &[]).await;
    // 12 MiB + 3 bytes of a pattern that differs in every part, so a misplaced range would show.
    let data: Vec<u8> = (0..12 * 1024 * 1024 + 3u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    client
        .put_object()
        .bucket(&bucket)
        .key("videos/raw take.mov")
        .body(data.clone().into())
        .content_type("video/quicktime")
        .metadata("camera", "B")
        .send()
        .await
        .unwrap();

    let options = CopyOptions {
        multipart_threshold: 5 * 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        parallel_parts: 3,
    };
    let written = r
        .copy_object_with(&bucket, "videos/raw take.mov", &bucket, "videos/copy ü.mov", options)
        .await
        .unwrap();
    assert_eq!(written.bytes, data.len() as u64);
    assert!(written.etag.ends_with("-3"), "copied in 3 parts: {}", written.etag);
    assert!(
        s3::get(&client, &bucket, "videos/copy ü.mov")
            .await
            .expect("the object")
            == data,
        "identical bytes"
    );
    let head = client
        .head_object()
        .bucket(&bucket)
        .key("videos/copy ü.mov")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("video/quicktime"));
    assert_eq!(head.metadata().unwrap().get("camera").map(String::as_str), Some("B"));
    let open = client.list_multipart_uploads().bucket(&bucket).send().await.unwrap();
    assert!(open.uploads().is_empty(), "no multipart upload left open");

    // The same object under the default threshold (5 GiB) is one CopyObject.
    let small = r
        .copy_object(&bucket, "videos/raw take.mov", &bucket, "single.mov")
        .await
        .unwrap();
    assert!(
        !small.etag.contains('-'),
        "below 5 GiB the default is one CopyObject: {}",
        small.etag
    );
}

#[tokio::test]
async fn a_presigned_link_downloads_the_object_with_plain_http() {
    let (r, _client, bucket) = moto_bucket("share", &["shared/hello world ü.txt"]).await;
    let url = r
        .presign_get(&bucket, "shared/hello world ü.txt", Duration::from_secs(600))
        .await
        .unwrap();
    assert!(
        url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=600"),
        "{url}"
    );
    let (status, body) = tokio::task::spawn_blocking(move || http_get(&url)).await.unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, b"shared/hello world \xc3\xbc.txt");

    for outside in [
        Duration::ZERO,
        Duration::from_millis(500),
        Duration::from_secs(7 * 24 * 3600 + 1),
    ] {
        let err = r.presign_get(&bucket, "shared/x", outside).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{outside:?}");
        assert!(err.user_message().contains("7 days"), "{}", err.user_message());
    }
    assert!(r
        .presign_get(&bucket, "k", Duration::from_secs(7 * 24 * 3600))
        .await
        .is_ok());
}

/// moto serves presigned URLs without checking their signature or expiry, so the refusals are
/// tested against pail-devstore, which checks both the way S3 does.
#[tokio::test]
async fn an_expired_or_tampered_presigned_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = DevStore::start(DevStoreConfig::new(dir.path().to_path_buf(), "devkey", "devsecret"))
        .await
        .unwrap();
    let bucket = bucket_name("share-check");
    make_bucket(
        &sdk_client(&store.endpoint(), "devkey", "devsecret"),
        &bucket,
        &["private/plan.txt".to_string()],
    )
    .await;
    let r = remote(&store.endpoint(), "devkey", "devsecret").await;
    let get = |url: String| async move { tokio::task::spawn_blocking(move || http_get(&url)).await.unwrap() };

    let url = r
        .presign_get(&bucket, "private/plan.txt", Duration::from_secs(60))
        .await
        .unwrap();
    let (status, body) = get(url.clone()).await;
    assert_eq!(
        (status, body.as_slice()),
        (200, b"private/plan.txt".as_slice()),
        "a valid link works"
    );

    // One changed character of the signature.
    let at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let mut tampered = url.clone().into_bytes();
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    let (status, _) = get(String::from_utf8(tampered).unwrap()).await;
    assert_eq!(status, 403, "a tampered link is refused");
    // The link for another key with this key's signature.
    let (status, _) = get(url.replace("plan.txt", "other.txt")).await;
    assert_eq!(status, 403, "a signature does not carry over to another key");

    let short = r
        .presign_get(&bucket, "private/plan.txt", Duration::from_secs(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = get(short).await;
    assert_eq!(
        status,
        403,
        "an expired link is refused: {}",
        String::from_utf8_lossy(&body)
    );
    assert!(
        String::from_utf8_lossy(&body).contains("expired"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[tokio::test]
async fn set_content_type_changes_the_type_and_keeps_user_metadata() {
    let (r, client, bucket) = moto_bucket("ctype", &[]).await;
    client
        .put_object()
        .bucket(&bucket)
        .key("site/index")
        .body(b"<h1>hi</h1>".to_vec().into())
        .content_type("application/octet-stream")
        .cache_control("max-age=60")
        .metadata("owner", "web team")
        .metadata("pail-blake3", "abc")
        .send()
        .await
        .unwrap();

    r.set_content_type(&bucket, "site/index", "text/html; charset=utf-8")
        .await
        .unwrap();
    let head = client
        .head_object()
        .bucket(&bucket)
        .key("site/index")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/html; charset=utf-8"));
    let expected: HashMap<String, String> = [("owner", "web team"), ("pail-blake3", "abc")]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
    assert_eq!(head.metadata(), Some(&expected), "user metadata kept");
    assert_eq!(head.cache_control(), Some("max-age=60"), "other content headers kept");
    assert_eq!(
        s3::get(&client, &bucket, "site/index").await.expect("the object"),
        b"<h1>hi</h1>"
    );

    let err = r.set_content_type(&bucket, "site/index", "html\n").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let err = r
        .set_content_type(&bucket, "site/missing", "text/plain")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoSuchKey);
}

#[tokio::test]
async fn versions_are_listed_newest_first_and_an_old_one_restored() {
    let (r, client, bucket) = moto_bucket("versions", &[]).await;
    assert!(!r.bucket_versioning_enabled(&bucket).await.unwrap(), "off by default");
    s3::enable_versioning(&client, &bucket).await;
    assert!(r.bucket_versioning_enabled(&bucket).await.unwrap());

    let v1 = s3::put(&client, &bucket, "notes.txt", b"one").await.unwrap();
    let v2 = s3::put(&client, &bucket, "notes.txt", b"two!").await.unwrap();
    let v3 = s3::put(&client, &bucket, "notes.txt", b"three").await.unwrap();
    s3::put(&client, &bucket, "notes.txt.bak", b"other key").await.unwrap();

    let versions = r.list_versions(&bucket, "notes.txt").await.unwrap();
    let ids: Vec<&str> = versions.iter().map(|v| v.version_id.as_str()).collect();
    assert_eq!(
        ids,
        vec![v3.as_str(), v2.as_str(), v1.as_str()],
        "newest first, other keys left out"
    );
    assert_eq!(versions.iter().map(|v| v.size).collect::<Vec<_>>(), vec![5, 4, 3]);
    assert_eq!(versions.iter().filter(|v| v.is_latest).count(), 1);
    assert!(versions[0].is_latest && versions.iter().all(|v| !v.is_delete_marker));
    assert!(versions.iter().all(|v| v.last_modified.is_some()));

    let restored = r.restore_version(&bucket, "notes.txt", &v1).await.unwrap();
    assert_eq!(
        s3::get(&client, &bucket, "notes.txt").await.expect("the object"),
        b"one"
    );
    let versions = r.list_versions(&bucket, "notes.txt").await.unwrap();
    assert_eq!(versions.len(), 4, "restoring adds a version; the history stays");
    assert_eq!(Some(versions[0].version_id.clone()), restored.version_id);
    assert!(versions[0].is_latest && versions[0].size == 3);

    // A deleted file shows its delete marker on top and comes back from an earlier version.
    r.delete_object(&bucket, "notes.txt").await.unwrap();
    let versions = r.list_versions(&bucket, "notes.txt").await.unwrap();
    assert!(versions[0].is_delete_marker && versions[0].is_latest, "{versions:?}");
    let err = r
        .restore_version(&bucket, "notes.txt", &versions[0].version_id)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidInput,
        "a delete marker has nothing to restore"
    );
    r.restore_version(&bucket, "notes.txt", &v2).await.unwrap();
    assert_eq!(
        s3::get(&client, &bucket, "notes.txt").await.expect("the object"),
        b"two!"
    );
    assert_eq!(r.list_versions(&bucket, "notes.txt").await.unwrap().len(), 6);
}

#[tokio::test]
async fn moving_a_folder_into_itself_is_refused_and_changes_nothing() {
    let (r, client, bucket) = moto_bucket("into-self", &["a/", "a/x.txt", "a/b/y.txt", "a/b/b/z.txt"]).await;
    let before = contents(&client, &bucket).await;

    let err = r.move_prefix(&bucket, "a/", &bucket, "a/b/").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.user_message().contains("into itself"), "{}", err.user_message());
    let err = r.copy_prefix(&bucket, "a/", &bucket, "a/copy/").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{}", err.user_message());
    let err = r.move_prefix(&bucket, "a/", &bucket, "a/").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    // Up one level, a/b/b/z.txt would land on a/b/z.txt, itself a source of the move.
    s3::put(&client, &bucket, "a/b/z.txt", b"a/b/z.txt").await;
    let err = r.move_prefix(&bucket, "a/b/", &bucket, "a/").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{}", err.user_message());

    let mut expected = before;
    expected.insert("a/b/z.txt".into(), b"a/b/z.txt".to_vec());
    assert_eq!(
        contents(&client, &bucket).await,
        expected,
        "nothing was copied or deleted"
    );

    // Into a sibling whose name starts the same is fine.
    let outcome = r.move_prefix(&bucket, "a/", &bucket, "ab/").await.unwrap();
    assert_eq!((outcome.copied, outcome.deleted), (5, 5));
}

#[tokio::test]
async fn keys_the_store_refuses_to_delete_are_named_in_the_error() {
    let (r, client, bucket) = moto_bucket(
        "refused",
        &[
            "logs/",
            "logs/a.log",
            "logs/keep/1.log",
            "logs/keep/2.log",
            "logs/z.log",
        ],
    )
    .await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::{bucket}/logs/keep/*"}}]}}"#
    );
    client
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(policy)
        .send()
        .await
        .unwrap();

    let err = r.delete_prefix(&bucket, "logs/").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{}", err.detail());
    assert!(
        err.detail().starts_with("2 of 5 keys were not deleted"),
        "{}",
        err.detail()
    );
    assert!(
        err.detail().contains("logs/keep/1.log") && err.detail().contains("logs/keep/2.log"),
        "{}",
        err.detail()
    );
    assert!(
        err.user_message().contains("not allowed to delete"),
        "{}",
        err.user_message()
    );
    assert_eq!(
        s3::keys(&client, &bucket, "").await,
        vec!["logs/keep/1.log", "logs/keep/2.log"]
    );
}

#[tokio::test]
async fn a_prefix_move_keeps_a_source_rewritten_after_it_was_copied() {
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "k", "s");
    let bucket = bucket_name("movekeep");
    make_bucket(&client, &bucket, &[]).await;
    let mut copied = Vec::new();
    for key in ["from/a.txt", "from/b.txt"] {
        let out = client
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(b"first".to_vec().into())
            .send()
            .await
            .unwrap();
        copied.push((key.to_string(), out.e_tag().unwrap().trim_matches('"').to_string()));
    }
    // Someone rewrites b.txt after the move copied it.
    client
        .put_object()
        .bucket(&bucket)
        .key("from/b.txt")
        .body(b"newer".to_vec().into())
        .send()
        .await
        .unwrap();
    let r = remote(&endpoint, "k", "s").await;
    let out = r.delete_unchanged_sources(&bucket, "from/", &copied).await.unwrap();
    assert_eq!(out.deleted, 1);
    assert_eq!(out.kept, vec!["from/b.txt".to_string()]);
    assert!(client
        .head_object()
        .bucket(&bucket)
        .key("from/a.txt")
        .send()
        .await
        .is_err());
    let kept = client
        .get_object()
        .bucket(&bucket)
        .key("from/b.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.body.collect().await.unwrap().into_bytes().as_ref(), b"newer");
}
