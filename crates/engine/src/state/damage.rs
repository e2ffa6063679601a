//! A damaged state DB: finding out at open (SQLite's corruption codes, `PRAGMA quick_check`) and
//! moving the files aside so that the next open starts with an empty DB. Nothing is deleted.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqlitePool;

use crate::error::{Error, Result};

/// SQLITE_CORRUPT: a page or index of the file is not what SQLite wrote.
const SQLITE_CORRUPT: i64 = 11;
/// SQLITE_NOTADB: the file is not an SQLite database at all (garbage, or encrypted).
const SQLITE_NOTADB: i64 = 26;

/// The files SQLite keeps beside a DB: the WAL, its shared-memory index, a rollback journal.
pub(crate) const COMPANION_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Whether `err` is SQLite saying the file is damaged or not a database.
pub fn is_corruption(err: &sqlx::Error) -> bool {
    let Some(db) = err.as_database_error() else {
        return false;
    };
    // sqlx reports the extended result code; its low byte is the primary code.
    db.code()
        .and_then(|c| c.parse::<i64>().ok())
        .is_some_and(|code| matches!(code & 0xff, SQLITE_CORRUPT | SQLITE_NOTADB))
}

/// Turns a corruption error into [`Error::StateCorrupted`] for `path`; other errors pass through.
pub fn classify(err: sqlx::Error, path: &Path) -> Error {
    if is_corruption(&err) {
        Error::StateCorrupted {
            path: path.to_path_buf(),
            detail: err.to_string(),
        }
    } else {
        Error::StateDb(err)
    }
}

/// Runs `PRAGMA quick_check` (every page and b-tree, without cross-checking indexes: seconds
/// at most, even for a large DB) and reports a damaged file as [`Error::StateCorrupted`].
pub async fn quick_check(pool: &SqlitePool, path: &Path) -> Result<()> {
    // Some damage makes the check itself fail (SQLITE_CORRUPT) instead of listing findings.
    let rows: Vec<String> =
        sqlx::query_scalar("PRAGMA quick_check")
            .fetch_all(pool)
            .await
            .map_err(|e| match classify(e, path) {
                Error::StateCorrupted { path, detail } => Error::StateCorrupted {
                    path,
                    detail: format!("quick_check: {detail}"),
                },
                other => other,
            })?;
    if rows.len() == 1 && rows[0] == "ok" {
        return Ok(());
    }
    // The first few findings are enough for a bug report; a bad file can list thousands.
    let detail = rows.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
    Err(Error::StateCorrupted {
        path: path.to_path_buf(),
        detail: format!("quick_check: {detail}"),
    })
}

/// Renames the DB at `path` and its `-wal`/`-shm`/`-journal` files to
/// `<name>.damaged-<UTC time>` (plus the same suffixes, so SQLite tools still find the WAL that
/// belongs to it) and returns the new path of the DB. Nothing is deleted. Call it only while no
/// connection has the DB open. A DB that is already gone is an error (nothing to move).
pub fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::InvalidInput(format!("{} is not a file", path.display())))?
        .to_string_lossy()
        .into_owned();
    // Two moves in the same second (a second damaged DB right after the first) must not overwrite.
    let target = (1u32..=1000)
        .map(|n| {
            let suffix = if n == 1 { String::new() } else { format!("-{n}") };
            path.with_file_name(format!("{file_name}.damaged-{stamp}{suffix}"))
        })
        .find(|candidate| !candidate.exists() && COMPANION_SUFFIXES.iter().all(|s| !with_suffix(candidate, s).exists()))
        .ok_or_else(|| Error::InvalidInput("no free name to move the damaged database to".into()))?;
    rename(path, &target)?;
    for suffix in COMPANION_SUFFIXES {
        let from = with_suffix(path, suffix);
        match std::fs::symlink_metadata(&from) {
            Ok(_) => rename(&from, &with_suffix(&target, suffix))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(Error::Io {
                    context: format!("look at {}", from.display()),
                    source,
                })
            }
        }
    }
    tracing::warn!(from = %path.display(), to = %target.display(), "damaged state database moved aside");
    Ok(target)
}

