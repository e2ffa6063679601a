//! Landing downloads in batches: each file arrives in a temp file beside its destination and is
//! verified there; a lander then renames many of them into place together. A file never appears
//! under its name before it is complete and verified.
//!
//! With [`Durability::Flushed`] it also never appears before its bytes are on disk (a crash
//! leaves only `.pail-tmp-*` files), yet many small files share the wait for the disk instead of
//! paying one flush each on the download's critical path: a large batch is flushed one file
//! system at a time (Linux `syncfs`), far cheaper than thousands of per-file flushes. With
//! [`Durability::Deferred`] the system writes the files back in its own time.

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::remote::transfer::{land_batch, land_batch_deferred, land_batch_together, Durability, PendingFile};

/// Files waiting for a batch: bounded, so open temp files (one descriptor each) stay few.
const QUEUE: usize = 256;
/// The most files landed by one batch.
const MAX_BATCH: usize = 256;
/// Blocking threads flushing one batch file by file: enough to keep a disk's queue busy.
const FLUSHERS: usize = 8;
/// From this many files on, a batch is flushed one file system at a time rather than file by
/// file.
const TOGETHER: usize = 32;
/// How long a batch waits for the next file before it is landed: short enough that a lone file
/// lands at once to a person's eye.
const LINGER: std::time::Duration = std::time::Duration::from_millis(20);

/// What a lander did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Landed {
    /// Files renamed into place.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Renames verified downloads into place in batches, in the background (first making each batch
/// durable, unless its [`Durability`] is deferred).
/// A batch is whatever arrives until the files stop coming for a moment (or it is full), so an
/// idle lander lands a lone file almost at once and a busy one lands many per flush.
#[derive(Debug)]
pub struct Lander {
    tx: mpsc::Sender<(PendingFile, PathBuf)>,
    task: JoinHandle<(Landed, Option<Error>)>,
}

impl Default for Lander {
    fn default() -> Self {
        Self::new(Durability::Flushed)
    }
}

impl Lander {
    /// Starts a lander on the current runtime; with [`Durability::Deferred`] files are renamed
    /// into place without waiting for the disk.
    pub fn new(durability: Durability) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Self {
            tx,
            task: tokio::spawn(run(rx, durability)),
        }
    }

    /// Hands `file` over to be flushed and renamed to `dest` (replacing a file there). Waits only
    /// while the queue is full.
    pub async fn land(&self, file: PendingFile, dest: PathBuf) -> Result<()> {
        match self.tx.send((file, dest)).await {
            Ok(()) => Ok(()),
            Err(mpsc::error::SendError((file, _))) => {
                file.discard().await;
                Err(Error::Io {
                    context: "move a download into place".into(),
                    source: std::io::Error::other("the lander stopped"),
                })
            }
        }
    }

    /// Lands what was handed over and stops; fails with the first file that could not land
    /// (the others still did).
    pub async fn finish(self) -> Result<Landed> {
        drop(self.tx);
        match self.task.await {
            Ok((landed, None)) => Ok(landed),
            Ok((_, Some(e))) => Err(e),
            Err(join) => Err(Error::Io {
                context: "move downloads into place".into(),
                source: std::io::Error::other(join.to_string()),
            }),
        }
    }
}

async fn run(mut rx: mpsc::Receiver<(PendingFile, PathBuf)>, durability: Durability) -> (Landed, Option<Error>) {
    let mut landed = Landed::default();
    let mut first_error = None;
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Gather while files keep coming: a batch flushed together costs one flush where files
        // landed as they came cost one each.
        while batch.len() < MAX_BATCH {
            let room = MAX_BATCH - batch.len();
            let more = tokio::time::timeout(LINGER, rx.recv_many(&mut batch, room)).await;
            if !matches!(more, Ok(n) if n > 0) {
                break;
            }
        }
        if durability == Durability::Deferred || batch.len() >= TOGETHER {
            let whole = std::mem::take(&mut batch);
            let land = match durability {
                Durability::Deferred => land_batch_deferred,
                Durability::Flushed => land_batch_together,
            };
            let outcomes = match tokio::task::spawn_blocking(move || land(whole)).await {
                Ok(done) => done,
                Err(join) => vec![Err(Error::Io {
                    context: "move downloads into place".into(),
                    source: std::io::Error::other(join.to_string()),
                })],
            };
            tally(outcomes, &mut landed, &mut first_error);
            continue;
        }
        // Split over a few blocking threads so the disk sees several flushes at once; tokio's
        // blocking pool keeps its threads, where a thread per group per batch cost hundreds of
        // thread starts for a few thousand small files.
        let per_group = batch.len().div_ceil(FLUSHERS);
        let mut groups = Vec::new();
        while !batch.is_empty() {
            let rest = batch.split_off(per_group.min(batch.len()));
            groups.push(tokio::task::spawn_blocking({
                let group = std::mem::replace(&mut batch, rest);
                move || land_batch(group)
            }));
        }
        let mut outcomes = Vec::new();
        for group in groups {
            match group.await {
                Ok(done) => outcomes.extend(done),
                Err(join) => outcomes.push(Err(Error::Io {
                    context: "move downloads into place".into(),
                    source: std::io::Error::other(join.to_string()),
                })),
            }
        }
        tally(outcomes, &mut landed, &mut first_error);
    }
    (landed, first_error)
}

