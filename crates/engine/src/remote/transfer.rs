//! Moving one object between disk and S3, streaming (never a whole file in memory) and
//! integrity-checked: uploads send a CRC32 the server verifies; downloads validate the
//! object's checksum when the store has one, land in a temp file beside the destination, and
//! are renamed into place only when complete.

use std::path::Path;

use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::steady_body::{changed_file, same_stamp, steady, Digest, Promise};
use super::upload_check::{self, SentDigests, StoreReport, Verdict};
use super::{classify, Remote};
use crate::core::model::{etag_is_md5, ContentHash};
use crate::core::stamp::{identity_of, Identity};
pub use crate::core::TEMP_PREFIX;
use crate::error::{Error, Operation, Result};

/// When and how large files are split into parts.
#[derive(Debug, Clone, Copy)]
pub struct UploadOptions {
    /// Files at least this large go up in parts.
    pub multipart_threshold: u64,
    /// Bytes per part (S3's minimum is 5 MiB for all but the last).
    pub part_size: u64,
    /// Parts in flight at once.
    pub parallel_parts: usize,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            multipart_threshold: 16 * MIB,
            part_size: 8 * MIB,
            parallel_parts: 8,
        }
    }
}

/// What must hold for a write to go ahead; a failed condition is
/// [`ErrorCode::PreconditionFailed`](crate::error::ErrorCode::PreconditionFailed), never an overwrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteCondition {
    /// Write whatever is there.
    None,
    /// The object must still have this ETag (`If-Match`).
    IfMatch(String),
    /// The object must not exist (`If-None-Match: *`).
    IfAbsent,
}

/// How an object is written: its condition and user metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutSpec {
    /// What must hold on the server.
    pub condition: WriteCondition,
    /// `x-amz-meta-*` entries (names without the prefix).
    pub metadata: Vec<(String, String)>,
}

impl PutSpec {
    /// The `If-Match` and `If-None-Match` headers of the condition, for every request builder's
    /// `set_if_match` / `set_if_none_match`.
    pub fn condition_headers(&self) -> (Option<String>, Option<String>) {
        match &self.condition {
            WriteCondition::None => (None, None),
            WriteCondition::IfMatch(etag) => (Some(quoted(etag)), None),
            WriteCondition::IfAbsent => (None, Some("*".to_owned())),
        }
    }

    /// The user metadata as the SDK takes it (`None` when there is none).
    pub fn metadata_map(&self) -> Option<std::collections::HashMap<String, String>> {
        (!self.metadata.is_empty()).then(|| self.metadata.iter().cloned().collect())
    }

    /// An unconditional write without metadata.
    pub fn plain() -> Self {
        Self {
            condition: WriteCondition::None,
            metadata: Vec::new(),
        }
    }
}

/// A boxed future, for the journal's callbacks.
pub type JournalFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>>;

/// Durable notes about multipart uploads in flight, so a crash never leaves parts billed and
/// hidden: `started` is awaited before the first part is sent, `ended` after completion or abort.
pub trait UploadJournal: Send + Sync {
    /// A multipart upload of `key` began with `upload_id`.
    fn started<'a>(&'a self, key: &'a str, upload_id: &'a str) -> JournalFuture<'a>;
    /// The upload `upload_id` was completed or aborted.
    fn ended<'a>(&'a self, upload_id: &'a str) -> JournalFuture<'a>;
    /// A part of `upload_id` is safely stored: with it, a restart need not send it again.
    fn part_done<'a>(&'a self, upload_id: &'a str, part: &'a DonePart) -> JournalFuture<'a> {
        let _ = (upload_id, part);
        Box::pin(async { Ok(()) })
    }
}

/// A part the store confirmed, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonePart {
    /// 1-based part number.
    pub number: i32,
    /// The part's ETag as the store returned it.
    pub etag: String,
    /// The part's CRC32 checksum, where the store returned one.
    pub crc32: Option<String>,
}

/// An interrupted multipart upload to continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeFrom {
    /// Its upload id.
    pub upload_id: String,
    /// The parts already stored.
    pub parts: Vec<DonePart>,
}

/// How a multipart upload is followed and steered: a journal that makes it resumable after a
/// crash, a previous attempt to resume, and a token that cancels it (aborting its parts).
#[derive(Clone, Copy, Default)]
pub struct PutControl<'a> {
    /// Where the upload id and finished parts are noted.
    pub journal: Option<&'a dyn UploadJournal>,
    /// An earlier, interrupted attempt at the same file.
    pub resume: Option<&'a ResumeFrom>,
    /// Cancels the upload; its parts are aborted so none stay billed.
    pub cancel: Option<&'a CancellationToken>,
    /// Pauses the upload: it stops with [`Error::Cancelled`] but its parts are kept (not
    /// aborted), so a later attempt can resume from the journal.
    pub pause: Option<&'a CancellationToken>,
    /// Counts the bytes of a single-PUT upload as they are sent (multipart uploads count their
    /// parts through the journal instead).
    pub progress: Option<&'a std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// The version of the file that must be sent (sync's scan of it).
    pub expect: Option<&'a ExpectedFile>,
}

/// The version of a local file an upload must send: anything else fails with
/// [`Error::FileChanged`] before the store can keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedFile {
    /// Its stamp when it was hashed; checked as the upload starts and as each body ends.
    pub stamp: Identity,
    /// Its BLAKE3. A single PUT's bytes are checked against it; a multipart upload's parts are
    /// read in parallel, out of order, so they rely on the stamp (plus each part's own CRC32).
    pub hash: ContentHash,
}

impl std::fmt::Debug for PutControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutControl")
            .field("journal", &self.journal.is_some())
            .field("resume", &self.resume.map(|r| &r.upload_id))
            .field("cancel", &self.cancel.map(|c| c.is_cancelled()))
            .field("pause", &self.pause.map(|c| c.is_cancelled()))
            .field("progress", &self.progress.is_some())
            .field("expect", &self.expect)
            .finish()
    }
}

/// One multipart upload's fixed facts, shared by its part tasks.
struct PartsJob<'a> {
    local: &'a Path,
    stamp: Identity,
    bucket: &'a str,
    key: &'a str,
    upload_id: &'a str,
    size: u64,
    part_size: u64,
    parallel: usize,
}

/// What the server said about a completed write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Bytes sent.
    pub bytes: u64,
    /// The new ETag without quotes (empty if the store sent none).
    pub etag: String,
    /// The new version id, where the bucket keeps versions.
    pub version_id: Option<String>,
}

