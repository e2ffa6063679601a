//! Secrets in the OS keyring (Secret Service, macOS Keychain, Windows Credential Manager).
//! One entry per connection, keyed by the connection id; nothing else ever stores the secret.

use std::fmt;

/// A value that must never be printed: Debug and Display show a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// Reads the secret; callers must not log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The keyring service is missing, locked, or refused access.
    #[error("the OS keyring is not available: {0}")]
    Unavailable(String),
    /// No secret is stored for this connection.
    #[error("no secret stored in the OS keyring for connection {0}")]
    Missing(String),
    /// The keyring rejected the value or failed in another way.
    #[error("the OS keyring failed: {0}")]
    Failed(String),
}

impl SecretError {
    /// A sentence a person can act on.
    pub fn user_message(&self) -> String {
        match self {
            SecretError::Unavailable(_) => "Pail could not open your system keyring, where it keeps secret keys. Unlock the keyring (log in to your desktop session, or open your password manager) and try again.".into(),
            SecretError::Missing(_) => "The secret key for this connection is missing from your system keyring. Edit the connection and enter the secret key again.".into(),
            SecretError::Failed(_) => "Your system keyring refused to store or read the secret key. Check that it is unlocked and has space, then try again.".into(),
        }
    }
}

/// The keyring, under one service name ("pail" in the app; tests use their own).
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl SecretStore {
    /// The keyring under `service`.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Stores (or replaces) the secret for `account`.
    pub async fn set(&self, account: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        let (service, account, secret) = (self.service.clone(), account.to_owned(), secret.clone());
        // The sync Secret Service client blocks on D-Bus; keep it off the async workers.
        run_blocking(move || {
            entry(&service, &account)?
                .set_password(secret.expose())
                .map_err(|e| map_err(e, &account))
        })
        .await
    }

    /// Reads the secret for `account`.
    pub async fn get(&self, account: &str) -> Result<Sensitive<String>, SecretError> {
        let (service, account) = (self.service.clone(), account.to_owned());
        run_blocking(move || {
            entry(&service, &account)?
                .get_password()
                .map(Sensitive::new)
                .map_err(|e| map_err(e, &account))
        })
        .await
    }

    /// Deletes the secret for `account`; deleting a missing one is not an error.
    pub async fn delete(&self, account: &str) -> Result<(), SecretError> {
        let (service, account) = (self.service.clone(), account.to_owned());
        run_blocking(move || match entry(&service, &account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e, &account)),
        })
        .await
    }
}

fn entry(service: &str, account: &str) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(service, account).map_err(|e| map_err(e, account))
}

fn map_err(err: keyring::Error, account: &str) -> SecretError {
    match err {
        keyring::Error::NoEntry => SecretError::Missing(account.to_owned()),
        keyring::Error::NoStorageAccess(e) => SecretError::Unavailable(e.to_string()),
        keyring::Error::PlatformFailure(e) => SecretError::Unavailable(e.to_string()),
        other => SecretError::Failed(other.to_string()),
    }
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SecretError::Failed(format!("keyring task failed: {e}")))?
}
