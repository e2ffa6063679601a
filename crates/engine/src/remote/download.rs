//! Downloading an object to a file: one checksum-validated GET for most objects, parallel byte
//! ranges (see `ranged`) for large ones; the file lands under its name only when complete.

use std::path::Path;

use super::ranged::RANGED_DOWNLOAD_THRESHOLD;
use super::transfer::{Durability, PendingFile};
use super::Remote;
use crate::error::{Error, Result};

impl Remote {
    /// Downloads `bucket/key` to `dest` through a temp file in the same folder, made durable and
    /// renamed into place once every byte arrived and was verified.
    pub async fn download_file(&self, bucket: &str, key: &str, dest: &Path) -> Result<u64> {
        self.download_file_sized(bucket, key, dest, None).await
    }

    /// [`Remote::download_file`] for an object whose size is known (from a listing): one at least
    /// [`RANGED_DOWNLOAD_THRESHOLD`] long comes down in byte ranges fetched in parallel.
    pub async fn download_file_sized(&self, bucket: &str, key: &str, dest: &Path, size: Option<u64>) -> Result<u64> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir).await.map_err(|source| Error::Io {
            context: format!("create the folder {}", dir.display()),
            source,
        })?;
        self.download_pending(bucket, key, dir, size, Durability::Flushed)
            .await?
            .land(dest.to_path_buf())
            .await
    }

    /// Downloads one version of `bucket/key` (an earlier one, for a restore) to `dest`, verified
    /// and flushed; it takes its name only when complete, and never replaces a file already there
    /// (then the error's kind is `AlreadyExists`).
    pub async fn download_version_new(&self, bucket: &str, key: &str, version_id: &str, dest: &Path) -> Result<u64> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir).await.map_err(|source| Error::Io {
            context: format!("create the folder {}", dir.display()),
            source,
        })?;
        let fetched = self.fetch_verified(bucket, key, None, Some(version_id), dir).await?;
        let (temp, bytes) = fetched.pending.sync().await?;
        // A hard link takes the name only if it is free; where links are not possible (FAT
        // drives), a check and a rename come as close.
        let placed = match tokio::fs::hard_link(&temp, dest).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
            Err(_) if tokio::fs::symlink_metadata(dest).await.is_ok() => {
                Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
            }
            Err(_) => tokio::fs::rename(&temp, dest).await,
        };
        let _ = tokio::fs::remove_file(&temp).await;
        placed.map_err(|source| Error::Io {
            context: format!("put {} in place", dest.display()),
            source,
        })?;
        Ok(bytes)
    }

    /// Downloads `bucket/key` into a new temp file in `dir` (which must exist) and verifies it,
    /// without a final flush: with [`Durability::Flushed`] many files are then made durable
    /// together (see [`crate::transfers::Lander`]) before they take their names, instead of one
    /// flush each. An object of at least [`RANGED_DOWNLOAD_THRESHOLD`] (by `size`, from a
    /// listing) comes down in byte ranges fetched in parallel, flushed behind as it arrives
    /// unless `durability` is deferred. On error nothing is left behind.
    pub async fn download_pending(
        &self,
        bucket: &str,
        key: &str,
        dir: &Path,
        size: Option<u64>,
        durability: Durability,
    ) -> Result<PendingFile> {
        match size {
            Some(n) if n >= RANGED_DOWNLOAD_THRESHOLD => self.download_ranged(bucket, key, dir, durability).await,
            _ => Ok(self.fetch_verified(bucket, key, None, None, dir).await?.pending),
        }
    }
}
