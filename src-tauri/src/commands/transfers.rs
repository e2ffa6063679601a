//! The transfer queue: uploads of dropped or picked files and folders (with the name-clash
//! check first), downloads to a chosen folder, pause / resume / cancel / retry / clear, and the
//! queue streamed to the window through a channel (`watch_transfers`). Plus quick previews. Local paths come only
//! as grants (see [`crate::grants`]); the engine validates everything else.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pail_engine::remote::Preview;
use pail_engine::transfers::{ClashPolicy, Enqueued, TransferQueue, TransfersUpdate, UploadCheck};
use tauri::ipc::Channel;
use tauri::State;

use crate::app_state::AppState;
use crate::error::CmdResult;
use crate::grants::{GrantPurpose, PathGrants};

fn granted(grants: &PathGrants, grant: &str, purpose: GrantPurpose) -> CmdResult<Vec<PathBuf>> {
    Ok(grants.paths(grant, purpose).map_err(pail_engine::Error::from)?)
}

/// What uploading the granted paths into `bucket/prefix` would send, and which names exist already.
#[tauri::command]
#[specta::specta]
pub async fn check_upload(
    state: State<'_, AppState>,
    grants: State<'_, PathGrants>,
    connection_id: String,
    bucket: String,
    prefix: String,
    grant: String,
) -> CmdResult<UploadCheck> {
    let paths = granted(&grants, &grant, GrantPurpose::Upload)?;
    Ok(state
        .transfers
        .check_upload(&connection_id, &bucket, &prefix, &paths)
        .await?)
}

/// Queues uploads of the granted files and folders (what a drop or the Upload button gave)
/// into `bucket/prefix`; existing names follow `per_key`, else `policy`. The grant is used up.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)] // Tauri passes each IPC argument separately.
pub async fn upload_paths(
    state: State<'_, AppState>,
    grants: State<'_, PathGrants>,
    connection_id: String,
    bucket: String,
    prefix: String,
    grant: String,
    policy: ClashPolicy,
    per_key: HashMap<String, ClashPolicy>,
) -> CmdResult<Enqueued> {
    let paths = granted(&grants, &grant, GrantPurpose::Upload)?;
    let queued = state
        .transfers
        .enqueue_upload(&connection_id, &bucket, &prefix, &paths, policy, &per_key)
        .await?;
    grants.revoke(&grant);
    Ok(queued)
}

/// Queues downloads of files and folders (keys ending in `/`) into the folder granted by
/// `pick_download_folder`; the grant is used up.
#[tauri::command]
#[specta::specta]
pub async fn download_items(
    state: State<'_, AppState>,
    grants: State<'_, PathGrants>,
    connection_id: String,
    bucket: String,
    keys: Vec<String>,
    grant: String,
) -> CmdResult<Enqueued> {
    let dest = grants
        .folder(&grant, GrantPurpose::DownloadTo)
        .map_err(pail_engine::Error::from)?;
    let queued = state
        .transfers
        .enqueue_download(&connection_id, &bucket, &keys, &dest)
        .await?;
    grants.revoke(&grant);
    Ok(queued)
}

/// Streams the queue to the window: the whole list first (`full`), then each change (at most
/// ten a second; a window that fell behind gets the whole list again). The latest channel wins,
/// so a reloaded window replaces the page before it instead of adding a listener.
#[tauri::command]
#[specta::specta]
pub fn watch_transfers(
    state: State<'_, AppState>,
    watch: State<'_, TransferWatch>,
    on_update: Channel<TransfersUpdate>,
) {
    watch.replace(on_update, &state.transfers);
}

/// Where the queue's updates go: the window's current channel, fed by one task for the app's life.
#[derive(Clone, Default)]
pub struct TransferWatch(Arc<Mutex<Option<Channel<TransfersUpdate>>>>);

impl TransferWatch {
    /// Sends `queue`'s updates to whichever channel watches from now on.
    pub fn forward(&self, queue: TransferQueue) {
        let watch = self.clone();
        let mut updates = queue.subscribe();
        tauri::async_runtime::spawn(async move {
            loop {
                let update = match updates.recv().await {
                    Ok(update) => update,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => queue.snapshot(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                watch.send(update);
            }
        });
    }

    /// Makes `channel` the one that gets updates, starting with the whole list.
    fn replace(&self, channel: Channel<TransfersUpdate>, queue: &TransferQueue) {
        let Ok(mut current) = self.0.lock() else { return };
        // Under the lock: no update reaches the new channel before its whole list.
        if let Err(e) = channel.send(queue.snapshot()) {
            tracing::debug!("could not send the transfer list: {e}");
        }
        *current = Some(channel);
    }

    fn send(&self, update: TransfersUpdate) {
        let Ok(current) = self.0.lock() else { return };
        if let Some(channel) = current.as_ref() {
            if let Err(e) = channel.send(update) {
                tracing::debug!("could not send a transfer update: {e}");
            }
        }
    }
}

/// Pauses transfers (running ones keep their finished parts).
#[tauri::command]
#[specta::specta]
pub async fn pause_transfers(state: State<'_, AppState>, ids: Vec<String>) -> CmdResult<()> {
    Ok(state.transfers.pause(&ids).await?)
}

/// Resumes paused transfers and retries failed or cancelled ones.
#[tauri::command]
#[specta::specta]
pub async fn resume_transfers(state: State<'_, AppState>, ids: Vec<String>) -> CmdResult<()> {
    Ok(state.transfers.resume(&ids).await?)
}

/// Cancels transfers, leaving no object, no hidden parts and no partial file behind.
#[tauri::command]
#[specta::specta]
pub async fn cancel_transfers(state: State<'_, AppState>, ids: Vec<String>) -> CmdResult<()> {
    Ok(state.transfers.cancel(&ids).await?)
}

/// Removes done and cancelled transfers from the list; returns how many.
#[tauri::command]
#[specta::specta]
pub async fn clear_finished_transfers(state: State<'_, AppState>) -> CmdResult<u64> {
    Ok(state.transfers.clear_finished().await?)
}

/// A quick preview of a text file or an image.
#[tauri::command]
#[specta::specta]
pub async fn preview_object(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    key: String,
) -> CmdResult<Preview> {
    Ok(state.engine.preview(&connection_id, &bucket, &key).await?)
}
