//! Fans every pair status out to the window (IPC channels), the tray icon and desktop
//! notifications. The sync manager calls [`StatusHub::on_status`] from its tasks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use pail_engine::sync::manager::{ActivityEntry, PairState, PairStatus, SyncManager};
use tauri::ipc::Channel;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

use crate::tray::{Tray, TrayState};

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
            .unwrap_or(TrayState::Idle);
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

    fn notify(&self, pair_id: &str, (title, body): (String, String)) {
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

/// The tray picture for a set of pair statuses: trouble first, then activity, then pause.
pub fn overall_state<'a>(statuses: impl Iterator<Item = &'a PairStatus>) -> TrayState {
    let mut any = false;
    let (mut syncing, mut all_paused) = (false, true);
    for s in statuses {
        any = true;
        match s.state {
            PairState::Offline | PairState::NeedsAttention => return TrayState::Error,
            PairState::Syncing | PairState::Starting => syncing = true,
            _ => {}
        }
        all_paused &= s.state == PairState::Paused;
    }
    if syncing {
        TrayState::Syncing
    } else if any && all_paused {
        TrayState::Paused
    } else {
        TrayState::Idle
    }
}

/// The (title, body) of a notification for a status change, if it deserves one. `{folder}` is
/// replaced by the folder's name. Each trouble is announced once, when it starts.
pub fn notification_for(previous: Option<&PairStatus>, now: &PairStatus) -> Option<(String, String)> {
    let was = |state: PairState| previous.is_some_and(|p| p.state == state);
    if now.deletions_held && !previous.is_some_and(|p| p.deletions_held) {
        return Some((
            "Pail held back deletions in {folder}".into(),
            now.message
                .clone()
                .unwrap_or_else(|| "Many files would be deleted. Open Pail to check and confirm.".into()),
        ));
    }
    if now.state == PairState::NeedsAttention && !was(PairState::NeedsAttention) && !now.deletions_held {
        return Some((
            "{folder} needs your attention".into(),
            now.message.clone().unwrap_or_default(),
        ));
    }
    if now.state == PairState::Offline && !was(PairState::Offline) {
        return Some((
            "{folder} is offline".into(),
            now.message
                .clone()
                .unwrap_or_else(|| "Pail cannot reach the bucket; it keeps retrying.".into()),
        ));
    }
    let before = previous.map_or(0, |p| p.conflicts);
    if now.conflicts > before && previous.is_some() {
        return Some((
            "Conflict in {folder}".into(),
            "A file was changed here and elsewhere at the same time. Both versions were kept; open Pail to choose."
                .into(),
        ));
    }
    None
}

fn folder_name(root: &str) -> String {
    std::path::Path::new(root)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| root.to_owned())
}

fn activity_line(a: &ActivityEntry) -> String {
    let verb = match a.action.as_str() {
        "upload" => "Uploaded",
        "download" => "Downloaded",
        "delete-remote" => "Deleted from the bucket",
        "trash-local" => "Moved to the trash",
        "move" => "Moved",
        "copy" => "Copied",
        "conflict" => "Conflict kept",
        "warning" | "skip" => "Skipped",
        "mkdir-remote" | "mkdir-local" => "New folder",
        "rmdir-local" => "Removed folder",
        other => other,
    };
    let name = a.path.trim_end_matches('/').rsplit('/').next().unwrap_or(&a.path);
    format!("{verb}: {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: PairState) -> PairStatus {
        PairStatus {
            pair_id: "p".into(),
            state,
            done: 0,
            total: 0,
            message: Some("why".into()),
            detail: None,
            error_code: None,
            deletions_held: false,
            conflicts: 0,
            last_synced: None,
        }
    }

    #[test]
    fn trouble_wins_over_activity_and_pause() {
        let all = [
            status(PairState::Syncing),
            status(PairState::Offline),
            status(PairState::Paused),
        ];
        assert_eq!(overall_state(all.iter()), TrayState::Error);
        let busy = [status(PairState::UpToDate), status(PairState::Syncing)];
        assert_eq!(overall_state(busy.iter()), TrayState::Syncing);
        let paused = [status(PairState::Paused), status(PairState::Paused)];
        assert_eq!(overall_state(paused.iter()), TrayState::Paused);
        let mixed = [status(PairState::Paused), status(PairState::UpToDate)];
        assert_eq!(overall_state(mixed.iter()), TrayState::Idle);
        assert_eq!(overall_state([].iter()), TrayState::Idle);
    }

    #[test]
    fn each_trouble_is_announced_once() {
        let offline = status(PairState::Offline);
        assert!(notification_for(Some(&status(PairState::UpToDate)), &offline).is_some());
        assert!(notification_for(Some(&offline), &offline).is_none());
        let attention = status(PairState::NeedsAttention);
        assert!(notification_for(Some(&offline), &attention).is_some());
        assert!(notification_for(Some(&attention), &attention).is_none());
        let mut held = status(PairState::NeedsAttention);
        held.deletions_held = true;
        let (title, _) = notification_for(Some(&attention), &held).unwrap_or_default();
        assert!(title.contains("deletions"), "{title}");
        assert!(notification_for(Some(&held), &held).is_none());
    }

    #[test]
    fn new_conflicts_are_announced_but_not_those_found_at_start() {
        let mut with_one = status(PairState::UpToDate);
        with_one.conflicts = 1;
        assert!(notification_for(None, &with_one).is_none());
        assert!(notification_for(Some(&status(PairState::Syncing)), &with_one).is_some());
        assert!(notification_for(Some(&with_one), &with_one).is_none());
    }

    #[test]
    fn activity_lines_name_the_file() {
        let a = ActivityEntry {
            id: 1,
            pair_id: "p".into(),
            at: String::new(),
            path: "docs/report.pdf".into(),
            action: "upload".into(),
            detail: String::new(),
        };
        assert_eq!(activity_line(&a), "Uploaded: report.pdf");
    }
}
