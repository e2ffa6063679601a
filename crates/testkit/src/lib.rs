//! Fixtures shared by Pail's test suites: a moto S3 server per test process, free loopback
//! ports, a raw SDK client to arrange data, unique bucket names, and a seeded fault-injecting proxy.
#![deny(missing_docs)]

mod eventually;
pub mod fault_proxy;
pub mod request_count;
pub mod s3;
#[cfg(unix)]
pub mod unprivileged;

pub use eventually::{eventually, eventually_within, PATIENCE};

pub use fault_proxy::{FaultConfig, FaultKind, FaultProxy, FaultStats};

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};

/// A free loopback port (the OS picks it; it is released just before the server binds).
pub fn free_port() -> u16 {
    match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("no free loopback port: {e}"),
    }
}

/// `n` distinct free loopback ports (all held open while choosing, so none repeats).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("no free loopback port: {e}")))
        .collect();
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .unwrap_or_else(|e| panic!("no local address: {e}"))
                .port()
        })
        .collect()
}

/// Waits until something listens on the loopback port.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} on port {port} did not start within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Spawns a helper process that dies with this test process (not merely with the calling thread).
pub fn spawn_tied_to_process(mut cmd: Command) -> std::io::Result<std::process::Child> {
    // SAFETY: prctl is async-signal-safe; it only asks the kernel to kill the child when its parent dies.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    // PR_SET_PDEATHSIG fires when the spawning *thread* exits, and test threads come and go:
    // spawn from a thread that lives as long as the process.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(cmd.spawn());
        loop {
            std::thread::park();
        }
    });
    rx.recv().map_err(std::io::Error::other)?
}

/// The endpoint of the moto server shared by this test process, started on first use.
pub fn moto_endpoint() -> String {
    static MOTO: OnceLock<String> = OnceLock::new();
    MOTO.get_or_init(|| {
        let port = free_port();
        let mut cmd = Command::new("moto_server");
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Err(e) = spawn_tied_to_process(cmd) {
            panic!(
                "moto_server must be installed (pip install \"moto[server]\"); run the tests through scripts/test: {e}"
            );
        }
        wait_for_port(port, "moto_server");
        format!("http://127.0.0.1:{port}")
    })
    .clone()
}

/// The access key and secret [`permissive_endpoint`]'s server accepts.
pub const PERMISSIVE_KEYS: (&str, &str) = ("S3RVER", "S3RVER");

/// The endpoint of a *permissive* S3 server shared by this test process, started on first use:
/// s3rver (npm), which accepts `If-Match` and `If-None-Match` on writes and deletes and ignores
/// them, stores `aws-chunked` upload bodies as they arrive (framing and all), and ignores
/// `encoding-type=url`. Pail must find all of that out rather than trust it. Credentials are
/// [`PERMISSIVE_KEYS`]; path-style addressing.
pub fn permissive_endpoint() -> String {
    static S3RVER: OnceLock<String> = OnceLock::new();
    S3RVER
        .get_or_init(|| {
            let port = free_port();
            let dir = std::env::temp_dir().join(format!("pail-s3rver-{}-{port}", std::process::id()));
            if let Err(e) = std::fs::create_dir_all(&dir) {
                panic!("s3rver data folder {}: {e}", dir.display());
            }
            let mut cmd = Command::new("s3rver");
            cmd.arg("-d")
                .arg(&dir)
                .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-s"])
                // Under OpenSSL 3 its paged listings need the legacy provider (MD5 of tokens).
                .env("NODE_OPTIONS", "--openssl-legacy-provider")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Err(e) = spawn_tied_to_process(cmd) {
                panic!(
                    "s3rver must be installed (npm install -g s3rver@3.7.1); run the tests through scripts/test: {e}"
                );
            }
            wait_for_port(port, "s3rver");
            format!("http://127.0.0.1:{port}")
        })
        .clone()
}

/// A raw SDK client for arranging test data (never the code under test).
pub fn sdk_client(endpoint: &str, key: &str, secret: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Every file under `dir`, at any depth (for "no secret in any file" and "no temp file left" checks).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A unique bucket name for one test.
pub fn bucket_name(tag: &str) -> String {
    format!("{tag}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Creates a bucket and puts `keys` (each with its own key as content; `x/` keys as zero-byte
/// folder markers) with bounded parallelism.
pub async fn make_bucket(client: &aws_sdk_s3::Client, bucket: &str, keys: &[String]) {
    if let Err(e) = client.create_bucket().bucket(bucket).send().await {
        panic!("create bucket {bucket}: {e:?}");
    }
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for key in keys {
        let (client, bucket, key, sem) = (client.clone(), bucket.to_owned(), key.clone(), sem.clone());
        tasks.spawn(async move {
            let _permit = sem.acquire().await;
            let body = if key.ends_with('/') {
                Vec::new()
            } else {
                key.clone().into_bytes()
            };
            if let Err(e) = client
                .put_object()
                .bucket(&bucket)
                .key(&key)
                .body(body.into())
                .send()
                .await
            {
                panic!("put {key}: {e:?}");
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r {
            panic!("upload task: {e}");
        }
    }
}
