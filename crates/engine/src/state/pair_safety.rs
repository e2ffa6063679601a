//! Rows that keep a pair safe between runs: the identity of its local folder
//! (`sync_folder_identity`) and deletions waiting for the user's answer (`sync_held_deletions`).

use chrono::{SecondsFormat, Utc};
use sqlx::{Row, SqliteExecutor};

use crate::core::model::FolderIdentity;
use crate::core::model::Side;
use crate::error::Result;

/// The folder identity recorded for a pair, if any.
pub async fn folder_identity(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<Option<FolderIdentity>> {
    let row = sqlx::query("SELECT folder_id, device, inode FROM sync_folder_identity WHERE pair_id = ?")
        .bind(pair_id)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(FolderIdentity {
        folder_id: row.try_get("folder_id")?,
        // SQLite integers are signed; device and inode numbers are stored bit for bit.
        device: row.try_get::<i64, _>("device")? as u64,
        inode: row.try_get::<i64, _>("inode")? as u64,
    }))
}

/// Records (or updates) a pair's folder identity.
pub async fn save_folder_identity(db: impl SqliteExecutor<'_>, pair_id: &str, id: &FolderIdentity) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_folder_identity (pair_id, folder_id, device, inode) VALUES (?, ?, ?, ?)
         ON CONFLICT (pair_id) DO UPDATE SET folder_id = excluded.folder_id, device = excluded.device,
           inode = excluded.inode",
    )
    .bind(pair_id)
    .bind(&id.folder_id)
    .bind(id.device as i64)
    .bind(id.inode as i64)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletions held back for a pair and not answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDeletions {
    /// The side the deletions would happen on.
    pub side: Side,
    /// How many, when the guard tripped.
    pub count: usize,
    /// Synced paths then.
    pub total: usize,
}

/// The pair's held deletions, if the guard tripped and the user has not answered.
pub async fn held_deletions(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<Option<HeldDeletions>> {
    let row = sqlx::query("SELECT side, count, total FROM sync_held_deletions WHERE pair_id = ?")
        .bind(pair_id)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(HeldDeletions {
        side: if row.try_get::<String, _>("side")? == "local" {
            Side::Local
        } else {
            Side::Remote
        },
        count: row.try_get::<i64, _>("count")?.max(0) as usize,
        total: row.try_get::<i64, _>("total")?.max(0) as usize,
    }))
}

/// Records that the guard withheld deletions (kept until [`clear_held_deletions`]).
pub async fn hold_deletions(db: impl SqliteExecutor<'_>, pair_id: &str, held: &HeldDeletions) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_held_deletions (pair_id, side, count, total, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (pair_id) DO UPDATE SET side = excluded.side, count = excluded.count,
           total = excluded.total, at = excluded.at",
    )
    .bind(pair_id)
    .bind(match held.side {
        Side::Local => "local",
        Side::Remote => "remote",
    })
    .bind(held.count as i64)
    .bind(held.total as i64)
    .bind(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true))
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets held deletions: the user confirmed them, or nothing is left to delete.
pub async fn clear_held_deletions(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sync_held_deletions WHERE pair_id = ?")
        .bind(pair_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A store's probe result as recorded, with its age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedProbe {
    /// Each promise the store broke (empty: it kept them all).
    pub lacks: Vec<String>,
    /// What the probe saw.
    pub detail: String,
    /// When it was probed.
    pub probed_at: chrono::DateTime<Utc>,
}

/// The last probe of `bucket` at `endpoint`, if any.
pub async fn store_probe(db: impl SqliteExecutor<'_>, endpoint: &str, bucket: &str) -> Result<Option<RecordedProbe>> {
    let row = sqlx::query("SELECT lacks, detail, probed_at FROM store_probes WHERE endpoint = ? AND bucket = ?")
        .bind(endpoint)
        .bind(bucket)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    // An unreadable date is an old probe: the store is simply probed again.
    let probed_at = chrono::DateTime::parse_from_rfc3339(&row.try_get::<String, _>("probed_at")?)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
    Ok(Some(RecordedProbe {
        lacks: row
            .try_get::<String, _>("lacks")?
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        detail: row.try_get("detail")?,
        probed_at,
    }))
}

/// Records what a probe of `bucket` at `endpoint` found.
pub async fn save_store_probe(
    db: impl SqliteExecutor<'_>,
    endpoint: &str,
    bucket: &str,
    lacks: &[String],
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO store_probes (endpoint, bucket, honours_conditions, lacks, detail, probed_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (endpoint, bucket) DO UPDATE SET honours_conditions = excluded.honours_conditions,
           lacks = excluded.lacks, detail = excluded.detail, probed_at = excluded.probed_at",
    )
    .bind(endpoint)
    .bind(bucket)
    .bind(lacks.is_empty())
    .bind(lacks.join("\n"))
    .bind(detail)
    .bind(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true))
    .execute(db)
    .await?;
    Ok(())
}
