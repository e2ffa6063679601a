//! Rows of `sync_uploads`: multipart uploads in flight, so a crashed run's parts get aborted.

use sqlx::{Row, SqliteExecutor};

use crate::error::Result;
use crate::remote::{JournalFuture, UploadJournal};
use crate::state::StateDb;

/// Notes that a multipart upload of `key` started.
pub async fn record(db: impl SqliteExecutor<'_>, pair_id: &str, key: &str, upload_id: &str) -> Result<()> {
    sqlx::query("INSERT OR REPLACE INTO sync_uploads (pair_id, key, upload_id, started_at) VALUES (?, ?, ?, ?)")
        .bind(pair_id)
        .bind(key)
        .bind(upload_id)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets an upload that was completed or aborted.
pub async fn clear(db: impl SqliteExecutor<'_>, pair_id: &str, upload_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sync_uploads WHERE pair_id = ? AND upload_id = ?")
        .bind(pair_id)
        .bind(upload_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Uploads a previous run left unfinished: (key, upload id).
pub async fn unfinished(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT key, upload_id FROM sync_uploads WHERE pair_id = ? ORDER BY started_at")
        .bind(pair_id)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("key")?, r.try_get("upload_id")?)))
        .collect()
}

/// The state DB as a pair's [`UploadJournal`].
#[derive(Debug, Clone)]
pub struct DbUploadJournal {
    /// The DB.
    pub db: StateDb,
    /// The pair whose uploads these are.
    pub pair_id: String,
}

impl UploadJournal for DbUploadJournal {
    fn started<'a>(&'a self, key: &'a str, upload_id: &'a str) -> JournalFuture<'a> {
        Box::pin(async move { record(self.db.pool(), &self.pair_id, key, upload_id).await })
    }

    fn ended<'a>(&'a self, upload_id: &'a str) -> JournalFuture<'a> {
        Box::pin(async move { clear(self.db.pool(), &self.pair_id, upload_id).await })
    }
}
