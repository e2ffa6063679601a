//! Rows of the `connections` and `pinned_buckets` tables.

use sqlx::{Row, SqliteConnection, SqliteExecutor};

use crate::connections::{Connection, CredentialSource, ValidDraft};
use crate::error::Result;
use crate::providers::Provider;

const COLUMNS: &str = "id, name, provider, endpoint, region, path_style, access_key_id, credential_kind, aws_profile";

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Connection> {
    let credential_source = match row.try_get::<String, _>("credential_kind")?.as_str() {
        "awsProfile" => CredentialSource::AwsProfile {
            profile: row.try_get::<Option<String>, _>("aws_profile")?.unwrap_or_default(),
        },
        _ => CredentialSource::Keyring,
    };
    Ok(Connection {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        provider: Provider::parse(&row.try_get::<String, _>("provider")?),
        endpoint: row.try_get("endpoint")?,
        region: row.try_get("region")?,
        path_style: row.try_get("path_style")?,
        access_key_id: row.try_get("access_key_id")?,
        credential_source,
        pinned_buckets: Vec::new(),
    })
}

fn credential_columns(source: &CredentialSource) -> (&'static str, Option<&str>) {
    match source {
        CredentialSource::Keyring => ("keyring", None),
        CredentialSource::AwsProfile { profile } => ("awsProfile", Some(profile.as_str())),
    }
}

/// All connections in sidebar order, with their pinned buckets.
pub async fn list(db: &mut SqliteConnection) -> Result<Vec<Connection>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM connections ORDER BY position, created_at"
    ))
    .fetch_all(&mut *db)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut c = from_row(row)?;
        c.pinned_buckets = pinned(&mut *db, &c.id).await?;
        out.push(c);
    }
    Ok(out)
}

/// One connection, if it exists.
pub async fn get(db: &mut SqliteConnection, id: &str) -> Result<Option<Connection>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM connections WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *db)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let mut c = from_row(&row)?;
            c.pinned_buckets = pinned(&mut *db, id).await?;
            Ok(Some(c))
        }
    }
}

/// Inserts a new connection at the end of the sidebar.
pub async fn insert(db: &mut SqliteConnection, id: &str, d: &ValidDraft) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    let (kind, profile) = credential_columns(&d.credential_source);
    sqlx::query(
        "INSERT INTO connections (id, name, provider, endpoint, region, path_style, access_key_id, credential_kind, aws_profile, position, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM connections), ?, ?)",
    )
    .bind(id)
    .bind(&d.name)
    .bind(d.provider.as_str())
    .bind(&d.endpoint)
    .bind(&d.region)
    .bind(d.path_style)
    .bind(&d.access_key_id)
    .bind(kind)
    .bind(profile)
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    replace_pinned(db, id, &d.pinned_buckets).await
}

/// Overwrites a connection's fields; returns false when it does not exist.
pub async fn update(db: &mut SqliteConnection, id: &str, d: &ValidDraft) -> Result<bool> {
    let (kind, profile) = credential_columns(&d.credential_source);
    let done = sqlx::query(
        "UPDATE connections SET name = ?, provider = ?, endpoint = ?, region = ?, path_style = ?, access_key_id = ?,
         credential_kind = ?, aws_profile = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&d.name)
    .bind(d.provider.as_str())
    .bind(&d.endpoint)
    .bind(&d.region)
    .bind(d.path_style)
    .bind(&d.access_key_id)
    .bind(kind)
    .bind(profile)
    .bind(chrono::Utc::now().to_rfc3339())
    .bind(id)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    replace_pinned(db, id, &d.pinned_buckets).await?;
    Ok(true)
}

/// Renames a connection; returns false when it does not exist.
pub async fn rename(db: impl SqliteExecutor<'_>, id: &str, name: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE connections SET name = ?, updated_at = ? WHERE id = ?")
        .bind(name)
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Points a connection at another endpoint (the demo store gets a new port each start).
pub async fn set_endpoint(db: impl SqliteExecutor<'_>, id: &str, endpoint: &str) -> Result<()> {
    sqlx::query("UPDATE connections SET endpoint = ? WHERE id = ?")
        .bind(endpoint)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes a connection (its pinned buckets go with it); returns false when it did not exist.
pub async fn delete(db: impl SqliteExecutor<'_>, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM connections WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Adds one pinned bucket (no-op if present).
pub async fn add_pinned(db: impl SqliteExecutor<'_>, id: &str, bucket: &str) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO pinned_buckets (connection_id, bucket) VALUES (?, ?)")
        .bind(id)
        .bind(bucket)
        .execute(db)
        .await?;
    Ok(())
}

async fn pinned(db: &mut SqliteConnection, id: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT bucket FROM pinned_buckets WHERE connection_id = ? ORDER BY bucket")
            .bind(id)
            .fetch_all(db)
            .await?,
    )
}

async fn replace_pinned(db: &mut SqliteConnection, id: &str, buckets: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM pinned_buckets WHERE connection_id = ?")
        .bind(id)
        .execute(&mut *db)
        .await?;
    for b in buckets {
        add_pinned(&mut *db, id, b).await?;
    }
    Ok(())
}
