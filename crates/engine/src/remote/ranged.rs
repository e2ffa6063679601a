//! The one ranged download: a large object fetched in parallel byte ranges into a pre-sized
//! temp file, every range conditional on one ETag so all bytes come from one version. `pail cp`
//! and sync fetch every range with the data flushed behind; the app's queue fetches the ranges
//! it is missing and journals each once it is on disk, so a restart fetches only the rest.

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use tokio::task::JoinSet;

use super::transfer::{
    create_new_then, hash_file, hash_mismatch, quoted, receive_error, temp_name, JournalFuture, MIB,
};
use super::transfer::{Durability, PendingFile};
use super::{classify, Remote};
use crate::core::model::ContentHash;
use crate::error::{Error, ErrorCode, Operation, Result};

/// Objects at least this large are downloaded in parallel byte ranges (one stream per object is
/// what made large downloads slow).
pub const RANGED_DOWNLOAD_THRESHOLD: u64 = 16 * MIB;
/// Bytes per range request (and per journaled chunk).
pub const RANGE_BYTES: u64 = 8 * MIB;
/// Range requests in flight per object, unless the caller says otherwise.
const RANGE_PARALLEL: usize = 8;
/// A range's bytes are written in blocks of about this size (one blocking call each, while the
/// next block is received).
const WRITE_BLOCK: usize = 1024 * 1024;
/// After this many bytes of a large download, its written data is flushed in the background, so
/// the final flush has little left to do.
const FLUSH_EVERY: u64 = 64 * MIB;

/// Notes ranges that are written and flushed, so a restart need not fetch them again.
pub trait RangeJournal: Send + Sync {
    /// Range number `index` (of [`RANGE_BYTES`] each) is on disk.
    fn range_done(&self, index: u64) -> JournalFuture<'_>;
}

/// What happens to a range once its bytes are written.
#[derive(Clone)]
pub enum RangeDone {
    /// Nothing until the end; with `true`, written data is flushed in the background as it
    /// piles up (see [`Durability`]).
    FlushBehind(bool),
    /// Each range is flushed to disk, then journaled.
    Journal(Arc<dyn RangeJournal>),
}

/// One ranged fetch of `etag`'s bytes of an object into a pre-sized temp file.
pub struct RangedGet<'a> {
    /// The bucket.
    pub bucket: &'a str,
    /// The key.
    pub key: &'a str,
    /// The version all ranges must come from.
    pub etag: &'a str,
    /// The temp file's path, for errors.
    pub temp: &'a Path,
    /// The temp file, already `size` bytes long.
    pub file: &'a Arc<std::fs::File>,
    /// The object's size.
    pub size: u64,
    /// Which ranges to fetch (numbers of [`RANGE_BYTES`] ranges); `None` for all.
    pub ranges: Option<Vec<u64>>,
    /// Ranges in flight.
    pub parallel: usize,
    /// Counts bytes as they are written (a failed range takes back what it counted).
    pub progress: Option<Arc<AtomicU64>>,
    /// What happens to each written range.
    pub done: RangeDone,
}

/// How many ranges an object of `size` bytes has.
pub fn range_count(size: u64) -> u64 {
    size.div_ceil(RANGE_BYTES)
}

/// How many bytes range `index` of an object of `size` bytes has.
pub fn range_len(index: u64, size: u64) -> u64 {
    RANGE_BYTES.min(size.saturating_sub(index * RANGE_BYTES))
}

