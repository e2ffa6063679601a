//! Talking to S3: building a client for a connection, classifying its errors, listing buckets
//! and folders (paged, streamed, never trusting the store to end a listing), reading object
//! properties, and file-manager operations on objects and folders (copy, move, delete, share
//! links, versions).

pub mod bandwidth;
mod classify;
mod client;
mod diverted_body;
mod download;
mod key_encoding;
mod list_page;
mod listing;
mod object_ops;
mod objects;
mod pages;
mod preview;
mod ranged;
pub mod request_meter;
mod steady_body;
mod store_probe;
mod sync_ops;
pub(crate) mod transfer;
mod upload_check;
pub mod versions;

pub use classify::classify;
pub(crate) use client::is_plain_http_to_another_machine;
pub use client::{ClientOptions, Remote, RemoteCredentials};
pub use listing::{folder_entries_from_page, BucketInfo, Entry, EntryKind, ListControl, ListSummary};
pub use object_ops::{
    CopyOptions, ObjectVersion, PrefixOutcome, PrefixSummary, SourcesDeleted, Versioning, DELETE_BATCH,
    MAX_SINGLE_COPY, PREFIX_PARALLELISM, PRESIGN_MAX, PRESIGN_MIN,
};
pub use objects::{MetadataEntry, ObjectProperties};
pub use pages::StuckListing;
pub use preview::{preview_kind, Preview, IMAGE_PREVIEW_BYTES, TEXT_PREVIEW_BYTES};
pub use ranged::{range_count, range_len, RangeDone, RangeJournal, RangedGet, RANGED_DOWNLOAD_THRESHOLD, RANGE_BYTES};
pub use store_probe::ConditionProbe;
pub use sync_ops::{ListedObject, ObjectIdentity};
pub use transfer::{
    bare_etag, hash_text, parse_hash, part_size_for, DonePart, DownloadedTemp, Durability, ExpectedFile, JournalFuture,
    PutControl, PutSpec, ResumeFrom, UploadJournal, UploadOptions, WriteCondition, Written, HASH_METADATA_KEY,
    TEMP_PREFIX,
};
