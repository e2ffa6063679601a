//! Running one download: small objects in one checksum-validated GET, large ones in parallel
//! byte ranges journaled chunk by chunk so a restart fetches only what is missing. Bytes always
//! land in a temp file beside the destination and are renamed into place only when complete and
//! verified; a name taken meanwhile gets `name (n).ext` instead of being overwritten.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use tokio::task::JoinSet;

use super::job::{io, Job};
use super::plan::free_local_path;
use crate::error::{Error, ErrorCode, Operation, Result};
use crate::remote::transfer::WriteRange;
use crate::remote::{classify, Remote, TEMP_PREFIX};
use crate::state::queue;

/// Bytes per journaled range.
pub const CHUNK_BYTES: u64 = 8 * 1024 * 1024;

/// Downloads the job's object to its local path.
pub(super) async fn run(job: &Job) -> Result<PathBuf> {
    let dest = PathBuf::from(&job.row.local_path);
    let dir = dest.parent().unwrap_or(Path::new(".")).to_path_buf();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(io(format!("create the folder {}", dir.display())))?;
    let Some(id) = job.remote.head_identity(&job.row.bucket, &job.row.key).await? else {
        return Err(gone(&job.remote, &job.row.bucket, &job.row.key));
    };
    let temp = if id.size < CHUNK_BYTES * 2 {
        job.progress.store(0, Ordering::Relaxed);
        let got = tokio::select! {
            got = job.remote.download_to_temp(&job.row.bucket, &job.row.key, Some(&id.etag), &dir) => got?,
            () = job.stop_requested() => return Err(Error::Cancelled),
        };
        job.progress.store(got.bytes, Ordering::Relaxed);
        got.path
    } else {
        let temp = ranged(job, &dir, &id.etag, id.size).await?;
        if let Some(want) = id.hash {
            let hash = crate::remote::transfer::hash_file(temp.clone()).await?;
            if hash != want {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(Error::Remote {
                    code: ErrorCode::Server,
                    operation: Operation::GetObject,
                    endpoint: job.remote.endpoint_label().to_owned(),
                    bucket: Some(job.row.bucket.clone()),
                    detail: format!(
                        "the content of {} does not match the hash recorded with it",
                        job.row.key
                    ),
                });
            }
        }
        temp
    };
    // Marked before it takes its name, so the file never shows up unmarked (see download_mark).
    let source = format!("s3://{}/{}", job.row.bucket, job.row.key);
    if let Err(e) = crate::download_mark::mark_downloaded(&temp, &source) {
        tracing::debug!("could not mark {} as downloaded: {e}", temp.display());
    }
    // The name was free when queued; if something appeared there since, keep both.
    let final_path = free_local_path(&dest, &HashSet::new());
    if let Err(source) = tokio::fs::rename(&temp, &final_path).await {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(Error::Io {
            context: format!("move the downloaded file into place at {}", final_path.display()),
            source,
        });
    }
    if final_path != dest {
        queue::set_local_path(job.db.pool(), &job.row.id, &final_path.to_string_lossy()).await?;
    }
    Ok(final_path)
}

fn gone(remote: &Remote, bucket: &str, key: &str) -> Error {
    Error::Remote {
        code: ErrorCode::NoSuchKey,
        operation: Operation::GetObject,
        endpoint: remote.endpoint_label().to_owned(),
        bucket: Some(bucket.to_owned()),
        detail: format!("{key} is gone"),
    }
}

