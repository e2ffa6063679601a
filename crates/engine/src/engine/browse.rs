//! Browsing: a connection's buckets, a folder's listing, one object's properties and preview.

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::connections::Connection;
use crate::error::{Error, ErrorCode, Result};
use crate::remote::{BucketInfo, ClientOptions, Entry, ListControl, ListSummary, ObjectProperties};
use crate::state;

/// The sidebar's buckets of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BucketList {
    /// Listed buckets plus pinned ones, by name.
    pub buckets: Vec<BucketInfo>,
    /// False when ListBuckets was refused and only pinned buckets are shown.
    pub can_list_buckets: bool,
}

impl Engine {
    /// The buckets of a connection: all it may list, plus the ones pinned by name.
    pub async fn list_buckets(&self, connection_id: &str) -> Result<BucketList> {
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::interactive()).await?;
        let (mut buckets, can_list_buckets) = match remote.list_buckets().await {
            Ok(b) => (b, true),
            Err(e) if e.code() == ErrorCode::AccessDenied && !connection.pinned_buckets.is_empty() => {
                (Vec::new(), false)
            }
            Err(e) => return Err(e),
        };
        for name in &connection.pinned_buckets {
            match buckets.iter_mut().find(|b| &b.name == name) {
                Some(b) => b.pinned = true,
                None => buckets.push(BucketInfo {
                    name: name.clone(),
                    created_at: None,
                    pinned: true,
                }),
            }
        }
        buckets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(BucketList {
            buckets,
            can_list_buckets,
        })
    }

    /// Checks a bucket typed by name can be opened, then pins it.
    pub async fn add_bucket(&self, connection_id: &str, bucket: &str) -> Result<Connection> {
        let bucket = bucket.trim();
        crate::connections::validate_bucket_name(bucket)?;
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::interactive()).await?;
        remote.probe_bucket(bucket).await?;
        state::connections::add_pinned(self.db.pool(), connection_id, bucket).await?;
        self.connection(connection_id).await
    }

    /// Streams a folder's rows page by page to `on_page`.
    pub async fn list_folder(
        &self,
        connection_id: &str,
        bucket: &str,
        prefix: &str,
        on_page: impl FnMut(Vec<Entry>) -> ListControl,
    ) -> Result<ListSummary> {
        // IPC input is untrusted: a crafted call must not reach S3 with a malformed name.
        crate::connections::validate_bucket_name(bucket)?;
        crate::prefix::folder_prefix(prefix)?;
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::default()).await?;
        remote.list_folder(bucket, prefix, 1000, on_page).await
    }

    /// Properties of one object.
    pub async fn object_properties(&self, connection_id: &str, bucket: &str, key: &str) -> Result<ObjectProperties> {
        crate::connections::validate_bucket_name(bucket)?;
        if key.is_empty() {
            return Err(Error::InvalidInput("No file was chosen.".into()));
        }
        let connection = self.connection(connection_id).await?;
        let remote = self.remote(&connection, ClientOptions::interactive()).await?;
        remote.object_properties(bucket, key).await
    }

    /// A quick preview of a text file or an image (bounded; see [`crate::remote::Preview`]).
    pub async fn preview(&self, connection_id: &str, bucket: &str, key: &str) -> Result<crate::remote::Preview> {
        crate::connections::validate_bucket_name(bucket)?;
        if key.is_empty() || key.ends_with('/') {
            return Err(Error::InvalidInput("Choose a file to preview.".into()));
        }
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        remote.preview(bucket, key).await
    }
}
