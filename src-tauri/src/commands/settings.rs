//! The Settings screen: the engine's preferences plus start at login (the OS's business).

use pail_engine::preferences::Preferences;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use crate::app_state::AppState;
use crate::error::{CmdResult, UiError};

/// Everything the Settings screen edits.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Start Pail (in the tray) when the user logs in.
    pub start_at_login: bool,
    /// What the engine obeys.
    pub preferences: Preferences,
}

/// The current settings.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(app: AppHandle, state: State<'_, AppState>) -> CmdResult<Settings> {
    let preferences = Preferences::load(state.engine.db()).await?;
    // Asked of the OS each time: the user may have removed the login item elsewhere.
    let start_at_login = app.autolaunch().is_enabled().unwrap_or(false);
    Ok(Settings {
        start_at_login,
        preferences,
    })
}

/// Saves the settings; running syncs pick up new limits and intervals at once.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(app: AppHandle, state: State<'_, AppState>, settings: Settings) -> CmdResult<Settings> {
    let before = Preferences::load(state.engine.db()).await?;
    settings.preferences.save(state.engine.db()).await?;
    state.engine.apply_preferences(&settings.preferences);
    state.status.set_notifications(settings.preferences.notifications);
    let autolaunch = app.autolaunch();
    let now_enabled = autolaunch.is_enabled().unwrap_or(false);
    if settings.start_at_login != now_enabled {
        let done = if settings.start_at_login {
            autolaunch.enable()
        } else {
            autolaunch.disable()
        };
        done.map_err(|e| {
            UiError::internal(
                "Pail could not change whether it starts at login. Check that your session allows login items.",
                e.to_string(),
            )
        })?;
    }
    if before.concurrency != settings.preferences.concurrency
        || before.poll_interval_secs != settings.preferences.poll_interval_secs
    {
        state.sync.restart_all().await?;
    }
    get_settings(app, state).await
}