impl Remote {
    /// Downloads a large object in parallel ranges into a temp file in `dir`, every range
    /// conditional on the ETag the first HEAD saw, then checks the hash Pail recorded, where
    /// there is one.
    pub(super) async fn download_ranged(
        &self,
        bucket: &str,
        key: &str,
        dir: &Path,
        durability: Durability,
    ) -> Result<PendingFile> {
        let Some(id) = self.head_identity(bucket, key).await? else {
            return Err(self.gone(bucket, key));
        };
        let temp = dir.join(temp_name());
        let file = Arc::new(create_sized(temp.clone(), id.size).await?);
        let mut checked = self
            .fetch_ranges(RangedGet {
                bucket,
                key,
                etag: &id.etag,
                temp: &temp,
                file: &file,
                size: id.size,
                ranges: None,
                parallel: RANGE_PARALLEL,
                progress: None,
                done: RangeDone::FlushBehind(durability == Durability::Flushed),
            })
            .await;
        if let (Ok(()), Some(want)) = (&checked, id.hash) {
            checked = self.check_recorded_hash(bucket, key, &temp, want).await;
        }
        // Every range task has ended, so this is the only handle left (a clone otherwise).
        let file = Arc::try_unwrap(file).or_else(|shared| shared.try_clone());
        match (checked, file) {
            (Ok(()), Ok(file)) => Ok(PendingFile {
                path: temp,
                bytes: id.size,
                file,
            }),
            (Err(e), _) => {
                let _ = tokio::fs::remove_file(&temp).await;
                Err(e)
            }
            (Ok(()), Err(source)) => {
                let _ = tokio::fs::remove_file(&temp).await;
                Err(Error::Io {
                    context: format!("write {}", temp.display()),
                    source,
                })
            }
        }
    }

    /// Fetches the ranges `get` asks for, in parallel. Dropping the future stops every range.
    pub async fn fetch_ranges(&self, get: RangedGet<'_>) -> Result<()> {
        let size = get.size;
        let flush_behind = matches!(get.done, RangeDone::FlushBehind(true));
        let flusher = Arc::new(BackgroundFlush::new(get.file.clone(), get.temp, flush_behind));
        let permits = Arc::new(tokio::sync::Semaphore::new(get.parallel.max(1)));
        let ranges = get.ranges.unwrap_or_else(|| (0..range_count(size)).collect());
        let mut set = JoinSet::new();
        for index in ranges.into_iter().filter(|i| *i < range_count(size)) {
            let start = index * RANGE_BYTES;
            let len = range_len(index, size);
            let (client, bucket, key, etag, file, permits, flusher) = (
                self.client.clone(),
                get.bucket.to_owned(),
                get.key.to_owned(),
                quoted(get.etag),
                get.file.clone(),
                permits.clone(),
                flusher.clone(),
            );
            let (endpoint, shown) = (self.endpoint_label().to_owned(), get.temp.display().to_string());
            let (progress, done) = (get.progress.clone(), get.done.clone());
            set.spawn(async move {
                let Ok(_permit) = permits.acquire_owned().await else {
                    return Err(Error::Cancelled);
                };
                let resp = client
                    .get_object()
                    .bucket(&bucket)
                    .key(&key)
                    .if_match(etag)
                    .range(format!("bytes={start}-{}", start + len - 1))
                    .send()
                    .await
                    .map_err(|e| classify(e, Operation::GetObject, &endpoint, Some(&bucket)))?;
                let range = WriteRange {
                    file: &file,
                    shown: &shown,
                    start,
                    len,
                };
                range.receive(resp.body, progress.as_deref()).await?;
                match done {
                    RangeDone::FlushBehind(_) => flusher.wrote(len),
                    RangeDone::Journal(journal) => {
                        // Journaled only once on disk, so a crash never counts a range that is not there.
                        let flushed = file.clone();
                        tokio::task::spawn_blocking(move || flushed.sync_data())
                            .await
                            .map_err(|e| std::io::Error::other(e.to_string()))
                            .and_then(|r| r)
                            .map_err(|source| Error::Io {
                                context: format!("flush {shown}"),
                                source,
                            })?;
                        journal.range_done(index).await?;
                    }
                }
                Ok(())
            });
        }
        while let Some(done) = set.join_next().await {
            if let Some(e) = range_failure(done) {
                permits.close();
                set.abort_all();
                return Err(e);
            }
        }
        flusher.error()
    }

