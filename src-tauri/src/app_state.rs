//! What the shell keeps between commands: the engine, the transfer queue and the listings in flight.

use std::collections::HashMap;
use std::sync::Mutex;

use pail_engine::transfers::TransferQueue;
use pail_engine::Engine;
use tokio_util::sync::CancellationToken;

/// Managed Tauri state.
pub struct AppState {
    /// The engine.
    pub engine: Engine,
    /// The transfer queue (uploads and downloads).
    pub transfers: TransferQueue,
    listings: Mutex<HashMap<u32, CancellationToken>>,
}

impl AppState {
    /// Wraps an opened engine.
    pub fn new(engine: Engine, transfers: TransferQueue) -> Self {
        Self {
            engine,
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
