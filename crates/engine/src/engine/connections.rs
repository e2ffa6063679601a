//! Connections: saved, tested, renamed and deleted (the secret in the keyring), and imported
//! from AWS profiles.

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::aws_profiles::{self, AwsProfileInfo, AwsProfileKind};
use crate::connections::{Connection, ConnectionDraft, CredentialSource, ValidDraft};
use crate::error::{Error, ErrorCode, Result};
use crate::providers::Provider;
use crate::remote::{ClientOptions, RemoteCredentials};
use crate::state;

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

impl Engine {
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
}
