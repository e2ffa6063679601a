//! The engine's error type, its classification into [`ErrorCode`]s, and the one place that
//! turns an error into a sentence a person can act on.

use serde::{Deserialize, Serialize};

use crate::untrusted_text::escape_untrusted;

/// What kind of problem happened, independent of where. The UI branches on this, never on text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The server does not know the access key id.
    InvalidAccessKeyId,
    /// The secret does not match the key id (SignatureDoesNotMatch).
    SignatureMismatch,
    /// The computer's clock is too far from the server's.
    ClockSkew,
    /// No TCP connection could be made (DNS, refused, no route).
    EndpointUnreachable,
    /// The TLS handshake failed (untrusted certificate, https against an http port, ...).
    Tls,
    /// The credentials are valid but not allowed to do this.
    AccessDenied,
    /// The bucket does not exist.
    NoSuchBucket,
    /// The object does not exist.
    NoSuchKey,
    /// Temporary credentials expired or were revoked.
    ExpiredCredentials,
    /// No credentials could be found or resolved.
    MissingCredentials,
    /// The user gave input the engine cannot use.
    InvalidInput,
    /// The OS keyring is locked, missing or refused access.
    KeyringUnavailable,
    /// The local state database failed.
    StateDb,
    /// The local state database file is damaged (or is not a database); it can be moved aside so
    /// that Pail starts with an empty one.
    StateCorrupted,
    /// The server did not answer in time.
    Timeout,
    /// The server asked us to slow down.
    Throttled,
    /// A conditional write or read found the object changed since it was last seen (HTTP 412):
    /// someone else wrote it, so the sync engine re-plans instead of overwriting.
    PreconditionFailed,
    /// The local disk is full.
    DiskFull,
    /// A local file changed while it was being uploaded; nothing was replaced.
    FileChanged,
    /// The user cancelled the operation.
    Cancelled,
    /// The server failed (5xx) or answered something unexpected.
    Server,
    /// A thing the user referred to (a connection) does not exist.
    NotFound,
    /// Another process (the app, or another `pail sync`) is syncing this folder already.
    FolderInUse,
    /// The store does not keep a promise two-way sync relies on (conditional writes, or the
    /// bytes it was sent), so syncing both ways could lose a version.
    UnsafeStore,
    /// The endpoint is plain `http://` to another machine: keys and files would cross the
    /// network unencrypted. Saving or testing again with the warning accepted goes ahead.
    PlainHttp,
    /// A bug or an unexpected local failure.
    Internal,
}