/// An ETag as S3 sends it, quotes stripped, so ETags from listings, HEADs and writes compare equal.
pub fn bare_etag(etag: Option<&str>) -> String {
    etag.unwrap_or("").trim_matches('"').to_owned()
}

pub(super) fn quoted(etag: &str) -> String {
    format!("\"{etag}\"")
}

pub(super) const MIB: u64 = 1024 * 1024;

/// The SDK reads a file body in blocks of 4 KiB unless told otherwise, one trip to the blocking
/// pool each: a quarter of a million per GiB uploaded. Large files are read 256 KiB at a time; a
/// small file in one block of its own size (a large buffer per small file would cost more than
/// it saves).
fn read_block(len: u64) -> usize {
    const LARGEST: u64 = 256 * 1024;
    const SMALLEST: u64 = 4096;
    len.clamp(SMALLEST, LARGEST) as usize
}

/// S3 allows at most 10,000 parts; the part size grows for files that would need more.
const MAX_PARTS: u64 = 10_000;

/// The part size a multipart upload of `size` bytes uses under `options`.
pub fn part_size_for(options: UploadOptions, size: u64) -> u64 {
    options.part_size.max(5 * MIB).max(size.div_ceil(MAX_PARTS))
}

impl Remote {
    /// Uploads `local` to `bucket/key`: one checksummed PUT, or parts in parallel above the
    /// threshold (each read straight from disk). Returns the bytes sent.
    pub async fn upload_file(&self, local: &Path, bucket: &str, key: &str) -> Result<u64> {
        self.upload_file_with(local, bucket, key, UploadOptions::default())
            .await
    }

    /// [`Remote::upload_file`] with explicit part settings.
    pub async fn upload_file_with(&self, local: &Path, bucket: &str, key: &str, options: UploadOptions) -> Result<u64> {
        Ok(self
            .put_file(local, bucket, key, &PutSpec::plain(), options, PutControl::default())
            .await?
            .bytes)
    }

    /// Uploads `local` to `bucket/key` under `spec`'s condition and metadata, in parts above the
    /// threshold; returns the new ETag.
    pub async fn put_file(
        &self,
        local: &Path,
        bucket: &str,
        key: &str,
        spec: &PutSpec,
        options: UploadOptions,
        control: PutControl<'_>,
    ) -> Result<Written> {
        let stamp = identity_of(&tokio::fs::metadata(local).await.map_err(|source| Error::Io {
            context: format!("read {}", local.display()),
            source,
        })?);
        if control.expect.is_some_and(|e| !same_stamp(&e.stamp, &stamp)) {
            return Err(Error::FileChanged {
                path: local.to_path_buf(),
            });
        }
        if stamp.size >= options.multipart_threshold.max(1) {
            return self
                .upload_multipart(local, stamp, bucket, key, spec, options, control)
                .await;
        }
        let promise = Promise {
            stamp,
            digest: control.expect.map(|e| Digest::Blake3(e.hash)),
        };
        self.upload_single(local, promise, bucket, key, spec, control.progress)
            .await
    }

    /// One PUT of `local`, which must keep `promise` until its last byte is read, checked
    /// against what the store reports (see [`super::upload_check`]). A store found to keep
    /// other bytes than a streamed body carried gets the file again as a plain body with
    /// `Content-MD5` (conditional on the bad version, so a racing writer is not clobbered), and
    /// plain bodies from then on.
    async fn upload_single(
        &self,
        local: &Path,
        promise: Promise,
        bucket: &str,
        key: &str,
        spec: &PutSpec,
        progress: Option<&std::sync::Arc<std::sync::atomic::AtomicU64>>,
    ) -> Result<Written> {
        use std::sync::atomic::Ordering;
        if self.plain_bodies.load(Ordering::Relaxed) {
            return self.put_plain_verified(local, promise, bucket, key, spec).await;
        }
        let len = promise.stamp.size;
        let sent = read_blocking(local.to_path_buf(), move |file| {
            SentDigests::of_reader(std::io::Read::take(file, len))
        })
        .await?;
        let body = file_range_body(local, 0, len, promise.stamp).await?;
        let body = steady(body, local, len, promise);
        let body = match progress {
            Some(p) => super::bandwidth::counted(body, p.clone()),
            None => body,
        };
        let (written, echo, encrypted) = self
            .put_body_reported(bucket, key, body, len, Some(ChecksumAlgorithm::Crc32), spec)
            .await?;
        // A changed file fails the steady body before the store keeps anything; past that point
        // the bytes sent are the ones `sent` describes unless the stamp moved meanwhile.
        let report = StoreReport {
            etag: &written.etag,
            crc32: echo.as_deref(),
            encrypted_etag: encrypted,
        };
        match upload_check::judge(&sent, &report) {
            Verdict::Verified => Ok(written),
            Verdict::Unknown => {
                self.check_size(bucket, key, &written, sent.len).await?;
                Ok(written)
            }
            Verdict::Mismatch(why) => {
                tracing::warn!(
                    endpoint = self.endpoint_label(),
                    key,
                    "the store kept other bytes than a streamed upload sent ({why}); sending plain bodies from now on"
                );
                self.plain_bodies.store(true, Ordering::Relaxed);
                let repair = PutSpec {
                    condition: WriteCondition::IfMatch(written.etag.clone()),
                    metadata: spec.metadata.clone(),
                };
                self.put_plain_verified(local, promise, bucket, key, &repair).await
            }
        }
    }

