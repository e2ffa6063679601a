//! Moving one object between disk and S3, streaming (never a whole file in memory) and
//! integrity-checked: uploads send a CRC32 the server verifies; downloads validate the
//! object's checksum when the store has one, land in a temp file beside the destination, and
//! are renamed into place only when complete.

use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use tokio::io::AsyncWriteExt;

use super::{classify, Remote};
use crate::error::{Error, Operation, Result};

/// Prefix of Pail's temp files (ignored by sync scans), so a crash never leaves a partial file
/// under its final name.
pub const TEMP_PREFIX: &str = ".pail-tmp-";

impl Remote {
    /// Uploads `local` to `bucket/key` with a CRC32 checksum; returns the bytes sent.
    pub async fn upload_file(&self, local: &Path, bucket: &str, key: &str) -> Result<u64> {
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
