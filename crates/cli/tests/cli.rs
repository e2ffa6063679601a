//! The `pail` binary against a real S3 server (moto on loopback), as a script would run it.

use std::process::{Command, Output};

use pail_testkit::{bucket_name, free_port, make_bucket, moto_endpoint, sdk_client};

fn pail(args: &[&str], endpoint: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pail"))
        .args(args)
        .args(["--endpoint", endpoint, "--path-style"])
        .env("AWS_ACCESS_KEY_ID", "clikey")
        .env("AWS_SECRET_ACCESS_KEY", "clisecret")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run pail")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn ls_lists_folders_then_files_with_env_credentials() {
    let endpoint = moto_endpoint();
    let bucket = bucket_name("cli-ls");
    let keys: Vec<String> = ["notes.txt", "docs/a.md", "empty/"].map(String::from).to_vec();
    make_bucket(&sdk_client(&endpoint, "clikey", "clisecret"), &bucket, &keys).await;

    let out = pail(&["ls", &format!("s3://{bucket}")], &endpoint);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0], "PRE docs/");
    assert_eq!(lines[1], "PRE empty/");
    assert!(lines[2].ends_with(" 9 notes.txt"), "{stdout}");

    let out = pail(&["ls", &format!("s3://{bucket}/docs")], &endpoint);
    assert!(
        text(&out.stdout).trim_end().ends_with(" 9 a.md"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn failures_exit_non_zero_with_the_plain_message_and_the_detail() {
    let endpoint = moto_endpoint();
    let out = pail(&["ls", "s3://no-such-bucket-here"], &endpoint);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("pail: The bucket “no-such-bucket-here” does not exist"),
        "{err}"
    );
    assert!(err.contains("detail: HTTP 404 NoSuchBucket"), "{err}");

    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = pail(&["ls", "s3://some-bucket"], &closed);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("could not reach the server"),
        "{}",
        text(&out.stderr)
    );

    let out = pail(&["ls", "photos/2026"], &endpoint);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("write it as s3://BUCKET/FOLDER/"),
        "{}",
        text(&out.stderr)
    );
}
