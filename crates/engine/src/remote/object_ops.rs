//! What a file manager does to objects and folders, done server-side: new folders, copies and
//! moves (one object, or every key under a prefix), counts before a delete, recursive deletes,
//! share links, content types, and an object's versions.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    CompletedMultipartUpload, CompletedPart, Delete, MetadataDirective, ObjectIdentifier, StorageClass,
};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use super::classify::kind_of_s3_code;
use super::key_encoding::copy_source;
use super::pages::PageCursor;
use super::transfer::{bare_etag, Written};
use super::{classify, Remote};
use crate::error::{Error, ErrorCode, Operation, Result};

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// The largest object one CopyObject may copy (S3's limit); larger ones are copied in parts.
pub const MAX_SINGLE_COPY: u64 = 5 * GIB;
/// Objects copied at once by [`Remote::copy_prefix`] and [`Remote::move_prefix`].
pub const PREFIX_PARALLELISM: usize = 16;
/// Keys per DeleteObjects request (S3 refuses more).
pub const DELETE_BATCH: usize = 1000;
/// The shortest lifetime of a share link.
pub const PRESIGN_MIN: Duration = Duration::from_secs(1);
/// The longest lifetime of a share link (SigV4 signatures are valid for at most 7 days).
pub const PRESIGN_MAX: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// S3's smallest part (except the last) and largest part of a multipart upload.
const MIN_PART: u64 = 5 * MIB;
const MAX_PART: u64 = 5 * GIB;
/// S3 allows at most 10,000 parts; the part size grows for objects that would need more.
const MAX_PARTS: u64 = 10_000;
/// Failed keys named in a partial-delete error; the rest are counted.
const NAMED_FAILURES: usize = 3;

/// When and how a copy is split into parts (UploadPartCopy with byte ranges).
#[derive(Debug, Clone, Copy)]
pub struct CopyOptions {
    /// Objects at least this large are copied in parts (at most [`MAX_SINGLE_COPY`] on AWS).
    pub multipart_threshold: u64,
    /// Bytes per part (S3 allows 5 MiB to 5 GiB).
    pub part_size: u64,
    /// Parts in flight at once.
    pub parallel_parts: usize,
}

impl Default for CopyOptions {
    fn default() -> Self {
        // Parts are copied inside the store, so large parts cost no local memory and mean fewer requests.
        Self {
            multipart_threshold: MAX_SINGLE_COPY,
            part_size: 256 * MIB,
            parallel_parts: 8,
        }
    }
}

/// What the last step of a prefix move removed and what it kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcesDeleted {
    /// Sources deleted.
    pub deleted: u64,
    /// Sources kept because they changed after they were copied.
    pub kept: Vec<String>,
}

/// What the delete confirmation shows ("Delete 1,234 items (5.6 GB)?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PrefixSummary {
    /// Keys under the prefix, folder markers included.
    pub objects: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// What a prefix copy or move did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PrefixOutcome {
    /// Keys copied, folder markers included.
    pub copied: u64,
    /// Bytes copied.
    pub bytes: u64,
    /// Source keys deleted (moves only).
    pub deleted: u64,
}

/// One version of an object, as the version history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ObjectVersion {
    /// Version id ("null" for what was written before versioning was turned on).
    pub version_id: String,
    /// Size in bytes (0 for delete markers).
    pub size: u64,
    /// When this version was written, RFC 3339.
    pub last_modified: Option<String>,
    /// Whether this is the current version.
    pub is_latest: bool,
    /// Whether this version records a deletion rather than content.
    pub is_delete_marker: bool,
}

/// Whether a bucket keeps versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioning {
    /// Never turned on (or the store has no versions).
    Off,
    /// On: every write keeps the earlier version.
    Enabled,
    /// Turned off again: the versions made while it was on are kept, new writes replace.
    Suspended,
}

/// The object a copy reads, with what a listing or HEAD said about it.
struct CopySource {
    bucket: String,
    key: String,
    /// Set when a specific (older) version is copied.
    version_id: Option<String>,
    size: u64,
    etag: String,
    storage_class: Option<String>,
    /// The HEAD, when one was made: multipart copies and metadata replacement need its headers.
    head: Option<HeadObjectOutput>,
}