/// Counts what landed and keeps the first failure.
fn tally(outcomes: Vec<Result<u64>>, landed: &mut Landed, first_error: &mut Option<Error>) {
    for outcome in outcomes {
        match outcome {
            Ok(bytes) => {
                landed.files += 1;
                landed.bytes += bytes;
            }
            Err(e) => {
                tracing::warn!(error = %e.detail(), "a download could not be moved into place");
                first_error.get_or_insert(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn pending(dir: &std::path::Path, n: usize) -> PendingFile {
        let path = dir.join(format!("{}{n}", crate::remote::TEMP_PREFIX));
        let mut file = std::fs::File::create_new(&path).unwrap();
        file.write_all(format!("file {n}").as_bytes()).unwrap();
        let bytes = file.metadata().unwrap().len();
        PendingFile::for_test(path, file, bytes)
    }

    #[tokio::test]
    async fn every_file_lands_under_its_name_and_no_temp_file_stays() {
        every_file_lands(Durability::Flushed).await;
    }

    #[tokio::test]
    async fn deferred_files_land_under_their_names_too() {
        every_file_lands(Durability::Deferred).await;
    }

    async fn every_file_lands(durability: Durability) {
        let dir = tempfile::tempdir().unwrap();
        let lander = Lander::new(durability);
        for n in 0..300 {
            lander
                .land(pending(dir.path(), n), dir.path().join(format!("f{n}.txt")))
                .await
                .unwrap();
        }
        let landed = lander.finish().await.unwrap();
        assert_eq!(landed.files, 300);
        for n in 0..300 {
            let text = std::fs::read_to_string(dir.path().join(format!("f{n}.txt"))).unwrap();
            assert_eq!(text, format!("file {n}"));
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.starts_with(crate::remote::TEMP_PREFIX)),
            "{names:?}"
        );
    }

    #[test]
    fn a_batch_flushed_together_lands_all_but_the_file_that_cannot_land() {
        let dir = tempfile::tempdir().unwrap();
        let mut batch: Vec<_> = (0..TOGETHER + 8)
            .map(|n| (pending(dir.path(), n), dir.path().join(format!("f{n}.txt"))))
            .collect();
        batch[3].1 = dir.path().join("missing/f3.txt");
        let bad_temp = batch[3].0.path.clone();
        let outcomes = land_batch_together(batch);
        assert_eq!(outcomes.len(), TOGETHER + 8);
        for (n, outcome) in outcomes.iter().enumerate() {
            if n == 3 {
                assert!(outcome.as_ref().unwrap_err().detail().contains("f3.txt"));
            } else {
                assert_eq!(*outcome.as_ref().unwrap(), format!("file {n}").len() as u64);
                let text = std::fs::read_to_string(dir.path().join(format!("f{n}.txt"))).unwrap();
                assert_eq!(text, format!("file {n}"));
            }
        }
        assert!(!bad_temp.exists(), "the failed file's temp file is removed");
    }

    #[tokio::test]
    async fn a_file_that_cannot_land_is_reported_and_removed_while_the_others_land() {
        let dir = tempfile::tempdir().unwrap();
        let lander = Lander::default();
        let bad = pending(dir.path(), 1);
        let bad_temp = bad.path.clone();
        // Its destination's folder does not exist, so the rename fails.
        lander.land(bad, dir.path().join("missing/f1.txt")).await.unwrap();
        lander
            .land(pending(dir.path(), 2), dir.path().join("f2.txt"))
            .await
            .unwrap();
        let err = lander.finish().await.unwrap_err();
        assert!(err.detail().contains("f1.txt"), "{}", err.detail());
        assert!(!bad_temp.exists(), "the failed file's temp file is removed");
        assert_eq!(std::fs::read_to_string(dir.path().join("f2.txt")).unwrap(), "file 2");
    }
}
