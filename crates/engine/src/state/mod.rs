//! The SQLite state DB: opening it (WAL, busy timeout, foreign keys) and running migrations.
//! Query functions live in one submodule per table group and take any executor.

pub mod bases;
pub mod connections;
pub mod idle_marks;
pub mod pair_safety;
pub mod pairs;
pub mod queue;
pub mod settings;
pub mod transfers;
pub mod uploads;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Error, Result};

/// The migrations compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle to the state DB; cheap to clone.
#[derive(Debug, Clone)]
pub struct StateDb {
    pool: SqlitePool,
}

impl StateDb {
    /// Opens (creating if needed) the DB file at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(|source| Error::Io {
                context: format!("create the folder {}", parent.display()),
                source,
            })?;
        }
        let url = format!("sqlite://{}", path.display());
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        // SQLite migrations take no lock: two processes opening a fresh file at once (the app and
        // `pail`, or two `pail` runs) can race, and the loser sees "table already exists". Once
        // the winner has committed, running again finds everything applied.
        let mut attempt = 0;
        loop {
            match MIGRATOR.run(&pool).await {
                Ok(()) => break,
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
