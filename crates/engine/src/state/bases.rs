//! Rows of `sync_base` (the last synced state of each path of a pair) and `sync_activity` (what the
//! engine did, for the UI's feed).
//!
//! Writes take `&mut SqliteConnection` so the executor can pass a transaction and commit a whole
//! batch of finished actions at once: one fsync per batch instead of one per file.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::TryStreamExt;
use sqlx::{Row, SqliteConnection, SqliteExecutor};

use crate::core::activity::ActivityKind;
use crate::core::model::{BaseFile, BaseState, ContentHash, RelPath};
use crate::error::{Error, Result};

/// Every base of a pair. Unreadable rows are skipped with a warning: a missing base makes the
/// planner treat the path as never synced, which keeps both sides and never deletes.
pub async fn load_all(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<BTreeMap<RelPath, BaseState>> {
    let started = std::time::Instant::now();
    // Row by row: sqlx's rows are several times larger than the bases made of them, and holding
    // all of them at once (fetch_all) was the largest part of a pass's peak memory.
    let rows = sqlx::query(
        "SELECT path, kind, hash, size, local_mtime_ns, local_inode, remote_etag, remote_version_id, stamp_racy
         FROM sync_base WHERE pair_id = ?",
    )
    .bind(pair_id)
    .fetch(db);
    let mut out = BTreeMap::new();
    collect_bases(rows, pair_id, &mut out).await?;
    tracing::debug!(
        bases = out.len(),
        ms = started.elapsed().as_millis() as u64,
        "loaded the bases"
    );
    Ok(out)
}

/// The bases at `paths` (relative, `/`-separated, without a trailing `/`) and below them: what
/// a pass over just those paths needs, read through the primary key without touching the rest.
pub async fn load_under<'a>(
    db: &mut SqliteConnection,
    pair_id: &str,
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<RelPath, BaseState>> {
    let mut out = BTreeMap::new();
    for path in paths {
        // `path`, then `path/` and everything below it: the keys from `path/` up to `path0`
        // (`0` sorts right after `/`).
        let rows = sqlx::query(
            "SELECT path, kind, hash, size, local_mtime_ns, local_inode, remote_etag, remote_version_id, stamp_racy
             FROM sync_base WHERE pair_id = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))",
        )
        .bind(pair_id)
        .bind(path)
        .bind(format!("{path}/"))
        .bind(format!("{path}0"))
        .fetch(&mut *db);
        collect_bases(rows, pair_id, &mut out).await?;
    }
    Ok(out)
}

async fn collect_bases(
    mut rows: impl futures_util::Stream<Item = std::result::Result<sqlx::sqlite::SqliteRow, sqlx::Error>> + Unpin,
    pair_id: &str,
    out: &mut BTreeMap<RelPath, BaseState>,
) -> Result<()> {
    while let Some(row) = rows.try_next().await? {
        let row = &row;
        let raw_path: String = row.try_get("path")?;
        let path = match RelPath::new(raw_path.as_str()) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(pair_id, path = %raw_path.escape_debug(), "skipping a stored base with an invalid path: {e}");
                continue;
            }
        };
        match base_from_row(row) {
            Ok(base) => {
                out.insert(path, base);
            }
            Err(reason) => {
                tracing::warn!(pair_id, path = %path, "skipping an unreadable stored base: {reason}");
            }
        }
    }
    Ok(())
}

fn base_from_row(row: &sqlx::sqlite::SqliteRow) -> std::result::Result<BaseState, String> {
    let get_err = |e: sqlx::Error| e.to_string();
    let kind: String = row.try_get("kind").map_err(get_err)?;
    if kind == "dir" {
        return Ok(BaseState::Dir);
    }
    if kind != "file" {
        return Err(format!("unknown kind {kind:?}"));
    }
    let hash: Vec<u8> = row.try_get("hash").map_err(get_err)?;
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|h: Vec<u8>| format!("hash is {} bytes, not 32", h.len()))?;
    let size: i64 = row.try_get("size").map_err(get_err)?;
    let size = u64::try_from(size).map_err(|_| format!("negative size {size}"))?;
    let mtime: String = row.try_get("local_mtime_ns").map_err(get_err)?;
    let local_mtime_ns = mtime
        .parse::<i128>()
        .map_err(|_| format!("mtime {mtime:?} is not a number"))?;
    let inode: Option<i64> = row.try_get("local_inode").map_err(get_err)?;
    Ok(BaseState::File(BaseFile {
        hash: ContentHash(hash),
        size,
        local_mtime_ns,
        // Undoes the bit-cast in `upsert_many`.
        local_inode: inode.map(|i| i as u64),
        remote_etag: row.try_get("remote_etag").map_err(get_err)?,
        remote_version_id: row.try_get("remote_version_id").map_err(get_err)?,
        stamp_racy: row.try_get("stamp_racy").map_err(get_err)?,
    }))
}

