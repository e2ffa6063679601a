//! `pail`: the engine on the command line. Errors print the same plain-words message the app
//! shows, then the technical detail, and exit non-zero.

mod copy;
mod history;
mod location;
mod sync;

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use pail_engine::remote::{ClientOptions, EntryKind, Remote, RemoteCredentials};
use pail_engine::untrusted_text::escape_untrusted;
use pail_engine::{Engine, EngineConfig, Error};

use crate::location::S3Location;

#[derive(Parser)]
#[command(name = "pail", version, about = "S3 buckets as folders, from the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists a folder: `pail ls s3://BUCKET/PREFIX/` (folders first, like the app).
    Ls {
        /// s3://BUCKET or s3://BUCKET/PREFIX/
        target: String,
        #[command(flatten)]
        conn: ConnectionArgs,
    },
    /// Copies files: `pail cp [-r] SRC DST`, where one side is s3://BUCKET/KEY and the other a local path.
    Cp {
        /// Copy folders with everything inside.
        #[arg(short, long)]
        recursive: bool,
        /// Source: a local path or s3://BUCKET/KEY (a folder ends with /).
        src: String,
        /// Destination: a local path or s3://BUCKET/KEY.
        dst: String,
        /// Flush each downloaded file to disk before it takes its name, so that a crash or power
        /// cut right after the copy cannot take it back (slower; like rsync --fsync). Without
        /// it, as with cp, the system writes files to disk in its own time.
        #[arg(long)]
        fsync: bool,
        /// Where interrupted uploads are journaled so that running the same command again resumes
        /// them (default: a file in Pail's data folder).
        #[arg(long)]
        state_db: Option<PathBuf>,
        #[command(flatten)]
        conn: ConnectionArgs,
    },
    /// Keeps a local folder and a bucket folder in sync: `pail sync LOCAL_DIR s3://BUCKET[/PREFIX]`.
    ///
    /// Exit status: 0 everything is in sync; 1 the sync could not run (the message says why);
    /// 2 the command line is wrong; 3 deletions held back by the safety limit (nothing was
    /// deleted; rerun with --allow-mass-delete to confirm); 4 synced, but some paths were left
    /// out or failed (each one is named on stderr).
    Sync {
        /// The local folder (created if missing on the first sync).
        local_dir: PathBuf,
        /// s3://BUCKET or s3://BUCKET/PREFIX
        target: String,
        /// Sync until nothing is left to do, then exit; without it, keep syncing until Ctrl-C.
        #[arg(long)]
        once: bool,
        /// Which way changes flow.
        #[arg(long, value_enum, default_value = "two-way")]
        mode: SyncMode,
        /// The state database (default: one file per pair in Pail's data folder).
        #[arg(long)]
        state_db: Option<PathBuf>,
        /// Apply deletions even when they exceed the safety limit, or empty one side.
        #[arg(long)]
        allow_mass_delete: bool,
        /// Sync both ways even on a store that ignores conditional requests (Pail checks this
        /// first; there, two computers can overwrite each other's changes).
        #[arg(long)]
        allow_unsafe_store: bool,
        /// Leave out paths matching this gitignore-style pattern (repeatable; remembered in the
        /// state database; common litter such as .DS_Store is always left out).
        #[arg(long = "ignore", value_name = "PATTERN")]
        ignore: Vec<String>,
        /// Forget a pattern remembered by an earlier --ignore (repeatable).
        #[arg(long = "unignore", value_name = "PATTERN")]
        unignore: Vec<String>,
        /// Print the remembered ignore patterns (after any --ignore/--unignore) and exit.
        #[arg(long)]
        list_ignores: bool,
        /// Print nothing but warnings and errors (no summary at the end of --once).
        #[arg(short, long)]
        quiet: bool,
        /// While syncing continuously, print the requests sent to the store so far every SECONDS
        /// (they are also printed on SIGUSR1, and when the sync stops).
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
        stats: Option<u64>,
        /// Do not write or read the change marker `.pail/changed` in the bucket folder: every
        /// check lists the folder instead (dearer, and slower to notice other computers' changes).
        #[arg(long)]
        no_change_marker: bool,
        #[command(flatten)]
        conn: ConnectionArgs,
    },
    /// A bucket folder's history (the bucket must keep versions): `pail history s3://BUCKET/PREFIX`
    /// lists the moments it changed; `--at TIME` lists its files as they were then; `--diff TIME1
    /// TIME2` says what was added, changed and deleted in between.
    ///
    /// TIME is a date and time (2026-12-01 15:00, in this computer's time zone, or RFC 3339 such
    /// as 2026-12-01T15:00:00Z) or words: "2 hours ago", "yesterday 15:00", "today 9:30", "now".
    History {
        /// s3://BUCKET or s3://BUCKET/PREFIX/
        target: String,
        /// List the folder's files as they were at TIME.
        #[arg(long, value_name = "TIME", conflicts_with = "diff")]
        at: Option<String>,
        /// Show what changed from TIME1 to TIME2.
        #[arg(long, num_args = 2, value_names = ["TIME1", "TIME2"])]
        diff: Option<Vec<String>>,
        #[command(flatten)]
        conn: ConnectionArgs,
    },
    /// Puts a bucket folder back as it was at a moment (the bucket must keep versions).
    ///
    /// --in-place copies the old versions back as new current ones and puts delete markers on
    /// files that did not exist then: nothing is deleted for good, so the restore can itself be
    /// undone by restoring to the moment before it. A file someone else changes meanwhile is left
    /// to them and named. --to LOCAL_DIR writes the folder as it was into a local folder instead,
    /// never replacing a file already there. Exit status: 0 done; 1 could not run; 2 the command
    /// line is wrong; 4 some files were left alone or failed (each is named on stderr).
    Restore {
        /// s3://BUCKET or s3://BUCKET/PREFIX/
        target: String,
        /// The moment to go back to (see `pail history --help` for the forms of TIME).
        #[arg(long, value_name = "TIME")]
        at: String,
        /// Restore in the bucket folder itself.
        #[arg(long, conflicts_with = "to", required_unless_present = "to")]
        in_place: bool,
        /// Write the folder as it was into this local folder.
        #[arg(long, value_name = "LOCAL_DIR")]
        to: Option<PathBuf>,
        /// Say what would be done, and do nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        conn: ConnectionArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SyncMode {
    /// Changes flow both ways.
    TwoWay,
    /// Local changes go up; nothing local is changed.
    Upload,
    /// Bucket changes come down; nothing in the bucket is changed.
    Download,
}