    /// One PUT of the whole file held in memory, with `Content-MD5` and no streaming checksum
    /// (so no aws-chunked framing), then checked like any upload. Single-part uploads are at
    /// most the multipart threshold, so holding one in memory is bounded.
    async fn put_plain_verified(
        &self,
        local: &Path,
        promise: Promise,
        bucket: &str,
        key: &str,
        spec: &PutSpec,
    ) -> Result<Written> {
        let len = promise.stamp.size;
        let path = local.to_path_buf();
        let bytes = read_blocking(path.clone(), move |file| {
            use std::io::Read;
            let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            file.take(len.saturating_add(1)).read_to_end(&mut bytes)?;
            Ok(bytes)
        })
        .await?;
        let now = identity_of(&tokio::fs::metadata(local).await.map_err(|source| Error::Io {
            context: format!("read {}", local.display()),
            source,
        })?);
        let same_content = match promise.digest {
            Some(Digest::Blake3(hash)) => blake3::hash(&bytes).as_bytes() == &hash.0,
            Some(Digest::Crc32(crc)) => crc32fast::hash(&bytes) == crc,
            None => true,
        };
        if bytes.len() as u64 != len || !same_stamp(&promise.stamp, &now) || !same_content {
            return Err(Error::FileChanged { path });
        }
        let sent = SentDigests::of(&bytes);
        let (if_match, if_none_match) = spec.condition_headers();
        let out = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_md5(sent.content_md5())
            .content_length(i64::try_from(len).unwrap_or(i64::MAX))
            .set_if_match(if_match)
            .set_if_none_match(if_none_match)
            .set_metadata(spec.metadata_map())
            .body(ByteStream::from(bytes))
            .customize()
            .config_override(
                aws_sdk_s3::config::Builder::default()
                    .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired),
            )
            .send()
            .await
            .map_err(|e| upload_error(e, self.endpoint_label(), bucket))?;
        let written = Written {
            bytes: len,
            etag: bare_etag(out.e_tag()),
            version_id: out.version_id().map(str::to_owned),
        };
        let report = StoreReport {
            etag: &written.etag,
            crc32: out.checksum_crc32(),
            encrypted_etag: is_encrypted_etag(out.server_side_encryption(), out.sse_customer_algorithm()),
        };
        match upload_check::judge(&sent, &report) {
            Verdict::Verified => Ok(written),
            Verdict::Unknown => {
                self.check_size(bucket, key, &written, len).await?;
                Ok(written)
            }
            Verdict::Mismatch(why) => {
                self.disown_corrupted(bucket, key, &written.etag).await;
                Err(Error::StoreCorrupted {
                    endpoint: self.endpoint_label().to_owned(),
                    key: key.to_owned(),
                    detail: why,
                })
            }
        }
    }

    /// After a store kept other bytes than were sent: takes Pail's content hash off the object
    /// (a copy onto itself with its metadata replaced, only while it is still the write that
    /// went wrong), so no later pass reads that hash as proof the object holds the sent bytes
    /// and records the file as synced. Best effort: a store this broken may refuse the copy too,
    /// and then other computers still refuse the object when its bytes fail the hash on download.
    async fn disown_corrupted(&self, bucket: &str, key: &str, etag: &str) {
        let copied = self
            .client
            .copy_object()
            .bucket(bucket)
            .key(key)
            .copy_source(super::key_encoding::copy_source(bucket, key, None))
            .copy_source_if_match(format!("\"{etag}\""))
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .send()
            .await;
        match copied {
            Ok(_) => tracing::warn!(
                key = %crate::untrusted_text::escape_untrusted(key),
                "the store kept other bytes than were sent; Pail's hash was taken off the object"
            ),
            Err(e) => tracing::warn!(
                key = %crate::untrusted_text::escape_untrusted(key),
                detail = %classify(e, Operation::CopyObject, self.endpoint_label(), Some(bucket)).detail(),
                "the store kept other bytes than were sent, and Pail's hash could not be taken off the object"
            ),
        }
    }

    /// The last resort when nothing a write returned can vouch for its bytes: the stored size.
    async fn check_size(&self, bucket: &str, key: &str, written: &Written, len: u64) -> Result<()> {
        match self.head_identity(bucket, key).await? {
            Some(now) if now.etag == written.etag && now.size != len => {
                self.disown_corrupted(bucket, key, &written.etag).await;
                Err(Error::StoreCorrupted {
                    endpoint: self.endpoint_label().to_owned(),
                    key: key.to_owned(),
                    detail: format!("the store keeps {} bytes where Pail sent {len}", now.size),
                })
            }
            // Rewritten since (another writer): nothing to say about ours.
            _ => Ok(()),
        }
    }

    /// Writes a small object held in memory (Pail's own bookkeeping objects) under `spec`.
    pub async fn put_small(&self, bucket: &str, key: &str, bytes: Vec<u8>, spec: &PutSpec) -> Result<Written> {
        let len = bytes.len() as u64;
        self.put_body(bucket, key, ByteStream::from(bytes), len, None, spec)
            .await
    }

    /// Writes a zero-byte object (a folder marker) under `spec`.
    pub async fn put_empty(&self, bucket: &str, key: &str, spec: &PutSpec) -> Result<Written> {
        self.put_body(bucket, key, ByteStream::from_static(b""), 0, None, spec)
            .await
    }

    async fn put_body(
        &self,
        bucket: &str,
        key: &str,
        body: ByteStream,
        len: u64,
        checksum: Option<ChecksumAlgorithm>,
        spec: &PutSpec,
    ) -> Result<Written> {
        Ok(self.put_body_reported(bucket, key, body, len, checksum, spec).await?.0)
    }

    /// A PUT, with what the store said about the bytes: its CRC32 echo and whether its ETag is
    /// an encryption's rather than an MD5.
    async fn put_body_reported(
        &self,
        bucket: &str,
        key: &str,
        body: ByteStream,
        len: u64,
        checksum: Option<ChecksumAlgorithm>,
        spec: &PutSpec,
    ) -> Result<(Written, Option<String>, bool)> {
        let (if_match, if_none_match) = spec.condition_headers();
        let out = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .set_checksum_algorithm(checksum)
            .set_if_match(if_match)
            .set_if_none_match(if_none_match)
            .set_metadata(spec.metadata_map())
            .body(body)
            .send()
            .await
            .map_err(|e| upload_error(e, self.endpoint_label(), bucket))?;
        Ok((
            Written {
                bytes: len,
                etag: bare_etag(out.e_tag()),
                version_id: out.version_id().map(str::to_owned),
            },
            out.checksum_crc32().map(str::to_owned),
            is_encrypted_etag(out.server_side_encryption(), out.sse_customer_algorithm()),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    async fn upload_multipart(
        &self,
        local: &Path,
        stamp: Identity,
        bucket: &str,
        key: &str,
        spec: &PutSpec,
        options: UploadOptions,
        control: PutControl<'_>,
    ) -> Result<Written> {
        let size = stamp.size;
        let part_size = part_size_for(options, size);
        // The journal's parts are reused when they fit this file's layout; if the store has
        // forgotten the upload meanwhile, completing fails, the upload is aborted, and the next
        // attempt starts afresh. (ListParts is not used: not every store implements it well.)
        let count = size.div_ceil(part_size);
        let resumed = control.resume.map(|r| {
            let parts: Vec<CompletedPart> = r
                .parts
                .iter()
                .filter(|p| p.number >= 1 && (p.number as u64) <= count)
                .map(|p| {
                    CompletedPart::builder()
                        .part_number(p.number)
                        .e_tag(&p.etag)
                        .set_checksum_crc32(p.crc32.clone())
                        .build()
                })
                .collect();
            (r.upload_id.clone(), parts)
        });
        let (upload_id, done) = match resumed {
            Some(found) => found,
            None => {
                let upload_id = self.create_upload(bucket, key, spec).await?;
                if let Some(journal) = control.journal {
                    if let Err(e) = journal.started(key, &upload_id).await {
                        self.abort_upload(bucket, key, &upload_id).await;
                        return Err(e);
                    }
                }
                (upload_id, Vec::new())
            }
        };
        let result = self
            .finish_multipart(
                local, stamp, bucket, key, &upload_id, part_size, spec, options, control, done,
            )
            .await;
        if control.pause.is_some_and(CancellationToken::is_cancelled) && result.is_err() {
            // A paused upload keeps its id and parts for the resume.
            return result;
        }
        if let Some(journal) = control.journal {
            // Failing to clear the note only means a harmless abort of a finished upload later.
            if let Err(e) = journal.ended(&upload_id).await {
                tracing::warn!(error = %e.detail(), "could not clear a finished upload from the journal");
            }
        }
        // Parts carry their own checksums, but a store that keeps a part's aws-chunked framing
        // as data ends up with a larger object: one HEAD finds that out.
        if let Ok(written) = &result {
            self.check_size(bucket, key, written, stamp.size).await?;
        }
        result
    }

    async fn create_upload(&self, bucket: &str, key: &str, spec: &PutSpec) -> Result<String> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .set_metadata(spec.metadata_map())
            .send()
            .await
            .map_err(|e| classify(e, Operation::PutObject, self.endpoint_label(), Some(bucket)))?;
        created
            .upload_id()
            .map(str::to_owned)
            .ok_or_else(|| self.protocol_error(bucket, "the store started a multipart upload without an upload id"))
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_multipart(
        &self,
        local: &Path,
        stamp: Identity,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_size: u64,
        spec: &PutSpec,
        options: UploadOptions,
        control: PutControl<'_>,
        done: Vec<CompletedPart>,
    ) -> Result<Written> {
        let upload_id = upload_id.to_owned();
        let size = stamp.size;
        let job = PartsJob {
            local,
            stamp,
            bucket,
            key,
            upload_id: &upload_id,
            size,
            part_size,
            parallel: options.parallel_parts,
        };
        match self.upload_parts(&job, done, control).await {
            Ok(parts) => {
                let completed = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
                // The condition is checked when the object appears, i.e. on completion.
                let (if_match, if_none_match) = spec.condition_headers();
                let complete = self
                    .client
                    .complete_multipart_upload()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .multipart_upload(completed)
                    .set_if_match(if_match)
                    .set_if_none_match(if_none_match);
                match complete
                    .send()
                    .await
                    .map_err(|e| classify(e, Operation::PutObject, self.endpoint_label(), Some(bucket)))
                {
                    Ok(out) => Ok(Written {
                        bytes: size,
                        etag: bare_etag(out.e_tag()),
                        version_id: out.version_id().map(str::to_owned),
                    }),
                    Err(e) => {
                        self.abort_upload(bucket, key, &upload_id).await;
                        Err(e)
                    }
                }
            }
            Err(e) if control.pause.is_some_and(CancellationToken::is_cancelled) => Err(e),
            Err(e) => {
                // Parts of an abandoned upload stay billed and hidden until aborted.
                self.abort_upload(bucket, key, &upload_id).await;
                Err(e)
            }
        }
    }

    /// Sends the parts not in `done`, in parallel, each read straight from disk; stops early and
    /// fails with [`Error::Cancelled`] when the control's token is cancelled.
    async fn upload_parts(
        &self,
        job: &PartsJob<'_>,
        done: Vec<CompletedPart>,
        control: PutControl<'_>,
    ) -> Result<Vec<CompletedPart>> {
        let count = job.size.div_ceil(job.part_size);
        let skip: std::collections::HashSet<i32> = done.iter().filter_map(|p| p.part_number()).collect();
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(job.parallel.max(1)));
        let mut set = JoinSet::new();
        for index in 0..count {
            let part_number = i32::try_from(index + 1).unwrap_or(i32::MAX);
            if skip.contains(&part_number) {
                continue;
            }
            let offset = index * job.part_size;
            let part = PartUpload {
                client: self.client.clone(),
                bucket: job.bucket.to_owned(),
                key: job.key.to_owned(),
                upload_id: job.upload_id.to_owned(),
                path: job.local.to_path_buf(),
                endpoint: self.endpoint_label().to_owned(),
                own_checksum: self.loopback_http,
                stamp: job.stamp,
                part_number,
                offset,
                len: job.part_size.min(job.size - offset),
            };
            let permits = permits.clone();
            set.spawn(async move {
                let Ok(_permit) = permits.acquire_owned().await else {
                    return Err(Error::Cancelled);
                };
                part.send().await
            });
        }
        let mut parts = done;
        let never = CancellationToken::new();
        let cancel = control.cancel.unwrap_or(&never);
        let pause = control.pause.unwrap_or(&never);
        loop {
            let next = tokio::select! {
                next = set.join_next() => next,
                _ = cancel.cancelled() => {
                    permits.close();
                    set.abort_all();
                    return Err(Error::Cancelled);
                }
                _ = pause.cancelled() => {
                    permits.close();
                    set.abort_all();
                    return Err(Error::Cancelled);
                }
            };
            let Some(done) = next else { break };
            match done {
                Ok(Ok(part)) => {
                    if let Some(journal) = control.journal {
                        note_part(journal, job.upload_id, &part).await;
                    }
                    parts.push(part);
                }
                Ok(Err(e)) => {
                    permits.close();
                    set.abort_all();
                    return Err(e);
                }
                Err(join) => {
                    set.abort_all();
                    return Err(self.protocol_error(job.bucket, &format!("a part upload task failed: {join}")));
                }
            }
        }
        parts.sort_by_key(|p| p.part_number());
        Ok(parts)
    }

    /// Aborts a multipart upload (one a crashed run left behind); an unknown id is not an error.
    pub async fn abort_multipart(&self, bucket: &str, key: &str, upload_id: &str) -> Result<()> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let gone = aws_sdk_s3::error::ProvideErrorMetadata::code(&e) == Some("NoSuchUpload");
                let err = classify(e, Operation::PutObject, self.endpoint_label(), Some(bucket));
                if gone || err.code() == crate::error::ErrorCode::NoSuchKey {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) {
        if let Err(e) = self
            .client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
        {
            tracing::warn!(bucket, key, error = %crate::error::error_chain(&e), "could not abort a multipart upload");
        }
    }

    fn protocol_error(&self, bucket: &str, detail: &str) -> Error {
        Error::Remote {
            code: crate::error::ErrorCode::Server,
            operation: Operation::PutObject,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail: detail.to_owned(),
        }
    }

    /// Downloads `bucket/key` into a new temp file in `dir` (which must exist), hashing it on the
    /// way and flushing it to disk; with `if_match`, only if the object still has that ETag. The
    /// caller renames the temp file into place or removes it; on error nothing is left behind.
    pub async fn download_to_temp(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
        dir: &Path,
    ) -> Result<DownloadedTemp> {
        let fetched = self.fetch_verified(bucket, key, if_match, None, dir).await?;
        let (path, bytes) = fetched.pending.sync().await?;
        Ok(DownloadedTemp {
            path,
            bytes,
            hash: fetched.hash,
            etag: fetched.etag,
            version_id: fetched.version_id,
        })
    }

    /// One checksum-validated GET into a new temp file, verified against the length, Pail's hash
    /// and (when nothing stronger covers the bytes) the MD5 = ETag of the object; not flushed.
    pub(super) async fn fetch_verified(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
        version_id: Option<&str>,
        dir: &Path,
    ) -> Result<Fetched> {
        use md5::Digest;
        let resp = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .set_if_match(if_match.map(quoted))
            .set_version_id(version_id.map(str::to_owned))
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .map_err(|e| classify(e, Operation::GetObject, self.endpoint_label(), Some(bucket)))?;
        let temp = dir.join(temp_name());
        let etag = bare_etag(resp.e_tag());
        let version_id = resp.version_id().map(str::to_owned);
        let metadata_hash = resp
            .metadata()
            .and_then(|m| m.get(HASH_METADATA_KEY))
            .and_then(|h| parse_hash(h));
        let expected = resp.content_length.filter(|n| *n >= 0).map(|n| n as u64);
        let md5_check = needs_md5_check(&resp, metadata_hash.is_some(), &etag);
        let check = Expected {
            key,
            length: expected,
            hash: metadata_hash,
            etag: md5_check.then_some(etag.as_str()),
        };
        let (file, written, hash) = if expected.is_some_and(|n| n <= IN_MEMORY_BODY) {
            // A small body is read whole (the SDK validates its checksum as the last byte comes
            // in), checked, and written by one blocking call: no file appears for bad data, and
            // there is one thread hop per file instead of one per step.
            let data = resp.body.collect().await.map_err(receive_error)?.into_bytes();
            let hash = ContentHash(*blake3::hash(&data).as_bytes());
            let md5 = md5_check.then(|| hex::encode(md5::Md5::digest(&data)));
            if let Some(detail) = check.mismatch(data.len() as u64, &hash, md5.as_deref()) {
                return Err(self.get_error(bucket, detail));
            }
            let written = data.len() as u64;
            let file = write_new_file(temp.clone(), data).await?;
            (file, written, hash)
        } else {
            let (file, written, hash, md5) = write_body(resp.body, &temp, md5_check).await?;
            if let Some(detail) = check.mismatch(written, &hash, md5.as_deref()) {
                drop(file);
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(self.get_error(bucket, detail));
            }
            (file, written, hash)
        };
        Ok(Fetched {
            pending: PendingFile {
                path: temp,
                bytes: written,
                file,
            },
            hash,
            etag,
            version_id,
        })
    }

    pub(super) fn get_error(&self, bucket: &str, detail: String) -> Error {
        Error::Remote {
            code: crate::error::ErrorCode::Server,
            operation: Operation::GetObject,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail,
        }
    }
}

/// Why downloaded bytes are refused when they differ from the hash recorded with the object.
pub(super) fn hash_mismatch(key: &str) -> String {
    format!("the content of {key} does not match the hash recorded with it")
}

/// Bodies up to this size are read into memory before they are written (at most one per file in
/// flight, so memory stays bounded by the parallelism).
const IN_MEMORY_BODY: u64 = 512 * 1024;

/// What a GET must deliver.
struct Expected<'a> {
    key: &'a str,
    /// Content-Length.
    length: Option<u64>,
    /// The hash Pail recorded at upload.
    hash: Option<ContentHash>,
    /// The ETag to compare the MD5 with, when it must be checked.
    etag: Option<&'a str>,
}

