//! Moments as people type them: RFC 3339 ("2026-12-01T15:00:00Z"), a local date and time
//! ("2026-12-01 15:00"), or relative ("2 hours ago", "yesterday 15:00", "today 9:30", "now").
//!
//! Hand-written over chrono (already a dependency) because the accepted forms are few and must
//! be exact: a time that is misread would restore a folder to the wrong moment.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Reads `text` as a moment; local forms are read in `now`'s time zone. The error is a sentence
/// that lists the forms accepted.
pub fn parse_moment<Tz: TimeZone>(text: &str, now: &DateTime<Tz>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let found = match words.as_slice() {
        ["now"] => Some(now.with_timezone(&Utc)),
        [n, unit, "ago"] => ago(n, unit).and_then(|d| now.with_timezone(&Utc).checked_sub_signed(d)),
        ["today"] => local(now, now.date_naive(), NaiveTime::MIN),
        ["yesterday"] => local(now, now.date_naive() - Duration::days(1), NaiveTime::MIN),
        ["today", time] => clock(time).and_then(|t| local(now, now.date_naive(), t)),
        ["yesterday", time] => clock(time).and_then(|t| local(now, now.date_naive() - Duration::days(1), t)),
        [time] if clock(time).is_some() => clock(time).and_then(|t| local(now, now.date_naive(), t)),
        _ => None,
    };
    if let Some(at) = found {
        return Ok(at);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            if let Some(at) = local(now, naive.date(), naive.time()) {
                return Ok(at);
            }
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(at) = local(now, day, NaiveTime::MIN) {
            return Ok(at);
        }
    }
    Err(format!(
        "“{text}” is not a time Pail understands. Use a date and time such as 2026-12-01 15:00 or \
         2026-12-01T15:00:00Z, or words such as “2 hours ago”, “yesterday 15:00”, “today 9:30” or “now”."
    ))
}

/// "2" "hours" → 2 hours.
fn ago(n: &str, unit: &str) -> Option<Duration> {
    let n: i64 = n.parse().ok().filter(|n| *n >= 0)?;
    // Exact words only: "ms" must not pass for minutes.
    let one = match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => Duration::seconds(1),
        "m" | "min" | "mins" | "minute" | "minutes" => Duration::minutes(1),
        "h" | "hr" | "hrs" | "hour" | "hours" => Duration::hours(1),
        "d" | "day" | "days" => Duration::days(1),
        "w" | "week" | "weeks" => Duration::weeks(1),
        _ => return None,
    };
    one.checked_mul(n.try_into().ok()?)
}

/// "15:00", "9:30", "15:00:30".
fn clock(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()
}

/// A wall-clock time in `now`'s zone as UTC; in a daylight-saving gap there is none, in an
/// overlap the earlier one is taken.
fn local<Tz: TimeZone>(now: &DateTime<Tz>, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    now.timezone()
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn now() -> DateTime<FixedOffset> {
        // 2 December 2026, 16:30 in UTC+1.
        DateTime::parse_from_rfc3339("2026-12-02T16:30:00+01:00").unwrap()
    }

    fn at(text: &str) -> String {
        parse_moment(text, &now()).map(|t| t.to_rfc3339()).unwrap_or_else(|e| e)
    }

    #[test]
    fn exact_times_in_rfc_3339_or_local_wall_clock() {
        assert_eq!(at("2026-12-01T15:00:00Z"), "2026-12-01T15:00:00+00:00");
        assert_eq!(at("2026-12-01T15:00:00+02:00"), "2026-12-01T13:00:00+00:00");
        assert_eq!(at("2026-12-01 15:00"), "2026-12-01T14:00:00+00:00");
        assert_eq!(at("2026-12-01 15:00:30"), "2026-12-01T14:00:30+00:00");
        assert_eq!(at("2026-12-01"), "2026-11-30T23:00:00+00:00");
    }

    #[test]
    fn relative_times_count_back_from_now() {
        assert_eq!(at("now"), "2026-12-02T15:30:00+00:00");
        assert_eq!(at("2 hours ago"), "2026-12-02T13:30:00+00:00");
        assert_eq!(at("1 hour ago"), "2026-12-02T14:30:00+00:00");
        assert_eq!(at("90 minutes ago"), "2026-12-02T14:00:00+00:00");
        assert_eq!(at("3 days ago"), "2026-11-29T15:30:00+00:00");
        assert_eq!(at("1 week ago"), "2026-11-25T15:30:00+00:00");
        assert_eq!(at("  2 Hours Ago "), "2026-12-02T13:30:00+00:00");
        assert_eq!(at("yesterday 15:00"), "2026-12-01T14:00:00+00:00");
        assert_eq!(at("yesterday"), "2026-11-30T23:00:00+00:00");
        assert_eq!(at("today 9:30"), "2026-12-02T08:30:00+00:00");
        assert_eq!(at("9:30"), "2026-12-02T08:30:00+00:00");
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_that_work() {
        for bad in [
            "",
            "soon",
            "2 fortnights ago",
            "-2 hours ago",
            "yesterday 25:00",
            "2026-13-01",
            "hours ago",
        ] {
            let e = parse_moment(bad, &now()).unwrap_err();
            assert!(e.contains("2 hours ago"), "{bad}: {e}");
        }
    }
}
