//! A real S3-compatible server on loopback, built on the `s3s` and `s3s-fs` crates.
//!
//! Pail uses it twice: as the "try it without an AWS account" demo store that the desktop app
//! runs in-process, and in tests as a second S3 implementation beside moto — the one that
//! checks credentials, clock skew and per-user permissions the way AWS does.
//!
//! Objects live as plain files under [`DevStoreConfig::root`] (one folder per bucket), so a
//! developer can look at what the app wrote.
#![deny(missing_docs)]

mod auth;
mod etag_cache;
mod layout;
mod listing;
mod part_md5s;
mod sample;
mod store;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use s3s::config::{S3Config, StaticConfigProvider};
use s3s::service::{S3Service, S3ServiceBuilder};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

pub use sample::{seed_sample_bucket, SAMPLE_BUCKET};

/// How long a stopping server waits for in-flight requests before cutting connections.
const GRACEFUL_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// AWS rejects requests signed more than 15 minutes away from its clock.
const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// How to run a [`DevStore`].
#[derive(Clone)]
pub struct DevStoreConfig {
    /// Folder holding the buckets, one sub-folder each; created if missing.
    pub root: PathBuf,
    /// The access key id clients must sign with.
    pub access_key_id: String,
    /// The secret access key belonging to [`Self::access_key_id`].
    pub secret_access_key: String,
    /// TCP port on 127.0.0.1; 0 picks a free one (see [`DevStore::port`]).
    pub port: u16,
    /// Access key ids whose ListBuckets is refused with `AccessDenied` (HTTP 403), like an IAM
    /// user allowed to read one bucket but not to list all buckets.
    pub deny_list_buckets_for: Vec<String>,
    /// Further `(access key id, secret access key)` pairs that are accepted.
    pub extra_users: Vec<(String, String)>,
    /// Requests whose signing time (`x-amz-date`) is further than this from the server's clock
    /// get HTTP 403 `RequestTimeTooSkewed`, as on AWS. Whole seconds; 15 minutes by default.
    pub max_clock_skew: Duration,
}

impl DevStoreConfig {
    /// A configuration with one user, a free port, nobody denied and AWS's 15-minute clock skew.
    pub fn new(root: PathBuf, access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            root,
            access_key_id: access_key_id.into(),
            secret_access_key: secret.into(),
            port: 0,
            deny_list_buckets_for: Vec::new(),
            extra_users: Vec::new(),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
        }
    }
}

// Secrets stay out of logs and panic messages.
impl fmt::Debug for DevStoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra_users: Vec<&str> = self.extra_users.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("DevStoreConfig")
            .field("root", &self.root)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("port", &self.port)
            .field("deny_list_buckets_for", &self.deny_list_buckets_for)
            .field("extra_users", &extra_users)
            .field("max_clock_skew", &self.max_clock_skew)
            .finish()
    }
}

/// Why the demo store could not start or be seeded.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum DevStoreError {
    /// The configuration cannot work (for example an empty access key id).
    #[error("the demo store settings are invalid: {0}")]
    InvalidConfig(String),
    /// The data folder could not be created or opened.
    #[error("could not use {} as the demo store's data folder: {source}", path.display())]
    DataFolder {
        /// The folder that was configured.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The storage layer refused the data folder.
    #[error("could not open the demo store's data folder {}: {message}", path.display())]
    Storage {
        /// The folder that was configured.
        path: PathBuf,
        /// What the storage layer said.
        message: String,
    },
    /// The listening socket could not be opened (for example the port is taken).
    #[error("could not bind the demo store to {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Writing the sample bucket through the server failed.
    #[error("could not create the sample {what}: {message}")]
    Seed {
        /// What was being created, e.g. `bucket "pail-demo"` or `file "photos/sunrise.png"`.
        what: String,
        /// The S3 error, with its code.
        message: String,
    },
}

