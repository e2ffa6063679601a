//! Rows of `transfers` and `transfer_parts`: the journal that makes transfers restart-safe.

use sqlx::{Row, SqliteExecutor};

use crate::error::Result;
use crate::remote::{DonePart, JournalFuture, UploadJournal};
use crate::state::StateDb;

/// One journaled transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    /// Stable id.
    pub id: String,
    /// `upload` or `download`.
    pub direction: String,
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The local file.
    pub local_path: String,
    /// The local file's size when queued.
    pub size: u64,
    /// The local file's stamp when queued.
    pub mtime_ns: i128,
    /// The multipart upload in progress.
    pub upload_id: Option<String>,
    /// `queued`, `running`, `paused`, `failed`, `done` or `cancelled`.
    pub state: String,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<TransferRow> {
    let size: i64 = r.try_get("size")?;
    let mtime: String = r.try_get("mtime_ns")?;
    Ok(TransferRow {
        id: r.try_get("id")?,
        direction: r.try_get("direction")?,
        bucket: r.try_get("bucket")?,
        key: r.try_get("key")?,
        local_path: r.try_get("local_path")?,
        size: size.max(0) as u64,
        // A malformed stamp only means the file is not resumed but sent again.
        mtime_ns: mtime.parse().unwrap_or(-1),
        upload_id: r.try_get("upload_id")?,
        state: r.try_get("state")?,
    })
}

/// Adds a transfer in the `running` state.
pub async fn insert(db: impl SqliteExecutor<'_>, row: &TransferRow) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    sqlx::query(
        "INSERT INTO transfers (id, direction, bucket, key, local_path, size, mtime_ns, upload_id, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.id)
    .bind(&row.direction)
    .bind(&row.bucket)
    .bind(&row.key)
    .bind(&row.local_path)
    .bind(i64::try_from(row.size).unwrap_or(i64::MAX))
    .bind(row.mtime_ns.to_string())
    .bind(&row.upload_id)
    .bind(&row.state)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await?;
    Ok(())
}

/// An unfinished transfer of the same file to the same key, if one was interrupted.
pub async fn find_unfinished(
    db: impl SqliteExecutor<'_>,
    direction: &str,
    local_path: &str,
    bucket: &str,
    key: &str,
) -> Result<Option<TransferRow>> {
    let row = sqlx::query(
        "SELECT * FROM transfers WHERE direction = ? AND local_path = ? AND bucket = ? AND key = ?
           AND state IN ('queued', 'running', 'paused', 'failed') ORDER BY created_at DESC LIMIT 1",
    )
    .bind(direction)
    .bind(local_path)
    .bind(bucket)
    .bind(key)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every transfer not finished yet, oldest first.
pub async fn unfinished(db: impl SqliteExecutor<'_>) -> Result<Vec<TransferRow>> {
    let rows = sqlx::query(
        "SELECT * FROM transfers WHERE state IN ('queued', 'running', 'paused', 'failed') ORDER BY created_at",
    )
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Parts the store confirmed for a transfer, in order.
pub async fn parts(db: impl SqliteExecutor<'_>, id: &str) -> Result<Vec<DonePart>> {
    let rows =
        sqlx::query("SELECT part_number, etag, crc32 FROM transfer_parts WHERE transfer_id = ? ORDER BY part_number")
            .bind(id)
            .fetch_all(db)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(DonePart {
                number: r.try_get("part_number")?,
                etag: r.try_get("etag")?,
                crc32: r.try_get("crc32")?,
            })
        })
        .collect()
}

/// Removes a transfer (finished or cancelled) and its parts.
pub async fn delete(db: impl SqliteExecutor<'_>, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM transfers WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The journal of one transfer: records its upload id and confirmed parts as they happen.
#[derive(Debug, Clone)]
pub struct TransferJournal {
    /// The DB.
    pub db: StateDb,
    /// The transfer's id.
    pub id: String,
}

impl UploadJournal for TransferJournal {
    fn started<'a>(&'a self, _key: &'a str, upload_id: &'a str) -> JournalFuture<'a> {
        Box::pin(async move {
            let mut tx = self.db.pool().begin().await?;
            sqlx::query("UPDATE transfers SET upload_id = ?, updated_at = ? WHERE id = ?")
                .bind(upload_id)
                .bind(chrono::Utc::now().to_rfc3339())
                .bind(&self.id)
                .execute(&mut *tx)
                .await?;
            // Parts of an earlier upload id belong to an upload that no longer counts.
            sqlx::query("DELETE FROM transfer_parts WHERE transfer_id = ?")
                .bind(&self.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn ended<'a>(&'a self, _upload_id: &'a str) -> JournalFuture<'a> {
        Box::pin(async { Ok(()) })
    }

    fn part_done<'a>(&'a self, _upload_id: &'a str, part: &'a DonePart) -> JournalFuture<'a> {
        Box::pin(async move {
            sqlx::query(
                "INSERT OR REPLACE INTO transfer_parts (transfer_id, part_number, etag, crc32) VALUES (?, ?, ?, ?)",
            )
            .bind(&self.id)
            .bind(part.number)
            .bind(&part.etag)
            .bind(&part.crc32)
            .execute(self.db.pool())
            .await?;
            Ok(())
        })
    }
}
