//! Proves that no version is lost: seeded random runs of two or three simulated computers (each
//! its own folder, state DB, trash and host name, running the real `pail sync` binary) plus a
//! direct writer, all on one prefix of a real S3 server (moto, versioned bucket), behind a
//! fault-injecting proxy. Computers are killed with SIGKILL mid-sync and edited while they sync.
//! Then the chaos stops, everything settles, and the invariants of PRODUCT.md are checked:
//! - every computer and the bucket hold the same tree, and a further pass changes nothing;
//! - every version a writer produced (and did not overwrite or delete itself) exists at its
//!   path, as a conflict copy, in a computer's trash, or as a bucket version;
//! - no temp or partial file is left, nothing is written outside a sync root.
//!
//! Run as root (as CI is), every computer's `pail` runs as the unprivileged user `nobody`, so a
//! file made unreadable (`chmod 000`) is unreadable to it, as on a real desktop.
//!
//! `PAIL_CHAOS_BINARY=PATH` tests that copy of `pail` instead of the one just built.
//! `PAIL_CHAOS_SEED=N` replays one run; `PAIL_CHAOS_RUNS=N` runs more seeds (CI runs a few);
//! `PAIL_CHAOS_LOGS=DIR` keeps every computer's log there (set `PAIL_LOG` for its level).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use pail_testkit::fault_proxy::{FaultConfig, FaultProxy};
use pail_testkit::{bucket_name, moto_endpoint, sdk_client};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const KEY: &str = "chaoskey";
const SECRET: &str = "chaossecret";
const PREFIX: &str = "shared/";
/// Every version's content starts with this marker and a unique number, so any copy of it —
/// under any name, in any trash, as any bucket version — can be recognised.
const TOKEN: &str = "PAILV";

struct Computer {
    name: String,
    root: PathBuf,
    db: PathBuf,
    data_home: PathBuf,
    running: Option<Child>,
}

struct Run {
    /// The `pail` binary as the computers run it (a copy `nobody` may execute).
    binary: PathBuf,
    /// Files made unreadable on a computer, made readable again before the end.
    unreadable: Vec<PathBuf>,
    rng: StdRng,
    proxy: FaultProxy,
    endpoint: String,
    bucket: String,
    s3: aws_sdk_s3::Client,
    base: tempfile::TempDir,
    computers: Vec<Computer>,
    next_version: u64,
    /// Every version written: number → (who, path).
    written: BTreeMap<u64, (String, String)>,
    /// Versions their own writer replaced or deleted (losing those is the user's choice).
    superseded: BTreeSet<u64>,
    operations: u64,
    crashes: u64,
    log: Vec<String>,
}

const DIRS: &[&str] = &["", "docs/", "docs/old/", "photos/"];
const NAMES: &[&str] = &["a.txt", "b.txt", "notes.md", "pic.jpg", "data.bin"];

/// Every (key, version id) under `prefix`, read from moto's raw `ListObjectVersions` reply: moto
/// ignores `encoding-type=url` there and sends a key with a control character raw, which no XML
/// parser (the SDK's included) accepts. moto checks no signature, so a plain request does.
fn list_versions_raw(endpoint: &str, bucket: &str, prefix: &str) -> Vec<(String, String)> {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    let field = |block: &str, name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = block.find(&open)? + open.len();
        let end = block[start..].find(&format!("</{name}>"))? + start;
        Some(
            block[start..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        )
    };
    let mut out = Vec::new();
    let mut markers: Option<(String, String)> = None;
    loop {
        let mut query = format!("versions&prefix={}", enc(prefix));
        if let Some((key, version)) = &markers {
            query.push_str(&format!("&key-marker={}&version-id-marker={}", enc(key), enc(version)));
        }
        let mut stream = std::net::TcpStream::connect(host).expect("connect to moto");
        write!(stream, "GET /{bucket}?{query} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("send");
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).expect("read");
        let text = String::from_utf8_lossy(&reply).into_owned();
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        for block in body.split("<Version>").skip(1) {
            let block = block.split("</Version>").next().unwrap_or_default();
            if let (Some(key), Some(version)) = (field(block, "Key"), field(block, "VersionId")) {
                out.push((key, version));
            }
        }
        if field(body, "IsTruncated").as_deref() != Some("true") {
            return out;
        }
        markers = Some((
            field(body, "NextKeyMarker").expect("next key marker"),
            field(body, "NextVersionIdMarker").expect("next version marker"),
        ));
    }
}