impl Expected<'_> {
    /// Why the bytes received are not the object's, if they are not.
    fn mismatch(&self, written: u64, hash: &ContentHash, md5: Option<&str>) -> Option<String> {
        let key = self.key;
        match (self.length, self.hash) {
            (Some(n), _) if n != written => Some(format!("download of {key} ended after {written} of {n} bytes")),
            // The hash Pail recorded at upload is a second, end-to-end check of the bytes.
            (_, Some(h)) if h != *hash => Some(hash_mismatch(key)),
            _ if self
                .etag
                .zip(md5)
                .is_some_and(|(etag, m)| !m.eq_ignore_ascii_case(etag)) =>
            {
                Some(format!(
                    "the content of {key} does not match its ETag (the MD5 of a single-part object)"
                ))
            }
            _ => None,
        }
    }
}

/// Whether an object's ETag comes from per-object encryption (SSE-KMS, SSE-C) rather than
/// being the MD5 of its bytes.
fn is_encrypted_etag(sse: Option<&aws_sdk_s3::types::ServerSideEncryption>, customer_algorithm: Option<&str>) -> bool {
    use aws_sdk_s3::types::ServerSideEncryption as Sse;
    customer_algorithm.is_some() || matches!(sse, Some(Sse::AwsKms | Sse::AwsKmsDsse))
}

