//! An upload sends exactly the version of the file it vouches for, or nothing.
//!
//! The SDK keeps a request's CRC32 from its first attempt but reads the file again for a retry,
//! so a file saved between two attempts used to go up as new bytes under the old checksum (and,
//! from sync, under the old Pail hash). S3 refuses that; moto, like other lenient stores, stored
//! it. These tests edit a file at exactly that moment (and during a multipart upload) and check
//! that the upload fails with `FileChanged` and the store keeps what it had; and that sync's
//! promise (the scanned stamp and hash) is held on both test servers.

use std::time::Duration;

use aws_sdk_s3::types::ChecksumMode;
use pail_devstore::{DevStore, DevStoreConfig};
use pail_engine::error::{Error, ErrorCode};
use pail_engine::remote::{ExpectedFile, PutControl, PutSpec, UploadOptions};
use pail_engine::sync::ContentHash;
use pail_testkit::fault_proxy::{FaultConfig, FaultProxy};

use crate::support::*;

/// Replaces `path` the way editors save: a new file renamed over the old one.
fn save(path: &std::path::Path, content: &[u8]) {
    let temp = path.with_extension("saving");
    std::fs::write(&temp, content).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

async fn checked_body(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let got = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    got.body
        .collect()
        .await
        .expect("the stored body matches its stored checksum")
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_saved_between_two_attempts_of_one_put_is_refused_and_the_store_keeps_what_it_had() {
    let bucket = bucket_name("retry-edit");
    let client = sdk_client(&moto_endpoint(), "k", "s");
    make_bucket(&client, &bucket, &[]).await;
    client
        .put_object()
        .bucket(&bucket)
        .key("report.txt")
        .body(b"the version already in the bucket".to_vec().into())
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("report.txt");
    // Small enough that the first attempt's whole body is read (and its CRC32 cached by the
    // SDK) while the proxy holds the request.
    std::fs::write(&local, vec![b'a'; 64 * 1024]).unwrap();

    // The first attempt is held, then its connection dropped; the SDK retries.
    let proxy = FaultProxy::start(
        moto_endpoint(),
        3,
        FaultConfig {
            timeout: 1.0,
            timeout_delay: Duration::from_secs(1),
            ..FaultConfig::none()
        },
    );
    let r = remote(&proxy.endpoint(), "k", "s").await;
    let upload = {
        let (local, bucket) = (local.clone(), bucket.clone());
        tokio::spawn(async move {
            r.put_file(
                &local,
                &bucket,
                "report.txt",
                &PutSpec::plain(),
                UploadOptions::default(),
                PutControl::default(),
            )
            .await
        })
    };
    for _ in 0..500 {
        if proxy.stats().timeout > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(proxy.stats().timeout, 1, "the first attempt is being held");
    tokio::time::sleep(Duration::from_millis(200)).await;
    save(&local, &vec![b'b'; 64 * 1024]);
    proxy.set_config(FaultConfig::none());

    let err = upload.await.unwrap().expect_err("the retry would send other bytes");
    assert_eq!(err.code(), ErrorCode::FileChanged, "{err:?}");
    assert!(matches!(&err, Error::FileChanged { path } if *path == local), "{err:?}");
    let message = err.user_message();
    assert!(
        message.contains("“report.txt” changed while Pail was uploading it"),
        "{message}"
    );
    assert_eq!(
        checked_body(&client, &bucket, "report.txt").await,
        b"the version already in the bucket",
        "nothing was replaced"
    );

    // Once the file holds still, the same upload goes through.
    let r = remote(&moto_endpoint(), "k", "s").await;
    r.upload_file(&local, &bucket, "report.txt").await.unwrap();
    assert_eq!(
        checked_body(&client, &bucket, "report.txt").await,
        vec![b'b'; 64 * 1024]
    );
}

/// A large file saved while its parts are on their way: the parts that end after the save fail,
/// the upload is aborted (no hidden parts left) and the bucket keeps what it had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_saved_during_a_multipart_upload_is_refused_and_its_parts_are_aborted() {
    let bucket = bucket_name("parts-edit");
    let client = sdk_client(&moto_endpoint(), "k", "s");
    make_bucket(&client, &bucket, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("video.bin");
    let size = 11 * 1024 * 1024;
    std::fs::write(&local, vec![b'a'; size]).unwrap();

    // The stalled proxy holds the upload after it has taken the file's stamp, before any part.
    let proxy = FaultProxy::start(moto_endpoint(), 5, FaultConfig::none());
    proxy.pause();
    let r = remote(&proxy.endpoint(), "k", "s").await;
    let upload = {
        let (local, bucket) = (local.clone(), bucket.clone());
        tokio::spawn(async move {
            let parts = UploadOptions {
                multipart_threshold: 5 * 1024 * 1024,
                part_size: 5 * 1024 * 1024,
                parallel_parts: 2,
            };
            r.put_file(
                &local,
                &bucket,
                "video.bin",
                &PutSpec::plain(),
                parts,
                PutControl::default(),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    save(&local, &vec![b'b'; size]);
    proxy.resume();

    let err = upload.await.unwrap().expect_err("the parts would mix two versions");
    assert_eq!(err.code(), ErrorCode::FileChanged, "{err:?}");
    assert!(
        client
            .head_object()
            .bucket(&bucket)
            .key("video.bin")
            .send()
            .await
            .is_err(),
        "no object appeared"
    );
    let open = client.list_multipart_uploads().bucket(&bucket).send().await.unwrap();
    assert!(
        open.uploads().is_empty(),
        "the upload was aborted: {:?}",
        open.uploads()
    );
}

/// Sync vouches for the version it scanned; an upload of anything else never lands.
async fn only_the_scanned_version_lands(endpoint: &str, key: &str, secret: &str) {
    let bucket = bucket_name("scanned");
    let client = sdk_client(endpoint, key, secret);
    make_bucket(&client, &bucket, &[]).await;
    let r = remote(endpoint, key, secret).await;
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("notes.txt");
    std::fs::write(&small, b"what is on disk now").unwrap();
    let stamp = pail_engine::scan::identity_of(&std::fs::metadata(&small).unwrap());
    let hash_of = |data: &[u8]| ContentHash(*blake3::hash(data).as_bytes());
    let put = |path: std::path::PathBuf, key: &'static str, expect: ExpectedFile, options: UploadOptions| {
        let (r, bucket) = (&r, &bucket);
        async move {
            r.put_file(
                &path,
                bucket,
                key,
                &PutSpec::plain(),
                options,
                PutControl {
                    expect: Some(&expect),
                    ..PutControl::default()
                },
            )
            .await
        }
    };
    let exists = |key: &'static str| {
        let (client, bucket) = (&client, &bucket);
        async move { client.head_object().bucket(bucket).key(key).send().await.is_ok() }
    };

    // Same stamp, other content: an edit the stamp cannot see (within one clock tick).
    let scanned = ExpectedFile {
        stamp,
        hash: hash_of(b"what was scanned..."),
    };
    let err = put(small.clone(), "notes.txt", scanned, UploadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FileChanged, "{err:?}");
    assert!(
        !exists("notes.txt").await,
        "the store kept nothing of the cut-short body"
    );

    // Another stamp: refused before anything is sent.
    let older = ExpectedFile {
        stamp: pail_engine::scan::Identity {
            mtime_ns: stamp.mtime_ns - 1,
            ..stamp
        },
        hash: hash_of(b"what is on disk now"),
    };
    let err = put(small.clone(), "notes.txt", older, UploadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FileChanged, "{err:?}");
    assert!(!exists("notes.txt").await);

    // The version that was scanned goes up.
    let right = ExpectedFile {
        stamp,
        hash: hash_of(b"what is on disk now"),
    };
    put(small.clone(), "notes.txt", right, UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(
        checked_body(&client, &bucket, "notes.txt").await,
        b"what is on disk now"
    );

    // A multipart upload holds the stamp: refused when it differs, sent when it holds.
    let big = dir.path().join("big.bin");
    let data: Vec<u8> = (0..11 * 1024 * 1024u32).map(|i| (i >> 9) as u8).collect();
    std::fs::write(&big, &data).unwrap();
    let parts = UploadOptions {
        multipart_threshold: 5 * 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        parallel_parts: 2,
    };
    let big_stamp = pail_engine::scan::identity_of(&std::fs::metadata(&big).unwrap());
    let moved = ExpectedFile {
        stamp: pail_engine::scan::Identity {
            size: big_stamp.size + 1,
            ..big_stamp
        },
        hash: hash_of(&data),
    };
    let err = put(big.clone(), "big.bin", moved, parts).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::FileChanged, "{err:?}");
    assert!(!exists("big.bin").await);
    let held = ExpectedFile {
        stamp: big_stamp,
        hash: hash_of(&data),
    };
    put(big.clone(), "big.bin", held, parts).await.unwrap();
    assert!(checked_body(&client, &bucket, "big.bin").await == data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_scanned_version_of_a_file_lands_on_moto() {
    only_the_scanned_version_lands(&moto_endpoint(), "k", "s").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_scanned_version_of_a_file_lands_on_devstore() {
    let dir = tempfile::tempdir().unwrap();
    let store = DevStore::start(DevStoreConfig::new(dir.path().to_path_buf(), "devkey", "devsecret"))
        .await
        .unwrap();
    only_the_scanned_version_lands(&store.endpoint(), "devkey", "devsecret").await;
}
