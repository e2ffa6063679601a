//! Running one download: small objects in one checksum-validated GET, large ones in parallel
//! byte ranges journaled chunk by chunk so a restart fetches only what is missing. Bytes always
//! land in a temp file beside the destination and are renamed into place only when complete and
//! verified; a name taken meanwhile gets `name (n).ext` instead of being overwritten.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use std::sync::Arc;

use super::job::{io, Job};
use super::plan::free_local_path;
use crate::error::{Error, Result};
use crate::remote::{
    range_count, range_len, JournalFuture, RangeDone, RangeJournal, RangedGet, RANGED_DOWNLOAD_THRESHOLD, TEMP_PREFIX,
};
use crate::state::transfers as queue;
use crate::state::StateDb;

/// Downloads the job's object to its local path.
pub(super) async fn run(job: &Job) -> Result<PathBuf> {
    let dest = PathBuf::from(&job.row.local_path);
    let dir = dest.parent().unwrap_or(Path::new(".")).to_path_buf();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(io(format!("create the folder {}", dir.display())))?;
    let Some(id) = job.remote.head_identity(&job.row.bucket, &job.row.key).await? else {
        return Err(job.remote.gone(&job.row.bucket, &job.row.key));
    };
    let temp = if id.size < RANGED_DOWNLOAD_THRESHOLD {
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
            let checked = job
                .remote
                .check_recorded_hash(&job.row.bucket, &job.row.key, &temp, want)
                .await;
            if let Err(e) = checked {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
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
    let done: HashSet<u64> = done.into_iter().filter(|c| *c < range_count(size)).collect();
    let already: u64 = done.iter().map(|c| range_len(*c, size)).sum();
    job.progress.store(already, Ordering::Relaxed);
    let missing: Vec<u64> = (0..range_count(size)).filter(|c| !done.contains(c)).collect();
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(&temp)
        .await
        .map_err(io(format!("write {}", temp.display())))?;
    let file = Arc::new(file.into_std().await);
    let fetch = job.remote.fetch_ranges(RangedGet {
        bucket: &job.row.bucket,
        key: &job.row.key,
        etag,
        temp: &temp,
        file: &file,
        size,
        ranges: Some(missing),
        parallel: job.download_parallel,
        progress: Some(job.progress.clone()),
        done: RangeDone::Journal(Arc::new(ChunkJournal {
            db: job.db.clone(),
            id: job.row.id.clone(),
        })),
    });
    // Dropping the fetch stops every range; those on disk stay journaled for the resume.
    tokio::select! {
        fetched = fetch => fetched?,
        () = job.stop_requested() => return Err(Error::Cancelled),
    }
    Ok(temp)
}

/// The journal of one queued download's ranges.
struct ChunkJournal {
    db: StateDb,
    id: String,
}

impl RangeJournal for ChunkJournal {
    fn range_done(&self, index: u64) -> JournalFuture<'_> {
        Box::pin(async move { queue::chunk_done(self.db.pool(), &self.id, index).await })
    }
}
