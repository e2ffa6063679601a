//! `pail history` and `pail restore`: a bucket folder as it was at any moment (bucket
//! versioning), its timeline and changes, and restoring it in place or into a local folder.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Local, Utc};
use pail_engine::history::folder::{self, RestoreReport};
use pail_engine::history::model::ChangeKind;
use pail_engine::history::when::parse_moment;
use pail_engine::remote::Remote;
use pail_engine::untrusted_text::escape_untrusted;
use pail_engine::Error;

use crate::location::S3Location;

/// Exit status when a restore left some keys alone or some failed (each named on stderr), as
/// `pail sync` does for paths it could not sync.
pub const EXIT_INCOMPLETE: u8 = 4;

/// What `pail history` shows.
pub enum HistoryView {
    /// The moments the folder changed.
    Timeline,
    /// The files at one moment.
    At(String),
    /// What changed between two moments.
    Diff(String, String),
}

/// Reads a moment from the command line, in this computer's time zone for local forms.
pub fn moment(text: &str) -> Result<DateTime<Utc>, Error> {
    parse_moment(text, &Local::now()).map_err(Error::InvalidInput)
}

/// A time in this computer's zone with its offset, so it can be typed back as it is (and means
/// one instant even in the hour that repeats when clocks go back).
fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// `pail history s3://BUCKET/PREFIX [--at TIME] [--diff TIME1 TIME2]`.
pub async fn history(remote: &Remote, location: &S3Location, view: HistoryView) -> Result<u8, Error> {
    let (bucket, prefix) = (&location.bucket, &location.prefix);
    let mut lines: Vec<String> = Vec::new();
    match view {
        HistoryView::Timeline => {
            for point in folder::timeline(remote, bucket, prefix).await? {
                let what = if point.changes == 1 {
                    "1 change".to_owned()
                } else {
                    format!("{} changes", point.changes)
                };
                lines.push(format!("{}  {what}", local(point.at)));
            }
        }
        HistoryView::At(text) => {
            let at = moment(&text)?;
            folder::files_at(remote, bucket, prefix, at, |f| {
                let name = escape_untrusted(f.key.strip_prefix(prefix.as_str()).unwrap_or(&f.key));
                lines.push(format!("{}  {:>10}  {name}", local(f.modified), f.size));
            })
            .await?;
        }
        HistoryView::Diff(from, to) => {
            let (from, to) = (moment(&from)?, moment(&to)?);
            folder::changes(remote, bucket, prefix, from, Some(to), |c| {
                let name = escape_untrusted(c.key.strip_prefix(prefix.as_str()).unwrap_or(&c.key));
                let size = |s: Option<u64>| s.map(|n| n.to_string()).unwrap_or_default();
                lines.push(match c.kind {
                    ChangeKind::Added => format!("added    {name}  ({} bytes)", size(c.size_after)),
                    ChangeKind::Changed => format!(
                        "changed  {name}  ({} → {} bytes)",
                        size(c.size_before),
                        size(c.size_after)
                    ),
                    ChangeKind::Deleted => format!("deleted  {name}  (was {} bytes)", size(c.size_before)),
                });
            })
            .await?;
        }
    }
    print_lines(&lines)?;
    Ok(0)
}

/// Where `pail restore` puts the folder.
pub enum RestoreTarget {
    /// Back into the bucket folder itself.
    InPlace,
    /// Into a local folder.
    Dir(PathBuf),
}

/// `pail restore s3://BUCKET/PREFIX --at TIME (--in-place | --to DIR) [--dry-run]`.
pub async fn restore(
    remote: &Remote,
    location: &S3Location,
    at: DateTime<Utc>,
    target: RestoreTarget,
    dry_run: bool,
) -> Result<u8, Error> {
    let started = Utc::now();
    let (bucket, prefix) = (&location.bucket, &location.prefix);
    let report = match &target {
        RestoreTarget::InPlace => folder::restore_in_place(remote, bucket, prefix, at, dry_run).await?,
        RestoreTarget::Dir(dir) => folder::restore_to_dir(remote, bucket, prefix, at, dir, dry_run).await?,
    };
    print_report(&report, dry_run, matches!(target, RestoreTarget::InPlace), started)
}

fn print_report(report: &RestoreReport, dry_run: bool, in_place: bool, started: DateTime<Utc>) -> Result<u8, Error> {
    let (put_back, removed) = match (dry_run, in_place) {
        (true, true) => ("would restore", "would remove"),
        (true, false) => ("would write", "would remove"),
        (false, true) => ("restored", "removed"),
        (false, false) => ("wrote", "removed"),
    };
    let mut lines: Vec<String> = report
        .restored
        .iter()
        .map(|k| format!("{put_back}  {}", escape_untrusted(k)))
        .collect();
    lines.extend(
        report
            .removed
            .iter()
            .map(|k| format!("{removed}  {}", escape_untrusted(k))),
    );
    print_lines(&lines)?;
    for l in &report.left {
        eprintln!(
            "pail: left {}: {}",
            escape_untrusted(&l.key),
            escape_untrusted(&l.reason)
        );
    }
    for f in &report.failed {
        eprintln!(
            "pail: failed {}: {}",
            escape_untrusted(&f.key),
            escape_untrusted(&f.reason)
        );
    }
    if !dry_run && in_place && !(report.restored.is_empty() && report.removed.is_empty()) {
        // Listings keep times to the second: the second before the restore began is before all of it.
        eprintln!(
            "pail: restored; nothing was deleted for good. To undo it, restore to {}",
            local(started - chrono::Duration::seconds(1))
        );
    }
    Ok(if report.left.is_empty() && report.failed.is_empty() {
        0
    } else {
        EXIT_INCOMPLETE
    })
}

fn print_lines(lines: &[String]) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = lines
        .iter()
        .try_for_each(|l| writeln!(out, "{l}"))
        .and_then(|()| out.flush());
    match written {
        // A closed pipe (`pail history … | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io {
            context: "write the output".into(),
            source: e,
        }),
        Ok(()) => Ok(()),
    }
}
