//! `pail sync LOCAL_DIR s3://BUCKET[/PREFIX]`: the two-way sync engine without the app.

use std::path::{Path, PathBuf};

use pail_engine::remote::Remote;
use pail_engine::state::{bases, pairs, StateDb};
use pail_engine::sync::{host_name, Mode, PairSync, SyncOptions};
use pail_engine::untrusted_text::escape_untrusted;
use pail_engine::Error;
use tokio_util::sync::CancellationToken;

use crate::location::S3Location;

/// Exit status when the mass-deletion guard held deletions back.
pub const EXIT_GUARD: u8 = 3;
/// Exit status when the sync finished but some paths were left out or failed.
pub const EXIT_INCOMPLETE: u8 = 4;

/// What `pail sync` was asked to do.
pub struct SyncArgs {
    /// The local folder.
    pub local: PathBuf,
    /// The bucket and prefix.
    pub target: S3Location,
    /// Stop when nothing is left to do.
    pub once: bool,
    /// Which way changes flow.
    pub mode: Mode,
    /// The state DB file, or the default for this pair.
    pub state_db: Option<PathBuf>,
    /// Apply deletions even when the guard would hold them back.
    pub allow_mass_delete: bool,
    /// Sync both ways even where the store failed the conditional-request probe.
    pub allow_unsafe_store: bool,
    /// Extra ignore patterns (added to the pair's stored ones).
    pub ignore: Vec<String>,
    /// Stored ignore patterns to forget.
    pub unignore: Vec<String>,
    /// Print the stored ignore patterns and stop.
    pub list_ignores: bool,
    /// No summary.
    pub quiet: bool,
    /// Continuous mode: print the request counts this often.
    pub stats_every: Option<std::time::Duration>,
    /// Use the bucket folder's change marker (`--no-change-marker` turns it off).
    pub change_marker: bool,
    /// Where the endpoint is, for the default state DB's name.
    pub endpoint_label: String,
}

/// How a sync run ended without an error.
pub enum SyncExit {
    /// Up to date (or stopped by a signal).
    Done,
    /// Deletions were held back; the user must look.
    GuardTripped,
    /// Some paths were left out or could not be synced; the messages were printed.
    Incomplete,
}

/// Runs the sync. Warnings and failures always go to stderr, each once; `--once` ends with a
/// one-line summary on stderr unless `--quiet`.
pub async fn sync(remote: Remote, args: SyncArgs) -> Result<SyncExit, Error> {
    let state_db = match &args.state_db {
        Some(p) => p.clone(),
        None => default_state_db(&args)?,
    };
    let db = StateDb::open(&state_db).await?;
    let root = prepare_root(&db, &args.local).await?;
    let pair = ensure_pair(&db, &root, &args).await?;
    if args.list_ignores {
        for pattern in &pair.ignore_patterns {
            println!("{pattern}");
        }
        db.close().await;
        return Ok(SyncExit::Done);
    }
    let mut options = SyncOptions::new(host_name());
    options.holder = format!("pail sync on {}", host_name());
    options.allow_mass_delete = args.allow_mass_delete;
    options.allow_unsafe_store = args.allow_unsafe_store;
    if let Some(secs) = std::env::var("PAIL_POLL_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        options.poll_interval = std::time::Duration::from_secs_f64(secs.max(0.1));
    }
    if let Some(secs) = std::env::var("PAIL_FULL_LISTING_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        options.full_listing_interval = std::time::Duration::from_secs_f64(secs.max(0.1));
    }
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // The client's clones share one request meter: what the store will bill for this run.
    let meter = remote.clone();
    let mut engine = PairSync::new(remote, db.clone(), pair, options)?;
    if args.once {
        let summary = engine.run_once().await;
        db.close().await;
        let summary = summary?;
        let exit = report_once(&summary, args.quiet);
        if !args.quiet {
            eprintln!("pail: {} to the store", meter.requests());
        }
        return Ok(exit);
    }
    let stop = CancellationToken::new();
    spawn_signal_handler(stop.clone());
    spawn_stats_on_signal(meter.clone());
    if let Some(every) = args.stats_every {
        spawn_stats_every(meter.clone(), every, stop.clone());
    }
    let (_pause_tx, paused) = tokio::sync::watch::channel(false);
    if terminal {
        eprintln!(
            "pail: syncing {} with s3://{}/{} — press Ctrl-C to stop",
            root.display(),
            args.target.bucket,
            args.target.prefix
        );
    }
    let network = pail_engine::sync::network::watch_network();
    let mut engine = engine.with_network_changes(network.subscribe());
    engine.run_continuous(stop, paused).await?;
    db.close().await;
    if !args.quiet {
        eprintln!("pail: stopped; {} to the store", meter.requests());
    }
    Ok(SyncExit::Done)
}