/// A verified GET waiting in its temp file, with what it said about the object.
pub(super) struct Fetched {
    pub(super) pending: PendingFile,
    hash: ContentHash,
    etag: String,
    version_id: Option<String>,
}

pub(super) fn temp_name() -> String {
    format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4().simple())
}

pub(super) fn receive_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Io {
        context: "receive the file".into(),
        source: std::io::Error::other(e),
    }
}

/// Creates `path` (which must not exist) holding `data`, off the async executor.
async fn write_new_file(path: std::path::PathBuf, data: bytes::Bytes) -> Result<std::fs::File> {
    create_new_then(path, "write", move |file| {
        use std::io::Write;
        file.write_all(&data)
    })
    .await
}

/// Creates `path` (which must not exist) and applies `first` to it, off the async executor; if
/// `first` fails the file is removed again, so no half-made temp file stays behind.
pub(super) async fn create_new_then<F>(path: std::path::PathBuf, verb: &str, first: F) -> Result<std::fs::File>
where
    F: FnOnce(&mut std::fs::File) -> std::io::Result<()> + Send + 'static,
{
    let context = format!("{verb} {}", path.display());
    tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
        if let Err(e) = first(&mut file) {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        Ok(file)
    })
    .await
    .map_err(|e| std::io::Error::other(e.to_string()))
    .and_then(|r| r)
    .map_err(|source| Error::Io { context, source })
}

