//! A bucket folder's whole history as S3 keeps it: every version and delete marker under a
//! prefix, streamed key by key (ListObjectVersions), and the few writes a restore needs.
//!
//! Memory stays bounded by one page plus the versions of one key, so a folder with a long
//! history is read without holding it.

use std::ops::ControlFlow;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::operation::list_object_versions::ListObjectVersionsOutput;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, EncodingType, ExpirationStatus, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, VersioningConfiguration,
};
use chrono::{DateTime, Utc};

use super::key_encoding::{decode_key, says_url};
use super::pages::PageCursor;
use super::transfer::bare_etag;
use super::{classify, Remote};
use crate::error::{Error, Operation, Result};

/// One version of one key, or a delete marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    /// The object's key.
    pub key: String,
    /// Its version id ("null" for what was written before versioning was turned on).
    pub version_id: String,
    /// When this version was written.
    pub modified: DateTime<Utc>,
    /// Size in bytes (0 for a delete marker).
    pub size: u64,
    /// ETag without quotes (empty for a delete marker).
    pub etag: String,
    /// Whether this is the key's current version (or current delete marker).
    pub is_latest: bool,
    /// Whether this records a deletion rather than content.
    pub deleted: bool,
}

/// Every version of one key, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHistory {
    /// The key.
    pub key: String,
    /// Its versions and delete markers, newest first.
    pub versions: Vec<VersionRecord>,
}

/// The SDK hands a page's versions and delete markers over as two lists, so S3's order between a
/// version and a delete marker of the same key is lost; times tell it apart except within one
/// second (S3 keeps times to the second). There the version is taken as the newer one (the sort
/// is stable and versions come first): a guess must never be toward a file having been deleted.
fn newest_first(a: &VersionRecord, b: &VersionRecord) -> std::cmp::Ordering {
    b.is_latest.cmp(&a.is_latest).then(b.modified.cmp(&a.modified))
}

impl Remote {
    /// Calls `on_key` with the history of every key under `prefix`, in key order; stops early
    /// when it breaks.
    pub async fn for_each_key_history(
        &self,
        bucket: &str,
        prefix: &str,
        on_key: impl FnMut(KeyHistory) -> ControlFlow<()>,
    ) -> Result<()> {
        self.key_histories(bucket, prefix, None, on_key).await.map(drop)
    }

    /// [`Remote::for_each_key_history`] for the keys directly in the folder `prefix` only (not
    /// in its subfolders), as a folder view shows them. Returns the subfolders that hold any
    /// version or delete marker (`prefix` + name + `/`), deleted ones too.
    pub async fn for_each_key_history_here(
        &self,
        bucket: &str,
        prefix: &str,
        on_key: impl FnMut(KeyHistory) -> ControlFlow<()>,
    ) -> Result<Vec<String>> {
        self.key_histories(bucket, prefix, Some("/"), on_key).await
    }

    async fn key_histories(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        mut on_key: impl FnMut(KeyHistory) -> ControlFlow<()>,
    ) -> Result<Vec<String>> {
        let mut folders: Vec<String> = Vec::new();
        let mut key_marker: Option<String> = None;
        let mut version_marker: Option<String> = None;
        let mut cursor: PageCursor<(String, Option<String>)> = PageCursor::new();
        // The key whose versions may continue on the next page.
        let mut open: Option<KeyHistory> = None;
        loop {
            let resp = self
                .client
                .list_object_versions()
                .bucket(bucket)
                .prefix(prefix)
                .set_delimiter(delimiter.map(str::to_owned))
                .encoding_type(EncodingType::Url)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(|e| classify(e, Operation::ListVersions, self.endpoint_label(), Some(bucket)))?;
            let encoded = resp.encoding_type().is_some_and(|t| says_url(t.as_str()));
            for folder in resp.common_prefixes() {
                folders.push(listed_key(folder.prefix(), encoded)?);
            }
            let page = page_records(&resp, encoded)?;
            if add_to_histories(page, &mut open, &mut on_key).is_break() {
                return Ok(folders);
            }
            // With encoding-type=url the marker comes encoded too; it goes back as the key it is
            // (the SDK encodes it for the request), or the next page starts at the wrong key.
            let next = match resp.next_key_marker() {
                Some(k) => Some((
                    listed_key(Some(k), encoded)?,
                    resp.next_version_id_marker().map(str::to_owned),
                )),
                None => None,
            };
            // Subfolders (with a delimiter) count as rows too: a page of only those is progress.
            let entries = resp.versions().len() + resp.delete_markers().len() + resp.common_prefixes().len();
            match cursor.advance(resp.is_truncated(), next, entries) {
                Ok(Some((next_key, next_version))) => {
                    key_marker = Some(next_key);
                    version_marker = next_version;
                }
                Ok(None) => break,
                Err(why) => return Err(self.stuck_listing(Some(bucket), why)),
            }
        }
        if let Some(done) = open {
            let _ = emit(done, &mut on_key);
        }
        Ok(folders)
    }

