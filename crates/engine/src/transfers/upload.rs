//! Running one upload: a journaled multipart upload that resumes from its finished parts (unless
//! the file changed since), or one PUT for a small file.

use std::path::Path;
use std::sync::atomic::Ordering;

use super::job::{io, Job};
use crate::error::{Error, Result};
use crate::remote::{
    part_size_for, DonePart, JournalFuture, PutControl, PutSpec, ResumeFrom, UploadJournal, WriteCondition,
};
use crate::state::queue;
use crate::state::transfers::{self, TransferJournal};

/// The transfer journal plus progress: each stored part counts its bytes as done.
struct ProgressJournal<'a> {
    inner: TransferJournal,
    job: &'a Job,
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
            self.job
                .progress
                .fetch_add(self.part_len(part.number), Ordering::Relaxed);
            Ok(())
        })
    }
}

/// Uploads the job's file; on success the journal's upload id and parts are cleared.
pub(super) async fn run(job: &Job) -> Result<()> {
    let path = Path::new(&job.row.local_path);
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(io(format!("read {}", path.display())))?;
    let stamp = crate::scan::identity_of(&meta);
    let size = meta.len();
    let fresh = queue::get(job.db.pool(), &job.row.id)
        .await?
        .unwrap_or_else(|| job.row.clone());
    if fresh.size != size || fresh.mtime_ns != stamp.mtime_ns {
        // The file changed since it was queued: parts of the old content are useless.
        if let Some(upload_id) = &fresh.upload_id {
            job.remote
                .abort_multipart(&job.row.bucket, &job.row.key, upload_id)
                .await?;
        }
        queue::forget_upload(&job.db, &job.row.id).await?;
        queue::set_stamp(job.db.pool(), &job.row.id, size, stamp.mtime_ns).await?;
    }
    let resume = match (&fresh.upload_id, fresh.size == size && fresh.mtime_ns == stamp.mtime_ns) {
        (Some(upload_id), true) => Some(ResumeFrom {
            upload_id: upload_id.clone(),
            parts: transfers::parts(job.db.pool(), &job.row.id).await?,
        }),
        _ => None,
    };
    let spec = PutSpec {
        condition: if job.row.put_condition == "absent" {
            WriteCondition::IfAbsent
        } else {
            WriteCondition::None
        },
        metadata: Vec::new(),
    };
    if size < job.upload.multipart_threshold.max(1) {
        job.progress.store(0, Ordering::Relaxed);
        // A single PUT does not watch the switches itself; dropping it stops the request. Its
        // progress counts the bytes as they are sent.
        let put = job.remote.put_file(
            path,
            &job.row.bucket,
            &job.row.key,
            &spec,
            job.upload,
            PutControl {
                progress: Some(&job.progress),
                ..PutControl::default()
            },
        );
        tokio::select! {
            done = put => { done?; }
            () = job.stop_requested() => return Err(Error::Cancelled),
        }
        job.progress.store(size, Ordering::Relaxed);
        return Ok(());
    }
    let journal = ProgressJournal {
        inner: TransferJournal {
            db: job.db.clone(),
            id: job.row.id.clone(),
        },
        job,
        part_size: part_size_for(job.upload, size),
        size,
    };
    let resuming = resume.is_some();
    let already: u64 = resume
        .as_ref()
        .map(|r| r.parts.iter().map(|p| journal.part_len(p.number)).sum())
        .unwrap_or(0);
    job.progress.store(already, Ordering::Relaxed);
    let attempt = |resume: Option<ResumeFrom>| {
        let (journal, spec) = (&journal, &spec);
        async move {
            job.remote
                .put_file(
                    path,
                    &job.row.bucket,
                    &job.row.key,
                    spec,
                    job.upload,
                    PutControl {
                        journal: Some(journal),
                        resume: resume.as_ref(),
                        cancel: Some(&job.cancel),
                        pause: Some(&job.pause),
                        progress: None,
                        expect: None,
                    },
                )
                .await
        }
    };
    let mut result = attempt(resume).await;
    if resuming && !job.stopped() && result.is_err() {
        // The store may have forgotten the old upload (expired, aborted elsewhere): start afresh once.
        tracing::info!(key = %crate::untrusted_text::escape_untrusted(&job.row.key), "resuming the interrupted upload failed; sending the file again");
        queue::forget_upload(&job.db, &job.row.id).await?;
        job.progress.store(0, Ordering::Relaxed);
        result = attempt(None).await;
    }
    if job.pause.is_cancelled() && result.is_err() {
        return Err(Error::Cancelled);
    }
    queue::forget_upload(&job.db, &job.row.id).await?;
    result.map(|_| ())
}
