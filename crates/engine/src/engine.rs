//! The engine's front door: what a user can do with connections and buckets, for the app shell
//! and the command line alike. Each method checks input, then delegates to one module.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::aws_profiles::{self, AwsFiles, AwsProfileInfo, AwsProfileKind};
use crate::connections::{Connection, ConnectionDraft, CredentialSource, ValidDraft};
use crate::demo::DemoRunner;
use crate::error::{Error, ErrorCode, Result};
use crate::providers::Provider;
use crate::remote::{
    BucketInfo, ClientOptions, Entry, ListControl, ListSummary, ObjectProperties, Remote, RemoteCredentials,
};
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

/// Result of "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    /// Buckets seen (all of them, or the pinned ones that could be opened).
    pub buckets: Vec<String>,
    /// Whether the keys may list all buckets.
    pub can_list_buckets: bool,
    /// How long the check took.
    pub elapsed_ms: u32,
}

/// The sidebar's buckets of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BucketList {
    /// Listed buckets plus pinned ones, by name.
    pub buckets: Vec<BucketInfo>,
    /// False when ListBuckets was refused and only pinned buckets are shown.
    pub can_list_buckets: bool,
}

/// The engine: state DB, keyring and the optional demo store.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Arc<EngineConfig>,
    db: StateDb,
    secrets: SecretStore,
    demo: Arc<DemoRunner>,
}

impl Engine {
    /// Opens the state DB under the data folder and prepares the keyring.
    pub async fn open(config: EngineConfig) -> Result<Engine> {
        let db = StateDb::open(&config.data_dir.join("state.sqlite3")).await?;
        let secrets = SecretStore::new(config.keyring_service.clone());
        let demo = Arc::new(DemoRunner::new(config.data_dir.join("demo-store")));
        Ok(Engine {
            config: Arc::new(config),
            db,
            secrets,
            demo,
        })
    }

    /// The state DB.
    pub fn db(&self) -> &StateDb {
        &self.db
    }

    /// The keyring.
    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    /// Every saved connection.
    pub async fn list_connections(&self) -> Result<Vec<Connection>> {
        let mut conn = self.db.pool().acquire().await?;
        state::connections::list(&mut conn).await
    }

    /// One saved connection.
    pub async fn connection(&self, id: &str) -> Result<Connection> {
        let mut conn = self.db.pool().acquire().await?;
        state::connections::get(&mut conn, id)
            .await?
            .ok_or_else(|| Error::ConnectionNotFound(id.to_owned()))
    }

