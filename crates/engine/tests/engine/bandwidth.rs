//! The Settings bandwidth limits pace real uploads and downloads through the engine's clients
//! (against moto), and lifting them takes effect for the next request. Only lower bounds on time
//! are checked: a limit can make a transfer slower, never faster.

use std::time::{Duration, Instant};

use pail_engine::preferences::Preferences;
use pail_engine::remote::ClientOptions;

use crate::support::{bucket_name, draft, make_bucket, moto_endpoint, sdk_client, TestEngine};

const BODY: usize = 96 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bandwidth_limits_pace_uploads_and_downloads() {
    let t = TestEngine::new().await;
    let endpoint = moto_endpoint();
    let bucket = bucket_name("bandwidth");
    make_bucket(&sdk_client(&endpoint, "k", "s"), &bucket, &[]).await;
    let conn = t.engine.create_connection(&draft(&endpoint, "k", "s")).await.unwrap();
    let limited = Preferences {
        upload_limit_kib: 32,
        download_limit_kib: 32,
        ..Preferences::default()
    };
    limited.save(t.engine.db()).await.unwrap();
    t.engine.apply_preferences(&limited);
    let remote = t.engine.remote(&conn, ClientOptions::default()).await.unwrap();
    let body = vec![42u8; BODY];

    // Uploads stream from files, as the app's transfers and sync do.
    let file = t.data_dir.path().join("paced.bin");
    std::fs::write(&file, &body).unwrap();
    let started = Instant::now();
    remote
        .sdk()
        .put_object()
        .bucket(&bucket)
        .key("paced.bin")
        .body(aws_sdk_s3::primitives::ByteStream::from_path(&file).await.unwrap())
        .send()
        .await
        .unwrap();
    let up = started.elapsed();
    // 96 KiB at 32 KiB/s: the first 16 KiB piece goes at once, the other 80 KiB take 2.5 s.
    assert!(up >= Duration::from_millis(2300), "upload took only {up:?}");

    let started = Instant::now();
    let got = remote
        .sdk()
        .get_object()
        .bucket(&bucket)
        .key("paced.bin")
        .send()
        .await
        .unwrap();
    let bytes = got.body.collect().await.unwrap().into_bytes();
    let down = started.elapsed();
    assert_eq!(bytes.len(), BODY);
    assert!(bytes.iter().all(|b| *b == 42), "pacing changed the bytes");
    assert!(down >= Duration::from_millis(2300), "download took only {down:?}");

    // Lifting the limits applies to clients already made.
    let unlimited = Preferences::default();
    unlimited.save(t.engine.db()).await.unwrap();
    t.engine.apply_preferences(&unlimited);
    let got = remote
        .sdk()
        .get_object()
        .bucket(&bucket)
        .key("paced.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(got.body.collect().await.unwrap().into_bytes().len(), BODY);

    // A limit too small to work is refused in words.
    let err = Preferences {
        upload_limit_kib: 3,
        ..Preferences::default()
    }
    .save(t.engine.db())
    .await
    .unwrap_err();
    assert!(err.user_message().contains("at least 16"), "{}", err.user_message());
}
