//! Listing buckets and folders. A folder is a prefix ending in `/`; its listing is paged with the
//! `/` delimiter and handed out page by page so the UI can show rows while the rest arrive.

use std::ops::ControlFlow;

use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::types::{CommonPrefix, EncodingType, Object};
use serde::{Deserialize, Serialize};

use super::pages::{self, PageCursor};
use super::{classify, Remote};
use crate::error::{Operation, Result};

/// A bucket as shown in the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BucketInfo {
    /// Bucket name.
    pub name: String,
    /// Creation time (RFC 3339) when the store reports it.
    pub created_at: Option<String>,
    /// Whether the user pinned it by name.
    pub pinned: bool,
}

/// Folder or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum EntryKind {
    /// A common prefix (or a zero-byte `name/` marker).
    Folder,
    /// An object.
    File,
}

/// One row of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Folder or file.
    pub kind: EntryKind,
    /// Full key (folders end in `/`).
    pub key: String,
    /// Last path segment, without the trailing `/`.
    pub name: String,
    /// Size in bytes (files only).
    pub size: Option<u64>,
    /// Last modified, RFC 3339 (files only).
    pub last_modified: Option<String>,
    /// ETag without quotes (files only).
    pub etag: Option<String>,
    /// Storage class (files only).
    pub storage_class: Option<String>,
}

/// Totals of a finished (or cancelled) listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListSummary {
    /// Rows handed out.
    pub entries: usize,
    /// Pages fetched.
    pub pages: usize,
}

/// Whether a listing goes on after a page.
pub type ListControl = ControlFlow<()>;

/// Turns one ListObjectsV2 page under `prefix` into rows: common prefixes become folders, and the
/// prefix's own zero-byte marker (`prefix` itself) is dropped, so an empty folder lists as empty.
pub fn folder_entries_from_page(prefix: &str, common_prefixes: &[CommonPrefix], contents: &[Object]) -> Vec<Entry> {
    let mut out = Vec::with_capacity(common_prefixes.len() + contents.len());
    // Pail's own bookkeeping in a synced bucket folder (the change marker, store probes) is no
    // user file: the browser does not show it.
    let reserved = format!("{prefix}{}/", crate::core::RESERVED_DIR);
    for cp in common_prefixes {
        let Some(key) = cp.prefix() else { continue };
        if key == reserved {
            continue;
        }
        out.push(Entry {
            kind: EntryKind::Folder,
            key: key.to_owned(),
            name: last_segment(prefix, key),
            size: None,
            last_modified: None,
            etag: None,
            storage_class: None,
        });
    }
    for obj in contents {
        let Some(key) = obj.key() else { continue };
        if key == prefix || key.starts_with(&reserved) {
            continue;
        }
        // Without a delimiter match (e.g. a store that ignores it), a nested marker still shows as a folder.
        let kind = if key.ends_with('/') && obj.size().unwrap_or(0) == 0 {
            EntryKind::Folder
        } else {
            EntryKind::File
        };
        let is_file = kind == EntryKind::File;
        out.push(Entry {
            kind,
            key: key.to_owned(),
            name: last_segment(prefix, key),
            size: is_file.then(|| obj.size().unwrap_or(0).max(0) as u64),
            last_modified: if is_file {
                obj.last_modified().and_then(to_rfc3339)
            } else {
                None
            },
            etag: if is_file {
                obj.e_tag().map(|e| e.trim_matches('"').to_owned())
            } else {
                None
            },
            storage_class: if is_file {
                obj.storage_class().map(|s| s.as_str().to_owned())
            } else {
                None
            },
        });
    }
    out
}

fn last_segment(prefix: &str, key: &str) -> String {
    let rest = key.strip_prefix(prefix).unwrap_or(key);
    rest.strip_suffix('/').unwrap_or(rest).to_owned()
}

pub(crate) fn to_rfc3339(t: &aws_smithy_types::DateTime) -> Option<String> {
    t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()
}