/// Fetches the missing chunks of `etag`'s bytes into the journaled temp file (a new one when the
/// object changed or the old temp file is gone); returns the temp file once every chunk is in.
async fn ranged(job: &Job, dir: &Path, etag: &str, size: u64) -> Result<PathBuf> {
    let fresh = queue::get(job.db.pool(), &job.row.id).await?;
    let previous = fresh
        .as_ref()
        .and_then(|r| r.temp_path.clone().zip(r.remote_etag.clone()));
    let reusable = match &previous {
        Some((path, old_etag)) if old_etag == etag => tokio::fs::metadata(path)
            .await
            .map(|m| m.len() == size)
            .unwrap_or(false),
        _ => false,
    };
    let (temp, done) = if let (true, Some((path, _))) = (reusable, &previous) {
        (PathBuf::from(path), queue::chunks(job.db.pool(), &job.row.id).await?)
    } else {
        if let Some((path, _)) = &previous {
            let _ = tokio::fs::remove_file(path).await;
        }
        let temp = dir.join(format!("{TEMP_PREFIX}{}", job.row.id));
        let file = tokio::fs::File::create(&temp)
            .await
            .map_err(io(format!("create {}", temp.display())))?;
        file.set_len(size)
            .await
            .map_err(io(format!("make room for {}", temp.display())))?;
        queue::start_download(&job.db, &job.row.id, etag, &temp.to_string_lossy()).await?;
        (temp, Vec::new())
    };
    let count = size.div_ceil(CHUNK_BYTES);
    let done: HashSet<u64> = done.into_iter().filter(|c| *c < count).collect();
    let already: u64 = done.iter().map(|c| chunk_len(*c, size)).sum();
    job.progress.store(already, Ordering::Relaxed);
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(job.download_parallel.max(1)));
    let mut set = JoinSet::new();
    for chunk in (0..count).filter(|c| !done.contains(c)) {
        let permits = permits.clone();
        let task = ChunkTask {
            remote: job.remote.clone(),
            db: job.db.clone(),
            id: job.row.id.clone(),
            bucket: job.row.bucket.clone(),
            key: job.row.key.clone(),
            etag: etag.to_owned(),
            temp: temp.clone(),
            chunk,
            size,
            progress: job.progress.clone(),
        };
        set.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return Err(Error::Cancelled);
            };
            task.fetch().await
        });
    }
    loop {
        let next = tokio::select! {
            next = set.join_next() => next,
            () = job.stop_requested() => {
                set.abort_all();
                return Err(Error::Cancelled);
            }
        };
        let Some(done) = next else { break };
        if let Some(e) = crate::remote::transfer::range_failure(done) {
            permits.close();
            set.abort_all();
            return Err(e);
        }
    }
    Ok(temp)
}

fn chunk_len(chunk: u64, size: u64) -> u64 {
    CHUNK_BYTES.min(size.saturating_sub(chunk * CHUNK_BYTES))
}

/// One range of one download.
struct ChunkTask {
    remote: Remote,
    db: crate::state::StateDb,
    id: String,
    bucket: String,
    key: String,
    etag: String,
    temp: PathBuf,
    chunk: u64,
    size: u64,
    progress: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl ChunkTask {
    /// GETs the range (only from the version with the journaled ETag), writes it at its offset,
    /// flushes it to disk, then journals it.
    async fn fetch(self) -> Result<()> {
        let start = self.chunk * CHUNK_BYTES;
        let len = chunk_len(self.chunk, self.size);
        let end = start + len - 1;
        let resp = self
            .remote
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .if_match(format!("\"{}\"", self.etag))
            .range(format!("bytes={start}-{end}"))
            .send()
            .await
            .map_err(|e| {
                classify(
                    e,
                    Operation::GetObject,
                    self.remote.endpoint_label(),
                    Some(&self.bucket),
                )
            })?;
        let shown = self.temp.display().to_string();
        let temp = self.temp.clone();
        let file = tokio::task::spawn_blocking(move || std::fs::OpenOptions::new().write(true).open(temp))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r)
            .map_err(io(format!("write {shown}")))?;
        let file = std::sync::Arc::new(file);
        let range = WriteRange {
            file: &file,
            shown: &shown,
            start,
            len,
        };
        // Counts into the job's progress as blocks are written; a failed range takes its bytes back.
        range.receive(resp.body, Some(&self.progress)).await?;
        // Journaled only once on disk, so a crash never counts a range that is not there.
        let flushed = file.clone();
        tokio::task::spawn_blocking(move || flushed.sync_data())
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r)
            .map_err(io(format!("flush {shown}")))?;
        queue::chunk_done(self.db.pool(), &self.id, self.chunk).await
    }
}