    /// Checks a downloaded file against the hash Pail recorded when it uploaded the object.
    pub async fn check_recorded_hash(&self, bucket: &str, key: &str, path: &Path, want: ContentHash) -> Result<()> {
        if hash_file(path.to_path_buf()).await? == want {
            return Ok(());
        }
        Err(self.get_error(bucket, hash_mismatch(key)))
    }

    /// The error for an object that vanished.
    pub fn gone(&self, bucket: &str, key: &str) -> Error {
        Error::Remote {
            code: ErrorCode::NoSuchKey,
            operation: Operation::GetObject,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail: format!("{key} is gone"),
        }
    }
}

/// Creates `path` (which must not exist) with room for `size` bytes, off the async executor.
pub(crate) async fn create_sized(path: std::path::PathBuf, size: u64) -> Result<std::fs::File> {
    create_new_then(path, "make room for", move |file| file.set_len(size)).await
}

/// What a finished range task reports: None when its bytes are written, else why not (a task
/// that panicked or was aborted counts as failed).
pub(crate) fn range_failure(done: std::result::Result<Result<()>, tokio::task::JoinError>) -> Option<Error> {
    match done {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(join) => Some(Error::Io {
            context: "download a range".into(),
            source: std::io::Error::other(join.to_string()),
        }),
    }
}

/// One byte range of a file being downloaded.
pub(crate) struct WriteRange<'a> {
    /// The (pre-sized) temp file, shared by the ranges.
    pub file: &'a std::sync::Arc<std::fs::File>,
    /// The temp file's name, for errors.
    pub shown: &'a str,
    /// Where the range starts.
    pub start: u64,
    /// How many bytes it has.
    pub len: u64,
}

impl WriteRange<'_> {
    /// Receives the range's body and writes it at its offset: chunks are gathered into blocks of
    /// [`WRITE_BLOCK`], each written by one blocking call while the next block comes in. Fails
    /// unless exactly `len` bytes arrived. `progress` counts the bytes as they are written; a
    /// failed range takes back what it counted (it is fetched again).
    pub async fn receive(&self, body: ByteStream, progress: Option<&std::sync::atomic::AtomicU64>) -> Result<()> {
        let counted = std::sync::atomic::AtomicU64::new(0);
        let result = self.receive_counted(body, progress, &counted).await;
        if let (Err(_), Some(p)) = (&result, progress) {
            p.fetch_sub(counted.into_inner(), std::sync::atomic::Ordering::Relaxed);
        }
        result
    }

    async fn receive_counted(
        &self,
        mut body: ByteStream,
        progress: Option<&std::sync::atomic::AtomicU64>,
        counted: &std::sync::atomic::AtomicU64,
    ) -> Result<()> {
        let count = |n: u64| {
            counted.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            if let Some(p) = progress {
                p.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            }
        };
        let io = |source: std::io::Error| Error::Io {
            context: format!("write {}", self.shown),
            source,
        };
        let mut block: Vec<bytes::Bytes> = Vec::new();
        let mut block_len = 0usize;
        let mut offset = self.start;
        let mut got = 0u64;
        let mut in_flight: Option<tokio::task::JoinHandle<std::io::Result<u64>>> = None;
        let result = loop {
            let chunk = match body.try_next().await {
                Ok(chunk) => chunk,
                Err(e) => break Err(receive_error(e)),
            };
            let last = chunk.is_none();
            if let Some(chunk) = chunk {
                got += chunk.len() as u64;
                if got > self.len {
                    break Err(too_many(self.start, self.len, got));
                }
                block_len += chunk.len();
                block.push(chunk);
            }
            if block_len >= WRITE_BLOCK || (last && block_len > 0) {
                if let Some(previous) = in_flight.take() {
                    match join_write(previous).await {
                        Ok(n) => count(n),
                        Err(e) => break Err(io(e)),
                    }
                }
                let (file, blocks, at) = (self.file.clone(), std::mem::take(&mut block), offset);
                offset += block_len as u64;
                block_len = 0;
                in_flight = Some(tokio::task::spawn_blocking(move || write_blocks(&file, &blocks, at)));
            }
            if last {
                break Ok(());
            }
        };
        // The last block is always waited for, also after a failure: no write may outlive this call.
        if let Some(previous) = in_flight.take() {
            match join_write(previous).await {
                Ok(n) => count(n),
                Err(e) if result.is_ok() => return Err(io(e)),
                Err(_) => {}
            }
        }
        result?;
        if got != self.len {
            let end = self.start + self.len - 1;
            return Err(Error::Io {
                context: format!("receive bytes {}-{end}", self.start),
                source: std::io::Error::other(format!("got {got} bytes")),
            });
        }
        Ok(())
    }
}

