//! The one transfer journal (`transfers`, `transfer_parts`, `transfer_chunks`): every multipart
//! upload and ranged download in flight, so a restart resumes it or cleans up after it. A row
//! belongs to the app's queue (it has a connection), to a sync pair (it has a pair), or to
//! `pail cp` (neither).

use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteExecutor};

use crate::error::Result;
use crate::remote::{DonePart, JournalFuture, UploadJournal};
use crate::state::StateDb;

/// Which way a transfer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
#[sqlx(rename_all = "lowercase")]
pub enum Direction {
    /// Local file → object.
    Upload,
    /// Object → local file.
    Download,
}

/// Where a transfer is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
#[sqlx(rename_all = "lowercase")]
pub enum TransferState {
    /// Waiting for a free slot.
    Queued,
    /// Moving bytes.
    Running,
    /// Stopped by the user; resumes where it stopped.
    Paused,
    /// Stopped by an error; retry starts it again (finished parts kept).
    Failed,
    /// Finished and verified.
    Done,
    /// Cancelled: nothing left behind.
    Cancelled,
}

impl TransferState {
    /// The state a journaled transfer resumes in: one that was running when the app stopped is
    /// queued again.
    pub fn restored(self) -> TransferState {
        match self {
            TransferState::Running => TransferState::Queued,
            other => other,
        }
    }

    /// Done or cancelled: nothing more will happen.
    pub fn is_finished(self) -> bool {
        matches!(self, TransferState::Done | TransferState::Cancelled)
    }
}

/// What an upload may find at its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum PutCondition {
    /// Anything: the upload replaces it.
    #[default]
    None,
    /// Nothing (`If-None-Match: *`): for "keep both" and "skip", where a file appearing meanwhile
    /// must not be overwritten.
    Absent,
}

/// One journaled transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    /// Stable id.
    pub id: String,
    /// Up or down.
    pub direction: Direction,
    /// The connection of a queued transfer.
    pub connection_id: Option<String>,
    /// The sync pair of a sync engine's upload.
    pub pair_id: Option<String>,
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
    /// Where it is in its life.
    pub state: TransferState,
    /// What an upload may find at its key.
    pub put_condition: PutCondition,
    /// The ETag a partial download's bytes belong to.
    pub remote_etag: Option<String>,
    /// A partial download's temp file.
    pub temp_path: Option<String>,
    /// The last failure: code, message, detail.
    pub error: Option<(String, String, String)>,
}

