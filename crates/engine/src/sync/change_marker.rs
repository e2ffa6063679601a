//! The change signal: one small object per synced bucket folder, `<prefix>.pail/changed`, which
//! every Pail rewrites after a pass that changed that bucket folder. Other computers look at it
//! with one HEAD per poll and list the folder only when its ETag moved, instead of listing the
//! whole folder every poll (at 100,000 keys, ~100 requests a poll). Writers that are not Pail do
//! not touch it; a full listing every [`SyncOptions::full_listing_interval`] finds their changes.
//!
//! Why no Pail change is missed: a writer puts its objects first and the marker after them; a
//! reader reads the marker *before* it lists. If the reader's listing missed a writer's objects,
//! they were written after the listing started, so the marker was rewritten after the reader
//! read it, and the next HEAD differs. Two writers racing: each writes the marker on the ETag
//! it read before its listing (`If-Match`, or `If-None-Match: *` for none); a writer that loses
//! writes it anyway and forgets what it saw, so its next check lists.
//!
//! Failure modes, each ending in a listing rather than a missed change: a marker write that
//! fails (logged; readers find the change at the next full listing), a HEAD that fails (a
//! listing every poll, as without markers), a store that caches HEAD answers or lists with
//! delay (changes arrive late, never lost: the full listing still runs), a store that ignores
//! `If-Match` (two writers within one poll may hide one from a third computer until the full
//! listing; such stores are refused for two-way sync anyway).
//!
//! [`SyncOptions::full_listing_interval`]: super::SyncOptions::full_listing_interval

use crate::error::{ErrorCode, Result};
use crate::remote::{PutSpec, Remote, WriteCondition};

/// The marker's name inside the pair's bucket folder (inside the reserved `.pail/`, which sync
/// never treats as a user file and the browser does not show).
pub const MARKER_NAME: &str = ".pail/changed";

/// The marker's key for a bucket folder (`prefix` ends in `/` or is empty).
pub fn marker_key(prefix: &str) -> String {
    format!("{prefix}{MARKER_NAME}")
}

/// What a reader knows of the marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Not read yet, or a write raced another writer: the next check must list.
    Unknown,
    /// Read before the last listing: `None` = there was no marker.
    At(Option<String>),
}

/// Reads the marker's ETag (`None` when there is none).
pub async fn read(remote: &Remote, bucket: &str, prefix: &str) -> Result<Option<String>> {
    Ok(remote
        .head_identity(bucket, &marker_key(prefix))
        .await?
        .map(|id| id.etag))
}

/// Rewrites the marker after a pass that changed the bucket folder, on the ETag `seen` before
/// that pass's listing; returns what the reader knows afterwards.
pub async fn write(remote: &Remote, bucket: &str, prefix: &str, seen: &Seen, writer: &str) -> Seen {
    let key = marker_key(prefix);
    // A different body each time: the ETag (an MD5 of it) is what readers compare.
    let body = format!(
        "changed by {writer} at {}\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
    );
    let condition = match seen {
        Seen::At(Some(etag)) => WriteCondition::IfMatch(etag.clone()),
        Seen::At(None) => WriteCondition::IfAbsent,
        Seen::Unknown => WriteCondition::None,
    };
    let known = !matches!(condition, WriteCondition::None);
    let spec = PutSpec {
        condition,
        metadata: Vec::new(),
    };
    match remote.put_small(bucket, &key, body.clone().into_bytes(), &spec).await {
        Ok(written) if known => Seen::At(Some(written.etag)),
        Ok(_) => Seen::Unknown,
        Err(e) if e.code() == ErrorCode::PreconditionFailed => {
            // Someone else changed the folder since this pass listed it: say so to everyone
            // (the marker must move), and look again ourselves.
            let unconditional = PutSpec {
                condition: WriteCondition::None,
                metadata: Vec::new(),
            };
            if let Err(e) = remote.put_small(bucket, &key, body.into_bytes(), &unconditional).await {
                tracing::warn!(detail = %e.detail(), "could not update the change marker");
            }
            Seen::Unknown
        }
        Err(e) => {
            // Readers find this pass's changes at their next full listing instead.
            tracing::warn!(detail = %e.detail(), "could not update the change marker");
            Seen::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_lives_in_the_reserved_folder_of_the_bucket_folder() {
        assert_eq!(marker_key(""), ".pail/changed");
        assert_eq!(marker_key("team/docs/"), "team/docs/.pail/changed");
        let rel = crate::sync::RelPath::new(MARKER_NAME).expect("a valid relative path");
        assert!(crate::sync::views::is_reserved(&rel));
    }
}
