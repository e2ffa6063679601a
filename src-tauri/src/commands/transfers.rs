//! The transfer queue: uploads of dropped or picked files and folders (with the name-clash
//! check first), downloads to a chosen folder, pause / resume / cancel / retry / clear, and the
//! queue's updates as the `TransfersChanged` event. Plus quick previews. The engine validates
//! every input (IPC input is untrusted).

use std::collections::HashMap;
use std::path::PathBuf;

use pail_engine::remote::Preview;
use pail_engine::transfers::{ClashPolicy, Enqueued, TransfersUpdate, UploadCheck};
use serde::{Deserialize, Serialize};
use tauri::{Manager, State};

use crate::app_state::AppState;
use crate::error::{CmdResult, UiError};

/// The queue changed (at most ten times a second); `full` replaces the list.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct TransfersChanged(pub TransfersUpdate);

fn to_paths(list: Vec<String>) -> CmdResult<Vec<PathBuf>> {
    let out: Vec<PathBuf> = list.into_iter().map(PathBuf::from).collect();
    if out.is_empty() || out.iter().any(|p| !p.is_absolute()) {
        return Err(UiError::from(pail_engine::Error::InvalidInput(
            "Choose files or folders to upload.".into(),
        )));
    }
    Ok(out)
}

/// What uploading these paths into `bucket/prefix` would send, and which names exist already.
#[tauri::command]
#[specta::specta]
pub async fn check_upload(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    prefix: String,
    paths: Vec<String>,
) -> CmdResult<UploadCheck> {
    Ok(state
        .transfers
        .check_upload(&connection_id, &bucket, &prefix, &to_paths(paths)?)
        .await?)
}

/// Queues uploads of files and folders (what a drop or the Upload button gives) into
/// `bucket/prefix`; existing names follow `per_key`, else `policy`.
#[tauri::command]
#[specta::specta]
pub async fn upload_paths(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    prefix: String,
    paths: Vec<String>,
    policy: ClashPolicy,
    per_key: HashMap<String, ClashPolicy>,
) -> CmdResult<Enqueued> {
    Ok(state
        .transfers
        .enqueue_upload(&connection_id, &bucket, &prefix, &to_paths(paths)?, policy, &per_key)
        .await?)
}

/// Queues downloads of files and folders (keys ending in `/`) into the local folder `dest`.
#[tauri::command]
#[specta::specta]
pub async fn download_items(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    keys: Vec<String>,
    dest: String,
) -> CmdResult<Enqueued> {
    Ok(state
        .transfers
        .enqueue_download(&connection_id, &bucket, &keys, &PathBuf::from(dest))
        .await?)
}

/// The user's Downloads folder (where downloads go unless another folder is chosen).
#[tauri::command]
#[specta::specta]
pub async fn default_download_dir(app: tauri::AppHandle) -> CmdResult<String> {
    app.path()
        .download_dir()
        .or_else(|_| app.path().home_dir())
        .map(|p| p.to_string_lossy().into_owned())
        .map_err(|e| UiError::internal("Pail could not find your Downloads folder.", e.to_string()))
}

/// The whole queue and its totals.
#[tauri::command]
#[specta::specta]
pub async fn list_transfers(state: State<'_, AppState>) -> CmdResult<TransfersUpdate> {
    Ok(state.transfers.snapshot())
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
