//! Rows of `sync_idle_marks`: per pair, what the last pass that planned nothing saw. Writes to
//! `sync_base` or `sync_pairs` clear a pair's mark through triggers (see the migration).

use chrono::{SecondsFormat, Utc};
use sqlx::{Row, SqliteExecutor};

use crate::core::model::IdleMark;
use crate::error::Result;

/// The pair's mark, if its last pass planned nothing and nothing was written since.
pub async fn load(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<Option<IdleMark>> {
    let row = sqlx::query("SELECT local, remote, settings FROM sync_idle_marks WHERE pair_id = ?")
        .bind(pair_id)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let digest = |column: &str| -> Result<Option<[u8; 32]>> {
        let bytes: Vec<u8> = row.try_get(column)?;
        Ok(bytes.try_into().ok())
    };
    // A malformed row is no mark: the pass then does its full work, which is always safe.
    Ok(match (digest("local")?, digest("remote")?, digest("settings")?) {
        (Some(local), Some(remote), Some(settings)) => Some(IdleMark {
            local,
            remote,
            settings,
        }),
        _ => None,
    })
}

/// Records `mark` as what the pair's last (idle) pass saw.
pub async fn save(db: impl SqliteExecutor<'_>, pair_id: &str, mark: &IdleMark) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_idle_marks (pair_id, local, remote, settings, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (pair_id) DO UPDATE SET local = excluded.local, remote = excluded.remote,
           settings = excluded.settings, at = excluded.at",
    )
    .bind(pair_id)
    .bind(&mark.local[..])
    .bind(&mark.remote[..])
    .bind(&mark.settings[..])
    .bind(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true))
    .execute(db)
    .await?;
    Ok(())
}
