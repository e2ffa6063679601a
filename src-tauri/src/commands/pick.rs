//! Choosing local files and folders: the pickers run here and the window gets a grant
//! (see [`crate::grants`]); desktop drops reach the window as a grant through the channel it
//! gave `watch_drops`.

use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::error::CmdResult;
use crate::grants::{GrantPurpose, PathGrant, PathGrants};
use crate::picker::{pick, Pick};

/// Where the grants of files dropped on the window go: the channel of the folder view showing
/// now (the last one to call `watch_drops`).
#[derive(Default)]
pub struct DropTarget(std::sync::Mutex<Option<Channel<PathGrant>>>);

impl DropTarget {
    /// Makes `channel` the one drops go to.
    pub fn watch(&self, channel: Channel<PathGrant>) {
        if let Ok(mut current) = self.0.lock() {
            *current = Some(channel);
        }
    }

    /// Hands the grant of a drop to the window; false when no folder view takes drops.
    pub fn deliver(&self, grant: PathGrant) -> bool {
        let Ok(target) = self.0.lock() else { return false };
        target.as_ref().is_some_and(|channel| channel.send(grant).is_ok())
    }
}

/// Sends the grants of files and folders dropped on the window to `on_drop` from now on (the
/// folder view showing registers itself; the latest one wins).
#[tauri::command]
#[specta::specta]
pub fn watch_drops(target: State<'_, DropTarget>, on_drop: Channel<PathGrant>) {
    target.watch(on_drop);
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::GrantPurpose;
    use std::sync::{Arc, Mutex};

    fn grant(id: &str) -> PathGrant {
        PathGrant {
            id: id.into(),
            purpose: GrantPurpose::Upload,
            paths: vec!["/home/me/a.txt".into()],
        }
    }

    fn channel(seen: &Arc<Mutex<Vec<String>>>) -> Channel<PathGrant> {
        let seen = seen.clone();
        Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(json) = body {
                seen.lock().unwrap().push(json);
            }
            Ok(())
        })
    }

    #[test]
    fn a_drop_goes_to_the_latest_folder_view_and_nowhere_without_one() {
        let target = DropTarget::default();
        assert!(!target.deliver(grant("g0")), "no folder view: the drop is not taken");
        let (first, second) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        target.watch(channel(&first));
        target.watch(channel(&second));
        assert!(target.deliver(grant("g1")));
        assert!(first.lock().unwrap().is_empty(), "a replaced view gets nothing");
        let got = second.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("\"g1\""), "{got:?}");
    }
}
