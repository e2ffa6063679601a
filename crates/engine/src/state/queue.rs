//! The app's transfer queue in the `transfers` journal: rows that belong to a connection (rows
//! without one are `pail cp`'s), their state and last failure, and the chunks of partial downloads.

use sqlx::{Row, SqliteExecutor};

use crate::error::Result;

/// One queued transfer as journaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    /// Stable id.
    pub id: String,
    /// `upload` or `download`.
    pub direction: String,
    /// The connection it uses.
    pub connection_id: String,
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The local file (source of an upload, destination of a download).
    pub local_path: String,
    /// Bytes to move.
    pub size: u64,
    /// The local file's stamp when queued (uploads), to notice a file changed before a resume.
    pub mtime_ns: i128,
    /// The multipart upload in progress.
    pub upload_id: Option<String>,
    /// `queued`, `running`, `paused`, `failed`, `done` or `cancelled`.
    pub state: String,
    /// `none` or `absent` (`If-None-Match: *`, for "keep both" and "skip" races).
    pub put_condition: String,
    /// The ETag a partial download's bytes belong to.
    pub remote_etag: Option<String>,
    /// A partial download's temp file.
    pub temp_path: Option<String>,
    /// The last failure: code, message, detail.
    pub error: Option<(String, String, String)>,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<QueueRow> {
    let size: i64 = r.try_get("size")?;
    let mtime: String = r.try_get("mtime_ns")?;
    let code: Option<String> = r.try_get("error_code")?;
    let message: Option<String> = r.try_get("error_message")?;
    let detail: Option<String> = r.try_get("error_detail")?;
    Ok(QueueRow {
        id: r.try_get("id")?,
        direction: r.try_get("direction")?,
        connection_id: r.try_get::<Option<String>, _>("connection_id")?.unwrap_or_default(),
        bucket: r.try_get("bucket")?,
        key: r.try_get("key")?,
        local_path: r.try_get("local_path")?,
        size: size.max(0) as u64,
        // A malformed stamp only means the file is sent again rather than resumed.
        mtime_ns: mtime.parse().unwrap_or(-1),
        upload_id: r.try_get("upload_id")?,
        state: r.try_get("state")?,
        put_condition: r.try_get("put_condition")?,
        remote_etag: r.try_get("remote_etag")?,
        temp_path: r.try_get("temp_path")?,
        error: code.map(|c| (c, message.unwrap_or_default(), detail.unwrap_or_default())),
    })
}

/// Adds queued rows in one transaction (a dropped folder of thousands of files is one commit).
pub async fn insert_all(db: &crate::state::StateDb, rows: &[QueueRow]) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    let mut tx = db.pool().begin().await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO transfers (id, direction, bucket, key, local_path, size, mtime_ns, upload_id, state,
                                    created_at, updated_at, connection_id, put_condition)
             VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
        )
        .bind(&row.id)
        .bind(&row.direction)
        .bind(&row.bucket)
        .bind(&row.key)
        .bind(&row.local_path)
        .bind(i64::try_from(row.size).unwrap_or(i64::MAX))
        .bind(row.mtime_ns.to_string())
        .bind(&row.state)
        .bind(&now)
        .bind(&now)
        .bind(&row.connection_id)
        .bind(&row.put_condition)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every queue row, in the order it was queued.
pub async fn load(db: impl SqliteExecutor<'_>) -> Result<Vec<QueueRow>> {
    let rows = sqlx::query("SELECT * FROM transfers WHERE connection_id IS NOT NULL ORDER BY rowid")
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Sets a row's state, clearing its failure unless it failed.
pub async fn set_state(db: impl SqliteExecutor<'_>, id: &str, state: &str) -> Result<()> {
    sqlx::query(
        "UPDATE transfers SET state = ?, updated_at = ?,
            error_code = CASE WHEN ? = 'failed' THEN error_code END,
            error_message = CASE WHEN ? = 'failed' THEN error_message END,
            error_detail = CASE WHEN ? = 'failed' THEN error_detail END
         WHERE id = ?",
    )
    .bind(state)
    .bind(chrono::Utc::now().to_rfc3339())
    .bind(state)
    .bind(state)
    .bind(state)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a row failed with its reason.
pub async fn set_failed(db: impl SqliteExecutor<'_>, id: &str, code: &str, message: &str, detail: &str) -> Result<()> {
    sqlx::query(
        "UPDATE transfers SET state = 'failed', error_code = ?, error_message = ?, error_detail = ?, updated_at = ?
         WHERE id = ?",
    )
    .bind(code)
    .bind(message)
    .bind(detail)
    .bind(chrono::Utc::now().to_rfc3339())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets a multipart upload (completed, aborted, or of a file that changed) and its parts.
pub async fn forget_upload(db: &crate::state::StateDb, id: &str) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE transfers SET upload_id = NULL WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM transfer_parts WHERE transfer_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a download's temp file and the ETag its bytes belong to; chunks of any earlier
/// version are forgotten.
pub async fn start_download(db: &crate::state::StateDb, id: &str, etag: &str, temp: &str) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE transfers SET remote_etag = ?, temp_path = ?, updated_at = ? WHERE id = ?")
        .bind(etag)
        .bind(temp)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM transfer_chunks WHERE transfer_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A chunk of a download is written (and flushed) to its temp file.
pub async fn chunk_done(db: impl SqliteExecutor<'_>, id: &str, chunk: u64) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO transfer_chunks (transfer_id, chunk) VALUES (?, ?)")
        .bind(id)
        .bind(i64::try_from(chunk).unwrap_or(i64::MAX))
        .execute(db)
        .await?;
    Ok(())
}

/// The chunks of a download already in its temp file.
pub async fn chunks(db: impl SqliteExecutor<'_>, id: &str) -> Result<Vec<u64>> {
    let rows = sqlx::query("SELECT chunk FROM transfer_chunks WHERE transfer_id = ? ORDER BY chunk")
        .bind(id)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i64, _>("chunk")?.max(0) as u64))
        .collect()
}

/// Removes rows (cleared from the list) with their parts and chunks.
pub async fn delete_many(db: &crate::state::StateDb, ids: &[String]) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    for id in ids {
        sqlx::query("DELETE FROM transfers WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One row by id.
pub async fn get(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<QueueRow>> {
    let row = sqlx::query("SELECT * FROM transfers WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records the local file's current size and stamp (it changed since it was queued).
pub async fn set_stamp(db: impl SqliteExecutor<'_>, id: &str, size: u64, mtime_ns: i128) -> Result<()> {
    sqlx::query("UPDATE transfers SET size = ?, mtime_ns = ?, updated_at = ? WHERE id = ?")
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .bind(mtime_ns.to_string())
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Moves a download's destination (the planned name was taken by the time it finished).
pub async fn set_local_path(db: impl SqliteExecutor<'_>, id: &str, local_path: &str) -> Result<()> {
    sqlx::query("UPDATE transfers SET local_path = ? WHERE id = ?")
        .bind(local_path)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