/// A key from a listing requested with `encoding-type=url` (moto encodes keys, and spaces as
/// `%20` or `+`).
fn decode_key(encoded: &str) -> String {
    percent_encoding::percent_decode_str(&encoded.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Gives every file under `dir` (but Pail's own folder) read and write for everyone again.
fn make_readable(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() && e.file_name() != ".pail" {
            make_readable(&e.path());
        } else if kind.is_file() {
            set_mode(&e.path(), 0o666);
        }
    }
}

/// Sets a file's permission bits; whether it worked (it may have been renamed away).
fn set_mode(path: &Path, mode: u32) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).is_ok()
}

fn version_of(content: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(content.get(..TOKEN.len() + 8)?).ok()?;
    text.strip_prefix(TOKEN)?.parse().ok()
}

impl Run {
    async fn new(seed: u64, proxy: FaultProxy) -> Self {
        let endpoint = proxy.endpoint();
        let bucket = bucket_name("chaos");
        let s3 = sdk_client(&moto_endpoint(), KEY, SECRET);
        s3.create_bucket().bucket(&bucket).send().await.expect("create bucket");
        // Versioning keeps every version the bucket ever held: the remote half of "no version lost".
        pail_testkit::s3::enable_versioning(&s3, &bucket).await;
        let base = tempfile::tempdir().expect("temp dir");
        // Everything the harness makes is open to the computers' unprivileged user (umask 0:
        // folders 0777, files 0666), so it can sync, rename and trash what the harness wrote.
        // SAFETY: umask has no preconditions and cannot fail.
        unsafe { libc::umask(0) };
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
        }
        let binary = base.path().join("pail");
        // PAIL_CHAOS_BINARY: a copy of `pail` to test, for long runs while the build folder changes.
        let built = std::env::var_os("PAIL_CHAOS_BINARY").unwrap_or_else(|| env!("CARGO_BIN_EXE_pail").into());
        std::fs::copy(&built, &binary).expect("copy pail");
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.random_range(2..=3);
        let computers = (0..n)
            .map(|i| {
                let home = base.path().join(format!("computer{i}"));
                let root = home.join("Sync");
                std::fs::create_dir_all(&root).expect("mkdir");
                Computer {
                    name: format!("host{i}"),
                    root,
                    db: home.join("state.db"),
                    data_home: home.join("data"),
                    running: None,
                }
            })
            .collect();
        Self {
            binary,
            unreadable: Vec::new(),
            rng,
            proxy,
            endpoint,
            bucket,
            s3,
            base,
            computers,
            next_version: 0,
            written: BTreeMap::new(),
            superseded: BTreeSet::new(),
            operations: 0,
            crashes: 0,
            log: Vec::new(),
        }
    }

    fn new_content(&mut self, who: &str, path: &str, same_len_as: Option<usize>) -> Vec<u8> {
        self.next_version += 1;
        let v = self.next_version;
        self.written.insert(v, (who.to_owned(), path.to_owned()));
        let mut body = format!("{TOKEN}{v:08} {who} {path}\n").into_bytes();
        let len = match same_len_as {
            Some(n) if n >= body.len() => n,
            // Now and then a file above the multipart threshold.
            _ if self.rng.random_ratio(1, 60) => 17 * 1024 * 1024,
            _ => body.len() + self.rng.random_range(0..3000),
        };
        let fill = b'a' + (v % 26) as u8;
        body.resize(len, fill);
        body
    }

    fn sync_command(&self, i: usize) -> Command {
        let c = &self.computers[i];
        let mut cmd = pail_testkit::unprivileged::command(&self.binary);
        cmd.arg("sync")
            .arg(&c.root)
            .arg(format!("s3://{}/{PREFIX}", self.bucket))
            .arg("--once")
            .arg("--state-db")
            .arg(&c.db)
            .args(["--endpoint", &self.endpoint, "--path-style"])
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("PAIL_HOST_NAME", &c.name)
            .env("XDG_DATA_HOME", &c.data_home)
            .env("HOME", c.root.parent().expect("home"))
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(dir) = std::env::var_os("PAIL_CHAOS_LOGS") {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(Path::new(&dir).join(format!("{}.log", c.name)));
            if let Ok(log) = log {
                cmd.stderr(log);
            }
        }
        cmd
    }

    fn files_of(&self, i: usize) -> Vec<String> {
        let root = &self.computers[i].root;
        let mut out = Vec::new();
        for d in DIRS {
            for n in NAMES {
                let rel = format!("{d}{n}");
                if root.join(&rel).is_file() {
                    out.push(rel);
                }
            }
        }
        // Conflict copies are files a user may edit or delete too.
        if let Ok(rd) = std::fs::read_dir(root) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.contains("conflict") && e.path().is_file() {
                    out.push(name);
                }
            }
        }
        out
    }

    /// Marks what the user is about to overwrite or delete as their own choice.
    fn supersede(&mut self, path: &Path) {
        if let Some(v) = std::fs::read(path).ok().as_deref().and_then(version_of) {
            self.superseded.insert(v);
        }
    }

    fn random_path(&mut self) -> String {
        let d = DIRS[self.rng.random_range(0..DIRS.len())];
        let n = NAMES[self.rng.random_range(0..NAMES.len())];
        format!("{d}{n}")
    }

    async fn one_operation(&mut self) {
        self.operations += 1;
        let i = self.rng.random_range(0..self.computers.len());
        // Frequent syncs, so most versions reach the bucket before their writer replaces them.
        if self.rng.random_ratio(1, 4) {
            self.sync_step(i).await;
            return;
        }
        let who = self.computers[i].name.clone();
        let root = self.computers[i].root.clone();
        match self.rng.random_range(0..100) {
            // Create or overwrite a file.
            0..=29 => {
                let rel = self.random_path();
                let p = root.join(&rel);
                if p.is_dir() {
                    return;
                }
                self.supersede(&p);
                let body = self.new_content(&who, &rel, None);
                if let Some(parent) = p.parent() {
                    if std::fs::create_dir_all(parent).is_err() {
                        return;
                    }
                }
                let _ = std::fs::write(&p, body);
                self.log.push(format!("{who} writes {rel}"));
            }
            // Same-size edit with the old mtime put back: only the content says it changed.
            30..=44 => {
                let files = self.files_of(i);
                if files.is_empty() {
                    return;
                }
                let rel = files[self.rng.random_range(0..files.len())].clone();
                let p = root.join(&rel);
                let Ok(meta) = std::fs::metadata(&p) else { return };
                self.supersede(&p);
                let body = self.new_content(&who, &rel, Some(meta.len() as usize));
                let mtime = filetime::FileTime::from_last_modification_time(&meta);
                let _ = std::fs::write(&p, body);
                let _ = filetime::set_file_mtime(&p, mtime);
                self.log.push(format!("{who} edits {rel} in place"));
            }
            45..=57 => {
                let files = self.files_of(i);
                if files.is_empty() {
                    return;
                }
                let rel = files[self.rng.random_range(0..files.len())].clone();
                let p = root.join(&rel);
                self.supersede(&p);
                let _ = std::fs::remove_file(&p);
                self.log.push(format!("{who} deletes {rel}"));
            }
            58..=67 => {
                let files = self.files_of(i);
                if files.is_empty() {
                    return;
                }
                let from = files[self.rng.random_range(0..files.len())].clone();
                let to = self.random_path();
                let to_path = root.join(&to);
                if to_path.exists() || from == to {
                    return;
                }
                if let Some(parent) = to_path.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                let _ = std::fs::rename(root.join(&from), &to_path);
                self.log.push(format!("{who} renames {from} -> {to}"));
            }
            68..=72 => {
                let d = ["empty/", "docs/old/", "photos/new/"][self.rng.random_range(0..3)];
                let _ = std::fs::create_dir_all(root.join(d));
                self.log.push(format!("{who} makes folder {d}"));
            }
            73..=76 => {
                let d = ["empty", "docs/old", "photos/new", "photos"][self.rng.random_range(0..4)];
                // Only empty folders: removing a tree is many deletes, covered above.
                if std::fs::remove_dir(root.join(d)).is_ok() {
                    self.log.push(format!("{who} removes folder {d}"));
                }
            }
            // Another client writes or deletes straight in the bucket.
            77..=86 => {
                let rel = self.random_path();
                let body = self.new_content("writer", &rel, None);
                let _ = self
                    .s3
                    .put_object()
                    .bucket(&self.bucket)
                    .key(format!("{PREFIX}{rel}"))
                    .body(body.into())
                    .send()
                    .await;
                self.log.push(format!("writer puts {rel}"));
            }
            // The server stops answering for a while, then comes back.
            87 => {
                let ms = self.rng.random_range(200..1500);
                self.proxy.pause();
                tokio::time::sleep(Duration::from_millis(ms)).await;
                self.proxy.resume();
                self.log.push(format!("server paused for {ms} ms"));
            }
            88..=89 => {
                let rel = self.random_path();
                let _ = self
                    .s3
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(format!("{PREFIX}{rel}"))
                    .send()
                    .await;
                self.log.push(format!("writer deletes {rel}"));
            }
            // Someone empties the bucket folder behind the computers' backs (a console, a
            // script): no computer may follow without being told to.
            90 => {
                let keys = self.bucket_keys().await;
                for key in &keys {
                    let _ = self.s3.delete_object().bucket(&self.bucket).key(key).send().await;
                }
                self.log
                    .push(format!("writer empties the bucket folder ({} keys)", keys.len()));
            }
            // Another tool writes a key with a control character (XML cannot carry it raw).
            91 => {
                let d = DIRS[self.rng.random_range(0..DIRS.len())];
                let rel = format!("{d}odd\u{19}name.txt");
                let body = self.new_content("writer", &rel, None);
                let _ = self
                    .s3
                    .put_object()
                    .bucket(&self.bucket)
                    .key(format!("{PREFIX}{rel}"))
                    .body(body.into())
                    .send()
                    .await;
                self.log.push(format!("writer puts {}", rel.escape_debug()));
            }
            // The computer's disk is unplugged: an empty folder (the mount point) stands at its
            // path while it syncs; then the disk comes back.
            92 => {
                self.reap(i);
                // Only a folder Pail has identified (a pair is identified when it is made; a
                // disk unplugged before that is indistinguishable from a new, empty folder).
                if !root.join(".pail/folder-id").exists() {
                    return;
                }
                let unplugged = root.with_file_name("unplugged");
                if std::fs::rename(&root, &unplugged).is_err() || std::fs::create_dir(&root).is_err() {
                    return;
                }
                let out = self
                    .sync_command(i)
                    .stderr(Stdio::piped())
                    .output()
                    .expect("run pail sync");
                let left = std::fs::read_dir(&root).map(|d| d.count()).unwrap_or(0);
                let _ = std::fs::remove_dir_all(&root);
                let _ = std::fs::rename(&unplugged, &root);
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "a sync of an unplugged folder must fail: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert_eq!(left, 0, "nothing is written into the mount point");
                self.log
                    .push(format!("{who}'s disk unplugged during a sync, then back"));
            }
            // A file this computer's user cannot read any more (another user's, or locked
            // down): it must be left alone everywhere, never taken as deleted.
            93..=94 => {
                let files = self.files_of(i);
                if files.is_empty() {
                    return;
                }
                let rel = files[self.rng.random_range(0..files.len())].clone();
                let p = root.join(&rel);
                if set_mode(&p, 0o000) {
                    self.unreadable.push(p);
                    self.log.push(format!("{who} makes {rel} unreadable"));
                }
            }
            95 => {
                if let Some(p) = self.unreadable.pop() {
                    set_mode(&p, 0o666);
                    self.log.push(format!("{} readable again", p.display()));
                }
            }
            _ => self.sync_step(i).await,
        }
    }

    /// Every key under the prefix (user files only).
    async fn bucket_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let Ok(page) = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(PREFIX)
                .encoding_type(aws_sdk_s3::types::EncodingType::Url)
                .set_continuation_token(token)
                .send()
                .await
            else {
                return keys;
            };
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(decode_key)));
            match page.next_continuation_token() {
                Some(t) => token = Some(t.to_owned()),
                None => return keys,
            }
        }
    }

    /// Runs a computer's sync: to the end, or killed at a random moment, maybe with edits
    /// happening while it runs.
    async fn sync_step(&mut self, i: usize) {
        self.reap(i);
        let mut child = match self.sync_command(i).spawn() {
            Ok(c) => c,
            Err(e) => panic!("spawn pail: {e}"),
        };
        let name = self.computers[i].name.clone();
        match self.rng.random_range(0..3) {
            0 => {
                let _ = child.wait();
                self.log.push(format!("{name} syncs"));
            }
            1 => {
                let ms = self.rng.random_range(5..400);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _ = child.kill();
                let _ = child.wait();
                self.crashes += 1;
                self.log.push(format!("{name} killed after {ms} ms"));
            }
            _ => {
                self.log.push(format!("{name} syncs in the background"));
                self.computers[i].running = Some(child);
            }
        }
    }

    fn reap(&mut self, i: usize) {
        if let Some(mut child) = self.computers[i].running.take() {
            if self.rng.random_ratio(1, 2) {
                let _ = child.kill();
                self.crashes += 1;
                self.log.push(format!(
                    "{} killed while syncing in the background",
                    self.computers[i].name
                ));
            }
            let _ = child.wait();
        }
    }

    /// Stops the chaos and syncs every computer in turn until a full round changes nothing.
    async fn settle(&mut self) {
        for i in 0..self.computers.len() {
            self.reap(i);
        }
        // Readable again, wherever the unreadable files went since (renamed, moved by a sync).
        self.unreadable.clear();
        for c in &self.computers {
            make_readable(&c.root);
        }
        let mut last = None;
        for round in 0..8 {
            for i in 0..self.computers.len() {
                let mut out = self
                    .sync_command(i)
                    .stderr(Stdio::piped())
                    .output()
                    .expect("run pail sync");
                if out.status.code() == Some(3) {
                    // The operations emptied one side (every file deleted here or in the
                    // bucket): the guard asks, and the user of this run says yes.
                    out = self
                        .sync_command(i)
                        .arg("--allow-mass-delete")
                        .stderr(Stdio::piped())
                        .output()
                        .expect("run pail sync");
                }
                if !out.status.success() {
                    // What the bucket holds, version by version, so a failure can be explained.
                    let history = self.explain_bucket().await;
                    panic!(
                        "settling round {round}: {} failed: {}\nthe bucket's versions:\n{history}\noperations:\n  {}",
                        self.computers[i].name,
                        String::from_utf8_lossy(&out.stderr),
                        self.log.join("\n  ")
                    );
                }
            }
            let now: Vec<_> = (0..self.computers.len())
                .map(|i| tree(&self.computers[i].root))
                .collect();
            if last.as_ref() == Some(&now) && now.windows(2).all(|w| w[0] == w[1]) {
                return;
            }
            last = Some(now);
        }
        panic!("did not settle after 8 rounds");
    }

    /// Every version and delete marker under the prefix, oldest first per key: time, version id,
    /// size, ETag, the hash Pail recorded with it, and the hash of its bytes.
    async fn explain_bucket(&self) -> String {
        let mut lines = Vec::new();
        let versions = match self
            .s3
            .list_object_versions()
            .bucket(&self.bucket)
            .prefix(PREFIX)
            .send()
            .await
        {
            Ok(v) => v,
            Err(e) => return format!("(could not list versions: {e:?})"),
        };
        for v in versions.versions().iter().rev() {
            let key = v.key().unwrap_or_default();
            let id = v.version_id().unwrap_or_default();
            let head = self
                .s3
                .head_object()
                .bucket(&self.bucket)
                .key(key)
                .version_id(id)
                .send()
                .await;
            let recorded = head
                .as_ref()
                .ok()
                .and_then(|h| h.metadata().and_then(|m| m.get("pail-blake3")).cloned())
                .unwrap_or_default();
            let body = self.get(key, Some(id)).await;
            let actual = blake3::hash(&body).to_hex().to_string();
            let mark = if !recorded.is_empty() && recorded != actual {
                "  <-- recorded hash differs"
            } else {
                ""
            };
            lines.push(format!(
                "  {key} {id} {:?} {} bytes etag {} recorded {recorded} actual {actual}{mark}",
                v.last_modified(),
                v.size().unwrap_or(0),
                v.e_tag().unwrap_or_default()
            ));
        }
        for d in versions.delete_markers() {
            lines.push(format!(
                "  {} {} {:?} delete marker",
                d.key().unwrap_or_default(),
                d.version_id().unwrap_or_default(),
                d.last_modified()
            ));
        }
        lines.join("\n")
    }

    async fn bucket_tree(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut token = None;
        loop {
            let page = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(PREFIX)
                .encoding_type(aws_sdk_s3::types::EncodingType::Url)
                .set_continuation_token(token)
                .send()
                .await
                .expect("list");
            for o in page.contents() {
                let key = decode_key(o.key().unwrap_or_default());
                // Pail's own keys (a store probe cut short by a kill) are no user data.
                if key[PREFIX.len()..].starts_with(".pail/") {
                    continue;
                }
                let body = self.get(&key, None).await;
                out.insert(key[PREFIX.len()..].to_owned(), body);
            }
            match page.next_continuation_token() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        // A folder marker under which files now live is not an empty folder any more.
        let keys: Vec<String> = out.keys().cloned().collect();
        out.retain(|k, _| !(k.ends_with('/') && keys.iter().any(|o| o != k && o.starts_with(k.as_str()))));
        out
    }

    async fn get(&self, key: &str, version: Option<&str>) -> Vec<u8> {
        let o = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
            .unwrap_or_else(|e| panic!("get {key} version {version:?}: {e:?}"));
        let (checksum, etag) = (o.checksum_crc32().map(str::to_owned), o.e_tag().map(str::to_owned));
        match o.body.collect().await {
            Ok(body) => body.into_bytes().to_vec(),
            Err(e) => panic!("body of {key} version {version:?} (ETag {etag:?}, CRC32 {checksum:?}): {e:?}"),
        }
    }

    /// Every version number found anywhere a version may legitimately survive.
    async fn surviving_versions(&self) -> BTreeSet<u64> {
        let mut found = BTreeSet::new();
        for c in &self.computers {
            for content in tree(&c.root)
                .values()
                .chain(tree_or_empty(&c.data_home.join("Trash/files")).values())
            {
                found.extend(version_of(content));
            }
        }
        for (key, version) in list_versions_raw(&moto_endpoint(), &self.bucket, PREFIX) {
            let body = self.get(&key, Some(&version)).await;
            found.extend(version_of(&body));
        }
        found
    }
}