/// Prints what a `--once` run left out, failed or held back, then the summary, and picks the
/// exit status.
fn report_once(summary: &pail_engine::sync::OnceSummary, quiet: bool) -> SyncExit {
    let t = &summary.total;
    for w in &t.warnings {
        eprintln!("pail: skipped {}: {}", escape_untrusted(&w.path), w.reason);
    }
    for (path, reason) in &t.skipped {
        eprintln!("pail: skipped {}: {reason}", escape_untrusted(path.as_str()));
    }
    for (path, e) in t.failed.iter().take(20) {
        eprintln!(
            "pail: {}: {}\n      detail: {}",
            escape_untrusted(path.as_str()),
            escape_untrusted(&e.user_message()),
            escape_untrusted(&e.detail())
        );
    }
    if t.failed.len() > 20 {
        eprintln!("pail: … and {} more failures", t.failed.len() - 20);
    }
    if summary.unfinished && t.failed.is_empty() {
        eprintln!("pail: some files kept changing while Pail synced them; run again when they are saved.");
    } else if summary.unfinished {
        // The failures above are why, not files that kept changing (a store that corrupted an
        // upload, a refused request): retrying at once did not help.
        eprintln!(
            "pail: some files still failed after {} passes; their reasons are above.",
            summary.passes
        );
    }
    if let Some(g) = &t.guard {
        let (here, there) = match g.side {
            pail_engine::sync::Side::Local => ("on this computer", "in the bucket"),
            pail_engine::sync::Side::Remote => ("in the bucket", "on this computer"),
        };
        if g.emptied.is_none() && g.count as f64 <= g.limit {
            eprintln!(
                "pail: deletions held back by an earlier run still wait for your answer: this sync would delete {} files {here}. Nothing was deleted.\n      If that is what you want, run again with --allow-mass-delete.",
                g.count
            );
        } else if g.emptied.is_some() {
            eprintln!(
                "pail: every file is gone {there}, so this sync would delete all {} of them {here} too. Nothing was deleted.\n      If that is what you want, run again with --allow-mass-delete.",
                g.count
            );
        } else {
            eprintln!(
                "pail: this sync would delete {} of {} files {here}, more than the safety limit, so nothing was deleted.\n      If that is what you want, run again with --allow-mass-delete.",
                g.count, g.total
            );
        }
    }
    if !quiet {
        eprintln!(
            "pail: synced: {} up, {} down, {} moved/copied, {} deleted here, {} deleted in the bucket, {} conflicts, {} left out, {} failed ({} bytes)",
            t.uploaded,
            t.downloaded,
            t.copied,
            t.trashed_local,
            t.deleted_remote,
            t.conflicts,
            t.warnings.len() + t.skipped.len(),
            t.failed.len(),
            t.bytes
        );
    }
    if t.guard.is_some() {
        SyncExit::GuardTripped
    } else if !t.failed.is_empty() || summary.unfinished || !t.warnings.is_empty() || !t.skipped.is_empty() {
        SyncExit::Incomplete
    } else {
        SyncExit::Done
    }
}

/// Prints the requests sent so far whenever the process gets SIGUSR1 (`kill -USR1 PID`), so a
/// long-running sync's cost can be read without stopping it.
fn spawn_stats_on_signal(remote: Remote) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut usr1) = signal(SignalKind::user_defined1()) else {
            return;
        };
        while usr1.recv().await.is_some() {
            eprintln!("pail: so far {} to the store", remote.requests());
        }
    });
    #[cfg(not(unix))]
    let _ = remote;
}

/// Prints the requests sent so far every `every` (`--stats`) until `stop`.
fn spawn_stats_every(remote: Remote, every: std::time::Duration, stop: CancellationToken) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => eprintln!("pail: so far {} to the store", remote.requests()),
            }
        }
    });
}