/// Whether a downloaded file waits for the disk before it takes its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Its bytes are flushed to disk first: what sync and the app's queue need, since they
    /// record a file as done and a crash must not take it back.
    #[default]
    Flushed,
    /// The system writes it back in its own time, as cp, rsync, rclone and s5cmd leave it: a
    /// one-off copy records nothing a crash could contradict. It still appears under its name
    /// only complete and verified.
    Deferred,
}

/// A downloaded and verified file waiting in a temp file (named with [`TEMP_PREFIX`]) beside its
/// destination, not yet flushed to disk. [`PendingFile::land`] or a
/// [`Lander`](crate::transfers::Lander) makes it durable and gives it its name; dropping it leaves
/// the temp file (a crash does the same), [`PendingFile::discard`] removes it.
#[derive(Debug)]
pub struct PendingFile {
    /// The temp file.
    pub path: std::path::PathBuf,
    /// Its length.
    pub bytes: u64,
    pub(super) file: std::fs::File,
}

impl PendingFile {
    /// A pending file made by a test.
    #[cfg(test)]
    pub(crate) fn for_test(path: std::path::PathBuf, file: std::fs::File, bytes: u64) -> Self {
        Self { path, bytes, file }
    }

    /// Flushes the file to disk, then renames it to `dest` (replacing a file there); returns its
    /// length. On failure the temp file is removed.
    pub async fn land(self, dest: std::path::PathBuf) -> Result<u64> {
        let mut done = tokio::task::spawn_blocking(move || land_batch(vec![(self, dest)]))
            .await
            .map_err(|e| Error::Io {
                context: "move a download into place".into(),
                source: std::io::Error::other(e.to_string()),
            })?;
        done.pop().unwrap_or_else(|| {
            Err(Error::Io {
                context: "move a download into place".into(),
                source: std::io::Error::other("nothing was landed"),
            })
        })
    }

    /// Flushes the file to disk and closes it, keeping its temp name; on failure it is removed.
    pub(super) async fn sync(self) -> Result<(std::path::PathBuf, u64)> {
        let PendingFile { path, bytes, file } = self;
        let shown = path.display().to_string();
        let synced = tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r);
        if let Err(source) = synced {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(Error::Io {
                context: format!("flush {shown}"),
                source,
            });
        }
        Ok((path, bytes))
    }

    /// Removes the temp file.
    pub async fn discard(self) {
        let PendingFile { path, file, .. } = self;
        drop(file);
        let _ = tokio::fs::remove_file(&path).await;
    }
}

/// Flushes every pending file to disk, then renames each to its destination (replacing a file
/// there); blocking. The flushes run one after another; a failed file is removed and reported
/// in its place, and the others still land.
pub fn land_batch(batch: Vec<(PendingFile, std::path::PathBuf)>) -> Vec<Result<u64>> {
    // Flushed one after another here; callers that land many files run several batches at once
    // (see transfers::landing), on threads they already have.
    let flushed: Vec<std::io::Result<()>> = batch.iter().map(|(p, _)| p.file.sync_data()).collect();
    rename_flushed(batch, flushed)
}

/// Like [`land_batch`] for many files at once: where the system can flush a whole file system in
/// one call (Linux `syncfs`), one call per file system the files live on replaces a flush per
/// file, which for thousands of small files costs far less than it saves. Elsewhere, or when such
/// a flush fails, each file is flushed on its own so a failure names its file.
pub fn land_batch_together(batch: Vec<(PendingFile, std::path::PathBuf)>) -> Vec<Result<u64>> {
    if flush_file_systems(batch.iter().map(|(p, _)| &p.file)) {
        land_batch_deferred(batch)
    } else {
        land_batch(batch)
    }
}

/// Renames every pending file to its destination without waiting for the disk
/// ([`Durability::Deferred`]); a file that cannot be renamed is removed and reported.
pub fn land_batch_deferred(batch: Vec<(PendingFile, std::path::PathBuf)>) -> Vec<Result<u64>> {
    let flushed = batch.iter().map(|_| Ok(())).collect();
    rename_flushed(batch, flushed)
}

/// Flushes each distinct file system holding one of `files`; false when that is not possible
/// here or failed (then nothing is known to be durable).
#[cfg(target_os = "linux")]
fn flush_file_systems<'a>(files: impl Iterator<Item = &'a std::fs::File>) -> bool {
    use std::os::unix::fs::MetadataExt;
    let mut seen = Vec::new();
    for file in files {
        let Ok(meta) = file.metadata() else { return false };
        if seen.contains(&meta.dev()) {
            continue;
        }
        seen.push(meta.dev());
        // Since Linux 5.8 syncfs reports write-back errors of the file system, so a success
        // means these files' data reached the disk.
        if let Err(e) = rustix::fs::syncfs(file) {
            tracing::debug!(error = %e, "syncfs failed; flushing file by file");
            return false;
        }
    }
    true
}

#[cfg(not(target_os = "linux"))]
fn flush_file_systems<'a>(_files: impl Iterator<Item = &'a std::fs::File>) -> bool {
    false
}

