//! Rows of the `sync_pairs` table: which local folder syncs with which `bucket/prefix`, and how.

use std::path::PathBuf;

use sqlx::{Row, SqliteExecutor};

use crate::core::model::Mode;
use crate::error::{Error, Result};

/// One local-folder/prefix pair as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPair {
    /// Stable id (a UUID), also the key of the pair's base rows.
    pub id: String,
    /// The connection that reaches the bucket; `None` for a headless pair (`pail sync`) whose
    /// credentials come from the environment.
    pub connection_id: Option<String>,
    /// The bucket.
    pub bucket: String,
    /// `""` for the whole bucket, otherwise ending with `/`.
    pub prefix: String,
    /// The local folder; absolute.
    pub local_root: PathBuf,
    /// Which way changes flow.
    pub mode: Mode,
    /// Whether the user (or the mass-deletion guard) paused the pair.
    pub paused: bool,
    /// gitignore-syntax patterns, one per entry.
    pub ignore_patterns: Vec<String>,
    /// Whether syncing reads and writes the bucket folder's change marker (on by default).
    pub change_marker: bool,
}

const COLUMNS: &str = "id, connection_id, bucket, prefix, local_root, mode, paused, ignore_patterns, change_marker";

fn mode_str(mode: Mode) -> &'static str {
    match mode {
        Mode::TwoWay => "twoWay",
        Mode::UploadOnly => "uploadOnly",
        Mode::DownloadOnly => "downloadOnly",
    }
}

fn parse_mode(s: &str) -> Result<Mode> {
    match s {
        "twoWay" => Ok(Mode::TwoWay),
        "uploadOnly" => Ok(Mode::UploadOnly),
        "downloadOnly" => Ok(Mode::DownloadOnly),
        // The CHECK constraint rules this out; a newer app version may have added a mode.
        other => Err(Error::StateDb(sqlx::Error::Decode(
            format!("unknown sync mode {other:?}").into(),
        ))),
    }
}

fn join_patterns(patterns: &[String]) -> Result<String> {
    if let Some(bad) = patterns.iter().find(|p| p.contains(['\n', '\r'])) {
        return Err(Error::InvalidInput(format!(
            "The ignore pattern “{}” spans several lines; write one pattern per line.",
            bad.escape_debug()
        )));
    }
    // Blank lines mean nothing in gitignore syntax, so dropping them loses nothing.
    Ok(patterns
        .iter()
        .filter(|p| !p.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("\n"))
}

fn split_patterns(joined: &str) -> Vec<String> {
    joined
        .split('\n')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

fn root_str(pair: &SyncPair) -> Result<&str> {
    // Stored as TEXT so the UI and humans can read it; a non-UTF-8 folder name cannot round-trip.
    pair.local_root.to_str().ok_or_else(|| {
        Error::InvalidInput(format!(
            "The folder {} has a name Pail cannot store; rename it or pick another folder.",
            pair.local_root.display()
        ))
    })
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<SyncPair> {
    Ok(SyncPair {
        id: row.try_get("id")?,
        connection_id: row.try_get("connection_id")?,
        bucket: row.try_get("bucket")?,
        prefix: row.try_get("prefix")?,
        local_root: PathBuf::from(row.try_get::<String, _>("local_root")?),
        mode: parse_mode(&row.try_get::<String, _>("mode")?)?,
        paused: row.try_get("paused")?,
        ignore_patterns: split_patterns(&row.try_get::<String, _>("ignore_patterns")?),
        change_marker: row.try_get("change_marker")?,
    })
}

/// Inserts a new pair; a folder that is already synced or an unknown connection is an error.
pub async fn insert(db: impl SqliteExecutor<'_>, pair: &SyncPair) -> Result<()> {
    let root = root_str(pair)?;
    let patterns = join_patterns(&pair.ignore_patterns)?;
    if !(pair.prefix.is_empty() || pair.prefix.ends_with('/')) {
        return Err(Error::InvalidInput(format!(
            "The bucket folder “{}” must end with “/”.",
            pair.prefix
        )));
    }
    let now = chrono::Utc::now().to_rfc3339();
    let done = sqlx::query(
        "INSERT INTO sync_pairs (id, connection_id, bucket, prefix, local_root, mode, paused, ignore_patterns, change_marker, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&pair.id)
    .bind(&pair.connection_id)
    .bind(&pair.bucket)
    .bind(&pair.prefix)
    .bind(root)
    .bind(mode_str(pair.mode))
    .bind(pair.paused)
    .bind(patterns)
    .bind(pair.change_marker)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await;
    match done {
        Ok(_) => Ok(()),
        // Turned into words here because only this query knows which constraint means what.
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(Error::ConnectionNotFound(
            pair.connection_id.clone().unwrap_or_default(),
        )),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() && e.message().contains("local_root") => {
            Err(Error::InvalidInput(format!(
                "The folder {} is already synced. Pick another folder or remove the existing sync first.",
                pair.local_root.display()
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// One pair, if it exists.
pub async fn get(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<SyncPair>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sync_pairs WHERE id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The pair syncing the folder `root`, if any.
pub async fn find_by_root(db: impl SqliteExecutor<'_>, root: &std::path::Path) -> Result<Option<SyncPair>> {
    let Some(root) = root.to_str() else {
        return Ok(None);
    };
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sync_pairs WHERE local_root = ?"))
        .bind(root)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Changes a pair's mode; returns false when it does not exist.
pub async fn set_mode(db: impl SqliteExecutor<'_>, id: &str, mode: Mode) -> Result<bool> {
    let done = sqlx::query("UPDATE sync_pairs SET mode = ?, updated_at = ? WHERE id = ?")
        .bind(mode_str(mode))
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Turns the pair's change marker on or off; returns false when the pair does not exist.
pub async fn set_change_marker(db: impl SqliteExecutor<'_>, id: &str, on: bool) -> Result<bool> {
    let done = sqlx::query("UPDATE sync_pairs SET change_marker = ?, updated_at = ? WHERE id = ?")
        .bind(on)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// All pairs, oldest first.
pub async fn list(db: impl SqliteExecutor<'_>) -> Result<Vec<SyncPair>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM sync_pairs ORDER BY created_at, id"))
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Pauses or resumes a pair; returns false when it does not exist.
pub async fn set_paused(db: impl SqliteExecutor<'_>, id: &str, paused: bool) -> Result<bool> {
    let done = sqlx::query("UPDATE sync_pairs SET paused = ?, updated_at = ? WHERE id = ?")
        .bind(paused)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Replaces a pair's ignore patterns; returns false when it does not exist.
pub async fn set_ignore_patterns(db: impl SqliteExecutor<'_>, id: &str, patterns: &[String]) -> Result<bool> {
    let done = sqlx::query("UPDATE sync_pairs SET ignore_patterns = ?, updated_at = ? WHERE id = ?")
        .bind(join_patterns(patterns)?)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes a pair with its bases and activity; returns false when it did not exist.
pub async fn delete(db: impl SqliteExecutor<'_>, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sync_pairs WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}
