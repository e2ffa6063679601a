//! Connections: presets, CRUD, checking a draft, "Test connection", AWS profile import.

use pail_engine::aws_profiles::AwsProfileInfo;
use pail_engine::connections::{draft_problems, Connection, ConnectionDraft, DraftProblems};
use pail_engine::providers::{self, ProviderPreset};
use pail_engine::remote::ClientOptions;
use pail_engine::TestReport;
use tauri::State;

use crate::app_state::AppState;
use crate::error::CmdResult;

/// Provider presets for the connection form.
#[tauri::command]
#[specta::specta]
pub fn list_presets() -> Vec<ProviderPreset> {
    providers::presets()
}

/// All saved connections.
#[tauri::command]
#[specta::specta]
pub async fn list_connections(state: State<'_, AppState>) -> CmdResult<Vec<Connection>> {
    Ok(state.engine.list_connections().await?)
}

/// Saves a new connection (secret to the keyring).
#[tauri::command]
#[specta::specta]
pub async fn create_connection(state: State<'_, AppState>, draft: ConnectionDraft) -> CmdResult<Connection> {
    Ok(state.engine.create_connection(&draft).await?)
}

/// Edits a connection; a null secret keeps the stored one.
#[tauri::command]
#[specta::specta]
pub async fn update_connection(
    state: State<'_, AppState>,
    id: String,
    draft: ConnectionDraft,
) -> CmdResult<Connection> {
    Ok(state.engine.update_connection(&id, &draft).await?)
}

/// Renames a connection.
#[tauri::command]
#[specta::specta]
pub async fn rename_connection(state: State<'_, AppState>, id: String, name: String) -> CmdResult<Connection> {
    Ok(state.engine.rename_connection(&id, &name).await?)
}

/// Removes a connection and its keyring entry.
#[tauri::command]
#[specta::specta]
pub async fn delete_connection(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    Ok(state.engine.delete_connection(&id).await?)
}

/// What is wrong with each field of a draft, in plain words: the form asks as the person types and
/// before saving. Pure and quick (no network, keyring or database), so it runs synchronously.
#[tauri::command]
#[specta::specta]
pub fn check_connection_draft(draft: ConnectionDraft) -> DraftProblems {
    draft_problems(&draft)
}

/// Tests a draft; `existing_id` lets an edit reuse the stored secret.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    draft: ConnectionDraft,
    existing_id: Option<String>,
) -> CmdResult<TestReport> {
    Ok(state
        .engine
        .test_connection(&draft, existing_id.as_deref(), ClientOptions::interactive())
        .await?)
}

/// Profiles found in ~/.aws/config and ~/.aws/credentials.
#[tauri::command]
#[specta::specta]
pub async fn discover_aws_profiles(state: State<'_, AppState>) -> CmdResult<Vec<AwsProfileInfo>> {
    Ok(state.engine.discover_aws_profiles().await?)
}

/// Imports the named profiles as connections.
#[tauri::command]
#[specta::specta]
pub async fn import_aws_profiles(state: State<'_, AppState>, names: Vec<String>) -> CmdResult<Vec<Connection>> {
    Ok(state.engine.import_aws_profiles(&names).await?)
}
