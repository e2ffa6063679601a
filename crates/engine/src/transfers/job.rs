//! What one running transfer gets: its journal row, a client, its progress counter and the
//! switches that pause or cancel it.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::remote::{Remote, UploadOptions};
use crate::state::transfers::TransferRow;
use crate::state::StateDb;

/// One transfer being run.
pub(super) struct Job {
    /// The state DB (journal).
    pub db: StateDb,
    /// A client for the transfer's connection.
    pub remote: Remote,
    /// The row as it was when the transfer started.
    pub row: TransferRow,
    /// Part settings for uploads.
    pub upload: UploadOptions,
    /// Ranges in flight per download.
    pub download_parallel: usize,
    /// Bytes safely moved so far.
    pub progress: Arc<AtomicU64>,
    /// Set when the user cancels: nothing may be left behind.
    pub cancel: CancellationToken,
    /// Set when the user pauses: keep what is done for the resume.
    pub pause: CancellationToken,
}

impl Job {
    /// Resolves when the user pauses or cancels.
    pub async fn stop_requested(&self) {
        tokio::select! {
            _ = self.cancel.cancelled() => {}
            _ = self.pause.cancelled() => {}
        }
    }
}

/// Maps an I/O error to the engine's error with what was being done.
pub(super) fn io(context: String) -> impl FnOnce(std::io::Error) -> crate::error::Error {
    move |source| crate::error::Error::Io { context, source }
}