/// Where and as whom to connect; without `--profile`, credentials come from the standard AWS
/// environment variables.
#[derive(Args)]
struct ConnectionArgs {
    /// The name of a connection saved in the Pail app (its secret comes from the OS keyring).
    #[arg(long)]
    profile: Option<String>,
    /// S3 endpoint URL, for S3-compatible stores (default: AWS).
    #[arg(long, env = "AWS_ENDPOINT_URL_S3")]
    endpoint: Option<String>,
    /// Signing region.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
    /// Path-style addressing (most self-hosted stores need it).
    #[arg(long)]
    path_style: bool,
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAIL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pail: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(Error::StateCorrupted { path, detail }) => {
            // The engine's sentence speaks of the app's lists; here it may be a sync pair's or a
            // copy's own database, and the fix is the user's to make.
            eprintln!(
                "pail: the state database {} is damaged and cannot be read. Move it aside (rename it) and run \
                 the command again: a fresh one is made, and sync finds what is already in place by comparing \
                 content. If it is the Pail app's own database, the app offers to do this when it starts (its \
                 saved connections then have to be added again).",
                path.display()
            );
            eprintln!("      detail: {detail}");
            ExitCode::FAILURE
        }
        Err(e) => {
            // Messages may quote keys and server text: no control character reaches the terminal.
            eprintln!("pail: {}", escape_untrusted(&e.user_message()));
            eprintln!("      detail: {}", escape_untrusted(&e.detail()));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Ls { target, conn } => {
            let location = S3Location::parse(&target)?;
            let remote = connect(&conn).await?;
            ls(&remote, &location).await.map(|()| 0)
        }
        Command::History { target, at, diff, conn } => {
            let location = S3Location::parse(&target)?;
            let view = history_view(at, diff);
            let remote = connect(&conn).await?;
            history::history(&remote, &location, view).await
        }
        Command::Restore {
            target,
            at,
            in_place,
            to,
            dry_run,
            conn,
        } => {
            let location = S3Location::parse(&target)?;
            let target = match (in_place, to) {
                (_, Some(dir)) => history::RestoreTarget::Dir(dir),
                _ => history::RestoreTarget::InPlace,
            };
            // A typo in the moment fails before anything is read or written.
            let at = history::moment(&at)?;
            let remote = connect(&conn).await?;
            history::restore(&remote, &location, at, target, dry_run).await
        }
        Command::Sync {
            local_dir,
            target,
            once,
            mode,
            state_db,
            allow_mass_delete,
            allow_unsafe_store,
            ignore,
            unignore,
            list_ignores,
            quiet,
            stats,
            no_change_marker,
            conn,
        } => {
            let mut target = S3Location::parse(&target)?;
            // A synced folder follows the stricter rule: each part becomes a local folder name.
            target.prefix = pail_engine::prefix::sync_prefix(&target.prefix)?;
            let remote = connect(&conn).await?;
            let args = sync::SyncArgs {
                local: local_dir,
                target,
                once,
                mode: engine_mode(mode),
                state_db,
                allow_mass_delete,
                allow_unsafe_store,
                ignore,
                unignore,
                list_ignores,
                quiet,
                stats_every: stats.map(std::time::Duration::from_secs),
                change_marker: !no_change_marker,
                endpoint_label: remote.endpoint_label().to_owned(),
            };
            Ok(sync_exit_code(sync::sync(remote, args).await?))
        }
        Command::Cp {
            recursive,
            src,
            dst,
            fsync,
            state_db,
            conn,
        } => cp(recursive, &src, &dst, fsync, state_db, &conn).await,
    }
}