fn too_many(start: u64, len: u64, got: u64) -> Error {
    Error::Io {
        context: format!("receive bytes {start}-{}", start + len - 1),
        source: std::io::Error::other(format!("got at least {got} bytes")),
    }
}

async fn join_write(handle: tokio::task::JoinHandle<std::io::Result<u64>>) -> std::io::Result<u64> {
    handle
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|r| r)
}

/// Writes `blocks` one after another at `offset`; returns how many bytes.
fn write_blocks(file: &std::fs::File, blocks: &[bytes::Bytes], mut offset: u64) -> std::io::Result<u64> {
    let start = offset;
    for b in blocks {
        write_all_at(file, b, offset)?;
        offset += b.len() as u64;
    }
    Ok(offset - start)
}

#[cfg(unix)]
fn write_all_at(file: &std::fs::File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
fn write_all_at(file: &std::fs::File, mut buf: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_write(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Flushes a large download's written data in the background every [`FLUSH_EVERY`] bytes, so the
/// disk writes while the rest arrives and the final flush (before the rename) is short. A flush
/// that fails fails the download.
struct BackgroundFlush {
    file: std::sync::Arc<std::fs::File>,
    /// Off for a [`Durability::Deferred`] download: nothing is flushed.
    enabled: bool,
    shown: String,
    unflushed: std::sync::atomic::AtomicU64,
    running: std::sync::Arc<std::sync::atomic::AtomicBool>,
    failed: std::sync::Arc<std::sync::Mutex<Option<std::io::Error>>>,
}

impl BackgroundFlush {
    fn new(file: std::sync::Arc<std::fs::File>, path: &Path, enabled: bool) -> Self {
        Self {
            file,
            enabled,
            shown: path.display().to_string(),
            unflushed: std::sync::atomic::AtomicU64::new(0),
            running: Default::default(),
            failed: Default::default(),
        }
    }

    /// Notes `n` more bytes written; starts a flush when enough piled up and none is running.
    fn wrote(&self, n: u64) {
        use std::sync::atomic::Ordering;
        let total = self.unflushed.fetch_add(n, Ordering::Relaxed) + n;
        if !self.enabled || total < FLUSH_EVERY || self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.unflushed.store(0, Ordering::Relaxed);
        let (file, running, failed) = (self.file.clone(), self.running.clone(), self.failed.clone());
        // Not awaited: the download goes on meanwhile; the final flush waits for the disk anyway.
        drop(tokio::task::spawn_blocking(move || {
            if let Err(e) = file.sync_data() {
                if let Ok(mut slot) = failed.lock() {
                    slot.get_or_insert(e);
                }
            }
            running.store(false, Ordering::Release);
        }));
    }

    /// The first background flush's failure, if any.
    fn error(&self) -> Result<()> {
        match self.failed.lock().ok().and_then(|mut slot| slot.take()) {
            Some(source) => Err(Error::Io {
                context: format!("flush {}", self.shown),
                source,
            }),
            None => Ok(()),
        }
    }
}
