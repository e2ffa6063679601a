//! Talking to S3: building a client for a connection, classifying its errors, listing buckets
//! and folders (paged, streamed), and reading object properties.

mod classify;
mod client;
mod listing;
mod objects;
mod sync_ops;
mod transfer;

pub use classify::classify;
pub use client::{ClientOptions, Remote, RemoteCredentials};
pub use listing::{folder_entries_from_page, BucketInfo, Entry, EntryKind, ListControl, ListSummary};
pub use objects::{MetadataEntry, ObjectProperties};
pub use sync_ops::{ListedObject, ObjectIdentity};
pub use transfer::{
    bare_etag, hash_text, parse_hash, DownloadedTemp, JournalFuture, PutSpec, UploadJournal, UploadOptions,
    WriteCondition, Written, HASH_METADATA_KEY, TEMP_PREFIX,
};
