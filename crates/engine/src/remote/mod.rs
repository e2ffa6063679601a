//! Talking to S3: building a client for a connection, classifying its errors, listing buckets
//! and folders (paged, streamed), and reading object properties.

mod classify;
mod client;
mod listing;
mod objects;
mod transfer;

pub use classify::classify;
pub use client::{ClientOptions, Remote, RemoteCredentials};
pub use listing::{folder_entries_from_page, BucketInfo, Entry, EntryKind, ListControl, ListSummary};
pub use objects::{MetadataEntry, ObjectProperties};
pub use transfer::{UploadOptions, TEMP_PREFIX};
