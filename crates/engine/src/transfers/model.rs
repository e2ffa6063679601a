//! What the queue shows: one view per transfer, totals, and the deltas sent to the UI.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

pub use crate::state::transfers::{Direction, TransferState};

/// Why a transfer failed, worded for a person, with the technical text one click away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TransferFailure {
    /// The classified kind.
    pub code: ErrorCode,
    /// A sentence to act on.
    pub message: String,
    /// Technical detail.
    pub detail: String,
}

/// One transfer as the Transfers view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    /// Stable id.
    pub id: String,
    /// Up or down.
    pub direction: Direction,
    /// The connection used.
    pub connection_id: String,
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The local file.
    pub local_path: String,
    /// Bytes to move.
    pub size: u64,
    /// Bytes moved and safely stored so far.
    pub done_bytes: u64,
    /// Its state.
    pub state: TransferState,
    /// Current speed, bytes per second (0 unless running).
    pub bytes_per_sec: u64,
    /// Estimated seconds left, when running and moving.
    pub eta_secs: Option<u64>,
    /// Why it failed.
    pub failure: Option<TransferFailure>,
}

/// The queue as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TransferTotals {
    /// Transfers queued or running.
    pub active: u32,
    /// Transfers paused.
    pub paused: u32,
    /// Transfers failed.
    pub failed: u32,
    /// Transfers done.
    pub done: u32,
    /// Bytes of the transfers not cancelled.
    pub total_bytes: u64,
    /// Bytes of those already moved.
    pub done_bytes: u64,
    /// Sum of the running transfers' speeds.
    pub bytes_per_sec: u64,
    /// Estimated seconds until the queued and running transfers are done.
    pub eta_secs: Option<u64>,
}

/// What changed since the last update (at most ten a second).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TransfersUpdate {
    /// Transfers that are new or changed, in queue order.
    pub changed: Vec<TransferView>,
    /// Ids of transfers cleared from the list.
    pub removed: Vec<String>,
    /// The totals now.
    pub totals: TransferTotals,
    /// True when `changed` is the whole list (replace, do not merge).
    pub full: bool,
}

/// What to do with an upload whose key already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ClashPolicy {
    /// Overwrite the object.
    Replace,
    /// Leave the object alone; do not upload this file.
    Skip,
    /// Upload under a free name: `name (2).ext`.
    KeepBoth,
}

/// The keys an upload would write that already exist, for the name-clash prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UploadCheck {
    /// Files the upload would send.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Destination keys that exist already, in order.
    pub existing: Vec<String>,
    /// Paths skipped (symbolic links, names that are not UTF-8), with why.
    pub skipped: Vec<String>,
}

/// What queuing did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Enqueued {
    /// Transfers added.
    pub queued: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Files left out by a "skip" decision.
    pub skipped_existing: u64,
    /// Paths or keys left out, with why (symbolic links, unusable names).
    pub skipped: Vec<String>,
}
