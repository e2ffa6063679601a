//! What the shell keeps between commands: the engine, the sync service, the transfer queue and
//! the listings in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
}

impl AppState {
    /// Wraps an opened engine, its sync service and its transfer queue.
    pub fn new(engine: Engine, sync: SyncManager, status: Arc<StatusHub>, transfers: TransferQueue) -> Self {
        Self {
            engine,
            sync,
            status,
            transfers,
            listings: Mutex::new(HashMap::new()),
        }
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
