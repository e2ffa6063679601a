//! The engine's front door: what a user can do with connections and buckets, for the app shell
//! and the command line alike. Each method checks input, then delegates to one module.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::aws_profiles::{self, AwsFiles, AwsProfileInfo, AwsProfileKind};
use crate::connections::{Connection, ConnectionDraft, CredentialSource, ValidDraft};
use crate::demo::DemoRunner;
use crate::error::{Error, ErrorCode, Operation, Result};
use crate::prefix::{validate_file_key, validate_key, validate_keys};
use crate::providers::Provider;
use crate::remote::{
    BucketInfo, ClientOptions, Entry, ListControl, ListSummary, ObjectProperties, ObjectVersion, PrefixSummary, Remote,
    RemoteCredentials, PRESIGN_MAX, PRESIGN_MIN,
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

/// What a rename, copy or move did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MoveOutcome {
    /// Where each item is now (its key, or its folder path ending in `/`), in the order given.
    pub keys: Vec<String>,
    /// Objects copied, folder markers included.
    pub objects: u64,
    /// Bytes copied.
    pub bytes: u64,
}

/// A share link: anyone with the URL can download the file until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ShareLink {
    /// The presigned URL.
    pub url: String,
    /// When it stops working, RFC 3339 (earlier if it was signed with temporary credentials).
    pub expires_at: String,
}

/// An object's history, as the properties panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VersionHistory {
    /// Whether the bucket keeps earlier versions now (versions are listed only then).
    pub versioning_enabled: bool,
    /// Every version and delete marker, the current one first, then newest first.
    pub versions: Vec<ObjectVersion>,
}