impl TransferRow {
    /// A new row with a fresh id, queued, with nothing moved yet.
    pub fn new(direction: Direction, bucket: &str, key: &str, local_path: &str) -> TransferRow {
        TransferRow {
            id: uuid::Uuid::new_v4().to_string(),
            direction,
            connection_id: None,
            pair_id: None,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            local_path: local_path.to_owned(),
            size: 0,
            mtime_ns: 0,
            upload_id: None,
            state: TransferState::Queued,
            put_condition: PutCondition::None,
            remote_etag: None,
            temp_path: None,
            error: None,
        }
    }
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<TransferRow> {
    let size: i64 = r.try_get("size")?;
    let mtime: String = r.try_get("mtime_ns")?;
    let code: Option<String> = r.try_get("error_code")?;
    let message: Option<String> = r.try_get("error_message")?;
    let detail: Option<String> = r.try_get("error_detail")?;
    Ok(TransferRow {
        id: r.try_get("id")?,
        direction: r.try_get("direction")?,
        connection_id: r.try_get("connection_id")?,
        pair_id: r.try_get("pair_id")?,
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

/// Adds one row.
pub async fn insert(db: impl SqliteExecutor<'_>, row: &TransferRow) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    sqlx::query(
        "INSERT INTO transfers (id, direction, bucket, key, local_path, size, mtime_ns, upload_id, state,
                                created_at, updated_at, connection_id, pair_id, put_condition)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.id)
    .bind(row.direction)
    .bind(&row.bucket)
    .bind(&row.key)
    .bind(&row.local_path)
    .bind(i64::try_from(row.size).unwrap_or(i64::MAX))
    .bind(row.mtime_ns.to_string())
    .bind(&row.upload_id)
    .bind(row.state)
    .bind(&now)
    .bind(&now)
    .bind(&row.connection_id)
    .bind(&row.pair_id)
    .bind(row.put_condition)
    .execute(db)
    .await?;
    Ok(())
}

/// Adds rows in one transaction (a dropped folder of thousands of files is one commit).
pub async fn insert_all(db: &StateDb, rows: &[TransferRow]) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    for row in rows {
        insert(&mut *tx, row).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One row by id.
pub async fn get(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<TransferRow>> {
    let row = sqlx::query("SELECT * FROM transfers WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every row of the app's queue, in the order it was queued.
pub async fn queue(db: impl SqliteExecutor<'_>) -> Result<Vec<TransferRow>> {
    let rows = sqlx::query("SELECT * FROM transfers WHERE connection_id IS NOT NULL ORDER BY rowid")
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// An unfinished `pail cp` transfer of the same file to the same key, if one was interrupted.
pub async fn find_unfinished_copy(
    db: impl SqliteExecutor<'_>,
    direction: Direction,
    local_path: &str,
    bucket: &str,
    key: &str,
) -> Result<Option<TransferRow>> {
    let row = sqlx::query(
        "SELECT * FROM transfers WHERE direction = ? AND local_path = ? AND bucket = ? AND key = ?
           AND connection_id IS NULL AND pair_id IS NULL
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

/// A pair's multipart uploads that were started and never ended (a killed run's), oldest first.
pub async fn pair_uploads(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<Vec<TransferRow>> {
    let rows = sqlx::query("SELECT * FROM transfers WHERE pair_id = ? ORDER BY created_at")
        .bind(pair_id)
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

/// Removes a transfer (finished or cancelled) and its parts and chunks.
pub async fn delete(db: impl SqliteExecutor<'_>, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM transfers WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes rows (cleared from the list) with their parts and chunks, in one transaction.
pub async fn delete_many(db: &StateDb, ids: &[String]) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    for id in ids {
        delete(&mut *tx, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a row's state, clearing its failure unless it failed.
pub async fn set_state(db: impl SqliteExecutor<'_>, id: &str, state: TransferState) -> Result<()> {
    let failed = state == TransferState::Failed;
    sqlx::query(
        "UPDATE transfers SET state = ?, updated_at = ?,
            error_code = CASE WHEN ? THEN error_code END,
            error_message = CASE WHEN ? THEN error_message END,
            error_detail = CASE WHEN ? THEN error_detail END
         WHERE id = ?",
    )
    .bind(state)
    .bind(chrono::Utc::now().to_rfc3339())
    .bind(failed)
    .bind(failed)
    .bind(failed)
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
pub async fn forget_upload(db: &StateDb, id: &str) -> Result<()> {
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

/// Records a download's temp file and the ETag its bytes belong to; chunks of any earlier
/// version are forgotten.
pub async fn start_download(db: &StateDb, id: &str, etag: &str, temp: &str) -> Result<()> {
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

/// Moves a download's destination (the planned name was taken by the time it finished).
pub async fn set_local_path(db: impl SqliteExecutor<'_>, id: &str, local_path: &str) -> Result<()> {
    sqlx::query("UPDATE transfers SET local_path = ? WHERE id = ?")
        .bind(local_path)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The journal of one transfer row: records its upload id and confirmed parts as they happen, so
/// the upload can resume after a restart.
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

/// A sync pair's uploads in the journal: each multipart upload gets a row while it is open, so
/// after a crash the next run aborts it and no hidden parts stay billed.
#[derive(Debug, Clone)]
pub struct PairUploadJournal {
    /// The DB.
    pub db: StateDb,
    /// The pair whose uploads these are.
    pub pair_id: String,
    /// The pair's bucket.
    pub bucket: String,
}

impl UploadJournal for PairUploadJournal {
    fn started<'a>(&'a self, key: &'a str, upload_id: &'a str) -> JournalFuture<'a> {
        Box::pin(async move {
            let mut row = TransferRow::new(Direction::Upload, &self.bucket, key, "");
            row.pair_id = Some(self.pair_id.clone());
            row.upload_id = Some(upload_id.to_owned());
            row.state = TransferState::Running;
            insert(self.db.pool(), &row).await
        })
    }

    fn ended<'a>(&'a self, upload_id: &'a str) -> JournalFuture<'a> {
        Box::pin(async move {
            sqlx::query("DELETE FROM transfers WHERE pair_id = ? AND upload_id = ?")
                .bind(&self.pair_id)
                .bind(upload_id)
                .execute(self.db.pool())
                .await?;
            Ok(())
        })
    }
}
