//! `pail sync` as a black box: two computers simulated as two folders with their own state DBs
//! (and host names, and trash folders) on one prefix of a real S3 server (moto on loopback).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use pail_testkit::{bucket_name, make_bucket, moto_endpoint, s3, sdk_client};

// Cases found in the field, not in the lab: unreadable paths, unplugged disks, emptied sides,
// second writers, stores that break promises, odd keys.
#[path = "sync/field.rs"]
mod field;
#[path = "sync/idle_cost.rs"]
mod idle_cost;

const KEY: &str = "synckey";
const SECRET: &str = "syncsecret";

/// One simulated computer: a sync folder, a state DB, a trash, a host name.
struct Computer {
    _home: tempfile::TempDir,
    root: PathBuf,
    db: PathBuf,
    data_home: PathBuf,
    host: &'static str,
    target: String,
    endpoint: String,
}

impl Computer {
    fn new(host: &'static str, endpoint: &str, bucket: &str, prefix: &str) -> Self {
        let home = tempfile::tempdir().expect("temp dir");
        let root = home.path().join("Sync");
        std::fs::create_dir_all(&root).expect("create root");
        Self {
            root,
            db: home.path().join("state.db"),
            data_home: home.path().join("data"),
            host,
            target: format!("s3://{bucket}/{prefix}"),
            endpoint: endpoint.to_owned(),
            _home: home,
        }
    }

    fn command(&self, extra: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pail"));
        cmd.arg("sync")
            .arg(&self.root)
            .arg(&self.target)
            .args(["--state-db"])
            .arg(&self.db)
            .args(["--endpoint", &self.endpoint, "--path-style"])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("PAIL_HOST_NAME", self.host)
            // Each computer has its own trash, so a test can tell where a deleted file went.
            .env("XDG_DATA_HOME", &self.data_home)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE");
        cmd
    }

    fn sync_with(&self, extra: &[&str]) -> Output {
        self.command(&[&["--once"], extra].concat())
            .output()
            .expect("run pail sync")
    }

    /// Syncs with some paths left out (exit 4) and returns what it said.
    #[track_caller]
    fn sync_leaving_out(&self) -> String {
        let out = self.sync_with(&[]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(4), "{} sync: {err}", self.host);
        err
    }

    /// Syncs until up to date and fails the test on a non-zero exit.
    #[track_caller]
    fn sync(&self) -> String {
        let out = self.sync_with(&[]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{} sync failed ({:?}): {err}",
            self.host,
            out.status
        );
        err
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, content: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
    }

    fn read(&self, rel: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(rel)).ok()
    }

    /// Every file (path → content) and every empty folder (path ending in `/` → empty).
    fn tree(&self) -> BTreeMap<String, Vec<u8>> {
        tree_of(&self.root)
    }

    fn trashed_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.data_home.join("Trash/files"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn tree_of(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read dir").flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        let rel = |p: &Path| {
            p.strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/")
        };
        // Pail's own folder (identity marker, lock, temp files) is no user data.
        entries.retain(|e| !(dir == root && e.file_name() == ".pail"));
        if entries.is_empty() && dir != root {
            out.insert(format!("{}/", rel(dir)), Vec::new());
        }
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel(&p), std::fs::read(&p).expect("read"));
            }
        }
    }
    walk(root, root, &mut out);
    out
}

struct World {
    endpoint: String,
    bucket: String,
    s3: aws_sdk_s3::Client,
}

impl World {
    async fn new(tag: &str) -> Self {
        let endpoint = moto_endpoint();
        let bucket = bucket_name(tag);
        let s3 = sdk_client(&endpoint, KEY, SECRET);
        make_bucket(&s3, &bucket, &[]).await;
        Self { endpoint, bucket, s3 }
    }

    fn computer(&self, host: &'static str) -> Computer {
        Computer::new(host, &self.endpoint, &self.bucket, "team/")
    }

    /// Every object under the prefix: key (without the prefix) → content.
    async fn objects(&self) -> BTreeMap<String, Vec<u8>> {
        s3::objects(&self.s3, &self.bucket, "team/").await
    }

    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        s3::get(&self.s3, &self.bucket, key).await
    }

    async fn etag(&self, key: &str) -> Option<String> {
        s3::etag(&self.s3, &self.bucket, key).await
    }

    async fn put(&self, key: &str, body: &[u8]) {
        s3::put(&self.s3, &self.bucket, key, body).await;
    }
}

