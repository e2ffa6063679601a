//! The tray icon: a picture of the overall sync state and a menu (open, pause/resume all, recent
//! activity, quit).

use pail_engine::sync::status::OverallState;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};

/// The picture for an overall state.
fn icon(state: OverallState) -> &'static [u8] {
    match state {
        OverallState::Idle => include_bytes!("../../icons/tray/idle.png"),
        OverallState::Syncing => include_bytes!("../../icons/tray/syncing.png"),
        OverallState::Paused => include_bytes!("../../icons/tray/paused.png"),
        OverallState::Attention => include_bytes!("../../icons/tray/error.png"),
    }
}

/// The hover text for an overall state.
fn tooltip(state: OverallState) -> &'static str {
    match state {
        OverallState::Idle => "Pail — up to date",
        OverallState::Syncing => "Pail — syncing",
        OverallState::Paused => "Pail — paused",
        OverallState::Attention => "Pail — needs your attention",
    }
}

/// The tray icon and the menu items that change.
pub struct Tray {
    icon: TrayIcon,
    pause: MenuItem<Wry>,
    activity: Submenu<Wry>,
}

const MAX_ACTIVITY: usize = 6;

impl Tray {
    /// Puts the icon in the tray; its "Pause all syncing" item calls `pause_all` (the shell's
    /// state lives above this module, so it is handed in rather than looked up here).
    pub fn build<F>(app: &AppHandle, pause_all: F) -> tauri::Result<Tray>
    where
        F: Fn(&AppHandle) + Send + Sync + 'static,
    {
        let open = MenuItem::with_id(app, "open", "Open Pail", true, None::<&str>)?;
        let pause = MenuItem::with_id(app, "pause-all", "Pause all syncing", true, None::<&str>)?;
        let none = MenuItem::with_id(app, "activity-none", "Nothing synced yet", false, None::<&str>)?;
        let activity = Submenu::with_id_and_items(app, "activity", "Recent activity", true, &[&none])?;
        let quit = MenuItem::with_id(app, "quit", "Quit Pail", true, None::<&str>)?;
        let menu = Menu::with_items(
            app,
            &[
                &open,
                &pause,
                &PredefinedMenuItem::separator(app)?,
                &activity,
                &PredefinedMenuItem::separator(app)?,
                &quit,
            ],
        )?;
        let icon = TrayIconBuilder::with_id("pail")
            .icon(Image::from_bytes(icon(OverallState::Idle))?)
            .tooltip(tooltip(OverallState::Idle))
            .menu(&menu)
            .on_menu_event(move |app, event| match event.id().as_ref() {
                "quit" => app.exit(0),
                "pause-all" => pause_all(app),
                // "open" and every activity line bring the window up.
                _ => show_main_window(app),
            })
            .build(app)?;
        Ok(Tray { icon, pause, activity })
    }

    /// Shows `state` and offers "resume" instead of "pause" when everything is paused.
    pub fn show(&self, state: OverallState, all_paused: bool) {
        let result = Image::from_bytes(icon(state))
            .and_then(|img| self.icon.set_icon(Some(img)))
            .and_then(|()| self.icon.set_tooltip(Some(tooltip(state))))
            .and_then(|()| {
                self.pause.set_text(if all_paused {
                    "Resume all syncing"
                } else {
                    "Pause all syncing"
                })
            });
        if let Err(e) = result {
            tracing::warn!("could not update the tray icon: {e}");
        }
    }

    /// Replaces the "Recent activity" lines.
    pub fn set_activity(&self, app: &AppHandle, lines: &[String]) {
        let result = (|| -> tauri::Result<()> {
            for item in self.activity.items()? {
                self.activity.remove(&item)?;
            }
            if lines.is_empty() {
                let none = MenuItem::with_id(app, "activity-none", "Nothing synced yet", false, None::<&str>)?;
                return self.activity.append(&none);
            }
            for (i, line) in lines.iter().take(MAX_ACTIVITY).enumerate() {
                let item = MenuItem::with_id(app, format!("activity-{i}"), line, true, None::<&str>)?;
                self.activity.append(&item)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            tracing::warn!("could not update the tray's recent activity: {e}");
        }
    }
}

/// Shows, un-minimizes and focuses the main window.
pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
