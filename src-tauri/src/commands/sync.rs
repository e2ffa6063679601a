//! Synced folders: add, check, pause, remove, ignore patterns, activity, conflicts, and the live
//! status stream. The engine's [`SyncManager`](pail_engine::sync::manager::SyncManager) does the
//! work and validates every input (IPC input is untrusted).

use pail_engine::sync::conflicts::{Conflict, Resolution};
use pail_engine::sync::local_root::LocalRootCheck;
use pail_engine::sync::manager::{ActivityEntry, CostOverview, PairCheck, PairDraft, PairInfo, PairStatus};
use pail_engine::sync::pair_files::PairFile;
use pail_engine::sync::Mode;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::app_state::AppState;
use crate::error::{CmdResult, UiError};
use crate::grants::{GrantPurpose, PathGrants};

/// A new pair as the window asks for it: the local folder is a grant from `choose_sync_folder`,
/// never a path the window names.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PairRequest {
    /// The connection.
    pub connection_id: String,
    /// The bucket.
    pub bucket: String,
    /// The bucket folder (`""` for the whole bucket).
    pub prefix: String,
    /// The grant id of the chosen local folder.
    pub folder: String,
    /// Which way changes flow.
    pub mode: Mode,
}

/// The folder behind a grant chosen for syncing.
fn sync_folder(grants: &PathGrants, id: &str) -> CmdResult<std::path::PathBuf> {
    Ok(grants
        .folder(id, GrantPurpose::SyncFolder)
        .map_err(pail_engine::Error::from)?)
}

fn draft(grants: &PathGrants, request: PairRequest) -> CmdResult<PairDraft> {
    let root = sync_folder(grants, &request.folder)?;
    Ok(PairDraft {
        connection_id: request.connection_id,
        bucket: request.bucket,
        prefix: request.prefix,
        local_root: root.to_string_lossy().into_owned(),
        mode: request.mode,
    })
}

/// Every synced folder with its live status.
#[tauri::command]
#[specta::specta]
pub async fn list_pairs(state: State<'_, AppState>) -> CmdResult<Vec<PairInfo>> {
    Ok(state.sync.list().await?)
}

/// Sends every status change to `on_status` from now on (one stream per window load).
#[tauri::command]
#[specta::specta]
pub fn watch_pairs(state: State<'_, AppState>, on_status: Channel<PairStatus>) {
    state.status.add_channel(on_status);
}

/// Checks a new pair and says what the first sync will meet; stores nothing.
#[tauri::command]
#[specta::specta]
pub async fn check_pair(
    state: State<'_, AppState>,
    grants: State<'_, PathGrants>,
    request: PairRequest,
) -> CmdResult<PairCheck> {
    Ok(state.sync.check(&draft(&grants, request)?).await?)
}

/// Says whether a chosen folder can be synced, or that it does not exist yet (first wizard step).
#[tauri::command]
#[specta::specta]
pub async fn check_sync_folder(
    state: State<'_, AppState>,
    grants: State<'_, PathGrants>,
    folder: String,
) -> CmdResult<LocalRootCheck> {
    let root = sync_folder(&grants, &folder)?;
    Ok(state.sync.check_local_root(&root).await?)
}

/// Creates a chosen folder that does not exist yet ("Create this folder"), then checks it.
#[tauri::command]
#[specta::specta]
pub async fn create_sync_folder(
    state: State<'_, AppState>,
    grants: State<'_, PathGrants>,
    folder: String,
) -> CmdResult<LocalRootCheck> {
    let root = sync_folder(&grants, &folder)?;
    Ok(state.sync.create_local_root(&root).await?)
}

/// Stores a new pair and starts syncing it.
#[tauri::command]
#[specta::specta]
pub async fn add_pair(
    state: State<'_, AppState>,
    grants: State<'_, PathGrants>,
    request: PairRequest,
) -> CmdResult<PairInfo> {
    let grant = request.folder.clone();
    let added = state.sync.add(&draft(&grants, request)?).await?;
    grants.revoke(&grant);
    Ok(added)
}

/// Stops syncing a folder; its files stay on both sides.
#[tauri::command]
#[specta::specta]
pub async fn remove_pair(state: State<'_, AppState>, pair_id: String) -> CmdResult<()> {
    state.sync.remove(&pair_id).await?;
    state.status.forget(&pair_id);
    Ok(())
}

/// Lists the pair's bucket folder and syncs at once ("Check now").
#[tauri::command]
#[specta::specta]
pub async fn check_pair_now(state: State<'_, AppState>, pair_id: String) -> CmdResult<()> {
    Ok(state.sync.check_now(&pair_id).await?)
}