/// Compares two trees and, on a difference, names only the paths that differ (contents can be
/// megabytes).
#[track_caller]
fn assert_same_tree(got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>, what: &str) {
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let differ: Vec<&String> = want
        .keys()
        .filter(|k| got.get(*k).is_some_and(|v| v != &want[*k]))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "{what}: missing {missing:?}, unexpected {extra:?}, different content {differ:?}"
    );
}

fn conflict_copies(tree: &BTreeMap<String, Vec<u8>>) -> Vec<(&String, &Vec<u8>)> {
    tree.iter().filter(|(k, _)| k.contains("conflict")).collect()
}

#[tokio::test]
async fn new_changed_and_deleted_files_propagate_both_ways() {
    let w = World::new("sync-basic").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    a.write("notes.txt", b"first");
    a.write("Photos 2026/été/plage à Nice.jpg", b"jpeg bytes");
    a.write("deep/er/still/file.md", b"deep");
    std::fs::create_dir_all(a.path("empty folder/inner")).expect("mkdir");
    a.sync();
    b.sync();
    assert_eq!(b.tree(), a.tree(), "B gets A's tree, empty folders included");
    let objects = w.objects().await;
    assert_eq!(objects.get("notes.txt").map(Vec::as_slice), Some(&b"first"[..]));
    assert!(
        objects.contains_key("empty folder/inner/"),
        "empty folder kept as a marker: {objects:?}"
    );

    // B edits, deletes and creates; A follows.
    b.write("notes.txt", b"second version");
    std::fs::remove_file(b.path("deep/er/still/file.md")).expect("rm");
    b.write("from-b.txt", b"hello from b");
    b.sync();
    a.sync();
    assert_eq!(a.read("notes.txt").as_deref(), Some(&b"second version"[..]));
    assert_eq!(a.read("from-b.txt").as_deref(), Some(&b"hello from b"[..]));
    assert!(!a.path("deep/er/still/file.md").exists());
    assert_eq!(
        a.trashed_names(),
        ["file.md"],
        "a remote delete lands in the local trash"
    );
    assert!(!w.objects().await.contains_key("deep/er/still/file.md"));

    // Both sides change different files at once.
    a.write("notes.txt", b"third, from a");
    b.write("from-b.txt", b"edited in b");
    std::fs::remove_dir(a.path("empty folder/inner")).expect("rmdir");
    a.sync();
    b.sync();
    a.sync();
    assert_eq!(a.tree(), b.tree());
    assert_eq!(b.read("notes.txt").as_deref(), Some(&b"third, from a"[..]));
    assert_eq!(a.read("from-b.txt").as_deref(), Some(&b"edited in b"[..]));
    assert!(
        !b.path("empty folder/inner").exists(),
        "removed empty folder propagates"
    );
    assert!(conflict_copies(&a.tree()).is_empty());

    // Converged: a further pass transfers nothing.
    let before = w.etag("team/notes.txt").await;
    a.sync();
    b.sync();
    assert_eq!(w.etag("team/notes.txt").await, before);
}

#[tokio::test]
async fn an_edit_that_keeps_size_and_mtime_still_propagates() {
    let w = World::new("sync-samesize").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    a.write("ledger.csv", b"amount=100");
    a.sync();
    b.sync();
    let p = a.path("ledger.csv");
    let mtime = filetime::FileTime::from_last_modification_time(&std::fs::metadata(&p).expect("stat"));
    std::fs::write(&p, b"amount=900").expect("write");
    filetime::set_file_mtime(&p, mtime).expect("reset mtime");
    a.sync();
    b.sync();
    assert_eq!(b.read("ledger.csv").as_deref(), Some(&b"amount=900"[..]));
}