impl Remote {
    /// Lists the buckets the credentials may see.
    pub async fn list_buckets(&self) -> Result<Vec<BucketInfo>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut cursor = PageCursor::new();
        loop {
            let resp = self
                .client
                .list_buckets()
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| classify(e, Operation::ListBuckets, self.endpoint_label(), None))?;
            for b in resp.buckets() {
                if let Some(name) = b.name() {
                    out.push(BucketInfo {
                        name: name.to_owned(),
                        created_at: b.creation_date().and_then(to_rfc3339),
                        pinned: false,
                    });
                }
            }
            // ListBuckets has no IsTruncated: its token alone says more follow.
            let next = pages::token(resp.continuation_token());
            match cursor.advance(None, next, resp.buckets().len()) {
                Ok(Some(t)) => token = Some(t),
                Ok(None) => break,
                Err(why) => return Err(self.stuck_listing(None, why)),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Checks that `bucket` can be opened (listed), for buckets typed by name.
    pub async fn probe_bucket(&self, bucket: &str) -> Result<()> {
        self.client
            .list_objects_v2()
            .bucket(bucket)
            .max_keys(1)
            .send()
            .await
            .map_err(|e| classify(e, Operation::OpenBucket, self.endpoint_label(), Some(bucket)))?;
        Ok(())
    }

    /// Lists the folder `prefix` ("" for the bucket root, else ending in `/`) page by page,
    /// calling `on_page` with each page's rows; it stops early when `on_page` breaks.
    pub async fn list_folder(
        &self,
        bucket: &str,
        prefix: &str,
        page_size: i32,
        mut on_page: impl FnMut(Vec<Entry>) -> ListControl,
    ) -> Result<ListSummary> {
        let mut summary = ListSummary::default();
        let mut token: Option<String> = None;
        let mut cursor = PageCursor::new();
        loop {
            let resp = self
                .list_page(bucket, prefix, Some("/"), page_size, token.take())
                .await?;
            let rows = folder_entries_from_page(prefix, resp.common_prefixes(), resp.contents());
            summary.pages += 1;
            summary.entries += rows.len();
            if on_page(rows).is_break() {
                break;
            }
            match self.next_page(&mut cursor, &resp, bucket)? {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(summary)
    }
}

impl Remote {
    /// Every object key (with its size) under `prefix`, at any depth, in key order.
    pub async fn list_objects_recursive(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut cursor = PageCursor::new();
        loop {
            let resp = self.list_page(bucket, prefix, None, 1000, token.take()).await?;
            for o in resp.contents() {
                if let Some(k) = o.key() {
                    out.push((k.to_owned(), o.size().unwrap_or(0).max(0) as u64));
                }
            }
            match self.next_page(&mut cursor, &resp, bucket)? {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(out)
    }

    /// Whether any current object exists under `prefix` (one request of one key).
    pub async fn holds_any_object(&self, bucket: &str, prefix: &str) -> Result<bool> {
        let page = self.list_page(bucket, prefix, None, 1, None).await?;
        Ok(!page.contents().is_empty())
    }

    /// One ListObjectsV2 page, requested URL-encoded (see [`super::key_encoding`]) and handed
    /// out with its keys and folders decoded.
    pub(super) async fn list_page(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        max_keys: i32,
        token: Option<String>,
    ) -> Result<ListObjectsV2Output> {
        self.list_page_after(bucket, prefix, delimiter, max_keys, token, None)
            .await
    }

    /// [`Remote::list_page`] starting after the key `after` (exclusive).
    pub(super) async fn list_page_after(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        max_keys: i32,
        token: Option<String>,
        after: Option<String>,
    ) -> Result<ListObjectsV2Output> {
        let mut page = self
            .client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_owned))
            .max_keys(max_keys)
            .encoding_type(EncodingType::Url)
            .set_continuation_token(token)
            .set_start_after(after)
            .send()
            .await
            .map_err(|e| classify(e, Operation::ListObjects, self.endpoint_label(), Some(bucket)))?;
        decode_page(&mut page).map_err(|detail| crate::error::Error::Remote {
            code: crate::error::ErrorCode::Server,
            operation: Operation::ListObjects,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail,
        })?;
        Ok(page)
    }
}

/// Decodes the keys and folders of a page whose store says they are URL-encoded.
fn decode_page(page: &mut ListObjectsV2Output) -> std::result::Result<(), String> {
    if !page
        .encoding_type()
        .is_some_and(|t| super::key_encoding::says_url(t.as_str()))
    {
        return Ok(());
    }
    use super::key_encoding::decode_key;
    for object in page.contents.iter_mut().flatten() {
        if let Some(key) = &object.key {
            object.key = Some(decode_key(key)?);
        }
    }
    for folder in page.common_prefixes.iter_mut().flatten() {
        if let Some(p) = &folder.prefix {
            folder.prefix = Some(decode_key(p)?);
        }
    }
    Ok(())
}

impl Remote {
    /// The token of the page after `resp`, if the store says there is one (some stores omit
    /// IsTruncated); an error when the listing does not move on (see [`PageCursor`]).
    pub(super) fn next_page(
        &self,
        cursor: &mut PageCursor<String>,
        resp: &ListObjectsV2Output,
        bucket: &str,
    ) -> Result<Option<String>> {
        let entries = resp.contents().len() + resp.common_prefixes().len();
        cursor
            .advance(
                resp.is_truncated(),
                pages::token(resp.next_continuation_token()),
                entries,
            )
            .map_err(|why| self.stuck_listing(Some(bucket), why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(key: &str, size: i64) -> Object {
        Object::builder().key(key).size(size).e_tag("\"abc\"").build()
    }

    #[test]
    fn common_prefixes_are_folders_and_the_own_marker_is_hidden() {
        let cps = vec![CommonPrefix::builder().prefix("docs/2026/").build()];
        let contents = vec![obj("docs/", 0), obj("docs/a.txt", 5)];
        let rows = folder_entries_from_page("docs/", &cps, &contents);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].kind, rows[0].name.as_str()), (EntryKind::Folder, "2026"));
        assert_eq!(
            (rows[1].kind, rows[1].name.as_str(), rows[1].size),
            (EntryKind::File, "a.txt", Some(5))
        );
        assert_eq!(rows[1].etag.as_deref(), Some("abc"));
    }

    #[test]
    fn pails_own_folder_in_a_synced_bucket_folder_is_not_shown() {
        let cps = vec![
            CommonPrefix::builder().prefix("team/.pail/").build(),
            CommonPrefix::builder().prefix("team/docs/").build(),
        ];
        // A store that ignores the delimiter lists the marker itself.
        let contents = vec![obj("team/.pail/changed", 40), obj("team/a.txt", 1)];
        let rows = folder_entries_from_page("team/", &cps, &contents);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["docs", "a.txt"]);
    }

    #[test]
    fn a_zero_byte_marker_without_delimiter_grouping_is_a_folder() {
        let rows = folder_entries_from_page("", &[], &[obj("empty/", 0), obj("weird/", 3)]);
        assert_eq!(rows[0].kind, EntryKind::Folder);
        assert_eq!(rows[0].name, "empty");
        // A non-empty object whose key ends in "/" holds data: it stays a file so nothing hides it.
        assert_eq!(rows[1].kind, EntryKind::File);
    }
}
