//! Moving one object between disk and S3, streaming (never a whole file in memory) and
//! integrity-checked: uploads send a CRC32 the server verifies; downloads validate the
//! object's checksum when the store has one, land in a temp file beside the destination, and
//! are renamed into place only when complete.

use std::path::Path;

use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinSet;

use super::{classify, Remote};
use crate::error::{Error, Operation, Result};

/// Prefix of Pail's temp files (ignored by sync scans), so a crash never leaves a partial file
/// under its final name.
pub const TEMP_PREFIX: &str = ".pail-tmp-";

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
            parallel_parts: 4,
        }
    }
}

const MIB: u64 = 1024 * 1024;
/// S3 allows at most 10,000 parts; the part size grows for files that would need more.
const MAX_PARTS: u64 = 10_000;

impl Remote {
    /// Uploads `local` to `bucket/key`: one checksummed PUT, or parts in parallel above the
    /// threshold (each read straight from disk). Returns the bytes sent.
    pub async fn upload_file(&self, local: &Path, bucket: &str, key: &str) -> Result<u64> {
        self.upload_file_with(local, bucket, key, UploadOptions::default())
            .await
    }

    /// [`Remote::upload_file`] with explicit part settings.
    pub async fn upload_file_with(&self, local: &Path, bucket: &str, key: &str, options: UploadOptions) -> Result<u64> {
        let size = tokio::fs::metadata(local)
            .await
            .map_err(|source| Error::Io {
                context: format!("read {}", local.display()),
                source,
            })?
            .len();
        if size >= options.multipart_threshold.max(1) {
            return self.upload_multipart(local, bucket, key, size, options).await;
        }
        self.upload_single(local, bucket, key).await
    }

    async fn upload_single(&self, local: &Path, bucket: &str, key: &str) -> Result<u64> {
        let body = ByteStream::from_path(local).await.map_err(|e| Error::Io {
            context: format!("read {}", local.display()),
            source: std::io::Error::other(e),
        })?;
        let len = body.size_hint().0;
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(body)
            .send()
            .await
            .map_err(|e| classify(e, Operation::PutObject, self.endpoint_label(), Some(bucket)))?;
        Ok(len)
    }