/// Cancels `stop` on Ctrl-C (SIGINT) or SIGTERM.
pub fn spawn_signal_handler(stop: CancellationToken) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    stop.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
}

/// The folder as an absolute path. A folder that is missing is created only for a new pair: for
/// a pair that synced before, a missing folder is an unplugged disk, never "delete everything".
async fn prepare_root(db: &StateDb, local: &Path) -> Result<PathBuf, Error> {
    let absolute = std::path::absolute(local).map_err(|source| Error::Io {
        context: format!("find the folder {}", local.display()),
        source,
    })?;
    if tokio::fs::metadata(&absolute).await.is_err() {
        let known = pairs::find_by_root(db.pool(), &absolute).await?;
        let synced_before = match &known {
            Some(p) => bases::count(db.pool(), &p.id).await? > 0,
            None => false,
        };
        if synced_before {
            return Err(Error::SyncRootUnavailable {
                path: absolute,
                reason: "the folder does not exist".into(),
            });
        }
        tokio::fs::create_dir_all(&absolute).await.map_err(|source| Error::Io {
            context: format!("create the folder {}", absolute.display()),
            source,
        })?;
    }
    tokio::fs::canonicalize(&absolute)
        .await
        .map_err(|e| Error::SyncRootUnavailable {
            path: absolute,
            reason: e.to_string(),
        })
}

async fn ensure_pair(db: &StateDb, root: &Path, args: &SyncArgs) -> Result<pairs::SyncPair, Error> {
    if let Some(existing) = pairs::find_by_root(db.pool(), root).await? {
        if existing.bucket != args.target.bucket || existing.prefix != args.target.prefix {
            return Err(Error::InvalidInput(format!(
                "This state database already syncs {} with s3://{}/{}. Use another --state-db to sync it with another place.",
                root.display(),
                existing.bucket,
                existing.prefix
            )));
        }
        if existing.mode != args.mode {
            pairs::set_mode(db.pool(), &existing.id, args.mode).await?;
        }
        if existing.change_marker != args.change_marker {
            pairs::set_change_marker(db.pool(), &existing.id, args.change_marker).await?;
        }
        let mut patterns = existing.ignore_patterns.clone();
        for p in &args.ignore {
            if !patterns.contains(p) {
                patterns.push(p.clone());
            }
        }
        for p in &args.unignore {
            if !patterns.contains(p) {
                eprintln!("pail: “{}” was not an ignore pattern of this folder", p.escape_debug());
            }
            patterns.retain(|kept| kept != p);
        }
        if patterns != existing.ignore_patterns {
            pairs::set_ignore_patterns(db.pool(), &existing.id, &patterns).await?;
        }
        return Ok(pairs::SyncPair {
            mode: args.mode,
            ignore_patterns: patterns,
            change_marker: args.change_marker,
            ..existing
        });
    }
    let pair = pairs::SyncPair {
        id: uuid_like(root, args),
        connection_id: None,
        bucket: args.target.bucket.clone(),
        prefix: args.target.prefix.clone(),
        local_root: root.to_path_buf(),
        mode: args.mode,
        paused: false,
        ignore_patterns: args.ignore.clone(),
        change_marker: args.change_marker,
    };
    pairs::insert(db.pool(), &pair).await?;
    Ok(pair)
}

fn pair_key(root: &Path, args: &SyncArgs) -> String {
    let text = format!(
        "{}\n{}\n{}\n{}",
        root.display(),
        args.endpoint_label,
        args.target.bucket,
        args.target.prefix
    );
    blake3::hash(text.as_bytes()).to_hex()[..24].to_owned()
}

fn uuid_like(root: &Path, args: &SyncArgs) -> String {
    format!("cli-{}", pair_key(root, args))
}

/// `<data dir>/pail/sync/<hash of folder, endpoint, bucket, prefix>.db`, one file per pair.
fn default_state_db(args: &SyncArgs) -> Result<PathBuf, Error> {
    let root = std::path::absolute(&args.local).unwrap_or_else(|_| args.local.clone());
    let folder = crate::private_dir(crate::data_dir()?.join("sync"))?;
    Ok(folder.join(format!("{}.db", pair_key(&root, args))))
}