/// Records (or replaces) the bases of `entries`; pass a transaction to make the batch atomic.
pub async fn upsert_many(db: &mut SqliteConnection, pair_id: &str, entries: &[(RelPath, BaseState)]) -> Result<()> {
    let now = now_text();
    for (path, base) in entries {
        let q = sqlx::query(
            "INSERT INTO sync_base (pair_id, path, kind, hash, size, local_mtime_ns, local_inode, remote_etag, remote_version_id, stamp_racy, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (pair_id, path) DO UPDATE SET kind = excluded.kind, hash = excluded.hash, size = excluded.size,
               local_mtime_ns = excluded.local_mtime_ns, local_inode = excluded.local_inode,
               remote_etag = excluded.remote_etag, remote_version_id = excluded.remote_version_id,
               stamp_racy = excluded.stamp_racy, updated_at = excluded.updated_at",
        )
        .bind(pair_id)
        .bind(path.as_str());
        let q = match base {
            BaseState::Dir => q
                .bind("dir")
                .bind(None::<&[u8]>)
                .bind(None::<i64>)
                .bind(None::<String>)
                .bind(None::<i64>)
                .bind(None::<&str>)
                .bind(None::<&str>)
                .bind(false),
            BaseState::File(f) => {
                // SQLite integers are i64; no real file reaches 8 EiB, so refusing is enough.
                let size = i64::try_from(f.size)
                    .map_err(|_| Error::InvalidInput(format!("{path}: size {} is too large to record", f.size)))?;
                q.bind("file")
                    .bind(&f.hash.0[..])
                    .bind(size)
                    .bind(Some(f.local_mtime_ns.to_string()))
                    // Bit-cast: some file systems hand out inodes above i64::MAX; this round-trips.
                    .bind(f.local_inode.map(|i| i as i64))
                    .bind(Some(f.remote_etag.as_str()))
                    .bind(f.remote_version_id.as_deref())
                    .bind(f.stamp_racy)
            }
        };
        q.bind(&now).execute(&mut *db).await?;
    }
    Ok(())
}

/// Forgets the bases of `paths`; returns how many existed. Pass a transaction to batch.
pub async fn delete_many(db: &mut SqliteConnection, pair_id: &str, paths: &[RelPath]) -> Result<u64> {
    let mut deleted = 0;
    for path in paths {
        deleted += sqlx::query("DELETE FROM sync_base WHERE pair_id = ? AND path = ?")
            .bind(pair_id)
            .bind(path.as_str())
            .execute(&mut *db)
            .await?
            .rows_affected();
    }
    Ok(deleted)
}

/// How many paths of a pair have a base (the denominator of the mass-deletion guard).
pub async fn count(db: impl SqliteExecutor<'_>, pair_id: &str) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_base WHERE pair_id = ?")
        .bind(pair_id)
        .fetch_one(db)
        .await?;
    // COUNT(*) is never negative.
    Ok(n.unsigned_abs())
}

/// One line of a pair's activity feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Insertion order; breaks ties between entries of the same microsecond.
    pub id: i64,
    /// The pair.
    pub pair_id: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The path or key concerned, as text (it may be a key that is not a valid path).
    pub path: String,
    /// What happened.
    pub action: ActivityKind,
    /// Human-readable detail; may be empty.
    pub detail: String,
    /// The sync pass that did it (lines of one pass share it); None for lines from before
    /// passes were recorded.
    pub pass_id: Option<String>,
    /// What putting the change back needs (JSON of [`crate::core::activity::UndoNote`]).
    pub undo: Option<String>,
    /// When the pass was undone.
    pub undone_at: Option<DateTime<Utc>>,
}

