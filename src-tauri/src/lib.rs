//! Pail's desktop shell: opens the engine, registers the typed commands, and runs the window.
//!
//! Layout: [`commands`] (one module per area), [`bindings`] (the command list and TypeScript
//! export), [`error`] (the IPC error shape), [`app_state`] (what lives between commands),
//! [`status_hub`] (sync statuses to the window, tray and notifications), [`tray`].
#![deny(missing_docs)]

pub mod app_state;
pub mod bindings;
pub mod commands;
pub mod error;
pub mod grants;
pub mod log_file;
pub mod picker;
mod state_db_trouble;
pub mod status_hub;
pub mod tray;
pub mod window_place;

use std::path::PathBuf;
use std::sync::Arc;

use pail_engine::preferences::Preferences;
use pail_engine::sync::manager::SyncManager;
use pail_engine::transfers::{QueueSettings, TransferQueue};
use pail_engine::{Engine, EngineConfig};
use tauri::Manager;

use crate::app_state::AppState;
use crate::status_hub::StatusHub;

pub use pail_engine::DATA_DIR_ENV;
/// Environment variable that changes the keyring service name (tests isolate their secrets).
pub const KEYRING_SERVICE_ENV: &str = "PAIL_KEYRING_SERVICE";

/// Argument the login item starts Pail with: straight to the tray, no window.
pub const HIDDEN_ARG: &str = "--hidden";

/// Starts the app; returns when the user quits (closing the window keeps syncing in the tray).
pub fn run() {
    let log_file = init_logging();
    let specta = bindings::builder();
    let result = tauri::Builder::default()
        // First, so a second launch hands over before anything else starts.
        .plugin(single_instance())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(HIDDEN_ARG)
                .app_name("Pail")
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(specta.invoke_handler())
        .manage(grants::PathGrants::default())
        .manage(commands::pick::DropTarget::default())
        .on_window_event(on_window_event)
        .setup(move |app| setup(app, &log_file))
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(on_run_event),
        Err(e) => {
            tracing::error!(error = %e, "Pail could not start");
            eprintln!("Pail could not start: {e}");
            std::process::exit(1);
        }
    }
}

/// The main window's close, file drops and focus.
fn on_window_event(window: &tauri::Window, event: &tauri::WindowEvent) {
    match event {
        // With folders to sync, closing the window keeps Pail running in the tray.
        tauri::WindowEvent::CloseRequested { api, .. }
            if window.try_state::<AppState>().is_some_and(|s| s.status.has_pairs()) =>
        {
            api.prevent_close();
            let _ = window.hide();
        }
        tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) => {
            on_drop(window.app_handle(), paths.clone());
        }
        // While the window is in use, synced folders look for changes more often.
        tauri::WindowEvent::Focused(in_use) => {
            if let Some(state) = window.try_state::<AppState>() {
                state.sync.set_foreground(*in_use);
            }
        }
        _ => {}
    }
}

/// Finds the data folder, starts the log file there, and opens the engine (or asks what to do
/// about a damaged database first).
fn setup(app: &mut tauri::App, log_file: &log_file::LogFile) -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = pail_engine::data_dir()?;
    if let Err(e) = log_file.open_in(&data_dir) {
        tracing::warn!("could not open the log file: {e}");
    }
    let keyring_service = std::env::var(KEYRING_SERVICE_ENV).unwrap_or_else(|_| "pail".into());
    tracing::info!(data_dir = %data_dir.display(), "starting Pail");
    window_place::manage(app.handle(), &data_dir);
    let config = EngineConfig {
        data_dir,
        keyring_service,
        aws_files: Default::default(),
    };
    match tauri::async_runtime::block_on(Engine::open(config.clone())) {
        Ok(engine) => start(app.handle(), engine)?,
        // The window shows a native question; the app starts once it is answered.
        Err(e) => state_db_trouble::ask(app.handle().clone(), config, e),
    }
    Ok(())
}