/// Which `pail history` listing the flags ask for: one moment, the changes between two, or
/// every moment.
fn history_view(at: Option<String>, diff: Option<Vec<String>>) -> history::HistoryView {
    match (at, diff) {
        (Some(at), _) => history::HistoryView::At(at),
        (None, Some(mut two)) if two.len() == 2 => {
            let to = two.pop().unwrap_or_default();
            let from = two.pop().unwrap_or_default();
            history::HistoryView::Diff(from, to)
        }
        _ => history::HistoryView::Timeline,
    }
}

/// The engine's sync mode for the `--mode` flag.
fn engine_mode(mode: SyncMode) -> pail_engine::sync::Mode {
    match mode {
        SyncMode::TwoWay => pail_engine::sync::Mode::TwoWay,
        SyncMode::Upload => pail_engine::sync::Mode::UploadOnly,
        SyncMode::Download => pail_engine::sync::Mode::DownloadOnly,
    }
}

/// The exit status `pail sync` documents for how a sync ended.
fn sync_exit_code(exit: sync::SyncExit) -> u8 {
    match exit {
        sync::SyncExit::Done => 0,
        sync::SyncExit::Incomplete => sync::EXIT_INCOMPLETE,
        sync::SyncExit::GuardTripped => sync::EXIT_GUARD,
    }
}