/// `path` with `suffix` appended to its file name (`state.sqlite3` → `state.sqlite3-wal`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| Error::Io {
        context: format!("move {} to {}", from.display(), to.display()),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateDb;

    /// A DB with the engine's schema plus a filler table spanning many pages, checkpointed into
    /// the main file and closed. Returns (page size, page count).
    async fn db_with_data(path: &Path) -> (u64, u64) {
        let db = StateDb::open(path).await.unwrap();
        sqlx::query("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            .execute(db.pool())
            .await
            .unwrap();
        for i in 0..200 {
            sqlx::query("INSERT INTO filler (id, body) VALUES (?, zeroblob(1000))")
                .bind(i)
                .execute(db.pool())
                .await
                .unwrap();
        }
        let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let page_count: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(db.pool())
            .await
            .unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(db.pool())
            .await
            .unwrap();
        db.close().await;
        (page_size as u64, page_count as u64)
    }

    fn corrupted(err: Error) -> (PathBuf, String) {
        match err {
            Error::StateCorrupted { path, detail } => (path, detail),
            other => panic!("expected StateCorrupted, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_file_of_garbage_is_a_damaged_state_db() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.sqlite3");
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        let err = StateDb::open(&path).await.unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::StateCorrupted);
        let (reported, detail) = corrupted(err);
        assert_eq!(reported, path);
        assert!(detail.contains("not a database"), "{detail}");
    }

    #[tokio::test]
    async fn a_garbage_page_in_the_middle_of_a_db_is_found_by_quick_check() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.sqlite3");
        let (page_size, page_count) = db_with_data(&path).await;
        assert!(page_count > 20, "the filler spans many pages");
        // The filler was written last, so the pages at the end of the file are its b-tree's.
        let page = page_count - 2;
        let mut bytes = std::fs::read(&path).unwrap();
        let start = usize::try_from((page - 1) * page_size).unwrap();
        let end = start + usize::try_from(page_size).unwrap();
        bytes[start..end].fill(0xa5);
        std::fs::write(&path, &bytes).unwrap();

        let (reported, detail) = corrupted(StateDb::open(&path).await.unwrap_err());
        assert_eq!(reported, path);
        assert!(detail.starts_with("quick_check:"), "{detail}");
    }

    #[tokio::test]
    async fn a_damaged_db_moved_aside_is_kept_and_the_next_open_starts_fresh() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.sqlite3");
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        corrupted(StateDb::open(&path).await.unwrap_err());
        // As a crash would leave them beside the DB.
        std::fs::write(with_suffix(&path, "-wal"), b"wal bytes").unwrap();
        std::fs::write(with_suffix(&path, "-shm"), b"shm bytes").unwrap();

        let aside = move_aside(&path).unwrap();
        let name = aside.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("state.sqlite3.damaged-"), "{name}");
        assert_eq!(aside.parent(), path.parent());
        assert_eq!(std::fs::read(&aside).unwrap(), vec![0x5a_u8; 8192]);
        assert_eq!(std::fs::read(with_suffix(&aside, "-wal")).unwrap(), b"wal bytes");
        assert_eq!(std::fs::read(with_suffix(&aside, "-shm")).unwrap(), b"shm bytes");

        let db = StateDb::open(&path).await.unwrap();
        crate::state::settings::set(db.pool(), "fresh", "yes").await.unwrap();
        db.close().await;
        assert!(aside.exists(), "the damaged file is kept");

        // A second damaged DB set aside in the same second gets its own name.
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        let second = move_aside(&path).unwrap();
        assert_ne!(second, aside);
        assert!(aside.exists() && second.exists());
    }

    #[tokio::test]
    async fn moving_aside_a_db_that_is_not_there_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(move_aside(&tmp.path().join("state.sqlite3")).is_err());
    }
}
