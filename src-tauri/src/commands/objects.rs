//! What a file manager does to files and folders: new folder, rename, copy and move, delete (with
//! a count first), share links, content type, versions. Each command checks nothing itself: the
//! engine validates every input (IPC input is untrusted) and words every error.

use pail_engine::engine::{MoveOutcome, ShareLink, VersionHistory};
use pail_engine::remote::{ObjectProperties, PrefixSummary};
use tauri::State;

use crate::app_state::AppState;
use crate::error::CmdResult;

/// Creates the folder `name` inside `parent`; returns its path (ending in `/`).
#[tauri::command]
#[specta::specta]
pub async fn create_folder(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    parent: String,
    name: String,
) -> CmdResult<String> {
    Ok(state
        .engine
        .create_folder(&connection_id, &bucket, &parent, &name)
        .await?)
}

/// Renames a file, or a folder (`key` ending in `/`) with everything in it.
#[tauri::command]
#[specta::specta]
pub async fn rename_item(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    key: String,
    new_name: String,
) -> CmdResult<MoveOutcome> {
    Ok(state.engine.rename(&connection_id, &bucket, &key, &new_name).await?)
}

/// Copies files and folders into a folder of a bucket of the same connection.
#[tauri::command]
#[specta::specta]
pub async fn copy_items(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    keys: Vec<String>,
    to_bucket: String,
    to_prefix: String,
) -> CmdResult<MoveOutcome> {
    Ok(state
        .engine
        .transfer_items(&connection_id, &bucket, &keys, &to_bucket, &to_prefix, false)
        .await?)
}

/// Moves files and folders into a folder of a bucket of the same connection.
#[tauri::command]
#[specta::specta]
pub async fn move_items(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    keys: Vec<String>,
    to_bucket: String,
    to_prefix: String,
) -> CmdResult<MoveOutcome> {
    Ok(state
        .engine
        .transfer_items(&connection_id, &bucket, &keys, &to_bucket, &to_prefix, true)
        .await?)
}

/// How many objects and bytes deleting these files and folders would remove.
#[tauri::command]
#[specta::specta]
pub async fn delete_summary(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    keys: Vec<String>,
) -> CmdResult<PrefixSummary> {
    Ok(state.engine.delete_summary(&connection_id, &bucket, &keys).await?)
}

/// Deletes files and folders (with everything in them); returns how many objects went.
#[tauri::command]
#[specta::specta]
pub async fn delete_items(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    keys: Vec<String>,
) -> CmdResult<u64> {
    Ok(state.engine.delete(&connection_id, &bucket, &keys).await?)
}

/// A download link for a file, valid for `expires_in_secs` (at most 7 days).
#[tauri::command]
#[specta::specta]
pub async fn share_link(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    key: String,
    expires_in_secs: u32,
) -> CmdResult<ShareLink> {
    Ok(state
        .engine
        .share_link(&connection_id, &bucket, &key, expires_in_secs)
        .await?)
}

/// Changes a file's content type; returns its properties afterwards.
#[tauri::command]
#[specta::specta]
pub async fn set_content_type(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    key: String,
    content_type: String,
) -> CmdResult<ObjectProperties> {
    Ok(state
        .engine
        .set_content_type(&connection_id, &bucket, &key, &content_type)
        .await?)
}

/// A file's versions (listed only where the bucket keeps versions).
#[tauri::command]
#[specta::specta]
pub async fn list_versions(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    key: String,
) -> CmdResult<VersionHistory> {
    Ok(state.engine.list_versions(&connection_id, &bucket, &key).await?)
}

/// Makes an earlier version the current one again; returns the file's properties afterwards.
#[tauri::command]
#[specta::specta]
pub async fn restore_version(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    key: String,
    version_id: String,
) -> CmdResult<ObjectProperties> {
    Ok(state
        .engine
        .restore_version(&connection_id, &bucket, &key, &version_id)
        .await?)
}