/// `pail cp`: runs the copy with its upload journal and Ctrl-C handler; the exit status is 130
/// when it was cancelled.
async fn cp(
    recursive: bool,
    src: &str,
    dst: &str,
    fsync: bool,
    state_db: Option<PathBuf>,
    conn: &ConnectionArgs,
) -> Result<u8, Error> {
    let (src, dst) = (copy::Place::parse(src)?, copy::Place::parse(dst)?);
    let remote = connect(conn).await?;
    let db_path = match state_db {
        Some(p) => p,
        None => data_dir()?.join("transfers.db"),
    };
    let journal = copy::Journal {
        db: pail_engine::state::StateDb::open(&db_path).await?,
        cancel: tokio_util::sync::CancellationToken::new(),
    };
    sync::spawn_signal_handler(journal.cancel.clone());
    let options = copy::CopyOptions {
        recursive,
        durability: match fsync {
            true => pail_engine::transfers::Durability::Flushed,
            false => pail_engine::transfers::Durability::Deferred,
        },
    };
    let result = copy::copy(&remote, src, dst, options, journal.clone()).await;
    journal.db.close().await;
    let done = match result {
        Err(Error::Cancelled) => {
            eprintln!("pail: cancelled; nothing was left half-uploaded.");
            return Ok(130);
        }
        other => other?,
    };
    print_copy_summary(done);
    Ok(0)
}

/// The one-line summary of a copy, printed only when stderr is a terminal.
fn print_copy_summary(done: copy::Copied) {
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!(
            "copied {} files ({} bytes){}",
            done.files,
            done.bytes,
            if done.skipped > 0 {
                format!(", skipped {}", done.skipped)
            } else {
                String::new()
            }
        );
    }
}

async fn connect(args: &ConnectionArgs) -> Result<Remote, Error> {
    match &args.profile {
        Some(name) => {
            let engine = Engine::open(EngineConfig {
                data_dir: data_dir()?,
                keyring_service: std::env::var("PAIL_KEYRING_SERVICE").unwrap_or_else(|_| "pail".into()),
                aws_files: Default::default(),
            })
            .await?;
            let connection = engine
                .list_connections()
                .await?
                .into_iter()
                .find(|c| &c.name == name)
                .ok_or_else(|| Error::InvalidInput(format!("There is no connection named “{name}” in Pail.")))?;
            engine.remote(&connection, ClientOptions::default()).await
        }
        None => Ok(Remote::new(
            args.endpoint.as_deref(),
            &args.region,
            args.path_style,
            RemoteCredentials::Environment,
            ClientOptions::default(),
            &Default::default(),
        )
        .await),
    }
}

/// The app's data folder (the same one the desktop app uses), or `$PAIL_DATA_DIR`; created if
/// missing and, like everything Pail keeps there, readable by its owner only.
fn data_dir() -> Result<PathBuf, Error> {
    private_dir(pail_engine::data_dir()?)
}

/// Creates one of Pail's folders owner-only (and makes an existing one so) and returns it.
fn private_dir(dir: PathBuf) -> Result<PathBuf, Error> {
    pail_engine::private_files::prepare_private_dir(&dir).map_err(|source| Error::Io {
        context: format!("create the folder {}", dir.display()),
        source,
    })?;
    Ok(dir)
}

async fn ls(remote: &Remote, location: &S3Location) -> Result<(), Error> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_failed = None;
    remote
        .list_folder(&location.bucket, &location.prefix, 1000, |page| {
            for e in page {
                // A key may hold newlines or terminal escapes: each row stays one visible line.
                let name = escape_untrusted(&e.name);
                let line = match e.kind {
                    EntryKind::Folder => format!("{:>30} {name}/", "PRE"),
                    EntryKind::File => format!(
                        "{:<19} {:>10} {}",
                        e.last_modified
                            .as_deref()
                            .map(|t| t.replace('T', " ").chars().take(19).collect::<String>())
                            .unwrap_or_default(),
                        e.size.unwrap_or(0),
                        name
                    ),
                };
                if let Err(err) = writeln!(out, "{line}") {
                    write_failed = Some(err);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })
        .await?;
    match write_failed.map(Err).unwrap_or_else(|| out.flush()) {
        // A closed pipe (`pail ls … | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io {
            context: "write the listing".into(),
            source: e,
        }),
        Ok(()) => Ok(()),
    }
}
