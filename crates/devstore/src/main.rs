//! `pail-devstore`: runs the demo store on its own, for developers.

use std::path::PathBuf;
use std::process::ExitCode;

use pail_devstore::{seed_sample_bucket, DevStore, DevStoreConfig};

const USAGE: &str = "\
usage: pail-devstore --root DIR --access-key KEY --secret-key SECRET [--port N] [--seed]
                     [--deny-list-buckets KEY]...

Serves the folder DIR as an S3-compatible store on http://127.0.0.1:N (path-style, region
us-east-1) until Ctrl-C. --port 0 (the default) picks a free port. --seed creates the sample
bucket \"pail-demo\" if it is missing. --deny-list-buckets refuses ListBuckets for that key.
Log detail: RUST_LOG=debug.";

struct Args {
    config: DevStoreConfig,
    seed: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut root, mut access_key, mut secret_key) = (None, None, None);
    let mut port = 0u16;
    let mut seed = false;
    let mut deny = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--root" => root = Some(PathBuf::from(value("--root")?)),
            "--access-key" => access_key = Some(value("--access-key")?),
            "--secret-key" => secret_key = Some(value("--secret-key")?),
            "--port" => {
                let v = value("--port")?;
                port = v.parse().map_err(|_| format!("--port: not a port number: {v}"))?;
            }
            "--deny-list-buckets" => deny.push(value("--deny-list-buckets")?),
            "--seed" => seed = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let root = root.ok_or("--root is required")?;
    let access_key = access_key.ok_or("--access-key is required")?;
    let secret_key = secret_key.ok_or("--secret-key is required")?;
    let mut config = DevStoreConfig::new(root, access_key, secret_key);
    config.port = port;
    config.deny_list_buckets_for = deny;
    Ok(Args { config, seed })
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("pail-devstore: {message}\n");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };

    let store = match DevStore::start(args.config).await {
        Ok(store) => store,
        Err(err) => {
            eprintln!("pail-devstore: {err}");
            return ExitCode::FAILURE;
        }
    };
    if args.seed {
        if let Err(err) = seed_sample_bucket(&store).await {
            eprintln!("pail-devstore: {err}");
            store.shutdown().await;
            return ExitCode::FAILURE;
        }
    }
    println!("listening on {}", store.endpoint());

    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("pail-devstore: cannot wait for Ctrl-C: {err}");
    }
    store.shutdown().await;
    ExitCode::SUCCESS
}
