//! The engine's front door: what a user can do with connections and buckets, for the app shell
//! and the command line alike. Each method checks input, then delegates to one module. Split by
//! subject: [`connections`], [`browse`], [`objects`] (file operations) and [`demo`]; this file
//! holds what they share (the state DB, the keyring, building a store client).

mod browse;
mod connections;
mod demo;
mod objects;

pub use browse::BucketList;
pub use connections::TestReport;
pub use objects::{MoveOutcome, ShareLink, VersionHistory};

use std::path::PathBuf;
use std::sync::Arc;

use crate::aws_profiles::AwsFiles;
use crate::connections::{Connection, CredentialSource};
use crate::demo::DemoRunner;
use crate::error::{Error, Result};
use crate::providers::Provider;
use crate::remote::{ClientOptions, Remote, RemoteCredentials};
use crate::secrets::SecretStore;
use crate::state::{self, StateDb};

/// Where the engine keeps its things.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The app's data folder (state DB, demo store data).
    pub data_dir: PathBuf,
    /// Keyring service name ("pail" in the app).
    pub keyring_service: String,
    /// Where AWS profiles are read from.
    pub aws_files: AwsFiles,
}

/// The engine: state DB, keyring and the optional demo store.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Arc<EngineConfig>,
    db: StateDb,
    secrets: SecretStore,
    demo: Arc<DemoRunner>,
    bandwidth: Arc<crate::remote::bandwidth::Bandwidth>,
}

impl Engine {
    /// Opens the state DB under the data folder (made owner-only) and prepares the keyring. A
    /// damaged state DB is [`Error::StateCorrupted`]: offer [`Engine::move_state_aside`], then
    /// open again.
    pub async fn open(config: EngineConfig) -> Result<Engine> {
        crate::private_files::prepare_private_dir(&config.data_dir).map_err(|source| Error::Io {
            context: format!("create the folder {}", config.data_dir.display()),
            source,
        })?;
        let db = StateDb::open(&Self::state_db_path(&config.data_dir)).await?;
        let secrets = SecretStore::new(config.keyring_service.clone());
        let demo = Arc::new(DemoRunner::new(config.data_dir.join("demo-store")));
        let bandwidth = Arc::new(crate::remote::bandwidth::Bandwidth::default());
        let prefs = crate::preferences::Preferences::load(&db).await?;
        bandwidth.set_limits_kib(prefs.upload_limit_kib, prefs.download_limit_kib);
        Ok(Engine {
            config: Arc::new(config),
            db,
            secrets,
            demo,
            bandwidth,
        })
    }

    /// Where the state DB of the data folder `data_dir` is.
    pub fn state_db_path(data_dir: &std::path::Path) -> PathBuf {
        data_dir.join("state.sqlite3")
    }

    /// Moves a damaged state DB (and its WAL and shared-memory files) aside, to
    /// `state.sqlite3.damaged-<UTC time>` in the same folder, and returns that path; nothing is
    /// deleted. The next [`Engine::open`] starts with an empty DB: saved connections and synced
    /// folders are gone from Pail's lists (their secrets stay in the keyring under their old ids,
    /// unused) and must be added again; a synced folder added again rebuilds its state by
    /// comparing content hashes, so nothing is transferred twice or lost. Call it only when no
    /// engine has this data folder open.
    pub fn move_state_aside(data_dir: &std::path::Path) -> Result<PathBuf> {
        state::damage::move_aside(&Self::state_db_path(data_dir))
    }

    /// The state DB.
    pub fn db(&self) -> &StateDb {
        &self.db
    }

    /// Applies the bandwidth limits of `prefs` to every client, running transfers included.
    pub fn apply_preferences(&self, prefs: &crate::preferences::Preferences) {
        self.bandwidth
            .set_limits_kib(prefs.upload_limit_kib, prefs.download_limit_kib);
    }

    /// Pail's own data folder (state DB, logs, demo store).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.config.data_dir
    }

    /// The keyring.
    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    /// An S3 client for a saved connection.
    pub async fn remote(&self, connection: &Connection, mut options: ClientOptions) -> Result<Remote> {
        if options.bandwidth.is_none() {
            options.bandwidth = Some(self.bandwidth.clone());
        }
        // The demo store runs inside the app; a browse after it stopped (or before it resumed) restarts it.
        let restarted;
        let connection = if connection.provider == Provider::Demo && !self.demo.is_running().await {
            restarted = self.start_demo().await?;
            &restarted
        } else {
            connection
        };
        let credentials = match &connection.credential_source {
            CredentialSource::Keyring => RemoteCredentials::Static {
                access_key_id: connection.access_key_id.clone(),
                secret: self.secrets.get(&connection.id).await?,
            },
            CredentialSource::AwsProfile { profile } => RemoteCredentials::Profile(profile.clone()),
        };
        Ok(self
            .build_remote(
                connection.endpoint.as_deref(),
                &connection.region,
                connection.path_style,
                credentials,
                options,
            )
            .await)
    }

    async fn build_remote(
        &self,
        endpoint: Option<&str>,
        region: &str,
        path_style: bool,
        credentials: RemoteCredentials,
        options: ClientOptions,
    ) -> Remote {
        Remote::new(
            endpoint,
            region,
            path_style,
            credentials,
            options,
            &self.config.aws_files,
        )
        .await
    }

    /// An S3 client for the connection with this id.
    async fn remote_for(&self, connection_id: &str, options: ClientOptions) -> Result<Remote> {
        let connection = self.connection(connection_id).await?;
        self.remote(&connection, options).await
    }

    /// Stops the demo store (at app exit).
    pub async fn shutdown(&self) {
        self.demo.stop().await;
        self.db.close().await;
    }
}
