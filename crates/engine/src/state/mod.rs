//! The SQLite state DB: opening it (owner-only files, WAL, busy timeout, foreign keys, a quick
//! integrity check) and running migrations. Query functions live in one submodule per table
//! group and take any executor; [`damage`] finds and sets aside a damaged file.

pub mod bases;
pub mod connections;
pub mod damage;
pub mod idle_marks;
pub mod pair_safety;
pub mod pairs;
pub mod request_log;
pub mod settings;
pub mod transfers;

use std::path::Path;
use std::time::Duration;

use sqlx::migrate::MigrateError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Error, Result};
use crate::private_files;

/// The migrations compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle to the state DB; cheap to clone.
#[derive(Debug, Clone)]
pub struct StateDb {
    pool: SqlitePool,
}

impl StateDb {
    /// Opens (creating if needed) the DB file at `path`, checks that it is intact and brings its
    /// schema up to date. A damaged file is [`Error::StateCorrupted`] (see [`damage::move_aside`]).
    pub async fn open(path: &Path) -> Result<Self> {
        let io = |context: String| move |source| Error::Io { context, source };
        // Absolute, so that SQLite (opened with URI names allowed) cannot read a relative
        // `file:…` name as a URI.
        let path = std::path::absolute(path).map_err(io(format!("find {}", path.display())))?;
        let path = path.as_path();
        if let Some(parent) = path.parent() {
            private_files::create_private_dir_all(parent)
                .map_err(io(format!("create the folder {}", parent.display())))?;
        }
        make_files_private(path)?;
        // A path, not a `sqlite://` URL: `?` and `#` are ordinary characters in a folder name.
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| damage::classify(e, path))?;
        if let Err(e) = damage::quick_check(&pool, path).await {
            pool.close().await;
            return Err(e);
        }
        // SQLite migrations take no lock: two processes opening a fresh file at once (the app and
        // `pail`, or two `pail` runs) can race, and the loser sees "table already exists". Once
        // the winner has committed, running again finds everything applied.
        let mut attempt = 0;
        loop {
            match MIGRATOR.run(&pool).await {
                Ok(()) => break,
                Err(MigrateError::Execute(e) | MigrateError::ExecuteMigration(e, _)) if damage::is_corruption(&e) => {
                    pool.close().await;
                    return Err(damage::classify(e, path));
                }
                Err(e) if attempt < 10 => {
                    attempt += 1;
                    tracing::debug!("migrating the state DB failed, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Self { pool })
    }

    /// The connection pool, for query functions.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes all connections (flushes the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the DB file owner-only before SQLite does (SQLite gives its `-wal`, `-shm` and
/// `-journal` files the permissions of the DB file), and makes the files of an install from
/// before this rule owner-only too. Tightening is best effort: a file owned by someone else is
/// logged, and SQLite then says whether it can be used at all.
fn make_files_private(path: &Path) -> Result<()> {
    private_files::create_private_file(path).map_err(|source| Error::Io {
        context: format!("create {}", path.display()),
        source,
    })?;
    let companions = damage::COMPANION_SUFFIXES.map(|s| damage::with_suffix(path, s));
    for file in std::iter::once(path).chain(companions.iter().map(|p| p.as_path())) {
        if let Err(e) = private_files::tighten_file(file) {
            tracing::warn!(file = %file.display(), "could not make a state file private: {e}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_folder_with_question_marks_and_hashes_in_its_name_holds_the_db() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("what? #1 100% &a=b");
        let path = dir.join("state.sqlite3");
        let db = StateDb::open(&path).await.unwrap();
        settings::set(db.pool(), "k", "v").await.unwrap();
        db.close().await;
        // The DB is the file at that path, not a file named after a URL's path part.
        assert!(path.is_file());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        let db = StateDb::open(&path).await.unwrap();
        assert_eq!(settings::get(db.pool(), "k").await.unwrap().as_deref(), Some("v"));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_db_and_the_files_sqlite_makes_beside_it_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("new/sync/pair.db");
        let db = StateDb::open(&path).await.unwrap();
        settings::set(db.pool(), "k", "v").await.unwrap();
        // While open, WAL mode keeps a -wal and a -shm file next to the DB.
        for file in [
            path.clone(),
            damage::with_suffix(&path, "-wal"),
            damage::with_suffix(&path, "-shm"),
        ] {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        assert_eq!(mode(&tmp.path().join("new")), 0o700);
        assert_eq!(mode(&tmp.path().join("new/sync")), 0o700);
        db.close().await;
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn an_install_from_before_owner_only_files_is_tightened_at_open() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.sqlite3");
        let db = StateDb::open(&path).await.unwrap();
        settings::set(db.pool(), "k", "v").await.unwrap();
        db.close().await;
        // As an older Pail (or a 022 umask) left them, with a WAL beside the DB. Created only if
        // absent, never cut: the closed pool's last connection may still be checkpointing into
        // it on its worker thread, and a WAL truncated under it reads as a disk error.
        let wal = damage::with_suffix(&path, "-wal");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&wal)
            .unwrap();
        for file in [&path, &wal] {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let db = StateDb::open(&path).await.unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&wal), 0o600);
        assert_eq!(mode(&damage::with_suffix(&path, "-shm")), 0o600);
        db.close().await;
    }
}
