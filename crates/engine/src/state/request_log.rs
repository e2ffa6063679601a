//! Rows of `sync_requests`: how many requests of each kind a pair sent to its store, per UTC
//! hour. The sync session adds what its client counted; the app sums the last 24 hours.

use chrono::{DateTime, Duration, SecondsFormat, Timelike, Utc};
use sqlx::{Row, SqliteExecutor};

use crate::error::Result;
use crate::remote::request_meter::RequestCounts;

/// How long hourly rows are kept.
const KEEP_DAYS: i64 = 30;

fn hour_of(at: DateTime<Utc>) -> String {
    let hour = at
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at);
    hour.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Adds `counts` to the pair's row for the hour of `at`, and drops rows older than 30 days.
pub async fn add(
    db: impl SqliteExecutor<'_> + Copy,
    pair_id: &str,
    at: DateTime<Utc>,
    counts: &RequestCounts,
) -> Result<()> {
    if counts.total() == 0 {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO sync_requests (pair_id, hour, list, head, get, put, del) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (pair_id, hour) DO UPDATE SET
           list = list + excluded.list, head = head + excluded.head, get = get + excluded.get,
           put = put + excluded.put, del = del + excluded.del",
    )
    .bind(pair_id)
    .bind(hour_of(at))
    .bind(as_i64(counts.list))
    .bind(as_i64(counts.head))
    .bind(as_i64(counts.get))
    .bind(as_i64(counts.put))
    .bind(as_i64(counts.delete))
    .execute(db)
    .await?;
    sqlx::query("DELETE FROM sync_requests WHERE pair_id = ?1 AND hour < ?2")
        .bind(pair_id)
        .bind(hour_of(at - Duration::days(KEEP_DAYS)))
        .execute(db)
        .await?;
    Ok(())
}

/// The pair's requests in the 24 hours before `now` (by whole hours: the current hour and the
/// 23 before it).
pub async fn last_day(db: impl SqliteExecutor<'_>, pair_id: &str, now: DateTime<Utc>) -> Result<RequestCounts> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(list), 0) AS list, COALESCE(SUM(head), 0) AS head, COALESCE(SUM(get), 0) AS get,
                COALESCE(SUM(put), 0) AS put, COALESCE(SUM(del), 0) AS del
         FROM sync_requests WHERE pair_id = ?1 AND hour >= ?2 AND hour <= ?3",
    )
    .bind(pair_id)
    .bind(hour_of(now - Duration::hours(23)))
    .bind(hour_of(now))
    .fetch_one(db)
    .await?;
    let get = |name: &str| -> Result<u64> { Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0)) };
    Ok(RequestCounts {
        list: get("list")?,
        head: get("head")?,
        get: get("get")?,
        put: get("put")?,
        delete: get("del")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_keyed_by_the_start_of_the_utc_hour() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T08:59:59.999+02:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(hour_of(at), "2026-12-02T06:00:00Z");
    }
}
