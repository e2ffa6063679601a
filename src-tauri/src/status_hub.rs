//! Fans every pair status out to the window (IPC channels), the tray icon and desktop
//! notifications. The sync manager calls [`StatusHub::on_status`] from its tasks; what to show
//! is decided by the engine's `sync::status` rules, this module only delivers it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use pail_engine::sync::manager::{PairState, PairStatus, SyncManager};
use pail_engine::sync::status::{
    activity_line, folder_name, notification_for, overall_state, Notification, OverallState,
};
use tauri::ipc::Channel;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

use crate::tray::Tray;

/// Lines shown under the tray's "Recent activity".
const TRAY_ACTIVITY: u32 = 6;

/// Where statuses go.
#[derive(Default)]
pub struct StatusHub {
    app: OnceLock<AppHandle>,
    tray: OnceLock<Arc<Tray>>,
    sync: OnceLock<SyncManager>,
    channels: Mutex<Vec<Channel<PairStatus>>>,
    latest: Mutex<HashMap<String, PairStatus>>,
    notifications: AtomicBool,
}

impl StatusHub {
    /// A hub that notifies when `notifications` is on.
    pub fn new(notifications: bool) -> Self {
        let hub = Self::default();
        hub.notifications.store(notifications, Ordering::Relaxed);
        hub
    }

    /// Connects the hub to the running app (after setup created them).
    pub fn attach(&self, app: AppHandle, tray: Option<Tray>, sync: SyncManager) {
        let _ = self.app.set(app);
        if let Some(t) = tray {
            let _ = self.tray.set(Arc::new(t));
        }
        let _ = self.sync.set(sync);
        self.refresh_tray();
        self.refresh_activity();
    }

    /// A window wants the stream of statuses; it first gets the current ones.
    pub fn add_channel(&self, channel: Channel<PairStatus>) {
        let current: Vec<PairStatus> = self
            .latest
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        for s in current {
            let _ = channel.send(s);
        }
        if let Ok(mut list) = self.channels.lock() {
            list.push(channel);
        }
    }

    /// Turns desktop notifications on or off.
    pub fn set_notifications(&self, on: bool) {
        self.notifications.store(on, Ordering::Relaxed);
    }

    /// Forgets a removed pair.
    pub fn forget(&self, pair_id: &str) {
        if let Ok(mut m) = self.latest.lock() {
            m.remove(pair_id);
        }
        self.refresh_tray();
    }

    /// Whether any pair is synced at all (closing the window then keeps Pail in the tray).
    pub fn has_pairs(&self) -> bool {
        self.latest.lock().map(|m| !m.is_empty()).unwrap_or(false)
    }

    /// Whether every pair is paused (the tray then offers "resume all").
    pub fn all_paused(&self) -> bool {
        self.latest
            .lock()
            .map(|m| !m.is_empty() && m.values().all(|s| s.state == PairState::Paused))
            .unwrap_or(false)
    }

    /// One status change of one pair.
    pub fn on_status(&self, status: &PairStatus) {
        let previous = self
            .latest
            .lock()
            .ok()
            .and_then(|mut m| m.insert(status.pair_id.clone(), status.clone()));
        if let Ok(mut list) = self.channels.lock() {
            // A window that reloaded left its channel behind; sending to it fails.
            list.retain(|c| c.send(status.clone()).is_ok());
        }
        if let Some(note) = notification_for(previous.as_ref(), status) {
            self.notify(&status.pair_id, note);
        }
        self.refresh_tray();
        if status.state == PairState::UpToDate && previous.is_some_and(|p| p.state != PairState::UpToDate) {
            self.refresh_activity();
        }
    }

    fn refresh_tray(&self) {
        let Some(tray) = self.tray.get() else { return };
        let state = self
            .latest
            .lock()
            .map(|m| overall_state(m.values()))
            .unwrap_or(OverallState::Idle);
        tray.show(state, self.all_paused());
    }

    fn refresh_activity(&self) {
        let (Some(app), Some(sync), Some(tray)) = (
            self.app.get().cloned(),
            self.sync.get().cloned(),
            self.tray.get().cloned(),
        ) else {
            return;
        };
        tauri::async_runtime::spawn(async move {
            match sync.recent_activity(TRAY_ACTIVITY).await {
                Ok(entries) => {
                    let lines: Vec<String> = entries.iter().map(activity_line).collect();
                    tray.set_activity(&app, &lines);
                }
                Err(e) => tracing::warn!(detail = %e.detail(), "could not read recent activity for the tray"),
            }
        });
    }

    fn notify(&self, pair_id: &str, Notification { title, body }: Notification) {
        if !self.notifications.load(Ordering::Relaxed) {
            return;
        }
        let (Some(app), Some(sync)) = (self.app.get().cloned(), self.sync.get().cloned()) else {
            return;
        };
        let pair_id = pair_id.to_owned();
        tauri::async_runtime::spawn(async move {
            let folder = sync
                .list()
                .await
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|p| p.id == pair_id))
                .map(|p| folder_name(&p.local_root))
                .unwrap_or_else(|| "a synced folder".into());
            let shown = app
                .notification()
                .builder()
                .title(title.replace("{folder}", &folder))
                .body(body.replace("{folder}", &folder))
                .show();
            if let Err(e) = shown {
                // No notification service (a bare session): the window and tray still show it.
                tracing::info!("desktop notification not shown: {e}");
            }
        });
    }
}
