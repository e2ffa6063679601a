//! `pail cp [-r] SRC DST`: local → S3 and S3 → local, files in parallel, streaming, each file
//! landing under its final name only when complete.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pail_engine::remote::{PutControl, PutSpec, Remote, UploadOptions};
use pail_engine::state::transfers::{self, Direction, TransferRow, TransferState};
use pail_engine::state::StateDb;
use pail_engine::sync::local_name::{join_under, local_rel, LocalNameError, NameRules};
use pail_engine::sync::RelPath;
use pail_engine::transfers::{Durability, JournaledUpload, Lander};
use pail_engine::untrusted_text::escape_untrusted;
use pail_engine::Error;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How many files move at once.
const PARALLEL_FILES: usize = 16;

/// One side of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A path on this computer.
    Local(PathBuf),
    /// `s3://bucket/key` (a key ending in `/`, or empty, names a folder).
    S3 {
        /// Bucket.
        bucket: String,
        /// Key or folder prefix.
        key: String,
    },
}

impl Place {
    /// `s3://…` is S3, anything else a local path.
    pub fn parse(s: &str) -> Result<Place, Error> {
        Ok(match crate::location::S3Url::parse(s)? {
            Some(url) => Place::S3 {
                bucket: url.bucket,
                key: url.key,
            },
            None => Place::Local(PathBuf::from(s)),
        })
    }
}

/// What a copy moved.
#[derive(Debug, Default, Clone, Copy)]
pub struct Copied {
    /// Files.
    pub files: u64,
    /// Bytes.
    pub bytes: u64,
    /// Keys skipped because they cannot be local paths.
    pub skipped: u64,
}

/// What makes uploads restart-safe and stoppable.
#[derive(Clone)]
pub struct Journal {
    /// Where multipart uploads are journaled (upload id, finished parts).
    pub db: StateDb,
    /// Cancels every transfer (Ctrl-C); half-done uploads are aborted.
    pub cancel: CancellationToken,
}

/// How a copy runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyOptions {
    /// Copy folders with everything inside.
    pub recursive: bool,
    /// Whether each downloaded file waits for the disk before it takes its name.
    pub durability: Durability,
}

/// Runs a copy.
pub async fn copy(
    remote: &Remote,
    src: Place,
    dst: Place,
    options: CopyOptions,
    journal: Journal,
) -> Result<Copied, Error> {
    match (src, dst) {
        (Place::Local(from), Place::S3 { bucket, key }) => {
            upload(remote, &from, &bucket, &key, options.recursive, journal).await
        }
        (Place::S3 { bucket, key }, Place::Local(to)) => download(remote, &bucket, &key, &to, options).await,
        (Place::Local(_), Place::Local(_)) => Err(Error::InvalidInput(
            "Both places are on this computer; one of them must be s3://BUCKET/….".into(),
        )),
        (Place::S3 { .. }, Place::S3 { .. }) => Err(Error::InvalidInput(
            "Copying between two S3 locations is not supported by `pail cp` yet; copy through a local folder.".into(),
        )),
    }
}

fn file_name(p: &Path) -> Result<String, Error> {
    p.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::InvalidInput(format!("{} has no usable file name.", p.display())))
}