    async fn upload_multipart(
        &self,
        local: &Path,
        bucket: &str,
        key: &str,
        size: u64,
        options: UploadOptions,
    ) -> Result<u64> {
        let part_size = options.part_size.max(5 * MIB).max(size.div_ceil(MAX_PARTS));
        let created = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify(e, Operation::PutObject, self.endpoint_label(), Some(bucket)))?;
        let Some(upload_id) = created.upload_id().map(str::to_owned) else {
            return Err(self.protocol_error(bucket, "the store started a multipart upload without an upload id"));
        };
        match self
            .upload_parts(local, bucket, key, &upload_id, size, part_size, options.parallel_parts)
            .await
        {
            Ok(parts) => {
                let completed = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
                let done = self
                    .client
                    .complete_multipart_upload()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .multipart_upload(completed)
                    .send()
                    .await
                    .map_err(|e| classify(e, Operation::PutObject, self.endpoint_label(), Some(bucket)));
                if let Err(e) = done {
                    self.abort_upload(bucket, key, &upload_id).await;
                    return Err(e);
                }
                Ok(size)
            }
            Err(e) => {
                // Parts of an abandoned upload stay billed and hidden until aborted.
                self.abort_upload(bucket, key, &upload_id).await;
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn upload_parts(
        &self,
        local: &Path,
        bucket: &str,
        key: &str,
        upload_id: &str,
        size: u64,
        part_size: u64,
        parallel: usize,
    ) -> Result<Vec<CompletedPart>> {
        let count = size.div_ceil(part_size);
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
        let mut set = JoinSet::new();
        for index in 0..count {
            let offset = index * part_size;
            let len = part_size.min(size - offset);
            let (client, bucket, key, upload_id, path, permits) = (
                self.client.clone(),
                bucket.to_owned(),
                key.to_owned(),
                upload_id.to_owned(),
                local.to_path_buf(),
                permits.clone(),
            );
            let endpoint = self.endpoint_label().to_owned();
            set.spawn(async move {
                let Ok(_permit) = permits.acquire_owned().await else {
                    return Err(Error::InvalidInput("upload stopped".into()));
                };
                let body = ByteStream::read_from()
                    .path(&path)
                    .offset(offset)
                    .length(Length::Exact(len))
                    .build()
                    .await
                    .map_err(|e| Error::Io {
                        context: format!("read {}", path.display()),
                        source: std::io::Error::other(e),
                    })?;
                let part_number = i32::try_from(index + 1).unwrap_or(i32::MAX);
                let out = client
                    .upload_part()
                    .bucket(&bucket)
                    .key(&key)
                    .upload_id(&upload_id)
                    .part_number(part_number)
                    .checksum_algorithm(ChecksumAlgorithm::Crc32)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| classify(e, Operation::PutObject, &endpoint, Some(&bucket)))?;
                Ok(CompletedPart::builder()
                    .part_number(part_number)
                    .set_e_tag(out.e_tag().map(str::to_owned))
                    .set_checksum_crc32(out.checksum_crc32().map(str::to_owned))
                    .build())
            });
        }
        let mut parts = Vec::with_capacity(count as usize);
        while let Some(done) = set.join_next().await {
            match done {
                Ok(Ok(part)) => parts.push(part),
                Ok(Err(e)) => {
                    permits.close();
                    set.abort_all();
                    return Err(e);
                }
                Err(join) => {
                    set.abort_all();
                    return Err(self.protocol_error(bucket, &format!("a part upload task failed: {join}")));
                }
            }
        }
        parts.sort_by_key(|p| p.part_number());
        Ok(parts)
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

    /// Downloads `bucket/key` to `dest` through a temp file in the same folder, renamed into
    /// place once every byte arrived and the checksum (where the store keeps one) matched.
    pub async fn download_file(&self, bucket: &str, key: &str, dest: &Path) -> Result<u64> {
        let resp = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .map_err(|e| classify(e, Operation::GetObject, self.endpoint_label(), Some(bucket)))?;
        let dir = dest.parent().unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir).await.map_err(|source| Error::Io {
            context: format!("create the folder {}", dir.display()),
            source,
        })?;
        let temp = dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4().simple()));
        let result = write_body(resp.body, &temp).await;
        let written = match result {
            Ok(n) => n,
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
            }
        };
        if let Some(expected) = resp.content_length.filter(|n| *n >= 0) {
            if written != expected as u64 {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(Error::Remote {
                    code: crate::error::ErrorCode::Server,
                    operation: Operation::GetObject,
                    endpoint: self.endpoint_label().to_owned(),
                    bucket: Some(bucket.to_owned()),
                    detail: format!("download of {key} ended after {written} of {expected} bytes"),
                });
            }
        }
        tokio::fs::rename(&temp, dest).await.map_err(|source| Error::Io {
            context: format!("move the downloaded file into place at {}", dest.display()),
            source,
        })?;
        Ok(written)
    }
}

async fn write_body(mut body: ByteStream, temp: &Path) -> Result<u64> {
    let io = |context: String| move |source: std::io::Error| Error::Io { context, source };
    let mut file = tokio::fs::File::create(temp)
        .await
        .map_err(io(format!("create {}", temp.display())))?;
    let mut written = 0u64;
    // The SDK validates the checksum as the last chunk is read: an error here means corrupt data.
    while let Some(chunk) = body.try_next().await.map_err(|e| Error::Io {
        context: "receive the file".into(),
        source: std::io::Error::other(e),
    })? {
        file.write_all(&chunk)
            .await
            .map_err(io(format!("write {}", temp.display())))?;
        written += chunk.len() as u64;
    }
    file.sync_all().await.map_err(io(format!("flush {}", temp.display())))?;
    Ok(written)
}
