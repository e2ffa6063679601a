//! What the shell keeps between commands: the engine, the sync service, the transfer queue, the
//! listings in flight and the folder restores the user previewed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pail_engine::history::folder::RestorePlan;
use pail_engine::sync::manager::SyncManager;
use pail_engine::transfers::TransferQueue;
use pail_engine::Engine;
use tokio_util::sync::CancellationToken;

use crate::status_hub::StatusHub;

/// Managed Tauri state.
pub struct AppState {
    /// The engine.
    pub engine: Engine,
    /// Runs the synced folders.
    pub sync: SyncManager,
    /// Where sync statuses go (window, tray, notifications).
    pub status: Arc<StatusHub>,
    /// The transfer queue (uploads and downloads).
    pub transfers: TransferQueue,
    listings: Mutex<HashMap<u32, CancellationToken>>,
    /// Folder restores the user previewed, newest last, by id: the restore applies exactly what
    /// was shown.
    restore_plans: Mutex<Vec<(String, RestorePlan)>>,
}

/// Previewed restores kept at once (each holds a key and a version id per changed file).
const KEPT_RESTORE_PLANS: usize = 4;

impl AppState {
    /// Wraps an opened engine, its sync service and its transfer queue.
    pub fn new(engine: Engine, sync: SyncManager, status: Arc<StatusHub>, transfers: TransferQueue) -> Self {
        Self {
            engine,
            sync,
            status,
            transfers,
            listings: Mutex::new(HashMap::new()),
            restore_plans: Mutex::new(Vec::new()),
        }
    }

    /// Keeps a previewed restore until it is applied; returns its id.
    pub fn keep_restore_plan(&self, plan: RestorePlan) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        if let Ok(mut plans) = self.restore_plans.lock() {
            if plans.len() >= KEPT_RESTORE_PLANS {
                plans.remove(0);
            }
            plans.push((id.clone(), plan));
        }
        id
    }

    /// Takes a previewed restore out (it runs once).
    pub fn take_restore_plan(&self, id: &str) -> Option<RestorePlan> {
        let mut plans = self.restore_plans.lock().ok()?;
        let at = plans.iter().position(|(kept, _)| kept == id)?;
        Some(plans.remove(at).1)
    }

    /// Registers a listing so it can be cancelled when the user navigates away.
    pub fn begin_listing(&self, id: u32) -> CancellationToken {
        let token = CancellationToken::new();
        if let Ok(mut map) = self.listings.lock() {
            if let Some(old) = map.insert(id, token.clone()) {
                old.cancel();
            }
        }
        token
    }

    /// Forgets a finished listing.
    pub fn end_listing(&self, id: u32) {
        if let Ok(mut map) = self.listings.lock() {
            map.remove(&id);
        }
    }

    /// Cancels a listing in flight (no-op when finished).
    pub fn cancel_listing(&self, id: u32) {
        if let Ok(mut map) = self.listings.lock() {
            if let Some(token) = map.remove(&id) {
                token.cancel();
            }
        }
    }
}