/// A line to add to a pair's activity feed.
#[derive(Debug, Clone, Copy)]
pub struct NewActivity<'a> {
    /// The path or key concerned.
    pub path: &'a str,
    /// What happened.
    pub action: ActivityKind,
    /// Detail in words; may be empty.
    pub detail: &'a str,
    /// The pass that did it.
    pub pass_id: Option<&'a str>,
    /// What putting it back needs (JSON), if anything.
    pub undo: Option<&'a str>,
}

/// Appends a line to a pair's activity feed, stamped now.
pub async fn add_activity(db: impl SqliteExecutor<'_>, pair_id: &str, line: NewActivity<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_activity (pair_id, at, path, action, detail, pass_id, undo) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(pair_id)
    .bind(now_text())
    .bind(line.path)
    .bind(line.action)
    .bind(line.detail)
    .bind(line.pass_id)
    .bind(line.undo)
    .execute(db)
    .await?;
    Ok(())
}

/// Appends an entry to a pair's activity feed, stamped now.
pub async fn record_activity(
    db: impl SqliteExecutor<'_>,
    pair_id: &str,
    path: &str,
    action: ActivityKind,
    detail: &str,
) -> Result<()> {
    add_activity(
        db,
        pair_id,
        NewActivity {
            path,
            action,
            detail,
            pass_id: None,
            undo: None,
        },
    )
    .await
}

/// The newest `limit` entries of a pair's activity feed, newest first.
pub async fn recent_activity(db: impl SqliteExecutor<'_>, pair_id: &str, limit: u32) -> Result<Vec<Activity>> {
    let rows = sqlx::query(
        "SELECT id, pair_id, at, path, action, detail, pass_id, undo, undone_at FROM sync_activity
         WHERE pair_id = ? ORDER BY at DESC, id DESC LIMIT ?",
    )
    .bind(pair_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    activity_rows(&rows)
}

/// Every line of one pass of a pair, in the order they were written.
pub async fn pass_activity(db: impl SqliteExecutor<'_>, pair_id: &str, pass_id: &str) -> Result<Vec<Activity>> {
    let rows = sqlx::query(
        "SELECT id, pair_id, at, path, action, detail, pass_id, undo, undone_at FROM sync_activity
         WHERE pair_id = ? AND pass_id = ? ORDER BY id",
    )
    .bind(pair_id)
    .bind(pass_id)
    .fetch_all(db)
    .await?;
    activity_rows(&rows)
}

/// Marks a pass as undone; false when it already was (so two clicks cannot undo it twice).
pub async fn mark_pass_undone(db: impl SqliteExecutor<'_>, pair_id: &str, pass_id: &str) -> Result<bool> {
    let done =
        sqlx::query("UPDATE sync_activity SET undone_at = ? WHERE pair_id = ? AND pass_id = ? AND undone_at IS NULL")
            .bind(now_text())
            .bind(pair_id)
            .bind(pass_id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() > 0)
}

fn parse_at(text: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)
        .map_err(|e| Error::StateDb(sqlx::Error::Decode(Box::new(e))))?
        .with_timezone(&Utc))
}

fn activity_rows(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<Activity>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("action")?;
        // A line written by a newer version of Pail is left out rather than failing the feed.
        let Some(action) = ActivityKind::parse(&name) else {
            tracing::debug!(action = %name, "activity line of an unknown kind left out");
            continue;
        };
        let at: String = row.try_get("at")?;
        let undone_at: Option<String> = row.try_get("undone_at")?;
        out.push(Activity {
            id: row.try_get("id")?,
            pair_id: row.try_get("pair_id")?,
            at: parse_at(&at)?,
            path: row.try_get("path")?,
            action,
            detail: row.try_get("detail")?,
            pass_id: row.try_get("pass_id")?,
            undo: row.try_get("undo")?,
            undone_at: undone_at.as_deref().map(parse_at).transpose()?,
        });
    }
    Ok(out)
}

/// Drops all but the newest `keep` entries of a pair's feed, so it does not grow forever.
pub async fn prune_activity(db: impl SqliteExecutor<'_>, pair_id: &str, keep: u32) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM sync_activity WHERE pair_id = ?1 AND id NOT IN
         (SELECT id FROM sync_activity WHERE pair_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2)",
    )
    .bind(pair_id)
    .bind(keep)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Fixed-width UTC text, so that ordering by the `at` column is ordering by time.
fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}