/// HEADs at once when summing up the files of a delete.
const SUMMARY_PARALLELISM: usize = 16;

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

    /// Removes a connection and its keyring entry. The secret goes first: if the keyring does
    /// not answer, the connection stays ([`Error::ConnectionKept`]) so removing it again can
    /// retry, instead of a row-less secret staying in the keyring for good.
    pub async fn delete_connection(&self, id: &str) -> Result<()> {
        self.connection(id).await?;
        self.secrets.delete(id).await.map_err(|source| Error::ConnectionKept {
            id: id.to_owned(),
            source,
        })?;
        if self.demo.connection_id(&self.db).await?.as_deref() == Some(id) {
            self.demo.forget(&self.db).await?;
        }
        if !state::connections::delete(self.db.pool(), id).await? {
            return Err(Error::ConnectionNotFound(id.to_owned()));
        }
        tracing::info!(connection = %id, "connection removed");
        Ok(())
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
        crate::prefix::folder_prefix(prefix)?;
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

    /// A quick preview of a text file or an image (bounded; see [`crate::remote::Preview`]).
    pub async fn preview(&self, connection_id: &str, bucket: &str, key: &str) -> Result<crate::remote::Preview> {
        crate::connections::validate_bucket_name(bucket)?;
        if key.is_empty() || key.ends_with('/') {
            return Err(Error::InvalidInput("Choose a file to preview.".into()));
        }
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        remote.preview(bucket, key).await
    }

    /// An S3 client for the connection with this id.
    async fn remote_for(&self, connection_id: &str, options: ClientOptions) -> Result<Remote> {
        let connection = self.connection(connection_id).await?;
        self.remote(&connection, options).await
    }

    /// Creates the folder `name` inside `parent` (a zero-byte `parent/name/` marker); returns its
    /// path. A name already used by a file or folder there is refused.
    pub async fn create_folder(&self, connection_id: &str, bucket: &str, parent: &str, name: &str) -> Result<String> {
        crate::connections::validate_bucket_name(bucket)?;
        crate::prefix::folder_prefix(parent)?;
        validate_new_name(name)?;
        let prefix = format!("{parent}{name}/");
        validate_key(&prefix)?;
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        ensure_name_free(&remote, bucket, parent, name).await?;
        if !remote.create_folder(bucket, &prefix).await? {
            // Someone made it between the check and the write.
            return Err(name_taken(name));
        }
        tracing::info!(bucket, prefix = %prefix, "folder created");
        Ok(prefix)
    }

    /// Renames a file (`key`) or a whole folder (`key` ending in `/`) within its folder, by
    /// server-side copies and then deletes of the sources. A name already used there is refused.
    pub async fn rename(&self, connection_id: &str, bucket: &str, key: &str, new_name: &str) -> Result<MoveOutcome> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_key(key)?;
        validate_new_name(new_name)?;
        let (parent, _) = split_key(key);
        let to = child_key(parent, new_name, key.ends_with('/'));
        validate_key(&to)?;
        if to == key {
            return Ok(MoveOutcome {
                keys: vec![to],
                ..MoveOutcome::default()
            });
        }
        // Folder renames may copy many objects: the long-transfer timeouts apply.
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        ensure_name_free(&remote, bucket, parent, new_name).await?;
        let outcome = move_item(&remote, bucket, key, bucket, &to, true).await?;
        tracing::info!(bucket, from = key, to = %to, objects = outcome.0, "renamed");
        Ok(MoveOutcome {
            keys: vec![to],
            objects: outcome.0,
            bytes: outcome.1,
        })
    }

    /// Copies (or, with `remove_sources`, moves) files and folders into the folder `to_prefix` of
    /// `to_bucket` (a bucket of the same connection), keeping their names. Nothing is copied when
    /// any name is already used at the destination.
    pub async fn transfer_items(
        &self,
        connection_id: &str,
        bucket: &str,
        keys: &[String],
        to_bucket: &str,
        to_prefix: &str,
        remove_sources: bool,
    ) -> Result<MoveOutcome> {
        crate::connections::validate_bucket_name(bucket)?;
        crate::connections::validate_bucket_name(to_bucket)?;
        crate::prefix::folder_prefix(to_prefix)?;
        let keys = validate_keys(keys)?;
        let mut plan = Vec::with_capacity(keys.len());
        for key in &keys {
            let (parent, name) = split_key(key);
            if bucket == to_bucket && parent == to_prefix {
                return Err(Error::InvalidInput(format!(
                    "“{name}” is already in this folder. Choose another folder."
                )));
            }
            let to = child_key(to_prefix, name, key.ends_with('/'));
            validate_key(&to)?;
            plan.push((key.as_str(), name, to));
        }
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        // Every name is checked before anything is copied: a refused transfer changes nothing.
        for (_, name, _) in &plan {
            ensure_name_free(&remote, to_bucket, to_prefix, name).await?;
        }
        let mut outcome = MoveOutcome::default();
        for (key, _, to) in plan {
            let (objects, bytes) = move_item(&remote, bucket, key, to_bucket, &to, remove_sources).await?;
            outcome.objects += objects;
            outcome.bytes += bytes;
            outcome.keys.push(to);
        }
        tracing::info!(
            bucket,
            to_bucket,
            to_prefix,
            objects = outcome.objects,
            remove_sources,
            "items transferred"
        );
        Ok(outcome)
    }

    /// How many objects and bytes deleting `keys` (files, and folders ending in `/` with
    /// everything in them) would remove, for the confirmation.
    pub async fn delete_summary(&self, connection_id: &str, bucket: &str, keys: &[String]) -> Result<PrefixSummary> {
        crate::connections::validate_bucket_name(bucket)?;
        let keys = validate_keys(keys)?;
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        let (folders, files): (Vec<String>, Vec<String>) = keys.into_iter().partition(|k| k.ends_with('/'));
        let mut summary = PrefixSummary::default();
        for prefix in &folders {
            let s = remote.prefix_summary(bucket, prefix).await?;
            summary.objects += s.objects;
            summary.bytes += s.bytes;
        }
        for chunk in files.chunks(SUMMARY_PARALLELISM) {
            let mut set = tokio::task::JoinSet::new();
            for key in chunk {
                let (remote, bucket, key) = (remote.clone(), bucket.to_owned(), key.clone());
                set.spawn(async move { remote.head_identity(&bucket, &key).await });
            }
            while let Some(joined) = set.join_next().await {
                let head = joined.map_err(|e| Error::Remote {
                    code: ErrorCode::Internal,
                    operation: Operation::HeadObject,
                    endpoint: remote.endpoint_label().to_owned(),
                    bucket: Some(bucket.to_owned()),
                    detail: format!("a size lookup failed: {e}"),
                })?;
                // A file that is already gone deletes nothing.
                if let Some(identity) = head? {
                    summary.objects += 1;
                    summary.bytes += identity.size;
                }
            }
        }
        Ok(summary)
    }

    /// Deletes files and folders (keys ending in `/`, with everything in them), up to 1,000 keys
    /// per request; returns how many objects were deleted.
    pub async fn delete(&self, connection_id: &str, bucket: &str, keys: &[String]) -> Result<u64> {
        crate::connections::validate_bucket_name(bucket)?;
        let keys = validate_keys(keys)?;
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        let (folders, files): (Vec<String>, Vec<String>) = keys.into_iter().partition(|k| k.ends_with('/'));
        let mut deleted = remote.delete_objects(bucket, &files).await?;
        for prefix in &folders {
            deleted += remote.delete_prefix(bucket, prefix).await?;
        }
        tracing::info!(bucket, deleted, folders = folders.len(), files = files.len(), "deleted");
        Ok(deleted)
    }

    /// A link anyone can use to download the file `key` for `expires_in_secs` seconds (at most 7 days).
    pub async fn share_link(
        &self,
        connection_id: &str,
        bucket: &str,
        key: &str,
        expires_in_secs: u32,
    ) -> Result<ShareLink> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        let expires_in = std::time::Duration::from_secs(u64::from(expires_in_secs));
        if !(PRESIGN_MIN..=PRESIGN_MAX).contains(&expires_in) {
            return Err(Error::InvalidInput(
                "A share link can be valid for 1 second up to 7 days. Choose a time in that range.".into(),
            ));
        }
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        // The signature says nothing about whether the file exists: check, so a link is never dead on arrival.
        if remote.head_identity(bucket, key).await?.is_none() {
            return Err(Error::Remote {
                code: ErrorCode::NoSuchKey,
                operation: Operation::HeadObject,
                endpoint: remote.endpoint_label().to_owned(),
                bucket: Some(bucket.to_owned()),
                detail: format!("{key} is not in {bucket}"),
            });
        }
        let url = remote.presign_get(bucket, key, expires_in).await?;
        let expires_at = chrono::Utc::now() + chrono::Duration::seconds(i64::from(expires_in_secs));
        Ok(ShareLink {
            url,
            expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }

    /// Sets a file's Content-Type (keeping its metadata); returns its properties afterwards.
    pub async fn set_content_type(
        &self,
        connection_id: &str,
        bucket: &str,
        key: &str,
        content_type: &str,
    ) -> Result<ObjectProperties> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        remote.set_content_type(bucket, key, content_type).await?;
        remote.object_properties(bucket, key).await
    }

    /// A file's versions, listed only when the bucket keeps versions.
    pub async fn list_versions(&self, connection_id: &str, bucket: &str, key: &str) -> Result<VersionHistory> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        if !remote.bucket_versioning_enabled(bucket).await? {
            return Ok(VersionHistory {
                versioning_enabled: false,
                versions: Vec::new(),
            });
        }
        Ok(VersionHistory {
            versioning_enabled: true,
            versions: remote.list_versions(bucket, key).await?,
        })
    }

    /// Makes an earlier version of a file the current one again (the current one stays in the
    /// history); returns the file's properties afterwards.
    pub async fn restore_version(
        &self,
        connection_id: &str,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> Result<ObjectProperties> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        if version_id.is_empty() || version_id.contains('\0') {
            return Err(Error::InvalidInput("Choose a version to restore.".into()));
        }
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        // Without versioning, copying over the current file would lose it for good.
        if !remote.bucket_versioning_enabled(bucket).await? {
            return Err(Error::InvalidInput(format!(
                "“{bucket}” does not keep earlier versions of files now, so restoring one would overwrite the current file for good. Turn versioning on for the bucket first."
            )));
        }
        remote.restore_version(bucket, key, version_id).await?;
        tracing::info!(bucket, key, version_id, "version restored");
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
                // The user chose this endpoint in their own AWS config, where the SDK and the
                // aws CLI already use it as it is.
                accept_plain_http: true,
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

/// A new name for a file or folder: one path segment.
fn validate_new_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::InvalidInput("Type a name.".into()));
    }
    if name.contains('/') {
        return Err(Error::InvalidInput(
            "Names cannot contain “/”: S3 uses it to separate folders. Choose a name without it.".into(),
        ));
    }
    if name.contains('\0') {
        return Err(crate::prefix::no_nul());
    }
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "Names cannot contain control characters (like line breaks or tabs).".into(),
        ));
    }
    if name == "." || name == ".." {
        return Err(Error::InvalidInput(format!(
            "“{name}” cannot be used as a name: computers syncing this bucket could not save it. Choose another name."
        )));
    }
    Ok(())
}