fn tree_or_empty(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    if dir.is_dir() {
        tree(dir)
    } else {
        BTreeMap::new()
    }
}

/// Files (path → content) and empty folders (`path/` → empty) under `root`.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        // Pail's own folder (identity marker, lock, temp files) is no user data.
        entries.retain(|e| !(dir == root && e.file_name() == ".pail"));
        let rel = |p: &Path| {
            p.strip_prefix(root)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        if entries.is_empty() && dir != root {
            out.insert(format!("{}/", rel(dir)), Vec::new());
        }
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel(&p), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

struct Totals {
    runs: u64,
    operations: u64,
    crashes: u64,
    faults: u64,
}

async fn one_run(seed: u64, totals: &mut Totals) {
    let upstream = moto_endpoint();
    let proxy = FaultProxy::start(&upstream, seed, FaultConfig::chaos());
    let mut run = Run::new(seed, proxy).await;
    let steps = run.rng.random_range(40..80);
    for _ in 0..steps {
        run.one_operation().await;
    }
    run.proxy.set_enabled(false);
    run.settle().await;
    let context = || {
        format!(
            "seed {seed} (replay: PAIL_CHAOS_SEED={seed}); operations:\n  {}",
            run.log.join("\n  ")
        )
    };

    // Same tree everywhere, the bucket included.
    let reference = tree(&run.computers[0].root);
    for c in &run.computers[1..] {
        assert_eq!(
            tree(&c.root).keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "{} differs; {}",
            c.name,
            context()
        );
        assert!(
            tree(&c.root) == reference,
            "{} has different content; {}",
            c.name,
            context()
        );
    }
    let bucket = run.bucket_tree().await;
    assert_eq!(
        bucket.keys().collect::<Vec<_>>(),
        reference.keys().collect::<Vec<_>>(),
        "the bucket differs; {}",
        context()
    );
    // No temp file left, nothing outside the roots.
    for c in &run.computers {
        let sync_temps = std::fs::read_dir(c.root.join(".pail/tmp"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(sync_temps, 0, "sync temp files left on {}; {}", c.name, context());
        assert!(
            !reference
                .keys()
                .chain(tree(&c.root).keys())
                .any(|k| k.contains(".pail-tmp-")),
            "temp file left on {}; {}",
            c.name,
            context()
        );
        let home = c.root.parent().expect("home");
        let mut outside: Vec<String> = std::fs::read_dir(home)
            .expect("read home")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !matches!(n.as_str(), "Sync" | "data") && !n.starts_with("state.db"))
            .collect();
        outside.sort();
        assert!(
            outside.is_empty(),
            "written outside the root of {}: {outside:?}; {}",
            c.name,
            context()
        );
    }
    // No version lost.
    let found = run.surviving_versions().await;
    let lost: Vec<(u64, &(String, String))> = run
        .written
        .iter()
        .filter(|(v, _)| !found.contains(v) && !run.superseded.contains(v))
        .map(|(v, w)| (*v, w))
        .collect();
    assert!(lost.is_empty(), "versions lost: {lost:?}; {}", context());
    eprintln!(
        "  seed {seed}: {} computers, {} versions written, {} replaced by their own writer, {} found, {} paths at the end",
        run.computers.len(),
        run.written.len(),
        run.superseded.len(),
        found.len(),
        reference.len()
    );

    totals.runs += 1;
    totals.operations += run.operations;
    totals.crashes += run.crashes;
    totals.faults += run.proxy.stats().faults();
    drop(run.base);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_multi_computer_sync_with_crashes_and_faults_loses_nothing() {
    let seeds: Vec<u64> = match std::env::var("PAIL_CHAOS_SEED").ok().and_then(|s| s.parse().ok()) {
        Some(seed) => vec![seed],
        None => {
            let runs = std::env::var("PAIL_CHAOS_RUNS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(6u64);
            let start = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs());
            (0..runs).map(|i| start.wrapping_mul(31).wrapping_add(i)).collect()
        }
    };
    let mut totals = Totals {
        runs: 0,
        operations: 0,
        crashes: 0,
        faults: 0,
    };
    for seed in seeds {
        eprintln!("chaos run, seed {seed}");
        one_run(seed, &mut totals).await;
    }
    eprintln!(
        "{} runs, {} operations, {} crashes, {} faults, 0 versions lost",
        totals.runs, totals.operations, totals.crashes, totals.faults
    );
}
