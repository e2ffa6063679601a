//! The `pail` binary against a real S3 server (moto on loopback), as a script would run it.

use std::process::{Command, Output};

use pail_testkit::{bucket_name, free_port, make_bucket, moto_endpoint, sdk_client};

fn pail(args: &[&str], endpoint: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pail"))
        .args(args)
        .args(["--endpoint", endpoint, "--path-style"])
        .env("AWS_ACCESS_KEY_ID", "clikey")
        .env("AWS_SECRET_ACCESS_KEY", "clisecret")
        // The transfer journal goes to a scratch folder, never the user's data folder.
        .env("PAIL_DATA_DIR", std::env::temp_dir().join("pail-cli-tests"))
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

    // A synced bucket folder follows the stricter rule: every part becomes a local folder name.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().to_str().unwrap();
    let out = pail(&["sync", local, "s3://some-bucket/a//b", "--once"], &endpoint);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("has an empty, “.” or “..” part"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn cp_uploads_and_downloads_a_tree_byte_for_byte() {
    let endpoint = moto_endpoint();
    let bucket = bucket_name("cli-cp");
    make_bucket(&sdk_client(&endpoint, "clikey", "clisecret"), &bucket, &[]).await;
    let src = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::create_dir_all(src.path().join("sub/deeper")).unwrap();
    std::fs::write(src.path().join("a.txt"), b"alpha").unwrap();
    std::fs::write(src.path().join("sub/deeper/big.bin"), &big).unwrap();
    std::fs::write(src.path().join("sub/naïve café.txt"), b"unicode").unwrap();

    let out = pail(
        &["cp", "-r", src.path().to_str().unwrap(), &format!("s3://{bucket}/up/")],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));

    let dst = tempfile::tempdir().unwrap();
    let out = pail(
        &["cp", "-r", &format!("s3://{bucket}/up/"), dst.path().to_str().unwrap()],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(std::fs::read(dst.path().join("a.txt")).unwrap(), b"alpha");
    assert_eq!(std::fs::read(dst.path().join("sub/deeper/big.bin")).unwrap(), big);
    assert_eq!(
        std::fs::read(dst.path().join("sub/naïve café.txt")).unwrap(),
        b"unicode"
    );
    let leftovers: Vec<_> = pail_testkit::files_under(dst.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".pail-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
    // The same tree again with every file flushed to disk before it takes its name.
    let flushed = tempfile::tempdir().unwrap();
    let out = pail(
        &[
            "cp",
            "-r",
            "--fsync",
            &format!("s3://{bucket}/up/"),
            flushed.path().to_str().unwrap(),
        ],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(std::fs::read(flushed.path().join("sub/deeper/big.bin")).unwrap(), big);
    assert_eq!(std::fs::read(flushed.path().join("a.txt")).unwrap(), b"alpha");

    // One file, into an existing folder, keeps its name.
    let one = tempfile::tempdir().unwrap();
    let out = pail(
        &["cp", &format!("s3://{bucket}/up/a.txt"), one.path().to_str().unwrap()],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(std::fs::read(one.path().join("a.txt")).unwrap(), b"alpha");
}

#[tokio::test]
async fn cp_never_writes_outside_the_destination_for_hostile_keys() {
    let endpoint = moto_endpoint();
    let bucket = bucket_name("cli-hostile");
    let keys: Vec<String> = ["in/ok.txt", "in/../escape.txt", "in/a//b.txt"]
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
    assert_eq!(std::fs::read(dst.join("ok.txt")).unwrap(), b"in/ok.txt");
    assert!(
        !root.path().join("escape.txt").exists(),
        "nothing escaped the destination"
    );
    let err = text(&out.stderr);
    assert!(err.contains("skipped s3://") && err.contains("escape.txt"), "{err}");
    assert!(err.contains("a//b.txt"), "{err}");
}

#[test]
fn cp_of_a_folder_without_r_is_explained() {
    let endpoint = moto_endpoint();
    let dir = tempfile::tempdir().unwrap();
    let out = pail(&["cp", dir.path().to_str().unwrap(), "s3://some-bucket/x/"], &endpoint);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("use -r"), "{}", text(&out.stderr));
}

/// Objects above the ranged-download threshold come down in parallel byte ranges, one file or a
/// whole folder, byte for byte and with no temp file left.
#[tokio::test]
async fn large_objects_come_down_in_parallel_ranges_identical() {
    let endpoint = moto_endpoint();
    let bucket = bucket_name("cli-ranged");
    let s3 = sdk_client(&endpoint, "clikey", "clisecret");
    make_bucket(&s3, &bucket, &[]).await;
    // Not a multiple of the range size, so the last range is short.
    let big: Vec<u8> = (0..(20 * 1024 * 1024 + 4321u32))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 9) as u8)
        .collect();
    for key in ["one/big.bin", "tree/sub/big.bin"] {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(big.clone().into())
            .send()
            .await
            .unwrap();
    }
    let dst = tempfile::tempdir().unwrap();
    let single = dst.path().join("single.bin");
    let out = pail(
        &["cp", &format!("s3://{bucket}/one/big.bin"), single.to_str().unwrap()],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(std::fs::read(&single).unwrap() == big);
    let tree = dst.path().join("tree");
    let out = pail(
        &["cp", "-r", &format!("s3://{bucket}/tree/"), tree.to_str().unwrap()],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(std::fs::read(tree.join("sub/big.bin")).unwrap() == big);
    // --fsync takes the path that flushes behind each range and before each rename.
    let flushed = dst.path().join("flushed");
    let out = pail(
        &[
            "cp",
            "-r",
            "--fsync",
            &format!("s3://{bucket}/tree/"),
            flushed.to_str().unwrap(),
        ],
        &endpoint,
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(std::fs::read(flushed.join("sub/big.bin")).unwrap() == big);
    let leftovers: Vec<_> = pail_testkit::files_under(dst.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".pail-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_damaged_state_database_is_named_with_what_to_do_about_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("journal.db");
    std::fs::write(&db, vec![0x42_u8; 8192]).unwrap();
    let src = dir.path().join("a.txt");
    std::fs::write(&src, b"a").unwrap();
    let db_arg = db.to_string_lossy().into_owned();
    // Nothing reaches the server: the journal is opened first, so no store need be running.
    let out = pail(
        &[
            "cp",
            "--state-db",
            &db_arg,
            &src.to_string_lossy(),
            "s3://any-bucket/a.txt",
        ],
        "http://127.0.0.1:9",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "pail: the state database {db_arg} is damaged and cannot be read. Move it aside"
        )),
        "{err}"
    );
    assert!(err.contains("detail: "), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        vec![0x42_u8; 8192],
        "the damaged file is left as it was"
    );
}

/// The time now as RFC 3339, after waiting until the clock is in a later second, so the writes
/// that follow (S3 keeps times to the second) come after it. It orders writes; it asserts nothing.
fn end_moment() -> String {
    let at = std::time::SystemTime::now();
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        <= secs
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let millis = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    chrono::DateTime::from_timestamp_millis(millis).unwrap().to_rfc3339()
}

#[tokio::test]
async fn history_and_restore_put_a_folder_back_as_it_was() {
    use pail_testkit::s3;
    let endpoint = moto_endpoint();
    let client = sdk_client(&endpoint, "clikey", "clisecret");
    let bucket = bucket_name("cli-history");
    make_bucket(&client, &bucket, &[]).await;
    s3::enable_versioning(&client, &bucket).await;
    s3::put(&client, &bucket, "p/a.txt", b"first a").await;
    s3::put(&client, &bucket, "p/sub/b.txt", b"first b").await;
    let then = end_moment();
    s3::put(&client, &bucket, "p/a.txt", b"second a, longer").await;
    client
        .delete_object()
        .bucket(&bucket)
        .key("p/sub/b.txt")
        .send()
        .await
        .unwrap();
    s3::put(&client, &bucket, "p/c.txt", b"new").await;
    let folder = format!("s3://{bucket}/p");

    let out = pail(&["history", &folder], &endpoint);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).lines().count() >= 2, "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("change"), "{}", text(&out.stdout));

    let out = pail(&["history", &folder, "--at", &then], &endpoint);
    let listed = text(&out.stdout);
    assert!(
        listed.contains("a.txt") && listed.contains("sub/b.txt") && !listed.contains("c.txt"),
        "{listed}"
    );

    let out = pail(&["history", &folder, "--diff", &then, "now"], &endpoint);
    let diff = text(&out.stdout);
    assert!(diff.contains("changed  a.txt  (7 → 16 bytes)"), "{diff}");
    assert!(diff.contains("deleted  sub/b.txt"), "{diff}");
    assert!(diff.contains("added    c.txt"), "{diff}");

    let out = pail(
        &["restore", &folder, "--at", &then, "--in-place", "--dry-run"],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("would restore  p/a.txt"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("would remove  p/c.txt"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        s3::get(&client, &bucket, "p/c.txt").await.as_deref(),
        Some(&b"new"[..]),
        "a dry run changes nothing"
    );

    let out = pail(&["restore", &folder, "--at", &then, "--in-place"], &endpoint);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("To undo it, restore to"),
        "{}",
        text(&out.stderr)
    );
    let now: Vec<(String, Vec<u8>)> = s3::objects(&client, &bucket, "p/").await.into_iter().collect();
    assert_eq!(
        now,
        vec![
            ("a.txt".to_owned(), b"first a".to_vec()),
            ("sub/b.txt".to_owned(), b"first b".to_vec())
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let out = pail(
        &["restore", &folder, "--at", &then, "--to", dir.path().to_str().unwrap()],
        &endpoint,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(dir.path().join("sub/b.txt")).unwrap(), b"first b");
    // Again into the same folder: nothing is replaced, each file is named, and the exit says so.
    let out = pail(
        &["restore", &folder, "--at", &then, "--to", dir.path().to_str().unwrap()],
        &endpoint,
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("already exists"), "{}", text(&out.stderr));

    let out = pail(&["restore", &folder, "--at", "soon", "--in-place"], &endpoint);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("2 hours ago"), "{}", text(&out.stderr));

    let plain = bucket_name("cli-no-versions");
    make_bucket(&client, &plain, &["x/a.txt".to_owned()]).await;
    let out = pail(&["history", &format!("s3://{plain}/x")], &endpoint);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("does not keep earlier versions"),
        "{}",
        text(&out.stderr)
    );
}