/// `a/b/c.txt` → (`a/b/`, `c.txt`); `a/b/` → (`a/`, `b`); `c.txt` → (``, `c.txt`).
fn split_key(key: &str) -> (&str, &str) {
    let body = key.strip_suffix('/').unwrap_or(key);
    match body.rfind('/') {
        Some(i) => (&key[..=i], &body[i + 1..]),
        None => ("", body),
    }
}

/// The key of `name` inside the folder `parent`.
fn child_key(parent: &str, name: &str, folder: bool) -> String {
    if folder {
        format!("{parent}{name}/")
    } else {
        format!("{parent}{name}")
    }
}

fn name_taken(name: &str) -> Error {
    Error::InvalidInput(format!(
        "There is already a file or folder named “{name}” there. Choose another name."
    ))
}

/// Refuses a name already used by a file or a folder in `parent` (both would show as `name`).
async fn ensure_name_free(remote: &Remote, bucket: &str, parent: &str, name: &str) -> Result<()> {
    let file = child_key(parent, name, false);
    if remote.head_identity(bucket, &file).await?.is_some()
        || remote.prefix_has_keys(bucket, &child_key(parent, name, true)).await?
    {
        return Err(name_taken(name));
    }
    Ok(())
}

/// Copies or moves one file or folder; returns (objects, bytes) copied.
async fn move_item(
    remote: &Remote,
    bucket: &str,
    key: &str,
    to_bucket: &str,
    to: &str,
    remove_sources: bool,
) -> Result<(u64, u64)> {
    if key.ends_with('/') {
        let outcome = if remove_sources {
            remote.move_prefix(bucket, key, to_bucket, to).await?
        } else {
            remote.copy_prefix(bucket, key, to_bucket, to).await?
        };
        Ok((outcome.copied, outcome.bytes))
    } else {
        let written = if remove_sources {
            remote.move_object(bucket, key, to_bucket, to).await?
        } else {
            remote.copy_object(bucket, key, to_bucket, to).await?
        };
        Ok((1, written.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_into_folder_and_name() {
        assert_eq!(split_key("a/b/c.txt"), ("a/b/", "c.txt"));
        assert_eq!(split_key("a/b/"), ("a/", "b"));
        assert_eq!(split_key("c.txt"), ("", "c.txt"));
        assert_eq!(split_key("top/"), ("", "top"));
        assert_eq!(child_key("a/", "b", true), "a/b/");
        assert_eq!(child_key("", "c.txt", false), "c.txt");
    }

    #[test]
    fn new_names_are_one_path_segment() {
        assert!(validate_new_name("Report 2026.pdf").is_ok());
        assert!(validate_new_name("ünïcødé ✓").is_ok());
        for bad in ["", "   ", "a/b", "/", "..", ".", "a\0b", "line\nbreak", "tab\t"] {
            let err = validate_new_name(bad).expect_err(bad);
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad:?}");
            assert!(err.user_message().ends_with('.'), "a sentence: {}", err.user_message());
        }
    }

    #[test]
    fn keys_are_non_empty_without_nul_and_within_the_limit() {
        assert!(validate_key("a/b.txt").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("a\0").is_err());
        assert!(validate_key(&"x".repeat(crate::prefix::MAX_KEY_BYTES)).is_ok());
        assert!(validate_key(&"x".repeat(crate::prefix::MAX_KEY_BYTES + 1)).is_err());
        assert!(validate_file_key("folder/").is_err());
        assert!(validate_keys(&[]).is_err());
        assert_eq!(
            validate_keys(&["a".into(), "b/".into(), "a".into()]).unwrap(),
            vec!["a".to_string(), "b/".to_string()]
        );
        assert!(validate_keys(&["a".into(), String::new()]).is_err());
    }
}
