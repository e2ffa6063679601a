//! `pail` against a buggy or hostile store (moto behind the fault proxy) and odd keys: a listing
//! stuck on one page ends with a clear error instead of a hang, keys and server text reach the
//! terminal with their control characters escaped, and names that only Windows refuses still
//! download on Linux.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use pail_testkit::fault_proxy::{FaultConfig, FaultKind, FaultProxy};
use pail_testkit::{bucket_name, make_bucket, moto_endpoint, sdk_client};

/// Only a guard against a hang (the bug some of these tests are about): no test waits on it.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Runs `pail` with env credentials against `endpoint` (moto), killing it if it hangs.
fn pail(args: &[&str], endpoint: &str) -> Output {
    pail_as(args, endpoint, ("clikey", "clisecret"))
}

/// [`pail`] with the key pair `keys`.
fn pail_as(args: &[&str], endpoint: &str, keys: (&str, &str)) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pail"))
        .args(args)
        .args(["--endpoint", endpoint, "--path-style"])
        .env("AWS_ACCESS_KEY_ID", keys.0)
        .env("AWS_SECRET_ACCESS_KEY", keys.1)
        .env("PAIL_DATA_DIR", std::env::temp_dir().join("pail-cli-tests"))
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pail");
    let started = Instant::now();
    while child.try_wait().expect("wait for pail").is_none() {
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("pail {args:?} did not finish: it hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("read pail's output")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repeating_proxy() -> FaultProxy {
    FaultProxy::start(
        moto_endpoint(),
        11,
        FaultConfig {
            repeat_continuation_token: true,
            ..FaultConfig::none()
        },
    )
}

#[tokio::test]
async fn ls_stops_when_the_store_repeats_a_listing_page() {
    let bucket = bucket_name("cli-stuck");
    let keys: Vec<String> = ["a.txt", "b/c.txt"].map(String::from).to_vec();
    make_bucket(&sdk_client(&moto_endpoint(), "clikey", "clisecret"), &bucket, &keys).await;
    let proxy = repeating_proxy();
    let out = pail(&["ls", &format!("s3://{bucket}")], &proxy.endpoint());
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("sent the same page of the listing twice; Pail stopped listing so it would not loop forever"),
        "{err}"
    );
    assert!(err.contains("detail: listing"), "{err}");
}

#[tokio::test]
async fn sync_stops_when_the_store_repeats_a_listing_page_and_deletes_nothing() {
    let bucket = bucket_name("cli-stuck-sync");
    let s3 = sdk_client(&moto_endpoint(), "clikey", "clisecret");
    make_bucket(&s3, &bucket, &["p/remote.txt".to_string()]).await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("folder");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("mine.txt"), b"mine").unwrap();
    let state = dir.path().join("state.db");
    let proxy = repeating_proxy();
    let out = pail(
        &[
            "sync",
            "--once",
            "--state-db",
            state.to_str().unwrap(),
            local.to_str().unwrap(),
            &format!("s3://{bucket}/p/"),
        ],
        &proxy.endpoint(),
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("sent the same page of the listing twice"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(local.join("mine.txt")).unwrap(), b"mine");
    assert!(s3
        .head_object()
        .bucket(&bucket)
        .key("p/remote.txt")
        .send()
        .await
        .is_ok());
}

#[tokio::test]
async fn ls_prints_keys_with_control_characters_escaped() {
    // moto keeps terminal escapes and carriage returns in keys (it cannot route a newline).
    let endpoint = moto_endpoint();
    let bucket = bucket_name("cli-ctrl");
    let keys: Vec<String> = ["red\u{1b}[31m.txt", "dir\r/x"].map(String::from).to_vec();
    make_bucket(&sdk_client(&endpoint, "clikey", "clisecret"), &bucket, &keys).await;
    let out = pail(&["ls", &format!("s3://{bucket}")], &endpoint);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\r'), "{stdout:?}");
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    assert_eq!(lines.len(), 2, "one line per key: {stdout:?}");
    assert_eq!(lines[0], "PRE dir\\r/");
    assert!(lines[1].ends_with(" red\\u{1b}[31m.txt"), "{stdout:?}");

    // s3rver keeps a newline in a key, and sends it raw in its listing.
    let endpoint = pail_testkit::permissive_endpoint();
    let keys = pail_testkit::PERMISSIVE_KEYS;
    let bucket = bucket_name("cli-newline");
    let names: Vec<String> = ["line\nbreak.txt", "plain.txt"].map(String::from).to_vec();
    make_bucket(&sdk_client(&endpoint, keys.0, keys.1), &bucket, &names).await;
    let out = pail_as(&["ls", &format!("s3://{bucket}")], &endpoint, keys);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    assert_eq!(lines.len(), 2, "one line per key: {stdout:?}");
    assert!(lines[0].ends_with(" line\\nbreak.txt"), "{stdout:?}");
    assert!(lines[1].ends_with(" plain.txt"), "{stdout:?}");
}

