//! What the world does that the lab did not: each test is a case where an earlier `pail sync`
//! deleted or overwrote data, run through the real binary against real servers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use pail_testkit::unprivileged::{self, give_to_nobody, running_as_root};
use pail_testkit::{FaultConfig, FaultProxy};

use super::{assert_same_tree, Computer, World, KEY, SECRET};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A background `pail sync` that is killed when the test ends, even by a failed assertion.
pub(super) struct Killed(pub(super) std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A computer whose `pail sync` runs as an unprivileged user when the tests run as root (root
/// reads every file, so a `chmod 000` would prove nothing), with its folders owned by that user.
struct Unprivileged {
    computer: Computer,
    /// A copy of the binary the unprivileged user may run (the build folder may be private).
    binary: PathBuf,
    _bin_dir: tempfile::TempDir,
}

impl Unprivileged {
    fn new(world: &World, host: &'static str) -> Self {
        let computer = world.computer(host);
        let bin_dir = tempfile::tempdir().expect("temp dir");
        let binary = bin_dir.path().join("pail");
        std::fs::copy(env!("CARGO_BIN_EXE_pail"), &binary).expect("copy the binary");
        if running_as_root() {
            use std::os::unix::fs::PermissionsExt;
            for dir in [bin_dir.path(), computer.root.parent().expect("home")] {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            }
        }
        give_to_nobody(computer.root.parent().expect("home"));
        Self {
            computer,
            binary,
            _bin_dir: bin_dir,
        }
    }

    fn sync(&self, extra: &[&str]) -> Output {
        let c = &self.computer;
        let mut cmd = unprivileged::command(&self.binary);
        cmd.arg("sync")
            .arg(&c.root)
            .arg(&c.target)
            .arg("--once")
            .arg("--state-db")
            .arg(&c.db)
            .args(["--endpoint", &c.endpoint, "--path-style"])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("PAIL_HOST_NAME", c.host)
            .env("HOME", c.root.parent().expect("home"))
            .env("XDG_DATA_HOME", &c.data_home)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE");
        cmd.output().expect("run pail sync")
    }

    fn write(&self, rel: &str, content: &[u8]) {
        self.computer.write(rel, content);
        give_to_nobody(&self.computer.root);
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test]
async fn an_unreadable_file_or_folder_is_left_alone_everywhere_never_deleted() {
    let w = World::new("field-unreadable").await;
    let a = Unprivileged::new(&w, "alpha");
    let b = w.computer("bravo");
    a.write("locked.txt", b"private notes");
    for n in 0..3 {
        a.write(&format!("vault/{n}.txt"), format!("secret {n}").as_bytes());
    }
    a.write("plain.txt", b"readable");
    let out = a.sync(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    b.sync();
    assert_eq!(w.objects().await.len(), 5);

    chmod(&a.computer.path("locked.txt"), 0o000);
    chmod(&a.computer.path("vault"), 0o000);
    let out = a.sync(&[]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(4),
        "left-out paths make the run incomplete: {err}"
    );
    assert!(
        err.contains("locked.txt") && err.contains("vault"),
        "each is named: {err}"
    );
    assert_eq!(err.matches("locked.txt").count(), 1, "each warning once: {err}");
    let objects = w.objects().await;
    assert_eq!(objects.len(), 5, "nothing deleted in the bucket: {objects:?}");
    b.sync();
    assert!(b.trashed_names().is_empty(), "the other computer trashed nothing");
    assert_eq!(b.read("vault/2.txt").as_deref(), Some(&b"secret 2"[..]));

    // Readable again: nothing to do, and the bases held meanwhile are still good.
    chmod(&a.computer.path("vault"), 0o755);
    chmod(&a.computer.path("locked.txt"), 0o644);
    let out = a.sync(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("0 up, 0 down"), "{}", stderr(&out));
    assert_eq!(w.objects().await.len(), 5);
}

#[tokio::test]
async fn an_unmounted_disk_is_unavailable_not_empty() {
    let w = World::new("field-unmount").await;
    let a = w.computer("alpha");
    let b = w.computer("bravo");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "tmpfs"])
        .arg(&a.root)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("skipped: mounting a tmpfs needs root (run as root, as CI does, to test unplugged disks)");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let guard = Unmount(&a.root);
    for n in 0..40 {
        a.write(&format!("disk/{n:02}.txt"), format!("file {n}").as_bytes());
    }
    a.sync();
    b.sync();
    drop(guard);
    // The mount point is left: an empty folder on the parent disk.
    assert!(a.root.is_dir() && std::fs::read_dir(&a.root).expect("ls").next().is_none());
    let out = a.sync_with(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not the folder that was paired"), "{err}");
    assert!(
        std::fs::read_dir(&a.root).expect("ls").next().is_none(),
        "nothing is written into the mount point"
    );
    assert_eq!(w.objects().await.len(), 40, "nothing deleted in the bucket");
    b.sync();
    assert!(b.trashed_names().is_empty());
}

#[tokio::test]
async fn a_mount_below_the_root_is_not_crossed_and_its_unmounting_deletes_nothing() {
    let w = World::new("field-submount").await;
    let a = w.computer("alpha");
    a.write("home.txt", b"on the main disk");
    std::fs::create_dir_all(a.path("usb")).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "tmpfs"])
        .arg(a.path("usb"))
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("skipped: mounting a tmpfs needs root");
        return;
    }
    a.write("usb/stick.txt", b"on the stick");
    let out = a.sync_with(&[]);
    let _ = Command::new("umount").arg(a.path("usb")).status();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("another disk"), "{}", stderr(&out));
    let objects = w.objects().await;
    assert!(
        objects.contains_key("home.txt") && !objects.contains_key("usb/stick.txt"),
        "{objects:?}"
    );
}