async fn upload(
    remote: &Remote,
    from: &Path,
    bucket: &str,
    key: &str,
    recursive: bool,
    journal: Journal,
) -> Result<Copied, Error> {
    let meta = tokio::fs::symlink_metadata(from).await.map_err(|source| Error::Io {
        context: format!("read {}", from.display()),
        source,
    })?;
    let mut jobs: Vec<(PathBuf, String)> = Vec::new();
    if meta.is_dir() {
        if !recursive {
            return Err(Error::InvalidInput(format!(
                "{} is a folder; use -r to copy it with everything inside.",
                from.display()
            )));
        }
        let base = if key.is_empty() || key.ends_with('/') {
            key.to_owned()
        } else {
            format!("{key}/")
        };
        for entry in walkdir::WalkDir::new(from).follow_links(false).sort_by_file_name() {
            let entry = entry.map_err(|e| Error::Io {
                context: format!("read {}", from.display()),
                source: e.into(),
            })?;
            if entry.file_type().is_symlink() {
                eprintln!(
                    "pail: skipped symbolic link {} (links are never followed)",
                    escape_untrusted(&entry.path().display().to_string())
                );
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
            let Some(rel) = rel.to_str() else {
                eprintln!(
                    "pail: skipped {} (its name is not valid UTF-8)",
                    escape_untrusted(&entry.path().display().to_string())
                );
                continue;
            };
            jobs.push((
                entry.path().to_path_buf(),
                format!("{base}{}", rel.replace(std::path::MAIN_SEPARATOR, "/")),
            ));
        }
    } else {
        let key = if key.is_empty() || key.ends_with('/') {
            format!("{key}{}", file_name(from)?)
        } else {
            key.to_owned()
        };
        jobs.push((from.to_path_buf(), key));
    }
    run_parallel(jobs, remote, bucket, move |remote, bucket, (path, key)| {
        let journal = journal.clone();
        async move { journaled_upload(&remote, &journal, &path, &bucket, &key).await }
    })
    .await
}

/// Uploads one file through the engine's one resumable upload; its journal row is found again
/// by file and key, so after the process was killed the same command resumes it without sending
/// finished parts again.
async fn journaled_upload(
    remote: &Remote,
    journal: &Journal,
    path: &Path,
    bucket: &str,
    key: &str,
) -> Result<u64, Error> {
    let options = UploadOptions::default();
    let size = tokio::fs::metadata(path).await.map_err(|source| Error::Io {
        context: format!("read {}", path.display()),
        source,
    })?;
    if size.len() < options.multipart_threshold {
        // One PUT has nothing to resume: no journal row, so a folder of small files costs no
        // database writes.
        let control = PutControl {
            cancel: Some(&journal.cancel),
            ..Default::default()
        };
        let written = remote
            .put_file(path, bucket, key, &PutSpec::plain(), options, control)
            .await?;
        return Ok(written.bytes);
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let local = absolute.to_string_lossy().into_owned();
    let db = journal.db.pool();
    let id = match transfers::find_unfinished_copy(db, Direction::Upload, &local, bucket, key).await? {
        Some(row) => row.id,
        None => {
            let mut row = TransferRow::new(Direction::Upload, bucket, key, &local);
            row.state = TransferState::Running;
            transfers::insert(db, &row).await?;
            row.id
        }
    };
    let result = JournaledUpload {
        remote,
        db: &journal.db,
        id: &id,
        path,
        bucket,
        key,
        spec: &PutSpec::plain(),
        options,
        cancel: &journal.cancel,
        pause: None,
        progress: None,
    }
    .run()
    .await;
    // Any outcome but a kill ends this upload id (completed, or aborted on failure or cancel), so
    // the journal entry has nothing left to resume.
    transfers::delete(db, &id).await?;
    result.map(|written| written.bytes)
}

async fn download(remote: &Remote, bucket: &str, key: &str, to: &Path, options: CopyOptions) -> Result<Copied, Error> {
    let CopyOptions { recursive, durability } = options;
    let is_folder = key.is_empty() || key.ends_with('/');
    if !recursive && is_folder {
        return Err(Error::InvalidInput(
            "That is a folder; use -r to copy it with everything inside.".into(),
        ));
    }
    let plan = if recursive {
        let prefix = if is_folder { key.to_owned() } else { format!("{key}/") };
        plan_folder(remote, bucket, &prefix, to).await?
    } else {
        plan_file(remote, bucket, key, to).await?
    };
    let DownloadPlan { jobs, sizes, skipped } = plan;
    create_parent_dirs(&jobs).await?;
    let sizes = Arc::new(sizes);
    // Each file is verified in a temp file beside its destination; the lander renames it into
    // place (with --fsync, only after flushing finished files to disk in batches).
    let lander = Arc::new(Lander::new(durability));
    let landing = lander.clone();
    let moved = run_parallel(jobs, remote, bucket, move |remote, bucket, (path, key)| {
        let size = sizes.get(&key).copied();
        let lander = landing.clone();
        async move {
            let dir = path.parent().unwrap_or(Path::new("."));
            let pending = remote.download_pending(&bucket, &key, dir, size, durability).await?;
            // Marked before it takes its name, so the file never shows up unmarked.
            if let Err(e) = pail_engine::download_mark::mark_downloaded(&pending.path, &format!("s3://{bucket}/{key}"))
            {
                tracing::debug!("could not mark {} as downloaded: {e}", pending.path.display());
            }
            let bytes = pending.bytes;
            lander.land(pending, path).await?;
            Ok(bytes)
        }
    })
    .await;
    let landed = match Arc::try_unwrap(lander) {
        Ok(lander) => lander.finish().await,
        // Unreachable: every task (and its handle on the lander) has ended by now.
        Err(_) => Err(Error::InvalidInput("downloads were still running".into())),
    };
    let moved = moved?;
    landed?;
    Ok(Copied { skipped, ..moved })
}

/// What a download fetches, before anything is fetched.
#[derive(Default)]
struct DownloadPlan {
    /// Each file's destination and key.
    jobs: Vec<(PathBuf, String)>,
    /// Sizes from the listing let large objects come down in parallel ranges.
    sizes: HashMap<String, u64>,
    /// Keys that cannot be local paths.
    skipped: u64,
}

/// Every object under `prefix`, each as a path under `to`; folder markers are made as folders
/// right away.
async fn plan_folder(remote: &Remote, bucket: &str, prefix: &str, to: &Path) -> Result<DownloadPlan, Error> {
    let mut plan = DownloadPlan::default();
    for (k, size) in remote.list_objects_recursive(bucket, prefix).await? {
        plan.sizes.insert(k.clone(), size);
        // Every key becomes a path under `to` only through the engine's one name check:
        // `../x`, `a//b` and, on Windows, `C:x` or `CON` would otherwise write elsewhere.
        let local = RelPath::from_key(prefix, &k)
            .map_err(LocalNameError::from)
            .and_then(|rel| Ok((rel.is_dir(), join_under(to, &rel, NameRules::HOST)?)));
        match local {
            Ok((true, dir)) => {
                tokio::fs::create_dir_all(&dir).await.map_err(|source| Error::Io {
                    context: format!("create {}", dir.display()),
                    source,
                })?;
            }
            Ok((false, path)) => plan.jobs.push((path, k)),
            Err(_) if k == prefix => {}
            Err(why) => {
                eprintln!("pail: skipped s3://{bucket}/{}: {why}", escape_untrusted(&k));
                plan.skipped += 1;
            }
        }
    }
    Ok(plan)
}

/// The one object `key`, to the path `to` or, when `to` is a folder, under its own name in it.
async fn plan_file(remote: &Remote, bucket: &str, key: &str, to: &Path) -> Result<DownloadPlan, Error> {
    let mut plan = DownloadPlan::default();
    let dest = if to.is_dir() {
        let name = key.rsplit('/').next().unwrap_or(key);
        local_rel(name, NameRules::HOST)
            .and_then(|rel| join_under(to, &rel, NameRules::HOST))
            .map_err(|why| {
                Error::InvalidInput(format!(
                    "“{}” cannot be a file name on this computer ({why}); name the file to copy it to instead of the folder.",
                    escape_untrusted(name)
                ))
            })?
    } else {
        to.to_path_buf()
    };
    if let Some(id) = remote.head_identity(bucket, key).await? {
        plan.sizes.insert(key.to_owned(), id.size);
    }
    plan.jobs.push((dest, key.to_owned()));
    Ok(plan)
}

/// Makes every destination folder once, up front, instead of once per file.
async fn create_parent_dirs(jobs: &[(PathBuf, String)]) -> Result<(), Error> {
    let dirs: std::collections::BTreeSet<PathBuf> = jobs
        .iter()
        .filter_map(|(path, _)| path.parent().map(Path::to_path_buf))
        .collect();
    for dir in &dirs {
        tokio::fs::create_dir_all(dir).await.map_err(|source| Error::Io {
            context: format!("create {}", dir.display()),
            source,
        })?;
    }
    Ok(())
}

async fn run_parallel<F, Fut>(
    jobs: Vec<(PathBuf, String)>,
    remote: &Remote,
    bucket: &str,
    one: F,
) -> Result<Copied, Error>
where
    F: Fn(Remote, String, (PathBuf, String)) -> Fut,
    Fut: std::future::Future<Output = Result<u64, Error>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(PARALLEL_FILES));
    let mut set = JoinSet::new();
    for job in jobs {
        let permits = permits.clone();
        let fut = one(remote.clone(), bucket.to_owned(), job);
        set.spawn(async move {
            // A closed semaphore means an earlier file failed: this one is not started.
            let Ok(_permit) = permits.acquire_owned().await else {
                return Err(Error::InvalidInput("not started after an earlier failure".into()));
            };
            fut.await
        });
    }
    let mut copied = Copied::default();
    let mut first_error = None;
    while let Some(done) = set.join_next().await {
        match done {
            Ok(Ok(bytes)) => {
                copied.files += 1;
                copied.bytes += bytes;
            }
            Ok(Err(e)) => {
                if first_error.is_none() {
                    // Stop starting new files; those running finish or fail on their own.
                    permits.close();
                    first_error = Some(e);
                }
            }
            Err(join) if join.is_cancelled() => {}
            Err(join) => {
                first_error.get_or_insert(Error::InvalidInput(format!("a transfer task failed: {join}")));
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(copied),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_parse() {
        assert_eq!(
            Place::parse("s3://b-1/a/b.txt").unwrap(),
            Place::S3 {
                bucket: "b-1".into(),
                key: "a/b.txt".into()
            }
        );
        assert_eq!(
            Place::parse("s3://b-1").unwrap(),
            Place::S3 {
                bucket: "b-1".into(),
                key: "".into()
            }
        );
        assert_eq!(Place::parse("./x").unwrap(), Place::Local("./x".into()));
        assert!(Place::parse("s3://B").is_err());
    }
}
