//! "Test connection" (and browsing) explain each problem in its own words. The credential checks
//! run against pail-devstore, a real S3 server that verifies SigV4 signatures like AWS does.

use std::time::{Duration, SystemTime};

use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use pail_devstore::{DevStore, DevStoreConfig};
use pail_engine::remote::ClientOptions;
use pail_engine::ErrorCode;

use crate::support::*;

const KEY: &str = "PAILTESTKEY";
const SECRET: &str = "pail-test-secret-0123456789";

async fn store(dir: &std::path::Path) -> DevStore {
    let mut config = DevStoreConfig::new(dir.to_path_buf(), KEY, SECRET);
    config.extra_users = vec![("READONLYKEY".into(), "readonly-secret".into())];
    config.deny_list_buckets_for = vec!["READONLYKEY".into()];
    let store = DevStore::start(config).await.unwrap();
    let client = sdk_client(&store.endpoint(), KEY, SECRET);
    client.create_bucket().bucket("reachable").send().await.unwrap();
    store
}

async fn test_error(
    t: &TestEngine,
    d: &pail_engine::connections::ConnectionDraft,
    options: ClientOptions,
) -> pail_engine::Error {
    t.engine
        .test_connection(d, None, options)
        .await
        .expect_err("the test should fail")
}

#[tokio::test]
async fn good_keys_pass_and_list_the_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let t = TestEngine::new().await;
    let report = t
        .engine
        .test_connection(&draft(&s.endpoint(), KEY, SECRET), None, ClientOptions::interactive())
        .await
        .unwrap();
    assert!(report.can_list_buckets);
    assert_eq!(report.buckets, vec!["reachable".to_string()]);
}

#[tokio::test]
async fn wrong_key_id_says_the_key_is_not_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let t = TestEngine::new().await;
    let err = test_error(
        &t,
        &draft(&s.endpoint(), "NOSUCHKEY", SECRET),
        ClientOptions::interactive(),
    )
    .await;
    assert_eq!(err.code(), ErrorCode::InvalidAccessKeyId, "{}", err.detail());
    assert!(err.user_message().contains("does not recognise this access key ID"));
    assert!(
        err.detail().contains("InvalidAccessKeyId"),
        "technical detail kept: {}",
        err.detail()
    );
}

#[tokio::test]
async fn wrong_secret_says_the_secret_does_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let t = TestEngine::new().await;
    let err = test_error(
        &t,
        &draft(&s.endpoint(), KEY, "not-the-secret"),
        ClientOptions::interactive(),
    )
    .await;
    assert_eq!(err.code(), ErrorCode::SignatureMismatch, "{}", err.detail());
    assert!(err.user_message().contains("secret access key does not match"));
}

#[derive(Debug)]
struct SkewedClock(Duration);
impl TimeSource for SkewedClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + self.0
    }
}

#[tokio::test]
async fn a_clock_an_hour_off_is_called_clock_skew() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let t = TestEngine::new().await;
    let options = ClientOptions {
        time_source: Some(SharedTimeSource::new(SkewedClock(Duration::from_secs(3600)))),
        max_attempts: 1,
        ..ClientOptions::interactive()
    };
    let err = test_error(&t, &draft(&s.endpoint(), KEY, SECRET), options).await;
    assert_eq!(err.code(), ErrorCode::ClockSkew, "{}", err.detail());
    assert!(err.user_message().contains("clock"));
}

#[tokio::test]
async fn a_closed_port_is_called_unreachable() {
    let t = TestEngine::new().await;
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let err = test_error(&t, &draft(&endpoint, KEY, SECRET), ClientOptions::interactive()).await;
    assert_eq!(err.code(), ErrorCode::EndpointUnreachable, "{}", err.detail());
    assert!(err
        .user_message()
        .contains(&format!("could not reach the server at {endpoint}")));
}

#[tokio::test]
async fn https_against_a_plain_http_server_is_a_tls_problem() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let t = TestEngine::new().await;
    let endpoint = s.endpoint().replace("http://", "https://");
    let err = test_error(&t, &draft(&endpoint, KEY, SECRET), ClientOptions::interactive()).await;
    assert_eq!(err.code(), ErrorCode::Tls, "{}", err.detail());
    assert!(err.user_message().contains("secure (HTTPS) connection"));
}

#[tokio::test]
async fn keys_that_may_not_list_buckets_are_told_to_type_a_bucket_and_then_work() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let t = TestEngine::new().await;
    let mut d = draft(&s.endpoint(), "READONLYKEY", "readonly-secret");
    let err = test_error(&t, &d, ClientOptions::interactive()).await;
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{}", err.detail());
    assert!(err
        .user_message()
        .contains("not allowed to list buckets. Type the name of a bucket"));

    // With a bucket typed in, the test passes and the sidebar shows that bucket.
    d.pinned_buckets = vec!["reachable".into()];
    let report = t
        .engine
        .test_connection(&d, None, ClientOptions::interactive())
        .await
        .unwrap();
    assert!(!report.can_list_buckets);
    assert_eq!(report.buckets, vec!["reachable".to_string()]);
    let conn = t.engine.create_connection(&d).await.unwrap();
    let list = t.engine.list_buckets(&conn.id).await.unwrap();
    assert!(!list.can_list_buckets);
    assert_eq!(
        list.buckets.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        vec!["reachable"]
    );

    // A typed bucket that does not exist is named in the message.
    d.pinned_buckets = vec!["no-such-bucket".into()];
    let err = test_error(&t, &d, ClientOptions::interactive()).await;
    assert_eq!(err.code(), ErrorCode::NoSuchBucket, "{}", err.detail());
    assert!(err.user_message().contains("“no-such-bucket” does not exist"));
}

#[tokio::test]
async fn a_vanished_bucket_and_a_revoked_key_while_browsing_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let t = TestEngine::new().await;
    let conn = t
        .engine
        .create_connection(&draft(&s.endpoint(), KEY, SECRET))
        .await
        .unwrap();
    let client = sdk_client(&s.endpoint(), KEY, SECRET);
    client.create_bucket().bucket("short-lived").send().await.unwrap();
    t.engine
        .list_folder(&conn.id, "short-lived", "", |_| std::ops::ControlFlow::Continue(()))
        .await
        .unwrap();
    client.delete_bucket().bucket("short-lived").send().await.unwrap();
    let err = t
        .engine
        .list_folder(&conn.id, "short-lived", "", |_| std::ops::ControlFlow::Continue(()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoSuchBucket, "{}", err.detail());
    assert!(err.user_message().contains("“short-lived” does not exist"));

    // The same data served with another key: ours is now revoked.
    let endpoint = s.endpoint();
    s.shutdown().await;
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let mut config = DevStoreConfig::new(dir.path().to_path_buf(), "ROTATEDKEY", "rotated-secret");
    config.port = port;
    let _s2 = DevStore::start(config).await.unwrap();
    let err = t
        .engine
        .list_folder(&conn.id, "reachable", "", |_| std::ops::ControlFlow::Continue(()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAccessKeyId, "{}", err.detail());
}

#[tokio::test]
async fn a_missing_object_in_properties_is_explained() {
    let t = TestEngine::new().await;
    let endpoint = moto_endpoint();
    let bucket = bucket_name("props");
    make_bucket(&sdk_client(&endpoint, "k", "s"), &bucket, &[]).await;
    let conn = t.engine.create_connection(&draft(&endpoint, "k", "s")).await.unwrap();
    let err = t
        .engine
        .object_properties(&conn.id, &bucket, "gone.txt")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoSuchKey, "{}", err.detail());
    assert!(err.user_message().contains("no longer in the bucket"));
}
