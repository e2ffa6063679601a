//! `pail cp` of a large file is restart-safe: killed mid-upload, the same command resumes the
//! multipart upload without sending finished parts again; Ctrl-C cancels and leaves no object
//! and no open multipart upload behind. Requests are counted by a proxy between pail and moto.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pail_engine::state::{transfers, StateDb};
use pail_testkit::fault_proxy::{FaultConfig, FaultProxy};
use pail_testkit::{bucket_name, make_bucket, moto_endpoint, sdk_client};

const PART: u64 = 8 * 1024 * 1024;

fn pail_cp(src: &std::path::Path, dst: &str, endpoint: &str, db: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pail"));
    cmd.arg("cp")
        .arg(src)
        .arg(dst)
        .arg("--state-db")
        .arg(db)
        .args(["--endpoint", endpoint, "--path-style"])
        .env("AWS_ACCESS_KEY_ID", "resumekey")
        .env("AWS_SECRET_ACCESS_KEY", "resumesecret")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// A proxy that slows every request a little, so a test can stop an upload half-way.
fn slow_proxy() -> FaultProxy {
    let config = FaultConfig {
        latency: 1.0,
        max_latency: Duration::from_millis(400),
        ..FaultConfig::none()
    };
    FaultProxy::start(moto_endpoint(), 1, config)
}

fn part_uploads(proxy: &FaultProxy) -> usize {
    proxy
        .records()
        .iter()
        .filter(|r| r.method == "PUT" && r.target.contains("partNumber="))
        .count()
}

async fn journaled_parts(db: &std::path::Path) -> usize {
    let Ok(db) = StateDb::open(db).await else { return 0 };
    let mut n = 0;
    for row in transfers::unfinished(db.pool()).await.unwrap_or_default() {
        n += transfers::parts(db.pool(), &row.id).await.map(|p| p.len()).unwrap_or(0);
    }
    db.close().await;
    n
}

async fn wait_for_parts(child: &mut Child, db: &std::path::Path, at_least: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = journaled_parts(db).await;
        if n >= at_least {
            return n;
        }
        if let Some(status) = child.try_wait().expect("poll") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("pail cp finished ({status:?}) before it could be interrupted: {err}");
        }
        assert!(Instant::now() < deadline, "no parts journaled in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn big_file(dir: &std::path::Path, parts: u64) -> (std::path::PathBuf, Vec<u8>) {
    let body: Vec<u8> = (0..parts * PART + 12345)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let path = dir.join("video.mov");
    std::fs::write(&path, &body).expect("write");
    (path, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_upload_resumes_without_resending_finished_parts() {
    let s3 = sdk_client(&moto_endpoint(), "resumekey", "resumesecret");
    let bucket = bucket_name("resume");
    make_bucket(&s3, &bucket, &[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("transfers.db");
    let (file, body) = big_file(dir.path(), 9);
    let total_parts = 10;
    let dst = format!("s3://{bucket}/media/video.mov");

    let first = slow_proxy();
    let mut child = pail_cp(&file, &dst, &first.endpoint(), &db).spawn().expect("spawn");
    let done_before_kill = wait_for_parts(&mut child, &db, 2).await;
    child.kill().expect("kill -9");
    let _ = child.wait();
    assert!(done_before_kill < total_parts);
    assert!(
        s3.head_object()
            .bucket(&bucket)
            .key("media/video.mov")
            .send()
            .await
            .is_err(),
        "no object yet"
    );

    let second = slow_proxy();
    let out = pail_cp(&file, &dst, &second.endpoint(), &db).output().expect("rerun");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let resent = part_uploads(&second);
    assert!(
        resent <= total_parts - done_before_kill,
        "{resent} parts sent again, but {done_before_kill} of {total_parts} were already stored: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("media/video.mov")
        .send()
        .await
        .expect("object")
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes();
    assert!(got.as_ref() == body.as_slice(), "content identical after the resume");
    let open = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("list uploads");
    assert!(open.uploads().is_empty(), "{:?}", open.uploads());
    assert_eq!(journaled_parts(&db).await, 0, "the journal is cleared once done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_leaves_no_object_and_no_open_upload() {
    let s3 = sdk_client(&moto_endpoint(), "resumekey", "resumesecret");
    let bucket = bucket_name("cancel");
    make_bucket(&s3, &bucket, &[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("transfers.db");
    let (file, _) = big_file(dir.path(), 6);
    let proxy = slow_proxy();
    let mut child = pail_cp(&file, &format!("s3://{bucket}/big.bin"), &proxy.endpoint(), &db)
        .spawn()
        .expect("spawn");
    wait_for_parts(&mut child, &db, 1).await;
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cancelled"));
    assert!(
        s3.head_object().bucket(&bucket).key("big.bin").send().await.is_err(),
        "no object"
    );
    let open = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("list uploads");
    assert!(open.uploads().is_empty(), "parts left billed: {:?}", open.uploads());
    assert_eq!(journaled_parts(&db).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_the_store_dropped_meanwhile_is_sent_again_instead_of_failing_forever() {
    let s3 = sdk_client(&moto_endpoint(), "resumekey", "resumesecret");
    let bucket = bucket_name("dropped");
    make_bucket(&s3, &bucket, &[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("transfers.db");
    let (file, body) = big_file(dir.path(), 4);
    let dst = format!("s3://{bucket}/v.mov");
    let proxy = slow_proxy();
    let mut child = pail_cp(&file, &dst, &proxy.endpoint(), &db).spawn().expect("spawn");
    wait_for_parts(&mut child, &db, 1).await;
    child.kill().expect("kill -9");
    let _ = child.wait();
    // A lifecycle rule (or another tool) aborts the half-done upload on the store.
    let open = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("list uploads");
    for u in open.uploads() {
        s3.abort_multipart_upload()
            .bucket(&bucket)
            .key(u.key().unwrap_or_default())
            .upload_id(u.upload_id().unwrap_or_default())
            .send()
            .await
            .expect("abort");
    }
    let out = pail_cp(&file, &dst, &moto_endpoint(), &db).output().expect("rerun");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("v.mov")
        .send()
        .await
        .expect("object");
    let got = got.body.collect().await.expect("body").into_bytes();
    assert!(got.as_ref() == body.as_slice());
    assert_eq!(journaled_parts(&db).await, 0);
}