/// A running S3 server on 127.0.0.1. Stops on [`DevStore::shutdown`] or when dropped.
pub struct DevStore {
    addr: SocketAddr,
    access_key_id: String,
    secret_access_key: String,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for DevStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevStore")
            .field("addr", &self.addr)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl DevStore {
    /// Creates the data folder if needed, binds 127.0.0.1 and starts serving in a tokio task.
    ///
    /// Must be called inside a tokio runtime, which then runs the server.
    pub async fn start(config: DevStoreConfig) -> Result<DevStore, DevStoreError> {
        if config.access_key_id.is_empty() || config.secret_access_key.is_empty() {
            return Err(DevStoreError::InvalidConfig(
                "the access key id and the secret access key must not be empty".into(),
            ));
        }

        let root = prepare_root(&config.root).await?;
        let fs = s3s_fs::FileSystem::new(&root).map_err(|e| DevStoreError::Storage {
            path: config.root.clone(),
            message: format!("{e:?}"),
        })?;

        let mut builder = S3ServiceBuilder::new(store::DevS3::new(fs, root));
        let mut users = vec![(config.access_key_id.clone(), config.secret_access_key.clone())];
        users.extend(config.extra_users.iter().cloned());
        builder.set_auth(auth::DevAuth::new(users));
        builder.set_access(auth::DevAccess::new(config.deny_list_buckets_for.iter().cloned()));
        let mut s3_config = S3Config::default();
        // s3s checks the signing time of header-signed requests against this window itself.
        s3_config.presigned_url_max_skew_time_secs = u32::try_from(config.max_clock_skew.as_secs()).unwrap_or(u32::MAX);
        builder.set_config(Arc::new(StaticConfigProvider::new(Arc::new(s3_config))));
        let service = builder.build();

        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| DevStoreError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| DevStoreError::Bind { addr, source })?;

        let stop = CancellationToken::new();
        let task = tokio::spawn(serve(listener, service, stop.clone()));
        tracing::info!(%addr, root = %config.root.display(), "demo store started");

        Ok(DevStore {
            addr,
            access_key_id: config.access_key_id,
            secret_access_key: config.secret_access_key,
            stop,
            task: Some(task),
        })
    }

    /// The URL clients connect to, `http://127.0.0.1:PORT`; use path-style addressing.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port actually bound (useful when the configured port was 0).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops accepting connections, lets in-flight requests finish (up to a few seconds) and
    /// waits until the server task has ended.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            if let Err(err) = task.await {
                tracing::warn!(%err, "demo store task ended abnormally");
            }
        }
    }

    pub(crate) fn credentials(&self) -> (&str, &str) {
        (&self.access_key_id, &self.secret_access_key)
    }
}

impl Drop for DevStore {
    // Drop cannot wait; the cancelled task finishes on its own within the graceful timeout.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn prepare_root(root: &std::path::Path) -> Result<PathBuf, DevStoreError> {
    let err = |source| DevStoreError::DataFolder {
        path: root.to_owned(),
        source,
    };
    tokio::fs::create_dir_all(root).await.map_err(err)?;
    // s3s-fs canonicalizes too; doing it here keeps our own paths identical to its paths.
    tokio::fs::canonicalize(root).await.map_err(err)
}

async fn serve(listener: TcpListener, service: S3Service, stop: CancellationToken) {
    let http = ConnBuilder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();

    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => {
                    // Without it a small response on a reused connection waits for the client's
                    // delayed ACK of the headers (Nagle): ~40 ms per request.
                    if let Err(err) = socket.set_nodelay(true) {
                        tracing::debug!(%err, "demo store could not set TCP_NODELAY");
                    }
                    let conn = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                    let conn = graceful.watch(conn);
                    connections.spawn(async move {
                        if let Err(err) = conn.await {
                            tracing::debug!(%err, "demo store connection ended with an error");
                        }
                    });
                }
                Err(err) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(%err, "demo store could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Reap finished connections so a long-running store does not accumulate handles.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }

    drop(listener);
    if tokio::time::timeout(GRACEFUL_SHUTDOWN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("demo store: in-flight requests did not finish in time");
    }
    connections.shutdown().await;
    tracing::info!("demo store stopped");
}