    /// The history of one key (exactly that key, not longer keys sharing its beginning).
    pub async fn key_history(&self, bucket: &str, key: &str) -> Result<KeyHistory> {
        let mut found = KeyHistory {
            key: key.to_owned(),
            versions: Vec::new(),
        };
        self.for_each_key_history(bucket, key, |h| {
            if h.key == key {
                found = h;
                ControlFlow::Break(())
            } else if h.key.as_str() > key {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await?;
        Ok(found)
    }

    /// Deletes `bucket/key` the way a person does: a delete marker goes on top and every version
    /// stays. Returns the marker's version id, where the store says it.
    pub async fn put_delete_marker(&self, bucket: &str, key: &str) -> Result<Option<String>> {
        let out = self
            .client
            .delete_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket)))?;
        Ok(out.version_id().map(str::to_owned))
    }

    /// Removes one version for good. Pail calls this only on a version it has just written itself
    /// (to take back a restore step that landed on top of someone else's change).
    pub async fn delete_own_version(&self, bucket: &str, key: &str, version_id: &str) -> Result<()> {
        self.client
            .delete_object()
            .bucket(bucket)
            .key(key)
            .version_id(version_id)
            .send()
            .await
            .map_err(|e| classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket)))?;
        Ok(())
    }

    /// Turns on keeping versions for `bucket` (needs s3:PutBucketVersioning).
    pub async fn enable_versioning(&self, bucket: &str) -> Result<()> {
        self.client
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify(e, Operation::PutBucketVersioning, self.endpoint_label(), Some(bucket)))?;
        Ok(())
    }
}

/// The id of the lifecycle rule Pail writes to expire old versions; other rules are kept as they are.
pub const KEEP_VERSIONS_RULE: &str = "pail-keep-old-versions";

impl Remote {
    /// How many days Pail's lifecycle rule keeps old versions in `bucket`, if it has one.
    pub async fn old_versions_kept_days(&self, bucket: &str) -> Result<Option<u32>> {
        let rules = self.lifecycle_rules(bucket).await?;
        Ok(rules
            .iter()
            .find(|r| r.id() == Some(KEEP_VERSIONS_RULE) && r.status() == &ExpirationStatus::Enabled)
            .and_then(|r| r.noncurrent_version_expiration())
            .and_then(|e| e.noncurrent_days())
            .and_then(|d| u32::try_from(d).ok()))
    }