    /// Saves a new connection: metadata to SQLite, secret to the keyring, both or neither.
    pub async fn create_connection(&self, draft: &ConnectionDraft) -> Result<Connection> {
        let valid = draft.validate()?;
        if matches!(valid.credential_source, CredentialSource::Keyring) && valid.secret.is_none() {
            return Err(Error::InvalidInput("Enter the secret access key.".into()));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.db.pool().begin().await?;
        state::connections::insert(&mut tx, &id, &valid).await?;
        if let Some(secret) = &valid.secret {
            // The keyring write happens inside the DB transaction so a refused keyring leaves no row behind.
            self.secrets.set(&id, secret).await?;
        }
        if let Err(e) = tx.commit().await {
            // Nothing refers to the secret without the row; do not leave it behind in the keyring.
            let _ = self.secrets.delete(&id).await;
            return Err(e.into());
        }
        tracing::info!(connection = %id, provider = valid.provider.as_str(), "connection created");
        self.connection(&id).await
    }

    /// Updates a connection; a draft without a secret keeps the stored one.
    pub async fn update_connection(&self, id: &str, draft: &ConnectionDraft) -> Result<Connection> {
        let valid = draft.validate()?;
        let mut tx = self.db.pool().begin().await?;
        if !state::connections::update(&mut tx, id, &valid).await? {
            return Err(Error::ConnectionNotFound(id.to_owned()));
        }
        match (&valid.credential_source, &valid.secret) {
            (CredentialSource::Keyring, Some(secret)) => self.secrets.set(id, secret).await?,
            (CredentialSource::AwsProfile { .. }, _) => self.secrets.delete(id).await?,
            (CredentialSource::Keyring, None) => {}
        }
        tx.commit().await?;
        self.connection(id).await
    }

    /// Renames a connection.
    pub async fn rename_connection(&self, id: &str, name: &str) -> Result<Connection> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::InvalidInput("A connection needs a name.".into()));
        }
        if !state::connections::rename(self.db.pool(), id, name).await? {
            return Err(Error::ConnectionNotFound(id.to_owned()));
        }
        self.connection(id).await
    }

    /// Removes a connection and its keyring entry.
    pub async fn delete_connection(&self, id: &str) -> Result<()> {
        if self.demo.connection_id(&self.db).await?.as_deref() == Some(id) {
            self.demo.forget(&self.db).await?;
        }
        if !state::connections::delete(self.db.pool(), id).await? {
            return Err(Error::ConnectionNotFound(id.to_owned()));
        }
        self.secrets.delete(id).await?;
        tracing::info!(connection = %id, "connection removed");
        Ok(())
    }

    /// An S3 client for a saved connection.
    pub async fn remote(&self, connection: &Connection, options: ClientOptions) -> Result<Remote> {
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

    /// "Test connection" for a draft (before or after saving). With `existing_id`, a draft without
    /// a secret uses the stored one.
    pub async fn test_connection(
        &self,
        draft: &ConnectionDraft,
        existing_id: Option<&str>,
        options: ClientOptions,
    ) -> Result<TestReport> {
        let started = std::time::Instant::now();
        let valid = draft.validate()?;
        let credentials = self.draft_credentials(&valid, existing_id).await?;
        let remote = self
            .build_remote(
                valid.endpoint.as_deref(),
                &valid.region,
                valid.path_style,
                credentials,
                options,
            )
            .await;
        let elapsed = |s: std::time::Instant| u32::try_from(s.elapsed().as_millis()).unwrap_or(u32::MAX);
        match remote.list_buckets().await {
            Ok(buckets) => Ok(TestReport {
                buckets: buckets.into_iter().map(|b| b.name).collect(),
                can_list_buckets: true,
                elapsed_ms: elapsed(started),
            }),
            Err(e) if e.code() == ErrorCode::AccessDenied && !valid.pinned_buckets.is_empty() => {
                for bucket in &valid.pinned_buckets {
                    remote.probe_bucket(bucket).await?;
                }
                Ok(TestReport {
                    buckets: valid.pinned_buckets.clone(),
                    can_list_buckets: false,
                    elapsed_ms: elapsed(started),
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn draft_credentials(&self, valid: &ValidDraft, existing_id: Option<&str>) -> Result<RemoteCredentials> {
        Ok(match &valid.credential_source {
            CredentialSource::AwsProfile { profile } => RemoteCredentials::Profile(profile.clone()),
            CredentialSource::Keyring => {
                let secret = match (&valid.secret, existing_id) {
                    (Some(s), _) => s.clone(),
                    (None, Some(id)) => self.secrets.get(id).await?,
                    (None, None) => return Err(Error::InvalidInput("Enter the secret access key.".into())),
                };
                RemoteCredentials::Static {
                    access_key_id: valid.access_key_id.clone(),
                    secret,
                }
            }
        })
    }

    /// The buckets of a connection: all it may list, plus the ones pinned by name.
    pub async fn list_buckets(&self, connection_id: &str) -> Result<BucketList> {
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::interactive()).await?;
        let (mut buckets, can_list_buckets) = match remote.list_buckets().await {
            Ok(b) => (b, true),
            Err(e) if e.code() == ErrorCode::AccessDenied && !connection.pinned_buckets.is_empty() => {
                (Vec::new(), false)
            }
            Err(e) => return Err(e),
        };
        for name in &connection.pinned_buckets {
            match buckets.iter_mut().find(|b| &b.name == name) {
                Some(b) => b.pinned = true,
                None => buckets.push(BucketInfo {
                    name: name.clone(),
                    created_at: None,
                    pinned: true,
                }),
            }
        }
        buckets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(BucketList {
            buckets,
            can_list_buckets,
        })
    }

    /// Checks a bucket typed by name can be opened, then pins it.
    pub async fn add_bucket(&self, connection_id: &str, bucket: &str) -> Result<Connection> {
        let bucket = bucket.trim();
        crate::connections::validate_bucket_name(bucket)?;
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::interactive()).await?;
        remote.probe_bucket(bucket).await?;
        state::connections::add_pinned(self.db.pool(), connection_id, bucket).await?;
        self.connection(connection_id).await
    }

    /// Streams a folder's rows page by page to `on_page`.
    pub async fn list_folder(
        &self,
        connection_id: &str,
        bucket: &str,
        prefix: &str,
        on_page: impl FnMut(Vec<Entry>) -> ListControl,
    ) -> Result<ListSummary> {
        // IPC input is untrusted: a crafted call must not reach S3 with a malformed name.
        crate::connections::validate_bucket_name(bucket)?;
        validate_prefix(prefix)?;
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::default()).await?;
        remote.list_folder(bucket, prefix, 1000, on_page).await
    }

    /// Properties of one object.
    pub async fn object_properties(&self, connection_id: &str, bucket: &str, key: &str) -> Result<ObjectProperties> {
        crate::connections::validate_bucket_name(bucket)?;
        if key.is_empty() {
            return Err(Error::InvalidInput("No file was chosen.".into()));
        }
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::interactive()).await?;
        remote.object_properties(bucket, key).await
    }

    /// The AWS profiles on this computer, marking those already imported.
    pub async fn discover_aws_profiles(&self) -> Result<Vec<AwsProfileInfo>> {
        let mut profiles = aws_profiles::discover(&self.config.aws_files).await?;
        let existing = self.list_connections().await?;
        for p in &mut profiles {
            p.already_imported = existing.iter().any(
                |c| matches!(&c.credential_source, CredentialSource::AwsProfile { profile } if *profile == p.name),
            );
        }
        Ok(profiles)
    }

    /// Creates one connection per named profile; credentials stay with the SDK's resolution of the profile.
    pub async fn import_aws_profiles(&self, names: &[String]) -> Result<Vec<Connection>> {
        let profiles = self.discover_aws_profiles().await?;
        let mut created = Vec::new();
        for name in names {
            let Some(p) = profiles.iter().find(|p| &p.name == name) else {
                return Err(Error::InvalidInput(format!(
                    "There is no AWS profile named “{name}” in your AWS configuration files."
                )));
            };
            if p.already_imported {
                continue;
            }
            let key_id = if p.kind == AwsProfileKind::StaticKeys {
                aws_profiles::static_key_id(&self.config.aws_files, name).await
            } else {
                None
            };
            let draft = ConnectionDraft {
                name: format!("AWS profile: {name}"),
                provider: if p.endpoint.is_some() {
                    Provider::Other
                } else {
                    Provider::Aws
                },
                endpoint: p.endpoint.clone(),
                region: p.region.clone().unwrap_or_else(|| "us-east-1".into()),
                path_style: p.endpoint.is_some(),
                access_key_id: key_id.unwrap_or_default(),
                secret_access_key: None,
                credential_source: CredentialSource::AwsProfile { profile: name.clone() },
                pinned_buckets: Vec::new(),
            };
            created.push(self.create_connection(&draft).await?);
        }
        Ok(created)
    }

    /// Starts the built-in demo store (creating its connection and sample bucket the first time).
    pub async fn start_demo(&self) -> Result<Connection> {
        let id = self.demo.start(&self.db, &self.secrets).await?;
        self.connection(&id).await
    }

    /// Starts the demo store at launch if the user set it up before.
    pub async fn resume_demo_if_configured(&self) -> Result<Option<Connection>> {
        match self.demo.connection_id(&self.db).await? {
            Some(_) => self.start_demo().await.map(Some),
            None => Ok(None),
        }
    }

    /// The demo connection's id, and whether its server is running.
    pub async fn demo_status(&self) -> Result<(Option<String>, bool)> {
        Ok((self.demo.connection_id(&self.db).await?, self.demo.is_running().await))
    }

    /// Stops the demo store (at app exit).
    pub async fn shutdown(&self) {
        self.demo.stop().await;
        self.db.close().await;
    }
}

/// A folder prefix is "" or ends in "/".
fn validate_prefix(prefix: &str) -> Result<()> {
    if prefix.is_empty() || prefix.ends_with('/') {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "“{prefix}” is not a folder path (folder paths end in /)."
        )))
    }
}