/// Pauses or resumes one synced folder.
#[tauri::command]
#[specta::specta]
pub async fn set_pair_paused(state: State<'_, AppState>, pair_id: String, paused: bool) -> CmdResult<()> {
    Ok(state.sync.set_paused(&pair_id, paused).await?)
}

/// Changes which way a synced folder syncs (two-way, upload only, download only).
#[tauri::command]
#[specta::specta]
pub async fn set_pair_mode(state: State<'_, AppState>, pair_id: String, mode: Mode) -> CmdResult<()> {
    Ok(state.sync.set_mode(&pair_id, mode).await?)
}

/// Pauses or resumes every synced folder.
#[tauri::command]
#[specta::specta]
pub async fn set_all_paused(state: State<'_, AppState>, paused: bool) -> CmdResult<()> {
    Ok(state.sync.set_all_paused(paused).await?)
}

/// Replaces a pair's own ignore patterns (gitignore syntax, one per line).
#[tauri::command]
#[specta::specta]
pub async fn set_ignore_patterns(state: State<'_, AppState>, pair_id: String, patterns: Vec<String>) -> CmdResult<()> {
    Ok(state.sync.set_ignore_patterns(&pair_id, &patterns).await?)
}

/// The patterns every pair ignores before its own.
#[tauri::command]
#[specta::specta]
pub fn default_ignore_patterns() -> Vec<String> {
    pail_engine::scan::DEFAULT_IGNORES
        .iter()
        .map(|p| (*p).to_owned())
        .collect()
}

/// The user confirmed the deletions the mass-deletion guard held back.
#[tauri::command]
#[specta::specta]
pub async fn confirm_deletions(state: State<'_, AppState>, pair_id: String) -> CmdResult<()> {
    Ok(state.sync.confirm_deletions(&pair_id).await?)
}

/// Turns a synced folder's change marker on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_pair_change_marker(state: State<'_, AppState>, pair_id: String, on: bool) -> CmdResult<()> {
    Ok(state.sync.set_change_marker(&pair_id, on).await?)
}

/// What each synced folder sent to its store in the last 24 hours, by kind, and what that costs
/// at the provider's published prices.
#[tauri::command]
#[specta::specta]
pub async fn request_costs(state: State<'_, AppState>) -> CmdResult<CostOverview> {
    Ok(state.sync.request_costs().await?)
}

/// The newest activity of one synced folder, newest first.
#[tauri::command]
#[specta::specta]
pub async fn pair_activity(state: State<'_, AppState>, pair_id: String, limit: u32) -> CmdResult<Vec<ActivityEntry>> {
    Ok(state.sync.activity(&pair_id, limit.min(1000)).await?)
}

/// Puts back what one sync of a synced folder changed, removed or moved, on both sides, as far
/// as it still exists; says what was put back and what could not be.
#[tauri::command]
#[specta::specta]
pub async fn undo_sync_pass(
    state: State<'_, AppState>,
    pair_id: String,
    pass_id: String,
) -> CmdResult<pail_engine::sync::undo::UndoReport> {
    Ok(state.sync.undo_pass(&pair_id, &pass_id).await?)
}

/// The entries of one folder of a synced folder (`""` = its top), each with where it stands.
#[tauri::command]
#[specta::specta]
pub async fn pair_files(state: State<'_, AppState>, pair_id: String, dir: String) -> CmdResult<Vec<PairFile>> {
    Ok(state.sync.files(&pair_id, &dir).await?)
}

/// Unresolved conflicts of one synced folder.
#[tauri::command]
#[specta::specta]
pub async fn list_conflicts(state: State<'_, AppState>, pair_id: String) -> CmdResult<Vec<Conflict>> {
    Ok(state.sync.conflicts(&pair_id).await?)
}

/// Keeps one version of a conflict, or both.
#[tauri::command]
#[specta::specta]
pub async fn resolve_conflict(
    state: State<'_, AppState>,
    pair_id: String,
    copy_path: String,
    choice: Resolution,
) -> CmdResult<()> {
    Ok(state.sync.resolve_conflict(&pair_id, &copy_path, choice).await?)
}

/// Opens a file or folder of a synced folder (`""` = the folder itself) in the default app.
#[tauri::command]
#[specta::specta]
pub async fn open_in_pair(app: AppHandle, state: State<'_, AppState>, pair_id: String, path: String) -> CmdResult<()> {
    let local = state.sync.local_path(&pair_id, &path).await?;
    app.opener()
        .open_path(local.to_string_lossy(), None::<&str>)
        .map_err(|e| {
            UiError::internal(
                format!(
                    "Pail could not open {}. Open it from your file manager instead.",
                    local.display()
                ),
                e.to_string(),
            )
        })
}