impl Remote {
    /// Creates the folder `prefix` (ending in `/`) as a zero-byte marker; true if it was created,
    /// false if it already existed.
    pub async fn create_folder(&self, bucket: &str, prefix: &str) -> Result<bool> {
        if prefix.trim_end_matches('/').is_empty() || !prefix.ends_with('/') || prefix.ends_with("//") {
            return Err(Error::InvalidInput(format!(
                "“{prefix}” is not a folder name (a folder needs a name, and its path ends in /)."
            )));
        }
        // If-None-Match: * keeps an existing marker (and anything a user stored under that key) untouched.
        let sent = self
            .client
            .put_object()
            .bucket(bucket)
            .key(prefix)
            .body(ByteStream::from_static(b""))
            .if_none_match("*")
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            // Stores without conditional writes: a HEAD first narrows the race to a moment, and
            // losing it only rewrites an empty marker.
            Err(e) if e.code() == Some("NotImplemented") => {
                if self.head_identity(bucket, prefix).await?.is_some() {
                    return Ok(false);
                }
                self.put_empty(bucket, prefix, &super::PutSpec::plain()).await?;
                Ok(true)
            }
            Err(e) => {
                let err = classify(e, Operation::PutObject, self.endpoint_label(), Some(bucket));
                if err.code() == ErrorCode::PreconditionFailed {
                    Ok(false)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Server-side copy of `bucket/from_key` to `to_bucket/to_key`, keeping its metadata and
    /// content type; objects of 5 GiB and more are copied in parts.
    pub async fn copy_object(&self, bucket: &str, from_key: &str, to_bucket: &str, to_key: &str) -> Result<Written> {
        self.copy_object_with(bucket, from_key, to_bucket, to_key, CopyOptions::default())
            .await
    }

    /// [`Remote::copy_object`] with explicit part settings.
    pub async fn copy_object_with(
        &self,
        bucket: &str,
        from_key: &str,
        to_bucket: &str,
        to_key: &str,
        options: CopyOptions,
    ) -> Result<Written> {
        if bucket == to_bucket && from_key == to_key {
            return Err(already_there(from_key));
        }
        let source = self.head_source(bucket, from_key, None).await?;
        self.copy_from(source, to_bucket, to_key, None, options).await
    }

    /// Moves `bucket/from_key` to `to_bucket/to_key`: a copy, then a delete of the source once
    /// the copy succeeded (and only if nobody changed the source meanwhile).
    pub async fn move_object(&self, bucket: &str, from_key: &str, to_bucket: &str, to_key: &str) -> Result<Written> {
        if bucket == to_bucket && from_key == to_key {
            return Err(already_there(from_key));
        }
        let source = self.head_source(bucket, from_key, None).await?;
        let etag = source.etag.clone();
        let written = self
            .copy_from(source, to_bucket, to_key, None, CopyOptions::default())
            .await?;
        // A source rewritten after the copy keeps its new content: both versions survive.
        self.delete_if_match(bucket, from_key, &etag).await?;
        Ok(written)
    }

    /// Renames `from_key` to `to_key` within `bucket` (a [`Remote::move_object`]).
    pub async fn rename(&self, bucket: &str, from_key: &str, to_key: &str) -> Result<Written> {
        self.move_object(bucket, from_key, bucket, to_key).await
    }

    /// Copies every key under `from_prefix` (folder markers included) to the same relative keys
    /// under `to_prefix` in `to_bucket`, [`PREFIX_PARALLELISM`] at a time.
    pub async fn copy_prefix(
        &self,
        bucket: &str,
        from_prefix: &str,
        to_bucket: &str,
        to_prefix: &str,
    ) -> Result<PrefixOutcome> {
        self.transfer_prefix(bucket, from_prefix, to_bucket, to_prefix, false)
            .await
    }

    /// Moves every key under `from_prefix` to `to_prefix` in `to_bucket` (renaming a folder):
    /// all keys are copied first, and the sources are deleted only once every copy succeeded.
    pub async fn move_prefix(
        &self,
        bucket: &str,
        from_prefix: &str,
        to_bucket: &str,
        to_prefix: &str,
    ) -> Result<PrefixOutcome> {
        self.transfer_prefix(bucket, from_prefix, to_bucket, to_prefix, true)
            .await
    }

    async fn transfer_prefix(
        &self,
        bucket: &str,
        from_prefix: &str,
        to_bucket: &str,
        to_prefix: &str,
        remove_sources: bool,
    ) -> Result<PrefixOutcome> {
        let verb = if remove_sources { "moved" } else { "copied" };
        // A move removes its sources, so it needs a folder; a copy may take a whole bucket.
        check_folder_prefix(from_prefix, !remove_sources)?;
        check_folder_prefix(to_prefix, true)?;
        if bucket == to_bucket {
            check_not_into_itself(from_prefix, to_prefix, verb)?;
        }
        let sources = self.list_copy_sources(bucket, from_prefix).await?;
        let plan: Vec<(CopySource, String)> = sources
            .into_iter()
            .map(|s| {
                let to_key = destination_key(&s.key, from_prefix, to_prefix);
                (s, to_key)
            })
            .collect();
        if bucket == to_bucket {
            check_no_overlap(&plan, from_prefix, to_prefix, verb)?;
        }
        // Each source's ETag as copied: a move deletes only sources that still have it.
        let copied_sources: Vec<(String, String)> = plan.iter().map(|(s, _)| (s.key.clone(), s.etag.clone())).collect();

        let mut outcome = self.copy_all(bucket, to_bucket, plan).await?;
        if remove_sources {
            outcome.deleted += self.remove_copied_sources(bucket, from_prefix, &copied_sources).await?;
        }
        Ok(outcome)
    }

    /// Copies each source to its key in `to_bucket`, [`PREFIX_PARALLELISM`] at a time; fails
    /// with the first error once the copies in flight have finished.
    async fn copy_all(&self, bucket: &str, to_bucket: &str, plan: Vec<(CopySource, String)>) -> Result<PrefixOutcome> {
        let mut outcome = PrefixOutcome::default();
        let mut first_error: Option<Error> = None;
        let mut pending = plan.into_iter();
        let mut set = JoinSet::new();
        loop {
            // After a failure no new copy starts, but those in flight finish: a move then deletes
            // nothing, and what was copied is whole.
            while first_error.is_none() && set.len() < PREFIX_PARALLELISM {
                let Some((source, to_key)) = pending.next() else { break };
                let (me, to_bucket) = (self.clone(), to_bucket.to_owned());
                set.spawn(async move {
                    me.copy_from(source, &to_bucket, &to_key, None, CopyOptions::default())
                        .await
                });
            }
            match set.join_next().await {
                None => break,
                Some(Ok(Ok(written))) => {
                    outcome.copied += 1;
                    outcome.bytes += written.bytes;
                }
                Some(Ok(Err(e))) => {
                    first_error.get_or_insert(e);
                }
                Some(Err(join)) => {
                    first_error.get_or_insert(self.internal(
                        Operation::CopyObject,
                        bucket,
                        format!("a copy task failed: {join}"),
                    ));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }

    /// A move's last step: deletes the copied sources that are unchanged and returns how many
    /// went; a source changed meanwhile stays, and the move fails naming it.
    async fn remove_copied_sources(
        &self,
        bucket: &str,
        from_prefix: &str,
        copied_sources: &[(String, String)],
    ) -> Result<u64> {
        let removed = self
            .delete_unchanged_sources(bucket, from_prefix, copied_sources)
            .await?;
        if !removed.kept.is_empty() {
            return Err(Error::Remote {
                code: ErrorCode::PreconditionFailed,
                operation: Operation::DeleteObject,
                endpoint: self.endpoint_label().to_owned(),
                bucket: Some(bucket.to_owned()),
                detail: format!(
                    "{} of {} files changed while they were being moved and were left in place (their earlier content was copied): {}",
                    removed.kept.len(),
                    copied_sources.len(),
                    removed.kept.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        Ok(removed.deleted)
    }

    /// The last step of a prefix move: deletes each copied source under `prefix` only if it still
    /// has the ETag it was copied with (`sources` pairs key and ETag). A source rewritten since
    /// its copy is kept, so the newer content is never lost; a source already gone is fine. One
    /// fresh listing gives the current ETags, then batched deletes remove the unchanged keys.
    pub async fn delete_unchanged_sources(
        &self,
        bucket: &str,
        prefix: &str,
        sources: &[(String, String)],
    ) -> Result<SourcesDeleted> {
        let now: std::collections::HashMap<String, String> = self
            .list_copy_sources(bucket, prefix)
            .await?
            .into_iter()
            .map(|s| (s.key, s.etag))
            .collect();
        let mut out = SourcesDeleted::default();
        let mut unchanged = Vec::new();
        for (key, etag) in sources {
            match now.get(key) {
                Some(current) if current == etag => unchanged.push(key.clone()),
                Some(_) => out.kept.push(key.clone()),
                None => {}
            }
        }
        for batch in unchanged.chunks(DELETE_BATCH) {
            out.deleted += self.delete_batch(bucket, batch).await?;
        }
        Ok(out)
    }

    /// How many keys (folder markers included) and bytes lie under `prefix` ("" for the whole bucket).
    pub async fn prefix_summary(&self, bucket: &str, prefix: &str) -> Result<PrefixSummary> {
        check_folder_prefix(prefix, true)?;
        let mut summary = PrefixSummary::default();
        let mut token: Option<String> = None;
        let mut cursor = PageCursor::new();
        loop {
            let resp = self.list_page(bucket, prefix, None, 1000, token.take()).await?;
            for o in resp.contents() {
                summary.objects += 1;
                summary.bytes += o.size().unwrap_or(0).max(0) as u64;
            }
            match self.next_page(&mut cursor, &resp, bucket)? {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(summary)
    }

    /// Deletes every key under the folder `prefix` (ending in `/`, so `photos2/` survives
    /// deleting `photos/`), a page of up to 1,000 keys per DeleteObjects; returns how many.
    pub async fn delete_prefix(&self, bucket: &str, prefix: &str) -> Result<u64> {
        if prefix.is_empty() {
            return Err(Error::InvalidInput(
                "Choose a folder to delete: Pail does not empty a whole bucket in one go.".into(),
            ));
        }
        check_folder_prefix(prefix, false)?;
        let mut deleted = 0;
        let mut token: Option<String> = None;
        let mut cursor = PageCursor::new();
        loop {
            // Each page is deleted as it arrives; the continuation token points past the keys
            // already seen, so deleting them does not disturb the paging.
            let resp = self
                .list_page(bucket, prefix, None, DELETE_BATCH as i32, token.take())
                .await?;
            let keys: Vec<String> = resp
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .map(str::to_owned)
                .collect();
            if !keys.is_empty() {
                deleted += self.delete_batch(bucket, &keys).await?;
            }
            match self.next_page(&mut cursor, &resp, bucket)? {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(deleted)
    }

    /// Deletes the objects `keys` (not folders: no listing), up to [`DELETE_BATCH`] per
    /// DeleteObjects; keys already gone count as deleted. Returns how many.
    pub async fn delete_objects(&self, bucket: &str, keys: &[String]) -> Result<u64> {
        let mut deleted = 0;
        for batch in keys.chunks(DELETE_BATCH) {
            deleted += self.delete_batch(bucket, batch).await?;
        }
        Ok(deleted)
    }

    /// Whether any key lies under `prefix` (one listing request of one key).
    pub async fn prefix_has_keys(&self, bucket: &str, prefix: &str) -> Result<bool> {
        let resp = self.list_page(bucket, prefix, None, 1, None).await?;
        Ok(!resp.contents().is_empty())
    }

    /// Deletes `bucket/key`; a key that is already gone is not an error.
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<()> {
        match self.client.delete_object().bucket(bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket));
                if err.code() == ErrorCode::NoSuchKey {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }

    /// One DeleteObjects of at most [`DELETE_BATCH`] keys; any per-key failure in its answer
    /// fails the whole call, naming the first keys.
    async fn delete_batch(&self, bucket: &str, keys: &[String]) -> Result<u64> {
        debug_assert!(keys.len() <= DELETE_BATCH);
        let objects = keys
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.internal(Operation::DeleteObject, bucket, e.to_string()))?;
        // Quiet mode: the answer lists only failures, not 1,000 successes.
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| self.internal(Operation::DeleteObject, bucket, e.to_string()))?;
        let out = self
            .client
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket)))?;
        // DeleteObjects answers 200 even when some keys failed: the failures are only in Errors.
        let failures: Vec<(String, String, String)> = out
            .errors()
            .iter()
            .filter(|e| e.code() != Some("NoSuchKey"))
            .map(|e| {
                (
                    e.key().unwrap_or("").to_owned(),
                    e.code().unwrap_or("").to_owned(),
                    e.message().unwrap_or("").to_owned(),
                )
            })
            .collect();
        if failures.is_empty() {
            return Ok(keys.len() as u64);
        }
        Err(Error::Remote {
            code: kind_of_s3_code(&failures[0].1),
            operation: Operation::DeleteObject,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail: partial_delete_detail(&failures, keys.len()),
        })
    }

    /// A link anyone can use to download `bucket/key` for `expires_in` (1 second to 7 days),
    /// signed with this connection's keys. Links signed with temporary credentials stop working
    /// when those credentials expire, whatever `expires_in` says.
    pub async fn presign_get(&self, bucket: &str, key: &str, expires_in: Duration) -> Result<String> {
        if !(PRESIGN_MIN..=PRESIGN_MAX).contains(&expires_in) {
            return Err(Error::InvalidInput(
                "A share link can be valid for 1 second up to 7 days. Choose a time in that range.".into(),
            ));
        }
        let config = PresigningConfig::expires_in(expires_in).map_err(|e| Error::InvalidInput(e.to_string()))?;
        let presigned = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| classify(e, Operation::GetObject, self.endpoint_label(), Some(bucket)))?;
        Ok(presigned.uri().to_owned())
    }

    /// Sets the Content-Type of `bucket/key` by copying it onto itself, keeping its user metadata
    /// and its other content headers.
    pub async fn set_content_type(&self, bucket: &str, key: &str, content_type: &str) -> Result<Written> {
        let content_type = content_type.trim();
        let valid = content_type.contains('/') && content_type.chars().all(|c| c.is_ascii_graphic() || c == ' ');
        if !valid {
            return Err(Error::InvalidInput(format!(
                "“{content_type}” is not a content type. Content types look like text/plain or image/png."
            )));
        }
        let source = self.head_source(bucket, key, None).await?;
        self.copy_from(source, bucket, key, Some(content_type), CopyOptions::default())
            .await
    }

    /// Every version of `bucket/key` (delete markers included), newest first: the one reading
    /// of a key's history (`versions.rs`), in the shape the properties panel shows.
    pub async fn list_versions(&self, bucket: &str, key: &str) -> Result<Vec<ObjectVersion>> {
        let history = self.key_history(bucket, key).await?;
        Ok(history
            .versions
            .into_iter()
            .map(|v| ObjectVersion {
                version_id: v.version_id,
                size: v.size,
                last_modified: Some(v.modified.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                is_latest: v.is_latest,
                is_delete_marker: v.deleted,
            })
            .collect())
    }

    /// Makes `version_id` of `bucket/key` the current version again by copying it over the
    /// current one (the versions in between stay in the history).
    pub async fn restore_version(&self, bucket: &str, key: &str, version_id: &str) -> Result<Written> {
        let source = self.head_source(bucket, key, Some(version_id)).await?;
        self.copy_from(source, bucket, key, None, CopyOptions::default()).await
    }

    /// Whether `bucket` keeps earlier versions of objects now (false if never enabled or suspended).
    pub async fn bucket_versioning_enabled(&self, bucket: &str) -> Result<bool> {
        Ok(self.bucket_versioning(bucket).await? == Versioning::Enabled)
    }

    /// Whether `bucket` keeps versions: never turned on, on, or turned off again (suspended,
    /// which keeps the versions made while it was on).
    pub async fn bucket_versioning(&self, bucket: &str) -> Result<Versioning> {
        let status = match self.client.get_bucket_versioning().bucket(bucket).send().await {
            Ok(out) => out.status().map(|s| s.as_str().to_owned()),
            // Stores without versioning say so with NotImplemented.
            Err(e) if e.code() == Some("NotImplemented") => None,
            // Some stores (moto among them) answer 200 with a document whose root is not
            // VersioningConfiguration, which the SDK refuses to read; its <Status> still tells.
            Err(e) if e.raw_response().map(|r| r.status().as_u16()) == Some(200) => {
                let body = e.raw_response().and_then(|r| r.body().bytes()).unwrap_or_default();
                let status = xml_element_text(&String::from_utf8_lossy(body), "Status");
                tracing::debug!(bucket, ?status, error = %crate::error::error_chain(&e), "versioning status read from the raw answer");
                status
            }
            Err(e) => {
                return Err(classify(
                    e,
                    Operation::GetBucketVersioning,
                    self.endpoint_label(),
                    Some(bucket),
                ))
            }
        };
        Ok(match status.as_deref() {
            Some("Enabled") => Versioning::Enabled,
            Some("Suspended") => Versioning::Suspended,
            _ => Versioning::Off,
        })
    }

    /// Every key under `prefix` as a copy source (size, ETag and storage class from the listing).
    async fn list_copy_sources(&self, bucket: &str, prefix: &str) -> Result<Vec<CopySource>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut cursor = PageCursor::new();
        loop {
            let resp = self.list_page(bucket, prefix, None, 1000, token.take()).await?;
            for o in resp.contents() {
                let Some(key) = o.key() else { continue };
                out.push(CopySource {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                    version_id: None,
                    size: o.size().unwrap_or(0).max(0) as u64,
                    etag: bare_etag(o.e_tag()),
                    storage_class: o.storage_class().map(|c| c.as_str().to_owned()),
                    head: None,
                });
            }
            match self.next_page(&mut cursor, &resp, bucket)? {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(out)
    }

    /// HEADs `bucket/key` (at `version_id`, if given) as a copy source.
    async fn head_source(&self, bucket: &str, key: &str, version_id: Option<&str>) -> Result<CopySource> {
        let head = match self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .set_version_id(version_id.map(str::to_owned))
            .send()
            .await
        {
            Ok(head) => head,
            // S3 answers 405 to a HEAD of a delete marker's version: it has no content to copy.
            Err(e) if version_id.is_some() && e.raw_response().map(|r| r.status().as_u16()) == Some(405) => {
                return Err(Error::InvalidInput(
                    "This version records a deletion, so it has no content to restore. Choose an earlier version."
                        .into(),
                ))
            }
            Err(e) => return Err(classify(e, Operation::HeadObject, self.endpoint_label(), Some(bucket))),
        };
        Ok(CopySource {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            version_id: version_id.map(str::to_owned),
            size: head.content_length().unwrap_or(0).max(0) as u64,
            etag: bare_etag(head.e_tag()),
            storage_class: head.storage_class().map(|c| c.as_str().to_owned()),
            head: Some(head),
        })
    }

    /// Copies `source` to `to_bucket/to_key`: one CopyObject below the threshold, parts above it.
    /// `new_type` replaces the Content-Type (and re-sends the other headers, which S3's REPLACE drops).
    async fn copy_from(
        &self,
        mut source: CopySource,
        to_bucket: &str,
        to_key: &str,
        new_type: Option<&str>,
        options: CopyOptions,
    ) -> Result<Written> {
        if source.size >= options.multipart_threshold.max(1) {
            return self.copy_multipart(source, to_bucket, to_key, new_type, options).await;
        }
        let mut req = self
            .client
            .copy_object()
            .bucket(to_bucket)
            .key(to_key)
            .copy_source(copy_source(&source.bucket, &source.key, source.version_id.as_deref()))
            .set_copy_source_if_match(source_condition(&source))
            // Without it S3 writes the copy as STANDARD, silently changing what the user pays for.
            .set_storage_class(kept_storage_class(&source));
        if let Some(content_type) = new_type {
            let head = match source.head.take() {
                Some(head) => head,
                None => self.head_again(&source).await?,
            };
            req = req
                .metadata_directive(MetadataDirective::Replace)
                .content_type(content_type)
                .set_metadata(head.metadata().cloned())
                .set_cache_control(head.cache_control().map(str::to_owned))
                .set_content_disposition(head.content_disposition().map(str::to_owned))
                .set_content_encoding(head.content_encoding().map(str::to_owned))
                .set_content_language(head.content_language().map(str::to_owned));
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify(e, Operation::CopyObject, self.endpoint_label(), Some(to_bucket)))?;
        Ok(Written {
            bytes: source.size,
            etag: bare_etag(out.copy_object_result().and_then(|r| r.e_tag())),
            version_id: out.version_id().map(str::to_owned),
        })
    }

    /// Multipart copy: the new upload carries the source's headers (UploadPartCopy copies only
    /// bytes), parts are copied in parallel by byte range, and any failure aborts the upload.
    async fn copy_multipart(
        &self,
        mut source: CopySource,
        to_bucket: &str,
        to_key: &str,
        new_type: Option<&str>,
        options: CopyOptions,
    ) -> Result<Written> {
        let head = match source.head.take() {
            Some(head) => head,
            None => self.head_again(&source).await?,
        };
        let part_size = options
            .part_size
            .clamp(MIN_PART, MAX_PART)
            .max(source.size.div_ceil(MAX_PARTS));
        let created = self
            .client
            .create_multipart_upload()
            .bucket(to_bucket)
            .key(to_key)
            .set_content_type(new_type.or(head.content_type()).map(str::to_owned))
            .set_metadata(head.metadata().cloned())
            .set_cache_control(head.cache_control().map(str::to_owned))
            .set_content_disposition(head.content_disposition().map(str::to_owned))
            .set_content_encoding(head.content_encoding().map(str::to_owned))
            .set_content_language(head.content_language().map(str::to_owned))
            .set_storage_class(kept_storage_class(&source))
            .send()
            .await
            .map_err(|e| classify(e, Operation::CopyObject, self.endpoint_label(), Some(to_bucket)))?;
        let Some(upload_id) = created.upload_id().map(str::to_owned) else {
            return Err(self.internal(
                Operation::CopyObject,
                to_bucket,
                "the store started a multipart upload without an upload id".into(),
            ));
        };
        let result = match self
            .copy_parts(
                &source,
                to_bucket,
                to_key,
                &upload_id,
                part_size,
                options.parallel_parts,
            )
            .await
        {
            Ok(parts) => self
                .client
                .complete_multipart_upload()
                .bucket(to_bucket)
                .key(to_key)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                .send()
                .await
                .map_err(|e| classify(e, Operation::CopyObject, self.endpoint_label(), Some(to_bucket))),
            Err(e) => Err(e),
        };
        match result {
            Ok(out) => Ok(Written {
                bytes: source.size,
                etag: bare_etag(out.e_tag()),
                version_id: out.version_id().map(str::to_owned),
            }),
            Err(e) => {
                // Parts of an abandoned upload stay billed and hidden until aborted.
                if let Err(abort) = self.abort_multipart(to_bucket, to_key, &upload_id).await {
                    tracing::warn!(bucket = to_bucket, key = to_key, error = %abort.detail(), "could not abort a multipart copy");
                }
                Err(e)
            }
        }
    }

    /// Copies `source` into the upload's parts, `parallel` at a time; on the first failure the
    /// others are cancelled (the caller aborts the upload).
    async fn copy_parts(
        &self,
        source: &CopySource,
        to_bucket: &str,
        to_key: &str,
        upload_id: &str,
        part_size: u64,
        parallel: usize,
    ) -> Result<Vec<CompletedPart>> {
        let count = source.size.div_ceil(part_size);
        let from = copy_source(&source.bucket, &source.key, source.version_id.as_deref());
        // Every part must come from the same content: a source rewritten mid-copy fails the copy.
        let condition = source_condition(source);
        let mut parts = Vec::with_capacity(count as usize);
        let mut set = JoinSet::new();
        let mut next = 0u64;
        loop {
            while next < count && set.len() < parallel.max(1) {
                let start = next * part_size;
                let end = (start + part_size).min(source.size) - 1;
                let part_number = i32::try_from(next + 1).unwrap_or(i32::MAX);
                let request = self
                    .client
                    .upload_part_copy()
                    .bucket(to_bucket)
                    .key(to_key)
                    .upload_id(upload_id)
                    .part_number(part_number)
                    .copy_source(&from)
                    .copy_source_range(format!("bytes={start}-{end}"))
                    .set_copy_source_if_match(condition.clone());
                let (endpoint, bucket) = (self.endpoint_label().to_owned(), to_bucket.to_owned());
                set.spawn(async move {
                    let out = request
                        .send()
                        .await
                        .map_err(|e| classify(e, Operation::CopyObject, &endpoint, Some(&bucket)))?;
                    Ok::<_, Error>(
                        CompletedPart::builder()
                            .part_number(part_number)
                            .set_e_tag(out.copy_part_result().and_then(|r| r.e_tag()).map(str::to_owned))
                            .build(),
                    )
                });
                next += 1;
            }
            match set.join_next().await {
                None => break,
                Some(Ok(Ok(part))) => parts.push(part),
                Some(Ok(Err(e))) => {
                    set.abort_all();
                    return Err(e);
                }
                Some(Err(join)) => {
                    set.abort_all();
                    return Err(self.internal(
                        Operation::CopyObject,
                        to_bucket,
                        format!("a part copy task failed: {join}"),
                    ));
                }
            }
        }
        parts.sort_by_key(|p| p.part_number());
        Ok(parts)
    }

    /// A HEAD for a source known from a listing, checked against the listed ETag.
    async fn head_again(&self, source: &CopySource) -> Result<HeadObjectOutput> {
        let fresh = self
            .head_source(&source.bucket, &source.key, source.version_id.as_deref())
            .await?;
        if source.version_id.is_none() && !source.etag.is_empty() && fresh.etag != source.etag {
            return Err(Error::Remote {
                code: ErrorCode::PreconditionFailed,
                operation: Operation::CopyObject,
                endpoint: self.endpoint_label().to_owned(),
                bucket: Some(source.bucket.clone()),
                detail: format!("{} changed since it was listed", source.key),
            });
        }
        fresh
            .head
            .ok_or_else(|| self.internal(Operation::HeadObject, &source.bucket, "HEAD without an answer".into()))
    }

    fn internal(&self, operation: Operation, bucket: &str, detail: String) -> Error {
        Error::Remote {
            code: ErrorCode::Internal,
            operation,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail,
        }
    }
}

/// The `x-amz-copy-source-if-match` for a source: its ETag, unless a version id already pins it.
fn source_condition(source: &CopySource) -> Option<String> {
    (source.version_id.is_none() && !source.etag.is_empty()).then(|| format!("\"{}\"", source.etag))
}

/// The source's storage class, to be sent with the copy; STANDARD is the default and not sent.
fn kept_storage_class(source: &CopySource) -> Option<StorageClass> {
    source
        .storage_class
        .as_deref()
        .filter(|c| !c.is_empty() && *c != "STANDARD")
        .map(StorageClass::from)
}

/// The key `key` (under `from_prefix`) gets under `to_prefix`.
fn destination_key(key: &str, from_prefix: &str, to_prefix: &str) -> String {
    format!("{to_prefix}{}", key.strip_prefix(from_prefix).unwrap_or(key))
}

/// A folder path ends in `/`; the bucket root is "" where `allow_root`.
fn check_folder_prefix(prefix: &str, allow_root: bool) -> Result<()> {
    if (allow_root && prefix.is_empty()) || (!prefix.is_empty() && prefix.ends_with('/')) {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "“{prefix}” is not a folder path (folder paths end in /)."
        )))
    }
}

/// Refuses copying or moving a folder onto itself or into one of its own subfolders, which would
/// copy what it is still copying (and, for a move, delete the copies).
fn check_not_into_itself(from_prefix: &str, to_prefix: &str, verb: &str) -> Result<()> {
    if from_prefix == to_prefix {
        return Err(already_there(from_prefix));
    }
    if to_prefix.starts_with(from_prefix) {
        return Err(Error::InvalidInput(format!(
            "A folder cannot be {verb} into itself: “{to_prefix}” is inside “{from_prefix}”. Choose a destination outside it."
        )));
    }
    Ok(())
}

/// Refuses a transfer where a destination key is also one of the sources (moving `a/b/` up to
/// `a/` when `a/b/b/x` exists would overwrite `a/b/x` before it is copied, and a move would then
/// delete it).
fn check_no_overlap(plan: &[(CopySource, String)], from_prefix: &str, to_prefix: &str, verb: &str) -> Result<()> {
    let sources: HashSet<&str> = plan.iter().map(|(s, _)| s.key.as_str()).collect();
    match plan.iter().find(|(_, to)| sources.contains(to.as_str())) {
        None => Ok(()),
        Some((from, to)) => Err(Error::InvalidInput(format!(
            "“{from_prefix}” cannot be {verb} to “{to_prefix}”: “{}” would land on “{to}”, which is itself part of what is {verb}. Rename the inner folder first.",
            from.key
        ))),
    }
}

/// The text of the first `<name>…</name>` in `xml` (no attributes, no nesting: enough for a status).
fn xml_element_text(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(xml[start..end].trim().to_owned())
}

fn already_there(name: &str) -> Error {
    Error::InvalidInput(format!("“{name}” is already there. Choose another name or folder."))
}

/// "2 of 1,000 keys were not deleted: a (AccessDenied: …), b (…) and 1 more".
fn partial_delete_detail(failures: &[(String, String, String)], attempted: usize) -> String {
    let named: Vec<String> = failures
        .iter()
        .take(NAMED_FAILURES)
        .map(|(key, code, message)| format!("{key} ({code}: {message})"))
        .collect();
    let mut detail = format!(
        "{} of {attempted} keys were not deleted: {}",
        failures.len(),
        named.join(", ")
    );
    if failures.len() > NAMED_FAILURES {
        detail.push_str(&format!(" and {} more", failures.len() - NAMED_FAILURES));
    }
    detail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(key: &str) -> CopySource {
        CopySource {
            bucket: "b".into(),
            key: key.into(),
            version_id: None,
            size: 1,
            etag: "e".into(),
            storage_class: None,
            head: None,
        }
    }

    #[test]
    fn destination_keys_keep_the_path_below_the_prefix() {
        assert_eq!(destination_key("a/b/c.txt", "a/", "z/"), "z/b/c.txt");
        assert_eq!(destination_key("a/", "a/", "z/"), "z/", "the folder's own marker");
        assert_eq!(destination_key("a/x", "a/", ""), "x", "into the bucket root");
    }

    #[test]
    fn folders_cannot_go_into_themselves() {
        assert!(check_not_into_itself("a/", "a/b/", "moved").is_err());
        assert!(check_not_into_itself("a/", "a/", "moved").is_err());
        assert!(
            check_not_into_itself("a/", "ab/", "moved").is_ok(),
            "a sibling sharing letters"
        );
        assert!(check_not_into_itself("a/b/", "a/", "moved").is_ok());
        assert!(
            check_not_into_itself("", "x/", "copied").is_err(),
            "the root contains everything"
        );
    }

    #[test]
    fn moving_up_onto_own_keys_is_refused() {
        let plan = |keys: &[&str]| -> Vec<(CopySource, String)> {
            keys.iter()
                .map(|k| (listed(k), destination_key(k, "a/b/", "a/")))
                .collect()
        };
        assert!(check_no_overlap(&plan(&["a/b/x", "a/b/b/x"]), "a/b/", "a/", "moved").is_err());
        assert!(check_no_overlap(&plan(&["a/b/x", "a/b/c/x"]), "a/b/", "a/", "moved").is_ok());
    }

    #[test]
    fn folder_paths_end_in_a_slash() {
        assert!(check_folder_prefix("photos", false).is_err());
        assert!(check_folder_prefix("", false).is_err());
        assert!(check_folder_prefix("", true).is_ok());
        assert!(check_folder_prefix("photos/", false).is_ok());
    }

    #[test]
    fn a_partial_delete_names_the_first_keys_and_counts_the_rest() {
        let failures: Vec<(String, String, String)> = (0..5)
            .map(|i| (format!("k{i}"), "AccessDenied".into(), "Access Denied".into()))
            .collect();
        let detail = partial_delete_detail(&failures, 1000);
        assert!(
            detail.starts_with("5 of 1000 keys were not deleted: k0 (AccessDenied: Access Denied), k1"),
            "{detail}"
        );
        assert!(
            detail.ends_with("k2 (AccessDenied: Access Denied) and 2 more"),
            "{detail}"
        );
    }

    #[test]
    fn a_status_is_read_from_a_differently_rooted_answer() {
        let moto = r#"<?xml version="1.0"?><GetBucketVersioningResponse xmlns="x"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
        assert_eq!(xml_element_text(moto, "Status").as_deref(), Some("Enabled"));
        assert_eq!(
            xml_element_text(r#"<GetBucketVersioningResponse xmlns="x"/>"#, "Status"),
            None
        );
    }

    #[test]
    fn only_non_standard_storage_classes_are_sent() {
        let mut s = listed("k");
        assert_eq!(kept_storage_class(&s), None);
        s.storage_class = Some("STANDARD".into());
        assert_eq!(kept_storage_class(&s), None);
        s.storage_class = Some("STANDARD_IA".into());
        assert_eq!(kept_storage_class(&s), Some(StorageClass::StandardIa));
    }
}