#[tokio::test]
async fn identical_trees_at_first_sync_transfer_nothing_and_different_trees_merge() {
    let w = World::new("sync-merge").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    for c in [&a, &b] {
        c.write("same.txt", b"identical on both");
        c.write("shared/same too.bin", &[7u8; 3000]);
    }
    a.write("only-a.txt", b"a");
    b.write("only-b.txt", b"b");
    a.write("differs.txt", b"alpha's version");
    b.write("differs.txt", b"bravo's version!");
    a.sync();
    let etag_same = w.etag("team/same.txt").await;
    let inode =
        |c: &Computer, rel: &str| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(c.path(rel)).expect("stat"));
    let b_inode = inode(&b, "same.txt");
    b.sync();
    a.sync();
    // Identical files were neither uploaded again nor downloaded over.
    assert_eq!(w.etag("team/same.txt").await, etag_same);
    assert_eq!(inode(&b, "same.txt"), b_inode);
    // Everything merged, nothing deleted; the differing file kept both versions on both sides.
    let (ta, tb) = (a.tree(), b.tree());
    assert_eq!(ta, tb);
    for f in [
        "same.txt",
        "shared/same too.bin",
        "only-a.txt",
        "only-b.txt",
        "differs.txt",
    ] {
        assert!(ta.contains_key(f), "{f} missing: {:?}", ta.keys());
    }
    let copies = conflict_copies(&ta);
    assert_eq!(copies.len(), 1, "{:?}", ta.keys());
    let (name, content) = copies[0];
    assert!(name.ends_with(".txt") && name.contains("bravo"), "{name}");
    assert_eq!(content.as_slice(), b"bravo's version!");
    assert_eq!(ta["differs.txt"], b"alpha's version");
}

#[tokio::test]
async fn concurrent_edits_keep_both_on_both_computers() {
    let w = World::new("sync-conflict").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    a.write("plan.docx", b"v1");
    a.sync();
    b.sync();
    a.write("plan.docx", b"alpha edit");
    b.write("plan.docx", b"bravo edit, longer");
    a.sync();
    b.sync();
    a.sync();
    let (ta, tb) = (a.tree(), b.tree());
    assert_eq!(ta, tb);
    assert_eq!(
        ta["plan.docx"], b"alpha edit",
        "the first to reach the bucket keeps the name"
    );
    let copies = conflict_copies(&ta);
    assert_eq!(copies.len(), 1, "{:?}", ta.keys());
    assert!(copies[0].0.starts_with("plan (conflict from bravo "), "{}", copies[0].0);
    assert!(copies[0].0.ends_with(").docx"), "keeps the extension: {}", copies[0].0);
    assert_eq!(copies[0].1.as_slice(), b"bravo edit, longer");
}

#[tokio::test]
async fn delete_versus_edit_keeps_the_edit_either_way() {
    let w = World::new("sync-delvsedit").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    a.write("kept-by-remote-edit.txt", b"v1");
    a.write("kept-by-local-edit.txt", b"v1");
    a.sync();
    b.sync();
    // A deletes what B edits, and the other way round.
    std::fs::remove_file(a.path("kept-by-remote-edit.txt")).expect("rm");
    b.write("kept-by-remote-edit.txt", b"v2 from b");
    a.write("kept-by-local-edit.txt", b"v2 from a");
    std::fs::remove_file(b.path("kept-by-local-edit.txt")).expect("rm");
    b.sync();
    a.sync();
    b.sync();
    for c in [&a, &b] {
        assert_eq!(
            c.read("kept-by-remote-edit.txt").as_deref(),
            Some(&b"v2 from b"[..]),
            "{}",
            c.host
        );
        assert_eq!(
            c.read("kept-by-local-edit.txt").as_deref(),
            Some(&b"v2 from a"[..]),
            "{}",
            c.host
        );
    }
    assert_eq!(a.tree(), b.tree());
}

