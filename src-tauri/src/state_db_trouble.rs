//! When Pail's state database cannot be opened: a native window says so and, when the file is
//! damaged, offers to move it aside and start fresh, instead of a silent exit with a log line.
//!
//! Starting fresh loses the list of connections and synced folders (their secrets stay in the
//! keyring, unused); a synced folder added again rebuilds its state by content hash, so nothing
//! is transferred twice or deleted. The damaged file is kept beside the new one.

use pail_engine::{Engine, EngineConfig, ErrorCode};
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::picker::scripted_answer;

const START_FRESH: &str = "Move it aside and start fresh";
const QUIT: &str = "Quit";

/// Asks what to do about an engine that did not open; starts the app or quits on the answer.
pub fn ask(app: AppHandle, config: EngineConfig, error: pail_engine::Error) {
    tracing::error!(code = ?error.code(), detail = %error.detail(), "Pail's state database could not be opened");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.hide();
    }
    let damaged = error.code() == ErrorCode::StateCorrupted;
    let text = question(&error, damaged);
    let dialog = app.dialog().message(text);
    let answered = move |fresh: bool| {
        if !(damaged && fresh) {
            app.exit(1);
            return;
        }
        match start_fresh(&app, config) {
            Ok(()) => {
                if let Some(window) = app.get_webview_window("main") {
                    // The page loaded before the engine was there: load it again, then show it.
                    let _ = window.reload();
                    let _ = window.show();
                    let _ = window.set_focus();
                }
            }
            Err(e) => {
                tracing::error!("starting fresh failed: {e}");
                let app2 = app.clone();
                app.dialog()
                    .message(format!("Pail could not start fresh either: {e}"))
                    .title("Pail cannot start")
                    .kind(MessageDialogKind::Error)
                    .buttons(MessageDialogButtons::OkCustom(QUIT.into()))
                    .show(move |_| app2.exit(1));
            }
        }
    };
    if let Some(answer) = scripted_answer() {
        std::thread::spawn(move || answered(answer));
        return;
    }
    let buttons = if damaged {
        MessageDialogButtons::OkCancelCustom(START_FRESH.into(), QUIT.into())
    } else {
        MessageDialogButtons::OkCustom(QUIT.into())
    };
    dialog
        .title("Pail cannot open its settings")
        .kind(MessageDialogKind::Error)
        .buttons(buttons)
        .show(answered);
}

/// Moves the damaged database aside, opens a new one and starts the app on it.
fn start_fresh(app: &AppHandle, config: EngineConfig) -> Result<(), String> {
    let kept = Engine::move_state_aside(&config.data_dir).map_err(|e| e.user_message())?;
    tracing::warn!(kept = %kept.display(), "damaged state database moved aside; starting fresh");
    let engine = tauri::async_runtime::block_on(Engine::open(config))
        .map_err(|e| format!("{} ({})", e.user_message(), e.detail()))?;
    crate::start(app, engine)
}

/// The words of the question: what happened, what starting fresh keeps and loses.
fn question(error: &pail_engine::Error, damaged: bool) -> String {
    let detail = error.detail();
    if damaged {
        format!(
            "{}\n\nPail can move the damaged file aside (it is kept, nothing is deleted) and start with an empty list. You would add your connections and synced folders again; their files are not touched, and syncing them again transfers nothing that is already in place.\n\nDetails: {detail}",
            error.user_message()
        )
    } else {
        format!("{}\n\nDetails: {detail}", error.user_message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_says_what_starting_fresh_keeps_and_loses() {
        let damaged = pail_engine::Error::StateCorrupted {
            path: "/data/state.sqlite3".into(),
            detail: "quick_check: page 3 is never used".into(),
        };
        let text = question(&damaged, true);
        assert!(text.contains("damaged"), "{text}");
        assert!(text.contains("nothing is deleted"), "{text}");
        assert!(text.contains("page 3"), "{text}");
        let other = pail_engine::Error::InvalidInput("The disk is full.".into());
        let text = question(&other, false);
        assert!(text.starts_with("The disk is full."), "{text}");
        assert!(!text.contains("start"), "{text}");
    }
}