/// On quit, stops transfers and syncing and closes the engine before the process ends.
fn on_run_event(handle: &tauri::AppHandle, event: tauri::RunEvent) {
    if let tauri::RunEvent::Exit = event {
        // Absent when the app quits from the damaged-database question.
        let Some(state) = handle.try_state::<AppState>() else {
            return;
        };
        // Running transfers stop where they are; the journal resumes them on the next start.
        state.transfers.halt();
        let (sync, engine) = (state.sync.clone(), state.engine.clone());
        tauri::async_runtime::block_on(async move {
            sync.stop_all().await;
            engine.shutdown().await;
        });
    }
}

/// The tray's "Pause all syncing": pauses every pair, or resumes them all when all are paused.
fn pause_or_resume_all(app: &tauri::AppHandle) {
    let state = app.state::<AppState>();
    let sync = state.sync.clone();
    let pause = !state.status.all_paused();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = sync.set_all_paused(pause).await {
            tracing::warn!(detail = %e.detail(), "pause/resume all from the tray failed");
        }
    });
}

/// Everything that needs the opened engine: sync, tray, transfer queue, the app's state.
fn start(app: &tauri::AppHandle, engine: Engine) -> Result<(), String> {
    let prefs = tauri::async_runtime::block_on(Preferences::load(engine.db())).unwrap_or_default();
    let hub = Arc::new(StatusHub::new(prefs.notifications));
    let listener = {
        let hub = hub.clone();
        Arc::new(move |s: &pail_engine::sync::manager::PairStatus| hub.on_status(s))
    };
    let sync = SyncManager::new(engine.clone(), listener);
    let tray = match tray::Tray::build(app, pause_or_resume_all) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!("no tray icon (the desktop may have no tray): {e}");
            None
        }
    };
    hub.attach(app.clone(), tray, sync.clone());
    if std::env::args().any(|a| a == HIDDEN_ARG) {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.hide();
        }
    }
    let resume = engine.clone();
    let start = sync.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = resume.resume_demo_if_configured().await {
            tracing::warn!(detail = %e.detail(), "demo store did not resume");
        }
        if let Err(e) = start.start_all().await {
            tracing::warn!(detail = %e.detail(), "synced folders did not start");
        }
    });
    let queue = tauri::async_runtime::block_on(TransferQueue::open(engine.clone(), QueueSettings::default()))
        .map_err(|e| format!("{} ({})", e.user_message(), e.detail()))?;
    let watch = commands::transfers::TransferWatch::default();
    watch.forward(queue.clone());
    app.manage(watch);
    app.manage(AppState::new(engine, sync, hub, queue));
    Ok(())
}

/// Files dropped on the window become an upload grant the window can use (the webview's own drop
/// event carries the paths too, but the backend never takes paths from the window).
fn on_drop(app: &tauri::AppHandle, paths: Vec<PathBuf>) {
    let Some(grant) = app
        .state::<grants::PathGrants>()
        .issue(grants::GrantPurpose::Upload, paths)
    else {
        return;
    };
    if !app.state::<commands::pick::DropTarget>().deliver(grant.clone()) {
        // No folder view takes drops now (settings, synced folders): the grant is not kept.
        app.state::<grants::PathGrants>().revoke(&grant.id);
        tracing::debug!("files were dropped where nothing takes them");
    }
}

/// One running Pail per data folder: a second launch shows the first one's window and exits.
/// A moved data folder (tests, portable installs) is a separate profile with its own instance.
fn single_instance() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let mut builder =
        tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| tray::show_main_window(app));
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        dir.hash(&mut h);
        builder = builder.dbus_id(format!("{}.p{:016x}", pail_engine::APP_IDENTIFIER, h.finish()));
    }
    builder.build()
}

fn init_logging() -> log_file::LogFile {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAIL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,s3s=off"));
    let sink = log_file::LogFile::default();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(sink.clone())
        .try_init();
    sink
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_engine_and_tauri_agree_on_the_app_identifier() {
        // The CLI finds the app's data folder through pail_engine::APP_IDENTIFIER.
        let conf: serde_json::Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], pail_engine::APP_IDENTIFIER);
    }
}