#[tokio::test]
async fn a_local_rename_becomes_a_server_side_move() {
    let w = World::new("sync-rename").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    let big = vec![42u8; 200_000];
    a.write("drafts/report.pdf", &big);
    a.sync();
    b.sync();
    std::fs::create_dir_all(a.path("final")).expect("mkdir");
    std::fs::rename(a.path("drafts/report.pdf"), a.path("final/report 2026.pdf")).expect("rename");
    a.sync();
    let objects = w.objects().await;
    assert!(!objects.contains_key("drafts/report.pdf"), "{:?}", objects.keys());
    assert_eq!(objects.get("final/report 2026.pdf"), Some(&big));
    // The state DB's activity says it was a move, not an upload.
    let db = pail_engine::state::StateDb::open(&a.db).await.expect("open db");
    let pair = pail_engine::state::pairs::list(db.pool())
        .await
        .expect("pairs")
        .remove(0);
    let activity = pail_engine::state::bases::recent_activity(db.pool(), &pair.id, 50)
        .await
        .expect("activity");
    let last: Vec<(&str, &str)> = activity
        .iter()
        .filter(|x| x.path.contains("report"))
        .map(|x| (x.path.as_str(), x.action.as_str()))
        .collect();
    assert_eq!(last[0], ("final/report 2026.pdf", "move"), "{last:?}");
    db.close().await;
    b.sync();
    assert_eq!(b.read("final/report 2026.pdf"), Some(big));
    assert!(!b.path("drafts/report.pdf").exists());
}

#[tokio::test]
async fn large_files_go_up_and_down_in_parts() {
    let w = World::new("sync-large").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    // Above the 16 MiB multipart threshold, with content that differs in every part.
    let big: Vec<u8> = (0..20 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    a.write("video.mov", &big);
    a.sync();
    let etag = w.etag("team/video.mov").await.expect("uploaded");
    assert!(etag.contains('-'), "a multipart ETag: {etag}");
    b.sync();
    assert!(b.read("video.mov") == Some(big), "content verified end to end");
}

#[tokio::test]
async fn ignored_files_stay_local() {
    let w = World::new("sync-ignore").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    a.write("doc.txt", b"keep");
    a.write(".DS_Store", b"finder litter");
    a.write("sub/~$doc.docx", b"office lock");
    a.write("sub/draft.swp", b"vim swap");
    a.write("sub/real.txt", b"real");
    a.sync();
    let keys: Vec<String> = w.objects().await.into_keys().collect();
    assert_eq!(keys, ["doc.txt", "sub/real.txt"]);
    // Ignored names written into the bucket by another tool do not come down either.
    w.put("team/Thumbs.db", b"windows litter").await;
    b.sync();
    assert!(!b.path("Thumbs.db").exists());
    assert_eq!(b.read("sub/real.txt").as_deref(), Some(&b"real"[..]));
}

#[tokio::test]
async fn user_ignore_patterns_are_remembered() {
    let w = World::new("sync-userignore").await;
    let a = w.computer("alpha");
    a.write("build/out.o", b"object code");
    a.write("src/main.c", b"int main;");
    a.write("debug.log", b"noise");
    let out = a.sync_with(&["--ignore", "build/", "--ignore", "*.log"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    a.write("later.log", b"more noise");
    a.sync();
    let keys: Vec<String> = w.objects().await.into_keys().collect();
    assert_eq!(keys, ["src/main.c"]);
}

#[tokio::test]
async fn an_identical_file_written_by_another_tool_is_not_transferred() {
    let w = World::new("sync-foreign").await;
    let a = w.computer("alpha");
    // No Pail metadata on this object: its MD5 ETag is what proves the local copy equal.
    w.put("team/report.pdf", b"the very same bytes").await;
    a.write("report.pdf", b"the very same bytes");
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(a.path("report.pdf")).expect("stat"));
    let etag = w.etag("team/report.pdf").await;
    a.sync();
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(a.path("report.pdf")).expect("stat")),
        inode
    );
    assert_eq!(w.etag("team/report.pdf").await, etag);
    assert!(conflict_copies(&a.tree()).is_empty());
}

