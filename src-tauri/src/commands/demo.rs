//! The built-in demo store.

use pail_engine::connections::Connection;
use serde::Serialize;
use tauri::State;

use crate::app_state::AppState;
use crate::error::CmdResult;

/// Whether the demo store is set up and running.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DemoStatus {
    /// The demo connection, once created.
    pub connection_id: Option<String>,
    /// Whether its server runs now.
    pub running: bool,
}

/// Demo store status.
#[tauri::command]
#[specta::specta]
pub async fn demo_status(state: State<'_, AppState>) -> CmdResult<DemoStatus> {
    let (connection_id, running) = state.engine.demo_status().await?;
    Ok(DemoStatus { connection_id, running })
}

/// Starts the demo store, creating its connection and sample bucket on first use.
#[tauri::command]
#[specta::specta]
pub async fn start_demo(state: State<'_, AppState>) -> CmdResult<Connection> {
    Ok(state.engine.start_demo().await?)
}