    /// Makes `bucket` delete old versions `days` after they stop being current (its other
    /// lifecycle rules are kept), so a history does not grow without bound.
    pub async fn keep_old_versions_for(&self, bucket: &str, days: u32) -> Result<()> {
        let days = i32::try_from(days.clamp(1, 36_500)).unwrap_or(30);
        let mut rules: Vec<LifecycleRule> = self
            .lifecycle_rules(bucket)
            .await?
            .into_iter()
            .filter(|r| r.id() != Some(KEEP_VERSIONS_RULE))
            .collect();
        let ours = LifecycleRule::builder()
            .id(KEEP_VERSIONS_RULE)
            .filter(LifecycleRuleFilter::builder().prefix("").build())
            .status(ExpirationStatus::Enabled)
            .noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(days).build())
            .build()
            .map_err(|e| Error::InvalidInput(format!("Pail could not make the lifecycle rule: {e}")))?;
        rules.push(ours);
        let config = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| Error::InvalidInput(format!("Pail could not make the lifecycle rules: {e}")))?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .lifecycle_configuration(config)
            .send()
            .await
            .map_err(|e| classify(e, Operation::BucketLifecycle, self.endpoint_label(), Some(bucket)))?;
        Ok(())
    }

    async fn lifecycle_rules(&self, bucket: &str) -> Result<Vec<LifecycleRule>> {
        match self
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out.rules().to_vec()),
            // No rules yet, or a store without lifecycle rules: nothing to keep.
            Err(e) if matches!(e.code(), Some("NoSuchLifecycleConfiguration" | "NotImplemented")) => Ok(Vec::new()),
            Err(e) => Err(classify(
                e,
                Operation::BucketLifecycle,
                self.endpoint_label(),
                Some(bucket),
            )),
        }
    }
}

/// A key as listed: with encoding-type=url the store sends it encoded, so any byte survives the
/// XML.
fn listed_key(k: Option<&str>, encoded: bool) -> Result<String> {
    let k = k.unwrap_or_default();
    if encoded {
        decode_key(k).map_err(|e| Error::InvalidInput(format!("the store sent a key Pail cannot read: {e}")))
    } else {
        Ok(k.to_owned())
    }
}

/// One page's versions and delete markers as records, in key order.
fn page_records(resp: &ListObjectVersionsOutput, encoded: bool) -> Result<Vec<VersionRecord>> {
    let mut page: Vec<VersionRecord> = Vec::with_capacity(resp.versions().len() + resp.delete_markers().len());
    for v in resp.versions() {
        page.push(VersionRecord {
            key: listed_key(v.key(), encoded)?,
            version_id: v.version_id().unwrap_or("null").to_owned(),
            modified: v.last_modified().and_then(to_chrono).unwrap_or_default(),
            size: v.size().unwrap_or(0).max(0) as u64,
            etag: bare_etag(v.e_tag()),
            is_latest: v.is_latest().unwrap_or(false),
            deleted: false,
        });
    }
    for d in resp.delete_markers() {
        page.push(VersionRecord {
            key: listed_key(d.key(), encoded)?,
            version_id: d.version_id().unwrap_or("null").to_owned(),
            modified: d.last_modified().and_then(to_chrono).unwrap_or_default(),
            size: 0,
            etag: String::new(),
            is_latest: d.is_latest().unwrap_or(false),
            deleted: true,
        });
    }
    // Stable: each list's newest-first order within a key survives, versions before
    // delete markers (see `newest_first`).
    page.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(page)
}

/// Adds a page's records (in key order) to the histories, handing each key's history to
/// `on_key` once the next key starts. The last key stays `open`: its versions may go on in the
/// next page. Breaks when `on_key` does.
fn add_to_histories(
    page: Vec<VersionRecord>,
    open: &mut Option<KeyHistory>,
    on_key: &mut impl FnMut(KeyHistory) -> ControlFlow<()>,
) -> ControlFlow<()> {
    for record in page {
        match open {
            Some(h) if h.key == record.key => h.versions.push(record),
            _ => {
                if let Some(done) = open.take() {
                    emit(done, on_key)?;
                }
                *open = Some(KeyHistory {
                    key: record.key.clone(),
                    versions: vec![record],
                });
            }
        }
    }
    ControlFlow::Continue(())
}

fn emit(done: KeyHistory, on_key: &mut impl FnMut(KeyHistory) -> ControlFlow<()>) -> ControlFlow<()> {
    let mut done = done;
    done.versions.sort_by(newest_first);
    on_key(done)
}

/// An S3 time as chrono's.
pub(crate) fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}
