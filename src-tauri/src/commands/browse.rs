//! Browsing: buckets, streamed folder listings, object properties.

use std::ops::ControlFlow;

use pail_engine::connections::Connection;
use pail_engine::remote::{Entry, ObjectProperties};
use pail_engine::BucketList;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::app_state::AppState;
use crate::error::CmdResult;

/// One page of a streamed listing.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    /// The listing this page belongs to (the UI drops pages of stale listings).
    pub listing_id: u32,
    /// Rows of this page.
    pub entries: Vec<Entry>,
    /// True on the last page.
    pub done: bool,
}

/// Totals of a finished listing.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListSummary {
    /// The listing.
    pub listing_id: u32,
    /// Rows sent.
    pub entries: u32,
    /// Pages fetched.
    pub pages: u32,
}

/// The buckets of a connection.
#[tauri::command]
#[specta::specta]
pub async fn list_buckets(state: State<'_, AppState>, connection_id: String) -> CmdResult<BucketList> {
    Ok(state.engine.list_buckets(&connection_id).await?)
}

/// Opens a bucket by name and pins it to the connection.
#[tauri::command]
#[specta::specta]
pub async fn add_bucket(state: State<'_, AppState>, connection_id: String, bucket: String) -> CmdResult<Connection> {
    Ok(state.engine.add_bucket(&connection_id, &bucket).await?)
}

/// Streams a folder's rows page by page through `on_page`.
#[tauri::command]
#[specta::specta]
pub async fn list_folder(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    prefix: String,
    listing_id: u32,
    on_page: Channel<ListPage>,
) -> CmdResult<ListSummary> {
    let token = state.begin_listing(listing_id);
    let result = state
        .engine
        .list_folder(&connection_id, &bucket, &prefix, |entries| {
            if token.is_cancelled() {
                return ControlFlow::Break(());
            }
            match on_page.send(ListPage {
                listing_id,
                entries,
                done: false,
            }) {
                Ok(()) => ControlFlow::Continue(()),
                // The page is gone (window reloaded): stop fetching.
                Err(_) => ControlFlow::Break(()),
            }
        })
        .await;
    state.end_listing(listing_id);
    let summary = result?;
    // An empty final page tells the UI the stream ended, even for an empty folder.
    let _ = on_page.send(ListPage {
        listing_id,
        entries: Vec::new(),
        done: true,
    });
    Ok(ListSummary {
        listing_id,
        entries: u32::try_from(summary.entries).unwrap_or(u32::MAX),
        pages: u32::try_from(summary.pages).unwrap_or(u32::MAX),
    })
}

/// Stops a listing in flight.
#[tauri::command]
#[specta::specta]
pub fn cancel_listing(state: State<'_, AppState>, listing_id: u32) {
    state.cancel_listing(listing_id);
}

/// One object's properties.
#[tauri::command]
#[specta::specta]
pub async fn object_properties(
    state: State<'_, AppState>,
    connection_id: String,
    bucket: String,
    key: String,
) -> CmdResult<ObjectProperties> {
    Ok(state.engine.object_properties(&connection_id, &bucket, &key).await?)
}