/// Renames each flushed file to its destination; a file whose flush failed is removed instead.
fn rename_flushed(
    batch: Vec<(PendingFile, std::path::PathBuf)>,
    flushed: Vec<std::io::Result<()>>,
) -> Vec<Result<u64>> {
    batch
        .into_iter()
        .zip(flushed)
        .map(|((pending, dest), flushed)| {
            let PendingFile { path, bytes, file } = pending;
            // Closed before the rename: some systems refuse to rename an open file.
            drop(file);
            let landed = flushed
                .map_err(|source| Error::Io {
                    context: format!("flush {}", path.display()),
                    source,
                })
                .and_then(|()| {
                    std::fs::rename(&path, &dest).map_err(|source| Error::Io {
                        context: format!("move the downloaded file into place at {}", dest.display()),
                        source,
                    })
                });
            if landed.is_err() {
                let _ = std::fs::remove_file(&path);
            }
            landed.map(|()| bytes)
        })
        .collect()
}

/// One part of a multipart upload, owned so that it can be sent on a task of its own.
struct PartUpload {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    upload_id: String,
    path: std::path::PathBuf,
    endpoint: String,
    /// Pail sends its own CRC32 rather than the SDK's signed chunks (see `Remote::loopback_http`).
    own_checksum: bool,
    stamp: Identity,
    part_number: i32,
    offset: u64,
    len: u64,
}

impl PartUpload {
    /// Reads the part straight from disk and sends it with a CRC32 the store checks.
    async fn send(self) -> Result<CompletedPart> {
        let PartUpload {
            client,
            bucket,
            key,
            upload_id,
            path,
            endpoint,
            own_checksum,
            stamp,
            part_number,
            offset,
            len,
        } = self;
        // The part is read twice (for the checksum, then to send it); the second read
        // comes from the page cache and costs far less than signing every chunk.
        let crc32 = match own_checksum {
            true => match crc32_of_range(path.clone(), offset, len).await {
                Ok(crc32) => Some(crc32),
                Err(e) => return Err(unless_changed(&path, stamp, e).await),
            },
            false => None,
        };
        let body = file_range_body(&path, offset, len, stamp).await?;
        let promise = Promise {
            stamp,
            digest: crc32.map(Digest::Crc32),
        };
        let body = steady(body, &path, len, promise);
        let crc32 = crc32.map(|c| aws_smithy_types::base64::encode(c.to_be_bytes()));
        let request = client
            .upload_part()
            .bucket(&bucket)
            .key(&key)
            .upload_id(&upload_id)
            .part_number(part_number);
        // A checksum given up front also keeps the body out of aws-chunked encoding.
        let request = match &crc32 {
            Some(value) => request.checksum_crc32(value),
            None => request.checksum_algorithm(ChecksumAlgorithm::Crc32),
        };
        let out = request
            .body(body)
            .send()
            .await
            .map_err(|e| upload_error(e, &endpoint, &bucket))?;
        Ok(CompletedPart::builder()
            .part_number(part_number)
            .set_e_tag(out.e_tag().map(str::to_owned))
            .set_checksum_crc32(out.checksum_crc32().map(str::to_owned).or(crc32))
            .build())
    }
}

/// Notes a part the store confirmed, so a resumed upload need not send it again; a note that
/// cannot be written only costs that resend.
async fn note_part(journal: &dyn UploadJournal, upload_id: &str, part: &CompletedPart) {
    let Some(number) = part.part_number() else {
        return;
    };
    let done = DonePart {
        number,
        etag: part.e_tag().unwrap_or_default().to_owned(),
        crc32: part.checksum_crc32().map(str::to_owned),
    };
    if let Err(e) = journal.part_done(upload_id, &done).await {
        tracing::warn!(error = %e.detail(), "could not journal a finished part");
    }
}

/// A rebuildable body of `len` bytes of `path` from `offset`, read straight from disk. A file
/// that shrank since `stamp` is sent short (and refused by the steady body); one that is gone is
/// [`Error::FileChanged`].
async fn file_range_body(path: &Path, offset: u64, len: u64, stamp: Identity) -> Result<ByteStream> {
    let built = ByteStream::read_from()
        .path(path)
        .offset(offset)
        .length(Length::UpTo(len))
        .buffer_size(read_block(len))
        .build()
        .await;
    match built {
        Ok(body) => Ok(body),
        Err(e) => {
            let e = Error::Io {
                context: format!("read {}", path.display()),
                source: std::io::Error::other(e),
            };
            Err(unless_changed(path, stamp, e).await)
        }
    }
}

/// `err`, or [`Error::FileChanged`] when the file no longer has `stamp` (a read that failed
/// because the file shrank is not a disk problem).
async fn unless_changed(path: &Path, stamp: Identity, err: Error) -> Error {
    match tokio::fs::metadata(path).await {
        Ok(m) if same_stamp(&stamp, &identity_of(&m)) => err,
        _ => Error::FileChanged {
            path: path.to_path_buf(),
        },
    }
}

/// Classifies a failed upload request; one stopped because its file changed is
/// [`Error::FileChanged`], whatever the transport made of it.
fn upload_error<E>(
    err: aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
    endpoint: &str,
    bucket: &str,
) -> Error
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match changed_file(&err) {
        Some(path) => Error::FileChanged { path },
        None => classify(err, Operation::PutObject, endpoint, Some(bucket)),
    }
}

/// The CRC32 of `len` bytes of a file from `offset`, read in large blocks off the async executor.
pub(crate) async fn crc32_of_range(path: std::path::PathBuf, offset: u64, len: u64) -> Result<u32> {
    read_blocking(path, move |file| {
        use std::io::{Read, Seek};
        file.seek(std::io::SeekFrom::Start(offset))?;
        let mut hasher = crc32fast::Hasher::new();
        let mut block = vec![0u8; read_block(len)];
        let mut left = len;
        while left > 0 {
            let want = block.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let got = file.read(&mut block[..want])?;
            if got == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file became shorter while it was being uploaded",
                ));
            }
            hasher.update(&block[..got]);
            left -= got as u64;
        }
        Ok(hasher.finalize())
    })
    .await
}

/// BLAKE3 of a file, read in large blocks off the async executor.
pub(crate) async fn hash_file(path: std::path::PathBuf) -> Result<ContentHash> {
    read_blocking(path, |file| {
        let mut hasher = blake3::Hasher::new();
        std::io::copy(&mut std::io::BufReader::with_capacity(1024 * 1024, file), &mut hasher)?;
        Ok(ContentHash(*hasher.finalize().as_bytes()))
    })
    .await
}

/// Opens `path` and runs `read` on it on the blocking pool; a failure names the file.
async fn read_blocking<T, F>(path: std::path::PathBuf, read: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut std::fs::File) -> std::io::Result<T> + Send + 'static,
{
    let context = format!("read {}", path.display());
    tokio::task::spawn_blocking(move || read(&mut std::fs::File::open(&path)?))
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r)
        .map_err(|source| Error::Io { context, source })
}

