//! The built-in demo store: a real S3-compatible server on loopback (pail-devstore) whose data
//! lives in the app's data folder, shown as an ordinary connection so a newcomer can try Pail
//! without any account.
//!
//! The server is linked in only with the `demo-store` feature (the app enables it, `pail` does
//! not): a build without it keeps the demo connection's bookkeeping but cannot start the store.

use std::path::PathBuf;

#[cfg(feature = "demo-store")]
use pail_devstore::{DevStore as Server, DevStoreConfig};
#[cfg(feature = "demo-store")]
use rand::distr::{Alphanumeric, SampleString};
use tokio::sync::Mutex;

#[cfg(feature = "demo-store")]
use crate::connections::{ConnectionDraft, CredentialSource};
use crate::error::Result;
#[cfg(feature = "demo-store")]
use crate::providers::Provider;
use crate::secrets::SecretStore;
#[cfg(feature = "demo-store")]
use crate::secrets::{SecretError, Sensitive};
#[cfg(feature = "demo-store")]
use crate::state;
use crate::state::{settings, StateDb};

/// No server can exist in a build without the demo store.
#[cfg(not(feature = "demo-store"))]
type Server = std::convert::Infallible;

const SETTING_CONNECTION_ID: &str = "demo.connection_id";
#[cfg(feature = "demo-store")]
const DEMO_ACCESS_KEY: &str = "pail-demo";

/// Starts, tracks and stops the demo store.
#[derive(Debug)]
pub struct DemoRunner {
    root: PathBuf,
    running: Mutex<Option<Server>>,
}

impl DemoRunner {
    /// A runner keeping the store's data under `root`.
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            running: Mutex::new(None),
        }
    }

    /// The demo connection's id, if the user set it up.
    pub async fn connection_id(&self, db: &StateDb) -> Result<Option<String>> {
        settings::get(db.pool(), SETTING_CONNECTION_ID).await
    }

    /// Whether the server is running now.
    pub async fn is_running(&self) -> bool {
        self.running.lock().await.is_some()
    }

    /// In a build without the demo store: says so.
    #[cfg(not(feature = "demo-store"))]
    pub async fn start(&self, _db: &StateDb, _secrets: &SecretStore) -> Result<String> {
        let _ = &self.root;
        Err(crate::error::Error::DemoUnavailable)
    }

    /// Starts the store (idempotent) and returns the demo connection id.
    #[cfg(feature = "demo-store")]
    pub async fn start(&self, db: &StateDb, secrets: &SecretStore) -> Result<String> {
        let mut running = self.running.lock().await;
        let existing = self.connection_id(db).await?;
        let existing = match existing {
            Some(id) => {
                let mut conn = db.pool().acquire().await?;
                state::connections::get(&mut conn, &id).await?.map(|c| c.id)
            }
            None => None,
        };
        if let (Some(id), Some(_)) = (&existing, running.as_ref()) {
            return Ok(id.clone());
        }
        let (id, secret) = match existing {
            Some(id) => {
                let secret = match secrets.get(&id).await {
                    Ok(s) => s,
                    // The keyring was reset: the store's data stays, it just gets a new key.
                    Err(SecretError::Missing(_)) => {
                        let s = new_secret();
                        secrets.set(&id, &s).await?;
                        s
                    }
                    Err(e) => return Err(e.into()),
                };
                (id, secret)
            }
            None => {
                let secret = new_secret();
                let id = uuid::Uuid::new_v4().to_string();
                let draft = ConnectionDraft {
                    name: "Demo store (on this computer)".into(),
                    provider: Provider::Demo,
                    endpoint: Some("http://127.0.0.1:1".into()),
                    region: "us-east-1".into(),
                    path_style: true,
                    access_key_id: DEMO_ACCESS_KEY.into(),
                    secret_access_key: None,
                    credential_source: CredentialSource::Keyring,
                    pinned_buckets: Vec::new(),
                    accept_plain_http: false,
                };
                let valid = draft.validate()?;
                let mut tx = db.pool().begin().await?;
                state::connections::insert(&mut tx, &id, &valid).await?;
                settings::set(&mut *tx, SETTING_CONNECTION_ID, &id).await?;
                secrets.set(&id, &secret).await?;
                tx.commit().await?;
                (id, secret)
            }
        };
        // The store's objects and sidecars are written by s3s-fs with the usual permissions; an
        // owner-only root keeps everyone else from reaching them.
        crate::private_files::prepare_private_dir(&self.root).map_err(|source| crate::error::Error::Io {
            context: format!("create the folder {}", self.root.display()),
            source,
        })?;
        let config = DevStoreConfig::new(self.root.clone(), DEMO_ACCESS_KEY, secret.expose().clone());
        let store = Server::start(config).await?;
        pail_devstore::seed_sample_bucket(&store).await?;
        state::connections::set_endpoint(db.pool(), &id, &store.endpoint()).await?;
        tracing::info!(endpoint = %store.endpoint(), "demo store running");
        *running = Some(store);
        Ok(id)
    }

    /// Forgets the demo connection (when the user removes it); its data folder stays.
    pub async fn forget(&self, db: &StateDb) -> Result<()> {
        self.stop().await;
        settings::delete(db.pool(), SETTING_CONNECTION_ID).await
    }

    /// Stops the server if running.
    pub async fn stop(&self) {
        if let Some(store) = self.running.lock().await.take() {
            #[cfg(feature = "demo-store")]
            store.shutdown().await;
            #[cfg(not(feature = "demo-store"))]
            match store {}
        }
    }
}

#[cfg(feature = "demo-store")]
fn new_secret() -> Sensitive<String> {
    Sensitive::new(Alphanumeric.sample_string(&mut rand::rng(), 40))
}
