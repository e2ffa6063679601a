//! The one resumable upload, used by the app's queue and by `pail cp`: a multipart upload
//! journaled part by part in its `transfers` row that resumes from its finished parts (unless the
//! file changed since), or one PUT for a small file.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::job::{io, Job};
use crate::error::{Error, Result};
use crate::remote::{
    part_size_for, DonePart, JournalFuture, PutControl, PutSpec, Remote, ResumeFrom, UploadJournal, UploadOptions,
    WriteCondition, Written,
};
use crate::state::transfers::{self, PutCondition, TransferJournal};
use crate::state::StateDb;

/// One upload of a local file to a key, journaled in the `transfers` row `id` (which must exist).
pub struct JournaledUpload<'a> {
    /// The client.
    pub remote: &'a Remote,
    /// The journal.
    pub db: &'a StateDb,
    /// The upload's row in the journal.
    pub id: &'a str,
    /// The file to send.
    pub path: &'a Path,
    /// The bucket.
    pub bucket: &'a str,
    /// The key.
    pub key: &'a str,
    /// Condition and metadata of the write.
    pub spec: &'a PutSpec,
    /// Part settings.
    pub options: UploadOptions,
    /// Cancels the upload: its parts are aborted, nothing stays billed.
    pub cancel: &'a CancellationToken,
    /// Pauses it: it stops with [`Error::Cancelled`] and keeps its parts and journal for a resume.
    pub pause: Option<&'a CancellationToken>,
    /// Counts the bytes safely sent.
    pub progress: Option<&'a Arc<AtomicU64>>,
}

impl JournaledUpload<'_> {
    /// Sends the file, resuming the journaled multipart upload where the file is unchanged since
    /// it began; the journal's upload id and parts are cleared by any outcome but a pause.
    pub async fn run(&self) -> Result<Written> {
        let meta = tokio::fs::metadata(self.path)
            .await
            .map_err(io(format!("read {}", self.path.display())))?;
        let stamp = crate::scan::identity_of(&meta);
        let size = meta.len();
        let row = transfers::get(self.db.pool(), self.id).await?;
        let unchanged = row
            .as_ref()
            .is_some_and(|r| r.size == size && r.mtime_ns == stamp.mtime_ns);
        let resume = match row.as_ref().and_then(|r| r.upload_id.clone()) {
            Some(upload_id) if unchanged => Some(ResumeFrom {
                upload_id,
                parts: transfers::parts(self.db.pool(), self.id).await?,
            }),
            Some(upload_id) => {
                // The file changed since the upload began: parts of the old content are useless.
                self.remote.abort_multipart(self.bucket, self.key, &upload_id).await?;
                transfers::forget_upload(self.db, self.id).await?;
                None
            }
            None => None,
        };
        if !unchanged {
            transfers::set_stamp(self.db.pool(), self.id, size, stamp.mtime_ns).await?;
        }
        if size < self.options.multipart_threshold.max(1) {
            return self.single_put(size).await;
        }
        let journal = ProgressJournal {
            inner: TransferJournal {
                db: self.db.clone(),
                id: self.id.to_owned(),
            },
            progress: self.progress,
            part_size: part_size_for(self.options, size),
            size,
        };
        let resuming = resume.is_some();
        let already: u64 = resume
            .as_ref()
            .map(|r| r.parts.iter().map(|p| journal.part_len(p.number)).sum())
            .unwrap_or(0);
        self.set_progress(already);
        let mut result = self.multipart(&journal, resume.as_ref()).await;
        if resuming && !self.stopped() && result.is_err() {
            // The store may have forgotten the old upload (expired, aborted elsewhere): start afresh once.
            tracing::info!(key = %crate::untrusted_text::escape_untrusted(self.key), "resuming the interrupted upload failed; sending the file again");
            transfers::forget_upload(self.db, self.id).await?;
            self.set_progress(0);
            result = self.multipart(&journal, None).await;
        }
        if self.pause.is_some_and(CancellationToken::is_cancelled) && result.is_err() {
            // Paused: the parts stay, journaled, for the resume.
            return Err(Error::Cancelled);
        }
        transfers::forget_upload(self.db, self.id).await?;
        result
    }

    /// One PUT. It does not watch the switches itself: dropping it stops the request.
    async fn single_put(&self, size: u64) -> Result<Written> {
        self.set_progress(0);
        let put = self.put(PutControl {
            progress: self.progress,
            ..PutControl::default()
        });
        let written = tokio::select! {
            done = put => done?,
            () = self.stop_requested() => return Err(Error::Cancelled),
        };
        self.set_progress(size);
        Ok(written)
    }

    async fn multipart(&self, journal: &ProgressJournal<'_>, resume: Option<&ResumeFrom>) -> Result<Written> {
        self.put(PutControl {
            journal: Some(journal),
            resume,
            cancel: Some(self.cancel),
            pause: self.pause,
            progress: None,
            expect: None,
        })
        .await
    }

    async fn put(&self, control: PutControl<'_>) -> Result<Written> {
        self.remote
            .put_file(self.path, self.bucket, self.key, self.spec, self.options, control)
            .await
    }

    fn stopped(&self) -> bool {
        self.cancel.is_cancelled() || self.pause.is_some_and(CancellationToken::is_cancelled)
    }

    async fn stop_requested(&self) {
        match self.pause {
            Some(pause) => tokio::select! {
                () = self.cancel.cancelled() => {}
                () = pause.cancelled() => {}
            },
            None => self.cancel.cancelled().await,
        }
    }

    fn set_progress(&self, bytes: u64) {
        if let Some(p) = self.progress {
            p.store(bytes, Ordering::Relaxed);
        }
    }
}

/// The transfer journal plus progress: each stored part counts its bytes as done.
struct ProgressJournal<'a> {
    inner: TransferJournal,
    progress: Option<&'a Arc<AtomicU64>>,
    part_size: u64,
    size: u64,
}

impl ProgressJournal<'_> {
    fn part_len(&self, number: i32) -> u64 {
        let index = u64::try_from(number.max(1) - 1).unwrap_or(0);
        self.part_size.min(self.size.saturating_sub(index * self.part_size))
    }
}

impl UploadJournal for ProgressJournal<'_> {
    fn started<'a>(&'a self, key: &'a str, upload_id: &'a str) -> JournalFuture<'a> {
        self.inner.started(key, upload_id)
    }

    fn ended<'a>(&'a self, upload_id: &'a str) -> JournalFuture<'a> {
        self.inner.ended(upload_id)
    }

    fn part_done<'a>(&'a self, upload_id: &'a str, part: &'a DonePart) -> JournalFuture<'a> {
        Box::pin(async move {
            self.inner.part_done(upload_id, part).await?;
            if let Some(p) = self.progress {
                p.fetch_add(self.part_len(part.number), Ordering::Relaxed);
            }
            Ok(())
        })
    }
}

/// Uploads a queued job's file.
pub(super) async fn run(job: &Job) -> Result<()> {
    let spec = PutSpec {
        condition: match job.row.put_condition {
            PutCondition::Absent => WriteCondition::IfAbsent,
            PutCondition::None => WriteCondition::None,
        },
        metadata: Vec::new(),
    };
    JournaledUpload {
        remote: &job.remote,
        db: &job.db,
        id: &job.row.id,
        path: Path::new(&job.row.local_path),
        bucket: &job.row.bucket,
        key: &job.row.key,
        spec: &spec,
        options: job.upload,
        cancel: &job.cancel,
        pause: Some(&job.pause),
        progress: Some(&job.progress),
    }
    .run()
    .await
    .map(|_| ())
}