#[tokio::test]
async fn a_side_that_became_empty_waits_for_confirmation_whatever_the_count() {
    let w = World::new("field-emptied").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    for n in 0..30 {
        a.write(&format!("f{n:02}.txt"), format!("file {n}").as_bytes());
    }
    a.sync();
    b.sync();
    // Every file deleted here: 30 of 30 is under no count limit, but it empties the side.
    for n in 0..30 {
        std::fs::remove_file(a.path(&format!("f{n:02}.txt"))).expect("rm");
    }
    let out = a.sync_with(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("every file is gone on this computer"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.objects().await.len(), 30);
    // Asked again without the flag: still held.
    assert_eq!(a.sync_with(&[]).status.code(), Some(3));
    assert_eq!(w.objects().await.len(), 30);

    // The bucket folder emptied behind B's synced pair (another tool, a console).
    for key in w.objects().await.keys() {
        w.s3.delete_object()
            .bucket(&w.bucket)
            .key(format!("team/{key}"))
            .send()
            .await
            .expect("delete");
    }
    let out = b.sync_with(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("every file is gone in the bucket"),
        "{}",
        stderr(&out)
    );
    assert_eq!(b.tree().len(), 30, "B keeps its files");
    assert!(b.trashed_names().is_empty());
    // Confirmed, it goes through.
    let out = b.sync_with(&["--allow-mass-delete"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(b.tree().is_empty());
}

#[tokio::test]
async fn a_renamed_folder_moves_on_the_other_computer_and_the_guard_cannot_be_diluted() {
    let w = World::new("field-rename").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    for n in 0..200 {
        a.write(&format!("Project/{n:03}.txt"), format!("page {n}").as_bytes());
    }
    a.sync();
    b.sync();
    std::fs::rename(a.path("Project"), a.path("Project 2027")).expect("rename");
    a.sync();
    let out = b.sync_with(&[]);
    let err = stderr(&out);
    assert!(out.status.success(), "a move is no mass deletion: {err}");
    assert!(
        err.contains("0 down"),
        "B moves what it has instead of downloading it: {err}"
    );
    assert_same_tree(&b.tree(), &a.tree(), "B follows the rename");
    assert!(b.trashed_names().is_empty(), "nothing went to the trash");

    // Now a real mass deletion on A, with new files B downloads meanwhile.
    for n in 0..200 {
        std::fs::remove_file(a.path(&format!("Project 2027/{n:03}.txt"))).expect("rm");
    }
    for n in 0..200 {
        a.write(&format!("New/{n:03}.txt"), format!("new {n}").as_bytes());
    }
    a.sync_with(&["--allow-mass-delete"]);
    w.put("team/late.txt", b"one more").await;
    let out = b.sync_with(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // The downloads doubled the synced paths; a rerun without the flag must still hold.
    let again = b.sync_with(&[]);
    assert_eq!(again.status.code(), Some(3), "{}", stderr(&again));
    assert_eq!(
        b.tree().keys().filter(|k| k.starts_with("Project 2027/")).count(),
        200,
        "nothing deleted without confirmation"
    );
}

#[tokio::test]
async fn files_named_like_temp_files_belong_to_someone_and_are_left_alone() {
    let w = World::new("field-tempnames").await;
    let a = w.computer("alpha");
    a.write("notes.txt", b"synced");
    a.write(".pail-tmp-mine", b"a user's file that happens to look like a temp file");
    a.write(
        "sub/.pail-tmp-0123456789abcdef",
        b"another program's download in progress",
    );
    a.sync();
    a.sync();
    assert_eq!(
        a.read(".pail-tmp-mine").as_deref(),
        Some(&b"a user's file that happens to look like a temp file"[..])
    );
    assert!(a.path("sub/.pail-tmp-0123456789abcdef").exists());
    assert!(a.trashed_names().is_empty());
}

#[tokio::test]
async fn a_second_sync_of_one_folder_is_refused_and_says_who_holds_it() {
    let w = World::new("field-twowriters").await;
    let a = w.computer("alpha");
    a.write("big.txt", b"contents");
    let first = Killed(
        a.command(&[])
            .env("PAIL_POLL_SECONDS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pail sync"),
    );
    // Wait until the first process has synced (and so holds the lock).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !w.objects().await.contains_key("big.txt") {
        assert!(Instant::now() < deadline, "the first sync never uploaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another state DB, as the app or another script would have.
    let other_db = a.db.with_file_name("other.db");
    let second = || {
        Command::new(env!("CARGO_BIN_EXE_pail"))
            .arg("sync")
            .arg(&a.root)
            .arg(&a.target)
            .arg("--once")
            .arg("--state-db")
            .arg(&other_db)
            .args(["--endpoint", &a.endpoint, "--path-style"])
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("PAIL_HOST_NAME", "alpha")
            .env("XDG_DATA_HOME", &a.data_home)
            .output()
            .expect("run pail sync")
    };
    let out = second();
    drop(first);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("already being synced by pail sync on alpha (process"),
        "{err}"
    );
    // Once the first one is gone, the folder is free.
    let out = second();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A computer pointed at `endpoint` (a proxy or another server) with the given keys.
fn computer_at(w: &World, host: &'static str, endpoint: &str) -> Computer {
    Computer::new(host, endpoint, &w.bucket, "team/")
}

#[tokio::test]
async fn a_store_that_ignores_conditions_is_found_out_before_two_way_sync() {
    let w = World::new("field-nocond").await;
    let proxy = FaultProxy::start(
        w.endpoint.clone(),
        1,
        FaultConfig {
            strip_conditions: true,
            ..FaultConfig::none()
        },
    );
    let a = computer_at(&w, "alpha", &proxy.endpoint());
    a.write("mine.txt", b"edited here");
    let out = a.sync_with(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("overwrites a file"), "says what the store lacks: {err}");
    assert!(err.contains("upload-only or download-only"), "and what to do: {err}");
    assert!(!w.objects().await.contains_key("mine.txt"), "nothing synced both ways");
    assert!(
        w.objects().await.keys().all(|k| !k.starts_with(".pail/")),
        "the probe cleaned up after itself"
    );
    // One-way works; so does an explicit go-ahead.
    let out = a.sync_with(&["--mode", "upload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(w.objects().await.contains_key("mine.txt"));
    let out = a.sync_with(&["--allow-unsafe-store"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A computer on the permissive s3rver, with its keys.
fn on_permissive(host: &'static str, bucket: &str) -> (Computer, Vec<(&'static str, &'static str)>) {
    let endpoint = pail_testkit::permissive_endpoint();
    let c = Computer::new(host, &endpoint, bucket, "team/");
    let (key, secret) = pail_testkit::PERMISSIVE_KEYS;
    (c, vec![("AWS_ACCESS_KEY_ID", key), ("AWS_SECRET_ACCESS_KEY", secret)])
}

#[tokio::test]
async fn a_permissive_server_is_refused_two_way_and_its_raw_bodies_are_caught() {
    let endpoint = pail_testkit::permissive_endpoint();
    let (key, secret) = pail_testkit::PERMISSIVE_KEYS;
    let s3 = pail_testkit::sdk_client(&endpoint, key, secret);
    let bucket = pail_testkit::bucket_name("field-s3rver");
    s3.create_bucket().bucket(&bucket).send().await.expect("create bucket");
    let (a, env) = on_permissive("alpha", &bucket);
    a.write("tiny.txt", b"1234");
    let run = |extra: &[&str]| {
        let mut cmd = a.command(&[&["--once"], extra].concat());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.output().expect("run pail sync")
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("upload-only or download-only"),
        "{}",
        stderr(&out)
    );

    // Upload-only: every small file must arrive as its bytes, although the server stores the
    // streamed (aws-chunked) body as it came.
    let out = run(&["--mode", "upload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("team/tiny.txt")
        .send()
        .await
        .expect("get");
    let body = got.body.collect().await.expect("body").into_bytes();
    assert_eq!(&body[..], b"1234", "the object holds what was sent");

    // pail cp up and down through the same server gives the same bytes back.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("up.txt"), b"abcd").expect("write");
    let cp = |src: &str, dst: &str| {
        Command::new(env!("CARGO_BIN_EXE_pail"))
            .args(["cp", src, dst, "--endpoint", &endpoint, "--path-style"])
            .arg("--state-db")
            .arg(dir.path().join("cp.db"))
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .output()
            .expect("run pail cp")
    };
    let up = cp(
        dir.path().join("up.txt").to_str().expect("utf-8"),
        &format!("s3://{bucket}/cp/up.txt"),
    );
    assert!(up.status.success(), "{}", stderr(&up));
    let down = cp(
        &format!("s3://{bucket}/cp/up.txt"),
        dir.path().join("down.txt").to_str().expect("utf-8"),
    );
    assert!(down.status.success(), "{}", stderr(&down));
    assert_eq!(std::fs::read(dir.path().join("down.txt")).expect("read"), b"abcd");
}

#[tokio::test]
async fn a_key_with_a_control_character_syncs_and_stops_nothing() {
    let w = World::new("field-oddkey").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    a.write("normal.txt", b"fine");
    a.sync();
    // Written by another tool, straight to the bucket.
    w.put("team/odd\u{19}name.txt", b"control character").await;
    w.put("team/sp ace+plus%25.txt", b"encoded characters").await;
    let out = b.sync_with(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(b.read("odd\u{19}name.txt").as_deref(), Some(&b"control character"[..]));
    assert_eq!(
        b.read("sp ace+plus%25.txt").as_deref(),
        Some(&b"encoded characters"[..])
    );
    assert_eq!(b.read("normal.txt").as_deref(), Some(&b"fine"[..]));
    // And the browser's listing (pail ls) reads the folder too.
    let ls = Command::new(env!("CARGO_BIN_EXE_pail"))
        .args([
            "ls",
            &format!("s3://{}/team/", w.bucket),
            "--endpoint",
            &w.endpoint,
            "--path-style",
        ])
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .output()
        .expect("run pail ls");
    assert!(ls.status.success(), "{}", stderr(&ls));
    assert!(String::from_utf8_lossy(&ls.stdout).contains("sp ace+plus%25.txt"));
}

#[tokio::test]
async fn the_summary_is_printed_from_a_pipe_and_ignores_can_be_listed_and_removed() {
    let w = World::new("field-cli").await;
    let a = w.computer("alpha");
    a.write("a.txt", b"a");
    a.write("b.log", b"log");
    let out = a.sync_with(&["--ignore", "*.log"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pail: synced: 1 up"),
        "summary without a terminal: {}",
        stderr(&out)
    );
    let quiet = a.sync_with(&["--quiet"]);
    assert!(quiet.status.success());
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
    let list = a.sync_with(&["--list-ignores"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout), "*.log\n");
    let out = a.sync_with(&["--unignore", "*.log"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(w.objects().await.contains_key("b.log"), "no longer ignored, so synced");
    let list = a.sync_with(&["--list-ignores"]);
    assert!(list.stdout.is_empty());
}

#[tokio::test]
async fn one_name_typed_in_two_unicode_forms_is_one_file_on_every_computer() {
    let w = World::new("field-nfc").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    let (nfd, nfc) = ("cafe\u{301}.txt", "caf\u{e9}.txt");
    // Typed on a Mac (NFD) on one computer, on Linux (NFC) on the other, same document.
    a.write(nfd, b"menu v1");
    a.sync();
    b.write(nfc, b"menu v1");
    b.sync();
    let keys: Vec<String> = w.objects().await.into_keys().collect();
    assert_eq!(keys, [nfd], "one key in the bucket");
    assert_eq!(b.tree().into_keys().collect::<Vec<_>>(), [nfc], "B keeps its spelling");

    // An edit on either side reaches the other, each keeping its own spelling.
    b.write(nfc, b"menu v2 from B");
    b.sync();
    a.sync();
    assert_eq!(a.read(nfd).as_deref(), Some(&b"menu v2 from B"[..]));
    a.write(nfd, b"menu v3 from A");
    a.sync();
    b.sync();
    assert_eq!(b.read(nfc).as_deref(), Some(&b"menu v3 from A"[..]));
    assert_eq!(w.objects().await.into_keys().collect::<Vec<_>>(), [nfd]);
    assert!(a.tree().keys().all(|k| !k.contains("conflict")) && b.tree().keys().all(|k| !k.contains("conflict")));
}

#[tokio::test]
async fn pail_cp_can_download_into_a_folder_that_is_being_synced() {
    let w = World::new("field-cp-into-sync").await;
    let a = w.computer("alpha");
    // Files to fetch from elsewhere in the bucket, large enough to sit in temp files a while.
    let big = vec![b'x'; 3 * 1024 * 1024];
    for n in 0..6 {
        w.put(&format!("incoming/{n}.bin"), &big).await;
    }
    a.write("notes.txt", b"synced");
    let _sync = Killed(
        a.command(&[])
            .env("PAIL_POLL_SECONDS", "0.2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pail sync"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while !w.objects().await.contains_key("notes.txt") {
        assert!(Instant::now() < deadline, "the sync never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cp = Command::new(env!("CARGO_BIN_EXE_pail"))
        .args(["cp", "-r", &format!("s3://{}/incoming/", w.bucket)])
        .arg(a.path("fetched"))
        .args(["--endpoint", &w.endpoint, "--path-style"])
        .arg("--state-db")
        .arg(a.db.with_file_name("cp.db"))
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .output()
        .expect("run pail cp");
    assert!(cp.status.success(), "{}", stderr(&cp));
    for n in 0..6 {
        assert_eq!(a.read(&format!("fetched/{n}.bin")).map(|b| b.len()), Some(big.len()));
    }
    // And the sync takes them up once they have landed.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let objects = w.objects().await;
        if (0..6).all(|n| objects.get(&format!("fetched/{n}.bin")).map(Vec::len) == Some(big.len())) {
            break;
        }
        assert!(Instant::now() < deadline, "the sync never uploaded the fetched files");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