/// The S3 operation an error came from; it changes what the message should say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// ListBuckets.
    ListBuckets,
    /// ListObjectsV2 (browsing a folder).
    ListObjects,
    /// HeadBucket / a probe that a bucket can be opened.
    OpenBucket,
    /// HeadObject (properties).
    HeadObject,
    /// PutObject (upload).
    PutObject,
    /// GetObject (download).
    GetObject,
    /// DeleteObject.
    DeleteObject,
    /// CopyObject (server-side copy).
    CopyObject,
    /// ListObjectVersions (an object's history).
    ListVersions,
    /// GetBucketVersioning (whether a bucket keeps versions).
    GetBucketVersioning,
    /// PutBucketVersioning (turning versions on).
    PutBucketVersioning,
    /// Get/PutBucketLifecycleConfiguration (how long old versions are kept).
    BucketLifecycle,
}

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An S3 request failed; `detail` holds the technical text (server text in it is escaped
    /// wherever it is shown, so it cannot forge log lines).
    #[error("{operation:?} against {endpoint} failed ({code:?}): {}", escape_untrusted(detail))]
    Remote {
        /// Classified kind of failure.
        code: ErrorCode,
        /// Which request failed.
        operation: Operation,
        /// The endpoint the request went to (for messages).
        endpoint: String,
        /// The bucket involved, if any.
        bucket: Option<String>,
        /// Technical detail: S3 error code, HTTP status, transport error chain.
        detail: String,
    },
    /// The keyring refused or failed.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// A query on the state DB failed.
    #[error("state database: {0}")]
    StateDb(#[from] sqlx::Error),
    /// Migrating the state DB failed.
    #[error("state database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The state DB file is damaged or is not a database (SQLITE_CORRUPT, SQLITE_NOTADB, or a
    /// failed `PRAGMA quick_check` at open). [`crate::state::damage::move_aside`] sets it aside.
    #[error("state database {} is damaged: {detail}", path.display())]
    StateCorrupted {
        /// The DB file.
        path: std::path::PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// A connection was kept because the keyring did not delete its secret: removing the row
    /// anyway would leave the secret behind with nothing referring to it.
    #[error("connection {id} was not removed: {source}")]
    ConnectionKept {
        /// The connection.
        id: String,
        /// What the keyring said.
        source: crate::secrets::SecretError,
    },
    /// The user gave input that cannot be used; the message is already human.
    #[error("{0}")]
    InvalidInput(String),
    /// No connection with this id.
    #[error("connection {0} not found")]
    ConnectionNotFound(String),
    /// Reading the AWS shared config/credentials files failed.
    #[error("AWS config files: {0}")]
    AwsConfig(String),
    /// Credentials could not be resolved for a profile-backed connection.
    #[error("credentials for profile {profile}: {detail}")]
    Credentials {
        /// The AWS profile name.
        profile: String,
        /// The provider's error chain.
        detail: String,
    },
    /// The built-in demo store failed to start.
    #[cfg(feature = "demo-store")]
    #[error("demo store: {0}")]
    DemoStore(#[from] pail_devstore::DevStoreError),
    /// This build has no demo store (the `demo-store` feature is off, as in `pail`).
    #[error("this build has no demo store")]
    DemoUnavailable,
    /// A sync pair's local folder is missing or unreadable (an unmounted disk, a deleted folder).
    #[error("sync folder {path} is unavailable: {reason}")]
    SyncRootUnavailable {
        /// The folder.
        path: std::path::PathBuf,
        /// What the OS said.
        reason: String,
    },
    /// Another process holds the folder's sync lock.
    #[error("sync folder {path} is in use by {holder}")]
    FolderInUse {
        /// The folder.
        path: std::path::PathBuf,
        /// Who holds the lock, as that process wrote it ("pail sync (process 12) since …").
        holder: String,
    },
    /// A connection would talk plain `http://` to a machine that is not this one, and the user
    /// has not said that is intended.
    #[error("the endpoint {endpoint} is plain http to another machine")]
    PlainHttp {
        /// The endpoint.
        endpoint: String,
    },
    /// The store failed a check that two-way sync relies on.
    #[error("the store at {endpoint} is not safe for two-way sync: {lacks}")]
    UnsafeStore {
        /// The endpoint.
        endpoint: String,
        /// What it lacks, as a sentence fragment a person can read.
        lacks: String,
        /// What the check saw.
        detail: String,
    },
    /// The store kept other bytes than an upload sent (found by comparing its checksum echo or
    /// MD5 ETag with what was sent).
    #[error(
        "the store at {endpoint} kept other bytes than were sent for {}: {}",
        escape_untrusted(key),
        escape_untrusted(detail)
    )]
    StoreCorrupted {
        /// The endpoint.
        endpoint: String,
        /// The key written.
        key: String,
        /// What differed.
        detail: String,
    },
    /// A paged listing did not move on (the same page twice, "more follows" with nowhere to go
    /// on from); Pail stopped rather than loop forever or take a partial listing as complete.
    #[error("listing {} at {endpoint}: {why}", bucket.as_deref().unwrap_or("the buckets"))]
    ListingStuck {
        /// The endpoint.
        endpoint: String,
        /// The bucket listed; `None` for the list of buckets.
        bucket: Option<String>,
        /// How the listing failed to move on.
        why: StuckListing,
    },
    /// The user cancelled; whatever was half done was cleaned up.
    #[error("cancelled")]
    Cancelled,
    /// A local file changed while it was being uploaded, so the upload was stopped before the
    /// store could keep it.
    #[error("{} changed while it was being uploaded", path.display())]
    FileChanged {
        /// The file.
        path: std::path::PathBuf,
    },
    /// A local file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Shorthand for engine results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The classified kind of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Remote { code, .. } => *code,
            Error::Secret(_) => ErrorCode::KeyringUnavailable,
            Error::StateDb(_) | Error::Migrate(_) => ErrorCode::StateDb,
            Error::StateCorrupted { .. } => ErrorCode::StateCorrupted,
            Error::ConnectionKept { .. } => ErrorCode::KeyringUnavailable,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::ConnectionNotFound(_) => ErrorCode::NotFound,
            Error::AwsConfig(_) => ErrorCode::InvalidInput,
            Error::Credentials { .. } => ErrorCode::MissingCredentials,
            Error::SyncRootUnavailable { .. } => ErrorCode::NotFound,
            Error::FolderInUse { .. } => ErrorCode::FolderInUse,
            Error::PlainHttp { .. } => ErrorCode::PlainHttp,
            Error::UnsafeStore { .. } | Error::StoreCorrupted { .. } => ErrorCode::UnsafeStore,
            // A faulty server, like a 5xx: worth trying again later.
            Error::ListingStuck { .. } => ErrorCode::Server,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::FileChanged { .. } => ErrorCode::FileChanged,
            Error::Io { source, .. } if is_disk_full(source) => ErrorCode::DiskFull,
            #[cfg(feature = "demo-store")]
            Error::DemoStore(_) => ErrorCode::Internal,
            Error::DemoUnavailable | Error::Io { .. } => ErrorCode::Internal,
        }
    }

    /// Whether the failure may pass on its own (network, timeouts, a busy or failing server), so
    /// retrying later is the right answer.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.code(),
            ErrorCode::EndpointUnreachable | ErrorCode::Timeout | ErrorCode::Throttled | ErrorCode::Server
        )
    }

    /// Whether one side of a sync is out of reach for now and comes back by itself: a transient
    /// failure, or an unplugged disk (back when plugged in). Such a pair is shown offline and
    /// retried, never failed.
    pub fn is_offline(&self) -> bool {
        self.is_transient() || matches!(self, Error::SyncRootUnavailable { .. })
    }

    /// A sentence a non-engineer can act on. The technical text is in [`Error::detail`].
    pub fn user_message(&self) -> String {
        match self {
            Error::Remote {
                code,
                operation,
                endpoint,
                bucket,
                ..
            } => remote_message(*code, *operation, endpoint, bucket.as_deref()),
            Error::Secret(e) => e.user_message(),
            Error::StateDb(_) | Error::Migrate(_) => "Pail could not read or write its own settings database. Check that your disk is not full and that Pail's data folder is writable, then restart Pail.".into(),
            Error::StateCorrupted { .. } => "Pail's list of connections and synced folders is damaged and cannot be read.".into(),
            Error::ConnectionKept { .. } => "The connection was not removed because your system keyring did not answer, and its secret key would have stayed behind there. Unlock the keyring (log in to your desktop session, or open your password manager), then remove the connection again.".into(),
            Error::InvalidInput(msg) => msg.clone(),
            Error::ConnectionNotFound(_) => "This connection no longer exists. It may have been removed in another window.".into(),
            Error::AwsConfig(_) => "Pail could not read your AWS configuration files (~/.aws/config and ~/.aws/credentials). Check that they are readable and well formed.".into(),
            Error::Credentials { profile, .. } => format!("Pail could not get credentials from the AWS profile “{profile}”. If it uses single sign-on, run “aws sso login --profile {profile}” and try again; otherwise check the profile in ~/.aws/config."),
            Error::DemoUnavailable => "This version of Pail has no built-in demo store; use the desktop app to try it.".into(),
            #[cfg(feature = "demo-store")]
            Error::DemoStore(_) => "The built-in demo store could not start. Another program may be using Pail's data folder; restart Pail and try again.".into(),
            Error::SyncRootUnavailable { path, .. } => format!("The folder {} is missing or cannot be read, or is not the folder that was paired (is its disk unplugged?). Pail paused syncing it so that nothing is deleted; it resumes when the folder is back.", path.display()),
            Error::FolderInUse { path, holder } => format!("The folder {} is already being synced by {holder}. Only one program may sync a folder at a time; stop the other one first.", path.display()),
            Error::PlainHttp { endpoint } => format!("{endpoint} is reached without encryption (http://, not https://): anyone on the network between this computer and the store could read your files and change them on the way. Use https:// if the store offers it; choose “Use it anyway” only for a store on a network you trust."),
            Error::UnsafeStore { endpoint, lacks, .. } => format!("The storage service at {endpoint} {lacks}, so two computers syncing both ways could overwrite each other's changes without notice. Sync this folder upload-only or download-only instead."),
            Error::StoreCorrupted { endpoint, key, .. } => format!("The storage service at {endpoint} stored something else than Pail sent for “{key}”, so the upload does not count as done. The service may not support this kind of upload; ask its administrator, or try another service."),
            Error::ListingStuck { endpoint, why, .. } => listing_stuck_message(endpoint, *why),
            Error::Cancelled => "Cancelled. Nothing was left half-uploaded.".into(),
            Error::FileChanged { path } => format!("“{}” changed while Pail was uploading it, so Pail stopped and the bucket kept what it had. Try again once the file is saved and closed.", path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())),
            Error::Io { context, source } if is_disk_full(source) => format!("Pail could not {context}: the disk is full. Free some space; Pail continues on its own."),
            Error::Io { context, .. } => format!("Pail could not {context}. Check that the disk is not full and the folder is writable."),
        }
    }

    /// The technical detail behind the message, for the "Details" disclosure, logs and bug
    /// reports. Text from servers and keys in it has its control characters escaped.
    pub fn detail(&self) -> String {
        let detail = match self {
            Error::Remote { detail, .. } | Error::UnsafeStore { detail, .. } => detail.clone(),
            other => error_chain(other),
        };
        escape_untrusted(&detail).into_owned()
    }
}