/// A verified download waiting in a temp file beside its destination.
#[derive(Debug)]
pub struct DownloadedTemp {
    /// The temp file (named with [`TEMP_PREFIX`]).
    pub path: std::path::PathBuf,
    /// Its length.
    pub bytes: u64,
    /// The content hash of what was written.
    pub hash: ContentHash,
    /// The object's ETag, quotes stripped.
    pub etag: String,
    /// The object's version id, where the bucket keeps versions.
    pub version_id: Option<String>,
}

/// The user-metadata name (`x-amz-meta-pail-blake3`) under which Pail records a file's content
/// hash, so another computer can tell identical content without downloading it.
pub const HASH_METADATA_KEY: &str = "pail-blake3";

/// Parses the hex hash stored under [`HASH_METADATA_KEY`]; anything malformed counts as unknown.
pub fn parse_hash(hex_text: &str) -> Option<ContentHash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text.trim(), &mut out).ok()?;
    Some(ContentHash(out))
}

/// The metadata value for `hash`.
pub fn hash_text(hash: &ContentHash) -> String {
    hex::encode(hash.0)
}

/// Whether a GET's bytes still need the MD5 = ETag check: nothing stronger covers them (no S3
/// checksum came back for the SDK to validate, no Pail hash), and the ETag is an MD5 — a
/// single-part upload, not encrypted with SSE-KMS or a customer key (their ETags are not MD5s).
fn needs_md5_check(resp: &aws_sdk_s3::operation::get_object::GetObjectOutput, has_pail_hash: bool, etag: &str) -> bool {
    use aws_sdk_s3::types::ServerSideEncryption;
    let checksummed = resp.checksum_crc32().is_some()
        || resp.checksum_crc32_c().is_some()
        || resp.checksum_crc64_nvme().is_some()
        || resp.checksum_sha1().is_some()
        || resp.checksum_sha256().is_some();
    let kms_or_customer_key = matches!(
        resp.server_side_encryption(),
        Some(ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse)
    ) || resp.sse_customer_algorithm().is_some();
    !has_pail_hash && !checksummed && !kms_or_customer_key && etag_is_md5(etag)
}

/// Writes a body to the new file `temp`, hashing it (and, when asked, taking its MD5 as hex);
/// the file is not flushed. On error nothing is left behind.
async fn write_body(
    mut body: ByteStream,
    temp: &Path,
    with_md5: bool,
) -> Result<(std::fs::File, u64, ContentHash, Option<String>)> {
    use md5::Digest;
    let mut md5 = with_md5.then(md5::Md5::new);
    let io = |context: String| move |source: std::io::Error| Error::Io { context, source };
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .await
        .map_err(io(format!("create {}", temp.display())))?;
    let mut written = 0u64;
    let mut hasher = blake3::Hasher::new();
    let streamed: Result<()> = async {
        // The SDK validates the checksum as the last chunk is read: an error here means corrupt data.
        while let Some(chunk) = body.try_next().await.map_err(receive_error)? {
            hasher.update(&chunk);
            if let Some(m) = md5.as_mut() {
                m.update(&chunk);
            }
            file.write_all(&chunk)
                .await
                .map_err(io(format!("write {}", temp.display())))?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(io(format!("write {}", temp.display())))
    }
    .await;
    let file = file.into_std().await;
    if let Err(e) = streamed {
        drop(file);
        let _ = tokio::fs::remove_file(temp).await;
        return Err(e);
    }
    Ok((
        file,
        written,
        ContentHash(*hasher.finalize().as_bytes()),
        md5.map(|m| hex::encode(m.finalize())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_crc32_of_a_range_is_s3s_base64_of_the_big_endian_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"xx123456789yy").unwrap();
        // 0xCBF43926 is the CRC-32 check value of "123456789".
        let crc32 = crc32_of_range(path.clone(), 2, 9).await.unwrap();
        assert_eq!(aws_smithy_types::base64::encode(crc32.to_be_bytes()), "y/Q5Jg==");
        let err = crc32_of_range(path, 2, 20).await.unwrap_err();
        assert!(err.detail().contains("shorter"), "{}", err.detail());
    }

    /// Every test endpoint is on loopback, so the SDK's own checksum path (aws-chunked with a
    /// CRC32 trailer, used for any other host) is forced here against a real server.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parts_go_up_with_the_sdks_checksum_or_pails_own_and_come_back_identical() {
        use crate::remote::{ClientOptions, RemoteCredentials};
        let dir = tempfile::tempdir().unwrap();
        let config = pail_devstore::DevStoreConfig::new(dir.path().join("store"), "partkey", "partsecret");
        let store = pail_devstore::DevStore::start(config).await.unwrap();
        let local = dir.path().join("big.bin");
        let data: Vec<u8> = (0..(11 * MIB as u32 + 777))
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(&local, &data).unwrap();
        let options = UploadOptions {
            multipart_threshold: 5 * MIB,
            part_size: 5 * MIB,
            parallel_parts: 2,
        };
        for own in [false, true] {
            let mut remote = Remote::new(
                Some(&store.endpoint()),
                "us-east-1",
                true,
                RemoteCredentials::Static {
                    access_key_id: "partkey".into(),
                    secret: crate::secrets::Sensitive::new("partsecret".to_owned()),
                },
                ClientOptions::default(),
                &Default::default(),
            )
            .await;
            assert!(remote.loopback_http, "the devstore is on loopback");
            remote.loopback_http = own;
            let bucket = format!("parts-{own}");
            remote.client.create_bucket().bucket(&bucket).send().await.unwrap();
            let sent = remote
                .upload_file_with(&local, &bucket, "big.bin", options)
                .await
                .unwrap();
            assert_eq!(sent, data.len() as u64);
            let head = remote
                .client
                .head_object()
                .bucket(&bucket)
                .key("big.bin")
                .send()
                .await
                .unwrap();
            assert!(
                head.e_tag().unwrap().ends_with("-3\""),
                "three parts: {:?}",
                head.e_tag()
            );
            let got = remote
                .client
                .get_object()
                .bucket(&bucket)
                .key("big.bin")
                .send()
                .await
                .unwrap();
            let got = got.body.collect().await.unwrap().into_bytes();
            assert!(
                got[..] == data[..],
                "the object is the file, byte for byte (own checksum: {own})"
            );
        }
    }
}
