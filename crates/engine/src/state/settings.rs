//! Key/value app settings.

use sqlx::SqliteExecutor;

use crate::error::Result;

/// Reads a setting.
pub async fn get(db: impl SqliteExecutor<'_>, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM app_settings WHERE key = ?")
        .bind(key)
        .fetch_optional(db)
        .await?)
}

/// Writes (or replaces) a setting.
pub async fn set(db: impl SqliteExecutor<'_>, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes a setting.
pub async fn delete(db: impl SqliteExecutor<'_>, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM app_settings WHERE key = ?")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}
