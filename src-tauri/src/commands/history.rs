//! The time machine: a folder's moments, what changed since one, restoring the folder to it, and
//! recently deleted files. The engine checks every input and words every error.

use chrono::{DateTime, Utc};
use pail_engine::history::deleted::{self, DeletedHere};
use pail_engine::history::folder::{self, RestoreReport};
use pail_engine::history::model::{Change, ChangePoint};
use pail_engine::history::versioning::{self, HistorySettings};
use pail_engine::remote::{ClientOptions, Remote};
use tauri::State;

use crate::app_state::AppState;
use crate::error::CmdResult;

/// The most changes one answer lists (the summary counts them all).
const MAX_CHANGES_LISTED: usize = 2000;

async fn remote(state: &AppState, connection_id: &str) -> pail_engine::Result<Remote> {
    let connection = state.engine.connection(connection_id).await?;
    state.engine.remote(&connection, ClientOptions::interactive()).await
}

/// The moments a folder changed, newest first.
#[tauri::command]
#[specta::specta]
pub async fn folder_timeline(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    prefix: String,
) -> CmdResult<Vec<ChangePoint>> {
    let remote = remote(&state, &connection_id).await?;
    let mut points = folder::timeline(&remote, &bucket, &prefix).await?;
    points.reverse();
    Ok(points)
}

/// What going back to `at` would change in a folder, compared with now.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangesSince {
    /// Files that would come back (deleted since).
    pub back: u32,
    /// Files whose content would go back to what it was.
    pub changed: u32,
    /// Files that would be removed (added since; they stay in the history).
    pub removed: u32,
    /// The changes, at most the first 2,000, in key order.
    pub listed: Vec<Change>,
    /// The restore that makes exactly these changes, for [`restore_folder`].
    pub plan_id: String,
}

/// What going back to `at` would change in a folder, kept as a plan that `restore_folder` runs.
#[tauri::command]
#[specta::specta]
pub async fn folder_changes_since(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    prefix: String,
    at: DateTime<Utc>,
) -> CmdResult<ChangesSince> {
    use pail_engine::history::model::ChangeKind;
    let remote = remote(&state, &connection_id).await?;
    let mut out = ChangesSince {
        back: 0,
        changed: 0,
        removed: 0,
        listed: Vec::new(),
        plan_id: String::new(),
    };
    let plan = folder::preview_restore(&remote, &bucket, &prefix, at, |c| {
        match c.kind {
            ChangeKind::Deleted => out.back += 1,
            ChangeKind::Changed => out.changed += 1,
            ChangeKind::Added => out.removed += 1,
        }
        if out.listed.len() < MAX_CHANGES_LISTED {
            out.listed.push(c);
        }
    })
    .await?;
    out.plan_id = state.keep_restore_plan(plan);
    Ok(out)
}

/// Puts a folder back as previewed by `folder_changes_since` (undoably: nothing is deleted for
/// good); a file changed since the preview is left as it is and reported.
#[tauri::command]
#[specta::specta]
pub async fn restore_folder(
    state: State<'_, AppState>,
    connection_id: String,
    plan_id: String,
) -> CmdResult<RestoreReport> {
    let Some(plan) = state.take_restore_plan(&plan_id) else {
        return Err(pail_engine::Error::InvalidInput(
            "This preview is no longer current. Choose the moment again to see what going back changes.".into(),
        )
        .into());
    };
    let remote = remote(&state, &connection_id).await?;
    let bucket = plan.bucket().to_owned();
    let report = folder::apply_restore(&remote, plan).await?;
    tracing::info!(
        bucket,
        restored = report.restored.len(),
        removed = report.removed.len(),
        left = report.left.len(),
        "folder restored to an earlier moment"
    );
    Ok(report)
}

/// The deleted files directly in a folder, most recently deleted first, and its subfolders that
/// were deleted whole.
#[tauri::command]
#[specta::specta]
pub async fn deleted_files(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    prefix: String,
) -> CmdResult<DeletedHere> {
    let remote = remote(&state, &connection_id).await?;
    Ok(deleted::deleted_here(&remote, &bucket, &prefix).await?)
}

/// Brings deleted files back (a key ending with `/`: every deleted file of that folder).
#[tauri::command]
#[specta::specta]
pub async fn restore_deleted(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    keys: Vec<String>,
) -> CmdResult<RestoreReport> {
    let remote = remote(&state, &connection_id).await?;
    Ok(deleted::restore_deleted(&remote, &bucket, &keys).await?)
}

/// Whether a bucket keeps earlier versions, and for how long Pail's rule keeps old ones.
#[tauri::command]
#[specta::specta]
pub async fn bucket_history_settings(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
) -> CmdResult<HistorySettings> {
    let remote = remote(&state, &connection_id).await?;
    Ok(versioning::settings(&remote, &bucket).await?)
}

/// Turns versioning on for a bucket, keeping old versions `keep_days` days.
#[tauri::command]
#[specta::specta]
pub async fn keep_bucket_history(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    keep_days: u32,
) -> CmdResult<HistorySettings> {
    let remote = remote(&state, &connection_id).await?;
    Ok(versioning::turn_on(&remote, &bucket, keep_days).await?)
}
