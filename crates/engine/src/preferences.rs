//! The user's choices on the Settings screen that the engine itself obeys, stored in the state DB.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::state::{settings, StateDb};

const KEY: &str = "preferences";

/// Settings the engine reads (start at login is the OS's business and lives in the shell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct Preferences {
    /// Desktop notifications for conflicts, errors and held-back deletions.
    pub notifications: bool,
    /// Files transferred at once per synced folder.
    pub concurrency: u32,
    /// Seconds between two listings of a synced bucket folder.
    pub poll_interval_secs: u32,
    /// Upload limit for the whole app in KiB/s; 0 = no limit.
    pub upload_limit_kib: u32,
    /// Download limit for the whole app in KiB/s; 0 = no limit.
    pub download_limit_kib: u32,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            notifications: true,
            concurrency: 8,
            poll_interval_secs: 30,
            upload_limit_kib: 0,
            download_limit_kib: 0,
        }
    }
}

/// Accepted ranges: beyond them a store throttles or a change waits too long to be seen.
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<u32> = 1..=64;
/// Accepted poll intervals in seconds.
pub const POLL_RANGE: std::ops::RangeInclusive<u32> = 5..=3600;
/// Slowest accepted limit in KiB/s (below it S3 requests time out); 0 means no limit.
pub const MIN_LIMIT_KIB: u32 = 16;

impl Preferences {
    /// Refuses values outside what Pail supports, in words.
    pub fn validate(&self) -> Result<()> {
        if !CONCURRENCY_RANGE.contains(&self.concurrency) {
            return Err(Error::InvalidInput(format!(
                "Transfers at once must be between {} and {}.",
                CONCURRENCY_RANGE.start(),
                CONCURRENCY_RANGE.end()
            )));
        }
        if !POLL_RANGE.contains(&self.poll_interval_secs) {
            return Err(Error::InvalidInput(format!(
                "The bucket check interval must be between {} seconds and {} minutes.",
                POLL_RANGE.start(),
                POLL_RANGE.end() / 60
            )));
        }
        for (limit, what) in [(self.upload_limit_kib, "upload"), (self.download_limit_kib, "download")] {
            if limit != 0 && limit < MIN_LIMIT_KIB {
                return Err(Error::InvalidInput(format!(
                    "The {what} limit must be 0 (no limit) or at least {MIN_LIMIT_KIB} KB/s."
                )));
            }
        }
        Ok(())
    }

    /// The stored preferences, or the defaults (also when the stored text is from a newer app).
    pub async fn load(db: &StateDb) -> Result<Preferences> {
        let stored = settings::get(db.pool(), KEY).await?;
        Ok(stored
            .and_then(|text| serde_json::from_str::<Preferences>(&text).ok())
            .filter(|p| p.validate().is_ok())
            .unwrap_or_default())
    }

    /// Validates and stores.
    pub async fn save(&self, db: &StateDb) -> Result<()> {
        self.validate()?;
        let text = serde_json::to_string(self).map_err(|e| Error::InvalidInput(e.to_string()))?;
        settings::set(db.pool(), KEY, &text).await
    }
}