fn remote_message(code: ErrorCode, op: Operation, endpoint: &str, bucket: Option<&str>) -> String {
    let bucket_name = bucket.unwrap_or("this bucket");
    match code {
        ErrorCode::InvalidAccessKeyId => "The server does not recognise this access key ID. Check that you copied it completely and that the key has not been deleted.".into(),
        ErrorCode::SignatureMismatch => match op {
            // Listing buckets or opening one names nothing but the bucket: a refused signature
            // there is the secret key.
            Operation::ListBuckets | Operation::OpenBucket => "The secret access key does not match the access key ID. Paste the secret key again: it is case-sensitive and easy to cut short.".into(),
            // Elsewhere one item can fail while others work: some stores sign names with unusual
            // characters differently from AWS.
            _ => "The storage service refused the signature of Pail's request for this item. If only some items fail this way, the service handles their names (unusual characters) differently from AWS; if every request fails, the secret access key may be wrong: paste it again in the connection's settings.".into(),
        },
        ErrorCode::ClockSkew => "Your computer's clock is too far off from the server's time, so the server refuses the request. Turn on automatic date and time in your system settings, then try again.".into(),
        ErrorCode::EndpointUnreachable => format!("Pail could not reach the server at {endpoint}. Check the address and port, and that you are online."),
        ErrorCode::Tls => format!("A secure (HTTPS) connection to {endpoint} could not be set up. The address may need http:// instead of https://, or the server's certificate is not trusted by this computer."),
        ErrorCode::AccessDenied => match op {
            Operation::ListBuckets => "These keys work, but they are not allowed to list buckets. Type the name of a bucket you can open.".into(),
            Operation::ListObjects | Operation::OpenBucket => format!("These keys are not allowed to open “{bucket_name}”. Ask the bucket's owner for read access, or use other keys."),
            Operation::HeadObject => "These keys are not allowed to read this file's details.".into(),
            Operation::PutObject => format!("These keys are not allowed to write to “{bucket_name}”."),
            Operation::GetObject => format!("These keys are not allowed to download from “{bucket_name}”."),
            Operation::DeleteObject => format!("These keys are not allowed to delete files in “{bucket_name}”."),
            Operation::CopyObject => format!("These keys are not allowed to copy files in “{bucket_name}”."),
            Operation::ListVersions => format!("These keys are not allowed to see earlier versions of files in “{bucket_name}”."),
            Operation::GetBucketVersioning => format!("These keys are not allowed to check whether “{bucket_name}” keeps earlier versions of files."),
            Operation::PutBucketVersioning => format!("These keys are not allowed to turn on keeping earlier versions of files in “{bucket_name}” (it needs the s3:PutBucketVersioning permission)."),
            Operation::BucketLifecycle => format!("These keys are not allowed to read or set how long “{bucket_name}” keeps earlier versions (it needs the s3:GetLifecycleConfiguration and s3:PutLifecycleConfiguration permissions)."),
        },
        ErrorCode::NoSuchBucket => format!("The bucket “{bucket_name}” does not exist (any more). It may have been deleted or renamed, or it lives in another region."),
        ErrorCode::NoSuchKey => "This file is no longer in the bucket. Someone may have deleted or moved it; refresh the folder to see what is there now.".into(),
        ErrorCode::ExpiredCredentials => "These credentials have expired or were revoked. Update the keys in the connection's settings (or sign in again for single sign-on).".into(),
        ErrorCode::MissingCredentials => "No credentials were found for this connection. Edit the connection and enter an access key.".into(),
        ErrorCode::Timeout => format!("The server at {endpoint} did not answer in time. Check your network, then try again."),
        ErrorCode::Throttled => "The server is busy and asked Pail to slow down. Try again in a moment.".into(),
        ErrorCode::PreconditionFailed => "Someone else changed this file in the bucket at the same time. Pail looks again and keeps both versions.".into(),
        ErrorCode::DiskFull => "This computer's disk is full. Free some space; Pail continues on its own.".into(),
        ErrorCode::Cancelled => "Cancelled.".into(),
        ErrorCode::FileChanged => "A file changed while Pail was uploading it, so Pail stopped and the bucket kept what it had. Try again once the file is saved and closed.".into(),
        ErrorCode::Server => "The server reported a problem of its own. Try again later; if it keeps happening, the details below help its administrator.".into(),
        ErrorCode::InvalidInput
        | ErrorCode::KeyringUnavailable
        | ErrorCode::StateDb
        | ErrorCode::StateCorrupted
        | ErrorCode::NotFound
        | ErrorCode::FolderInUse
        | ErrorCode::UnsafeStore
        | ErrorCode::PlainHttp
        | ErrorCode::Internal => "Something unexpected went wrong talking to the server. The details below say what.".into(),
    }
}