#[tokio::test]
async fn cp_names_skipped_keys_escaped_and_keeps_windows_only_names_on_linux() {
    let endpoint = moto_endpoint();
    let bucket = bucket_name("cli-names");
    let keys: Vec<String> = [
        "in/ok.txt",
        "in/CON",
        "in/con.txt",
        "in/a:b",
        "in/C:foo",
        "in/trailing.",
        "in/\u{1b}[31m/../evil.txt",
    ]
    .map(String::from)
    .to_vec();
    make_bucket(&sdk_client(&endpoint, "clikey", "clisecret"), &bucket, &keys).await;
    let root = tempfile::tempdir().unwrap();
    let dst = root.path().join("dst");
    let out = pail(
        &["cp", "-r", &format!("s3://{bucket}/in/"), dst.to_str().unwrap()],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    // CON, a:b and friends are ordinary names on Linux: nothing changes for them here.
    for name in ["ok.txt", "CON", "con.txt", "a:b", "C:foo", "trailing."] {
        assert_eq!(
            std::fs::read(dst.join(name)).unwrap(),
            format!("in/{name}").into_bytes(),
            "{name}"
        );
    }
    assert!(!root.path().join("evil.txt").exists() && !dst.join("evil.txt").exists());
    let err = text(&out.stderr);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        err.contains("skipped s3://") && err.contains("\\u{1b}[31m/../evil.txt: the path has a `..` segment"),
        "{err}"
    );
}

#[test]
fn a_server_error_message_reaches_the_terminal_escaped() {
    let proxy = FaultProxy::start(
        moto_endpoint(),
        12,
        FaultConfig {
            // XML cannot carry a terminal escape; a newline and a carriage return it can.
            error_message: Some("first line\nFORGED pail: all good\r".into()),
            ..FaultConfig::always(FaultKind::InternalError)
        },
    );
    let out = pail(&["ls", "s3://any-bucket"], &proxy.endpoint());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("first line\\nFORGED pail: all good\\r"), "{err}");
    assert!(!err.lines().any(|l| l.starts_with("FORGED")), "{err}");
}

#[tokio::test]
async fn sync_names_a_store_that_corrupts_uploads_instead_of_files_that_kept_changing() {
    let bucket = bucket_name("cli-corrupt");
    make_bucket(&sdk_client(&moto_endpoint(), "clikey", "clisecret"), &bucket, &[]).await;
    let proxy = FaultProxy::start(
        moto_endpoint(),
        13,
        FaultConfig {
            wrong_put_etag: true,
            // Its conditions ignored too, so that Pail's repair (a plain PUT on the ETag it was
            // told) is stored and judged again, rather than refused as a race.
            strip_conditions: true,
            ..FaultConfig::none()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("folder");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("report.txt"), b"what the user wrote").unwrap();
    let state = dir.path().join("state.db");
    // Upload-only: the two-way store probe would refuse this store before any upload.
    let out = pail(
        &[
            "sync",
            "--once",
            "--mode",
            "upload",
            "--state-db",
            state.to_str().unwrap(),
            local.to_str().unwrap(),
            &format!("s3://{bucket}/p/"),
        ],
        &proxy.endpoint(),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("pail: report.txt: The storage service at")
            && err.contains("stored something else than Pail sent for “p/report.txt”"),
        "{err}"
    );
    assert!(!err.contains("kept changing"), "{err}");
}
