//! Shared fixtures: a moto server per test binary, devstores per test, engines with their own
//! keyring service name and data folder, and a log capture to grep for secrets.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use pail_engine::aws_profiles::AwsFiles;
use pail_engine::connections::{ConnectionDraft, CredentialSource};
use pail_engine::providers::Provider;
use pail_engine::{Engine, EngineConfig};

pub use pail_testkit::{bucket_name, eventually, free_port, make_bucket, moto_endpoint, s3, sdk_client};

/// An engine with its own data folder and keyring service, cleaned up on drop.
pub struct TestEngine {
    pub engine: Engine,
    pub data_dir: tempfile::TempDir,
    pub service: String,
}

impl TestEngine {
    pub async fn new() -> TestEngine {
        Self::with_aws_files(AwsFiles {
            config: Some("/nonexistent/config".into()),
            credentials: Some("/nonexistent/credentials".into()),
        })
        .await
    }

    pub async fn with_aws_files(aws_files: AwsFiles) -> TestEngine {
        require_keyring();
        init_log_capture();
        let data_dir = tempfile::tempdir().unwrap();
        let service = format!("pail-test-{}", uuid::Uuid::new_v4().simple());
        let engine = Engine::open(EngineConfig {
            data_dir: data_dir.path().to_path_buf(),
            keyring_service: service.clone(),
            aws_files,
        })
        .await
        .unwrap();
        TestEngine {
            engine,
            data_dir,
            service,
        }
    }

    /// Every file under the data folder, for secret greps.
    pub fn files(&self) -> Vec<PathBuf> {
        pail_testkit::files_under(self.data_dir.path())
    }
}

/// A keyring connection draft for a loopback server.
pub fn draft(endpoint: &str, key: &str, secret: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: "Test store".into(),
        provider: Provider::Other,
        endpoint: Some(endpoint.into()),
        region: "us-east-1".into(),
        path_style: true,
        access_key_id: key.into(),
        secret_access_key: Some(secret.into()),
        credential_source: CredentialSource::Keyring,
        pinned_buckets: vec![],
        accept_plain_http: false,
    }
}

/// Fails loudly (not skips) when no Secret Service is running: these tests prove the real keyring.
fn require_keyring() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the tests through scripts/test, which starts dbus-run-session and gnome-keyring"
    );
}

/// Reads a secret back the way a user would, with `secret-tool` (libsecret), bypassing our code.
pub fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .filter(|s| !s.is_empty())
}

/// Everything logged by the engine in this test binary, at trace level.
pub fn captured_log() -> String {
    String::from_utf8_lossy(&LOG.get_or_init(Default::default).lock().unwrap()).into_owned()
}

static LOG: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();

struct LogWriter;
impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.get_or_init(Default::default).lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_log_capture() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// A path-style client for a loopback store with a static key pair (the code under test).
pub async fn remote(endpoint: &str, key: &str, secret: &str) -> pail_engine::remote::Remote {
    let credentials = pail_engine::remote::RemoteCredentials::Static {
        access_key_id: key.into(),
        secret: pail_engine::secrets::Sensitive::new(secret.to_owned()),
    };
    pail_engine::remote::Remote::new(
        Some(endpoint),
        "us-east-1",
        true,
        credentials,
        pail_engine::remote::ClientOptions::default(),
        &Default::default(),
    )
    .await
}