fn listing_stuck_message(endpoint: &str, why: StuckListing) -> String {
    let what = match why {
        StuckListing::RepeatedPage => "sent the same page of the listing twice",
        StuckListing::EmptyPages => "kept sending empty pages of the listing",
        StuckListing::NoNextPage => "said the listing goes on but not where it continues",
    };
    format!("The storage service at {endpoint} {what}; Pail stopped listing so it would not loop forever or show an incomplete list. The service may be faulty: try again later, or ask its administrator.")
}

/// Whether an I/O error means "no space left" (ENOSPC, or a quota).
pub fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// Joins an error and its sources into one line, the way people paste them into bug reports.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Consecutive empty pages that still say "more follows" before the listing is given up. Stores
/// may send a few (S3 directory buckets do); a thousand in a row is a store that never ends.
pub(crate) const MAX_EMPTY_PAGES: usize = 1000;

/// How a listing failed to move on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StuckListing {
    /// The store handed out a position (continuation token, marker) it had handed out before.
    #[error("the store sent a continuation token it had already sent, so the next page would repeat an earlier one")]
    RepeatedPage,
    /// The store said the listing is truncated but gave no position to continue from.
    #[error("the store marked a page truncated but sent no continuation token")]
    NoNextPage,
    /// The store kept saying more follows while sending nothing.
    #[error("the store sent {MAX_EMPTY_PAGES} empty pages in a row, each saying more follows")]
    EmptyPages,
}