#[tokio::test]
async fn the_mass_deletion_guard_holds_deletes_until_confirmed() {
    let w = World::new("sync-guard").await;
    let a = w.computer("alpha");
    for i in 0..60 {
        a.write(&format!("f{i:02}.txt"), format!("file {i}").as_bytes());
    }
    a.sync();
    // The folder was emptied (say, a disk swapped under it): far more than the limit.
    for i in 0..60 {
        std::fs::remove_file(a.path(&format!("f{i:02}.txt"))).expect("rm");
    }
    let out = a.sync_with(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("would delete all 60 of them in the bucket"), "{err}");
    assert!(err.contains("--allow-mass-delete"), "{err}");
    assert_eq!(w.objects().await.len(), 60, "nothing deleted in the bucket");
    let out = a.sync_with(&["--allow-mass-delete"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(w.objects().await.is_empty());
}

#[tokio::test]
async fn hostile_keys_are_skipped_with_a_warning_and_never_escape_the_root() {
    let w = World::new("sync-hostile").await;
    let b = w.computer("bravo");
    let long = "x".repeat(256);
    for key in [
        "team/../escaped.txt".to_owned(),
        "team/a/../../b.txt".to_owned(),
        "team/a//b.txt".to_owned(),
        "team//abs.txt".to_owned(),
        "team/back\\slash.txt".to_owned(),
        format!("team/{long}"),
        "team/fine.txt".to_owned(),
    ] {
        w.put(&key, b"payload").await;
    }
    let err = b.sync_leaving_out();
    assert_eq!(b.tree().into_keys().collect::<Vec<_>>(), ["fine.txt"]);
    let parent = b.root.parent().expect("parent");
    assert!(!parent.join("escaped.txt").exists() && !parent.join("b.txt").exists());
    for reason in [
        "`..` segment",
        "empty segment",
        "starts with `/`",
        "backslash",
        "256 bytes long",
    ] {
        assert!(err.contains(reason), "no warning saying {reason:?}: {err}");
    }
    // The hostile keys are left alone in the bucket, not deleted.
    assert_eq!(w.objects().await.len(), 7);
}

#[tokio::test]
async fn names_that_collide_locally_are_skipped_with_a_reason_and_the_rest_syncs() {
    let w = World::new("sync-twins").await;
    let b = w.computer("bravo");
    // NFC and NFD spellings of "café.txt", a key that is both an object and a folder, case twins,
    // and names Windows would mangle (fine on this Linux disk, so they sync).
    for key in [
        "team/caf\u{e9}.txt",
        "team/cafe\u{301}.txt",
        "team/x",
        "team/x/y.txt",
        "team/Readme.md",
        "team/README.md",
        "team/trailing dot.",
        "team/trailing space ",
    ] {
        w.put(key, key.as_bytes()).await;
    }
    let err = b.sync_leaving_out();
    let names: Vec<String> = b.tree().into_keys().collect();
    assert!(err.contains("another Unicode form"), "{err}");
    assert!(err.contains("already uses the name"), "{err}");
    assert_eq!(names.iter().filter(|n| n.starts_with("caf")).count(), 1, "{names:?}");
    assert!(
        names.contains(&"x".to_owned()) != names.contains(&"x/y.txt".to_owned()),
        "{names:?}"
    );
    for synced in ["Readme.md", "README.md", "trailing dot.", "trailing space "] {
        assert!(names.contains(&synced.to_owned()), "{synced} missing: {names:?}");
    }
    // Nothing is deleted in the bucket; each run reminds once per skipped name.
    assert_eq!(w.objects().await.len(), 8);
    let again = b.sync_leaving_out();
    assert_eq!(again.matches("skipped").count(), 2, "{again}");
    assert_eq!(b.tree().into_keys().collect::<Vec<_>>(), names);
}

#[tokio::test]
async fn one_way_modes_never_touch_the_protected_side() {
    let w = World::new("sync-modes").await;
    let (up, down) = (w.computer("up"), w.computer("down"));
    w.put("team/from-bucket.txt", b"remote").await;
    up.write("from-up.txt", b"local");
    let out = up.sync_with(&["--mode", "upload"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!up.path("from-bucket.txt").exists(), "upload-only never downloads");
    down.write("from-down.txt", b"local only");
    let out = down.sync_with(&["--mode", "download"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(down.read("from-up.txt").as_deref(), Some(&b"local"[..]));
    assert!(
        !w.objects().await.contains_key("from-down.txt"),
        "download-only never uploads"
    );
}

#[tokio::test]
async fn a_missing_folder_of_a_synced_pair_is_an_error_not_a_mass_delete() {
    let w = World::new("sync-unmounted").await;
    let a = w.computer("alpha");
    a.write("precious.txt", b"do not delete");
    a.sync();
    let moved = a.root.with_file_name("Sync-unplugged");
    std::fs::rename(&a.root, &moved).expect("unplug");
    let out = a.sync_with(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is missing or cannot be read"), "{err}");
    assert!(!a.root.exists(), "the folder is not recreated empty");
    assert!(w.objects().await.contains_key("precious.txt"));
}

/// Kills `pail sync` at random moments of a large sync, restarts it, and checks that the end
/// state is exact: nothing lost, duplicated, or half-written, no upload left open.
#[tokio::test]
async fn killing_sync_at_random_points_converges_without_loss() {
    let w = World::new("sync-kill").await;
    let (a, b) = (w.computer("alpha"), w.computer("bravo"));
    let mut expected = BTreeMap::new();
    for i in 0..400u32 {
        let rel = format!("batch{}/file {i}.txt", i % 7);
        let body = format!("content of {i} ").repeat((i % 50 + 1) as usize).into_bytes();
        a.write(&rel, &body);
        expected.insert(rel, body);
    }
    let big: Vec<u8> = (0..18 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    a.write("big.bin", &big);
    expected.insert("big.bin".into(), big);
    // A seeded sequence of kill delays, printed so a failure can be replayed.
    let seed: u64 = std::env::var("PAIL_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("kill seed: {seed} (replay with PAIL_KILL_SEED={seed})");
    let mut state = seed | 1;
    let mut next_delay = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        Duration::from_millis(150 + state % 900)
    };
    for c in [&a, &b] {
        for _ in 0..4 {
            let mut child = c
                .command(&["--once"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn");
            std::thread::sleep(next_delay());
            // SIGKILL: no chance to clean up, like a power cut.
            let _ = child.kill();
            let _ = child.wait();
        }
        c.sync();
    }
    assert_same_tree(&a.tree(), &expected, "computer A");
    assert_same_tree(&b.tree(), &expected, "computer B");
    assert_same_tree(&w.objects().await, &expected, "the bucket");
    let open =
        w.s3.list_multipart_uploads()
            .bucket(&w.bucket)
            .send()
            .await
            .expect("list uploads");
    // An upload killed mid-way is either completed or aborted by the next run.
    assert!(
        open.uploads().is_empty(),
        "open multipart uploads left: {:?}",
        open.uploads()
    );
}

/// Without `--once`, `pail sync` keeps following both sides until SIGTERM, then exits cleanly.
#[tokio::test]
async fn continuous_sync_follows_both_sides_until_sigterm() {
    let w = World::new("sync-continuous").await;
    let a = w.computer("alpha");
    let mut child = a
        .command(&[])
        .env("PAIL_POLL_SECONDS", "0.5")
        // It writes to the bucket behind Pail's back: list often, not only when a Pail says so.
        .env("PAIL_FULL_LISTING_SECONDS", "0.5")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    a.write("saved.txt", b"typed and saved");
    while w.get("team/saved.txt").await.is_none() {
        assert!(std::time::Instant::now() < deadline, "the saved file was not uploaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    w.put("team/incoming.txt", b"from another client").await;
    while a.read("incoming.txt").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the new object was not downloaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Its stderr, line by line, as it comes.
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut err = Vec::new();
    // SIGUSR1: what it has cost so far, without stopping it.
    let usr1 = Command::new("kill")
        .args(["-USR1", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(usr1.success());
    while !err
        .iter()
        .any(|l: &String| l.starts_with("pail: so far ") && l.ends_with(" to the store"))
    {
        match lines.recv_timeout(Duration::from_secs(15)) {
            Ok(line) => err.push(line),
            Err(e) => panic!("no request count after SIGUSR1 ({e}): {err:?}"),
        }
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let stop_by = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(std::time::Instant::now() < stop_by, "pail sync did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    reader.join().expect("stderr reader");
    err.extend(lines.try_iter());
    assert!(status.success(), "exit {status:?}: {err:?}");
    assert!(
        err.iter()
            .any(|l| l.starts_with("pail: stopped; ") && l.contains(" list, ")),
        "{err:?}"
    );
}
