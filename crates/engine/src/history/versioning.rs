//! Whether a bucket keeps a history, and turning one on: versioning plus a lifecycle rule that
//! deletes old versions after some days, so storage does not grow without bound.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::remote::Remote;

/// How long old versions are kept when Pail turns versioning on, unless the person says otherwise.
pub const DEFAULT_KEEP_DAYS: u32 = 30;

/// A bucket's history settings, as the pair's detail shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HistorySettings {
    /// The bucket keeps earlier versions now.
    pub keeps_versions: bool,
    /// Days Pail's lifecycle rule keeps old versions (none: kept until someone deletes them).
    pub keep_days: Option<u32>,
}

/// Reads a bucket's history settings.
pub async fn settings(remote: &Remote, bucket: &str) -> Result<HistorySettings> {
    crate::connections::validate_bucket_name(bucket)?;
    let keeps_versions = remote.bucket_versioning_enabled(bucket).await?;
    let keep_days = if keeps_versions {
        remote.old_versions_kept_days(bucket).await?
    } else {
        None
    };
    Ok(HistorySettings {
        keeps_versions,
        keep_days,
    })
}

/// Turns versioning on for `bucket` and keeps old versions `keep_days` days (the rule goes in
/// first, so versions never pile up without one); returns the settings read back.
pub async fn turn_on(remote: &Remote, bucket: &str, keep_days: u32) -> Result<HistorySettings> {
    crate::connections::validate_bucket_name(bucket)?;
    if keep_days == 0 {
        return Err(crate::error::Error::InvalidInput(
            "Keep old versions for at least one day.".into(),
        ));
    }
    remote.keep_old_versions_for(bucket, keep_days).await?;
    remote.enable_versioning(bucket).await?;
    tracing::info!(bucket, keep_days, "versioning turned on");
    settings(remote, bucket).await
}
