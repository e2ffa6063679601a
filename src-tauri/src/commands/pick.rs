//! Choosing local files and folders: the pickers run here and the window gets a grant
//! (see [`crate::grants`]); desktop drops arrive as the `PathsDropped` event with a grant.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};

use crate::error::CmdResult;
use crate::grants::{GrantPurpose, PathGrant, PathGrants};
use crate::picker::{pick, Pick};

/// Files or folders were dropped on the window; the grant uploads them.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct PathsDropped(pub PathGrant);

/// Asks for files (or folders) to upload; `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_upload(app: AppHandle, grants: State<'_, PathGrants>, folders: bool) -> CmdResult<Option<PathGrant>> {
    let (what, title) = if folders {
        (Pick::Folders, "Upload folders")
    } else {
        (Pick::Files, "Upload files")
    };
    let chosen = pick(&app, what, title).await;
    Ok(grants.issue(GrantPurpose::Upload, chosen))
}

/// Asks for the folder to download into (opening at the Downloads folder); `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_download_folder(app: AppHandle, grants: State<'_, PathGrants>) -> CmdResult<Option<PathGrant>> {
    let start = app.path().download_dir().or_else(|_| app.path().home_dir()).ok();
    let chosen = pick(&app, Pick::Folder { start }, "Download to…").await;
    Ok(grants.issue(GrantPurpose::DownloadTo, chosen))
}

/// Asks for the folder to keep in sync; `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_sync_folder(app: AppHandle, grants: State<'_, PathGrants>) -> CmdResult<Option<PathGrant>> {
    let start = app.path().home_dir().ok();
    let chosen = pick(&app, Pick::Folder { start }, "Choose the folder to sync").await;
    Ok(grants.issue(GrantPurpose::SyncFolder, chosen))
}
