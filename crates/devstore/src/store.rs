//! The S3 implementation: s3s-fs, with the gaps that matter to a file browser filled in.
//!
//! s3s-fs stores object `a/b.txt` of bucket `pail` as the file `<root>/pail/a/b.txt`, plus
//! sidecar files in `<root>` for headers and ETag. Delegated as-is: bucket creation and
//! lookup, ListBuckets, PutObject/HeadObject/CopyObject of ordinary keys, GetObject's headers,
//! storing and listing the parts of multipart uploads. Done here instead:
//! - listing (see [`crate::listing`]): folder markers, cheap one-level delimiter listings;
//! - zero-byte `folder/` marker objects, which s3s-fs turns into bare directories that it
//!   cannot list, HEAD or GET;
//! - keys that name a directory (`photos` when `photos/x.png` exists): s3s-fs answers
//!   HTTP 500 where S3 says `NoSuchKey`;
//! - DeleteBucket on a non-empty bucket, which s3s-fs deletes recursively where S3 says
//!   `BucketNotEmpty`; deleting objects also removes their sidecars and emptied folders;
//! - completing a multipart upload (see [`multipart`]), which in s3s-fs reads and hashes every
//!   part again;
//! - reading GetObject's body (see [`get`]), which s3s-fs does 4 KiB per blocking call.

mod get;
mod multipart;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use futures_util::StreamExt;
use s3s::dto::*;
use s3s::{s3_error, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, S3};

use crate::etag_cache::{EtagCache, FileStamp};
use crate::layout::{self, sidecar_paths, UploadId};
use crate::listing::{self, ListPage, ListQuery, FOLDER_MARKER};
use crate::part_md5s::{md5_from_hex, PartMd5s, PartWrite};

/// MD5 of zero bytes: the ETag S3 gives every empty object, folder markers included.
const EMPTY_ETAG: &str = "d41d8cd98f00b204e9800998ecf8427e";

/// S3 caps a listing page at 1,000 keys whatever max-keys asks for.
const MAX_KEYS_LIMIT: i32 = 1000;

pub(crate) struct DevS3 {
    fs: s3s_fs::FileSystem,
    /// Canonical data folder, the same path s3s-fs resolves everything against.
    root: PathBuf,
    etags: Arc<EtagCache>,
    part_md5s: Arc<PartMd5s>,
}

impl std::fmt::Debug for DevS3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevS3")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Where a key lives on disk.
enum KeyPath {
    /// An ordinary object: a file.
    File(PathBuf),
    /// A `folder/` marker: the folder, holding a [`FOLDER_MARKER`] file.
    Folder(PathBuf),
}

impl DevS3 {
    pub(crate) fn new(fs: s3s_fs::FileSystem, root: PathBuf) -> Self {
        Self {
            fs,
            root,
            etags: Arc::default(),
            part_md5s: Arc::default(),
        }
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket)
    }

    /// Maps a key to its path, or `None` for keys the file layout cannot hold safely:
    /// `.`/`..` segments (they would leave the bucket), empty segments and a leading `/`
    /// (the filesystem collapses them), and our marker file name.
    fn key_path(&self, bucket: &str, key: &str) -> Option<KeyPath> {
        let (body, is_folder) = match key.strip_suffix('/') {
            Some(body) => (body, true),
            None => (key, false),
        };
        if body.is_empty() || key.contains('\0') || (cfg!(windows) && key.contains(['\\', ':'])) {
            return None;
        }
        let bad_segment = |s: &str| s.is_empty() || s == "." || s == ".." || s == FOLDER_MARKER;
        if body.split('/').any(bad_segment) {
            return None;
        }
        let path = self.bucket_dir(bucket).join(body);
        Some(if is_folder {
            KeyPath::Folder(path)
        } else {
            KeyPath::File(path)
        })
    }

    fn writable_key_path(&self, bucket: &str, key: &str) -> S3Result<KeyPath> {
        self.key_path(bucket, key).ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "This store keeps objects as files and cannot hold the key {key:?} \
                 (empty, '.' or '..' segments, or the reserved name {FOLDER_MARKER})."
            )
        })
    }

    async fn require_bucket(&self, bucket: &str) -> S3Result<PathBuf> {
        let dir = self.bucket_dir(bucket);
        if is_dir(&dir).await {
            Ok(dir)
        } else {
            Err(s3_error!(NoSuchBucket, "The specified bucket does not exist"))
        }
    }

    /// Refuses a write whose file would replace a folder or sit below a file: S3 allows `a`
    /// next to `a/b`, the file layout does not, and s3s-fs would answer HTTP 500.
    async fn check_no_file_folder_clash(&self, bucket_dir: &Path, path: &Path, key: &str) -> S3Result<()> {
        let clash = || {
            s3_error!(
                InvalidRequest,
                "This store keeps objects as files and cannot hold both {key:?} and a key that \
                 continues it with '/', or that it continues."
            )
        };
        if is_dir(path).await {
            return Err(clash());
        }
        for ancestor in path.ancestors().skip(1) {
            if ancestor == bucket_dir || !ancestor.starts_with(bucket_dir) {
                break;
            }
            if let Ok(meta) = tokio::fs::metadata(ancestor).await {
                if !meta.is_dir() {
                    return Err(clash());
                }
            }
        }
        Ok(())
    }

    async fn put_folder_marker(&self, bucket: &str, key: &str, folder: &Path) -> S3Result<()> {
        let bucket_dir = self.require_bucket(bucket).await?;
        if let Ok(meta) = tokio::fs::metadata(folder).await {
            if !meta.is_dir() {
                return Err(s3_error!(
                    InvalidRequest,
                    "This store keeps objects as files and cannot hold both {key:?} and {:?}.",
                    key.trim_end_matches('/')
                ));
            }
        }
        self.check_no_file_folder_clash(&bucket_dir, folder.join(FOLDER_MARKER).as_path(), key)
            .await?;
        map_io(tokio::fs::create_dir_all(folder).await)?;
        map_io(tokio::fs::write(folder.join(FOLDER_MARKER), b"").await)?;
        Ok(())
    }

    async fn folder_marker_time(&self, folder: &Path) -> Option<SystemTime> {
        let meta = tokio::fs::metadata(folder.join(FOLDER_MARKER)).await.ok()?;
        Some(meta.modified().unwrap_or_else(|_| SystemTime::now()))
    }

    /// Deletes one key; like S3, deleting a missing key succeeds, and `If-Match` is honoured
    /// (s3s-fs ignores it; S3 answers 412 on a mismatch and 404 when the key is missing).
    async fn delete_key(&self, req: S3Request<DeleteObjectInput>) -> S3Result<()> {
        let bucket = req.input.bucket.clone();
        let key = req.input.key.clone();
        let _writing = self.etags.writing(&bucket, Some(&key));
        let bucket_dir = self.require_bucket(&bucket).await?;
        if let Some(condition) = &req.input.if_match {
            self.check_delete_condition(&bucket, &key, condition).await?;
        }
        match self.key_path(&bucket, &key) {
            None => Ok(()),
            Some(KeyPath::Folder(folder)) => {
                match tokio::fs::remove_file(folder.join(FOLDER_MARKER)).await {
                    Ok(()) => {}
                    Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                    Err(err) => return map_io(Err(err)),
                }
                prune_empty_folders(&bucket_dir, &folder).await;
                Ok(())
            }
            Some(KeyPath::File(path)) => {
                if is_dir(&path).await {
                    return Ok(());
                }
                self.fs.delete_object(req).await?;
                for sidecar in sidecar_paths(&self.root, &bucket, &key) {
                    let _ = tokio::fs::remove_file(sidecar).await;
                }
                if let Some(parent) = path.parent() {
                    prune_empty_folders(&bucket_dir, parent).await;
                }
                Ok(())
            }
        }
    }

    /// The `If-Match` of a delete: the key must exist and (unless `*`) have that ETag.
    async fn check_delete_condition(&self, bucket: &str, key: &str, condition: &ETagCondition) -> S3Result<()> {
        let current = match self.key_path(bucket, key) {
            Some(KeyPath::Folder(folder)) if self.folder_marker_time(&folder).await.is_some() => {
                Some(EMPTY_ETAG.to_owned())
            }
            Some(KeyPath::File(path)) if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) => {
                let (root, bucket, key) = (self.root.clone(), bucket.to_owned(), key.to_owned());
                let etag = tokio::task::spawn_blocking(move || {
                    stored_etag(&root, &bucket, &key).or_else(|| {
                        let file = std::fs::File::open(&path).ok()?;
                        multipart::md5_hex_of(file).ok()
                    })
                })
                .await
                .map_err(S3Error::internal_error)?;
                Some(etag.ok_or_else(|| s3_error!(InternalError, "the object's ETag cannot be read"))?)
            }
            _ => None,
        };
        let Some(current) = current else {
            return Err(no_such_key());
        };
        match condition {
            ETagCondition::ETag(expected) if !ETag::Strong(current).strong_cmp(expected) => {
                Err(s3_error!(PreconditionFailed, "ETag does not match"))
            }
            _ => Ok(()),
        }
    }

    /// Keeps the MD5 s3s-fs computed for a part it just stored (its ETag), for completion.
    async fn remember_part(&self, write: PartWrite<'_>, upload: &UploadId, part_number: i32, e_tag: Option<&ETag>) {
        let Some(md5) = e_tag.and_then(|e| md5_from_hex(e.value())) else {
            return;
        };
        let path = layout::part_path(&self.root, upload, part_number);
        if let Ok(meta) = tokio::fs::metadata(path).await {
            write.stored(FileStamp::of(&meta), md5);
        }
    }
}

/// One listing page plus the ETags of its objects, computed off the async executor.
struct Listed {
    page: ListPage,
    etags: Vec<Option<String>>,
}

impl DevS3 {
    async fn list(
        &self,
        bucket: &str,
        prefix: Option<String>,
        delimiter: Option<String>,
        start_after: Option<String>,
        resume_after: Option<String>,
        max_keys: usize,
    ) -> S3Result<Listed> {
        let bucket_dir = self.require_bucket(bucket).await?;
        let bucket_name = bucket.to_owned();
        let root = self.root.clone();
        let cache = self.etags.clone();
        let task = tokio::task::spawn_blocking(move || -> io::Result<Listed> {
            // Before the files are looked at, so a write that lands meanwhile is noticed.
            let since = cache.epoch();
            let query = ListQuery {
                prefix: prefix.as_deref().unwrap_or(""),
                delimiter: delimiter.as_deref().filter(|d| !d.is_empty()),
                start_after: start_after.as_deref(),
                resume_after: resume_after.as_deref(),
                max_keys,
            };
            let page = listing::list(&bucket_dir, &query)?;
            let etags = page
                .objects
                .iter()
                .map(|o| {
                    if o.is_folder_marker || o.size == 0 {
                        return Some(EMPTY_ETAG.to_owned());
                    }
                    if let Some(etag) = cache.get(&bucket_name, &o.key, o.stamp) {
                        return Some(etag);
                    }
                    let etag = stored_etag(&root, &bucket_name, &o.key)?;
                    cache.insert(since, &bucket_name, &o.key, o.stamp, etag.clone());
                    Some(etag)
                })
                .collect();
            Ok(Listed { page, etags })
        });
        match task.await {
            Ok(result) => map_io(result),
            Err(err) => Err(S3Error::internal_error(err)),
        }
    }
}

fn stored_etag(root: &Path, bucket: &str, key: &str) -> Option<String> {
    let [_, internal] = sidecar_paths(root, bucket, key);
    let bytes = std::fs::read(internal).ok()?;
    let info: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    info.get("e_tag")?.as_str().map(str::to_owned)
}

async fn is_dir(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok_and(|m| m.is_dir())
}

/// Removes `from` and its parents up to (not including) the bucket folder while they are
/// empty, so a folder disappears with its last key as on S3. A folder holding a marker file
/// is not empty and stays.
async fn prune_empty_folders(bucket_dir: &Path, from: &Path) {
    for dir in from.ancestors() {
        if dir == bucket_dir || !dir.starts_with(bucket_dir) {
            break;
        }
        // Fails (and stops the walk) as soon as a folder still holds something.
        if tokio::fs::remove_dir(dir).await.is_err() {
            break;
        }
    }
}

fn map_io<T>(result: io::Result<T>) -> S3Result<T> {
    result.map_err(S3Error::internal_error)
}

fn checked_max_keys(max_keys: Option<i32>) -> S3Result<usize> {
    let max_keys = max_keys.unwrap_or(MAX_KEYS_LIMIT);
    if max_keys < 0 {
        return Err(s3_error!(InvalidArgument, "max-keys cannot be negative"));
    }
    Ok(usize::try_from(max_keys.min(MAX_KEYS_LIMIT)).unwrap_or(0))
}

/// Continuation tokens are opaque to clients; hex keeps any key URL- and XML-safe.
fn encode_token(after: &str) -> String {
    after.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(token: &str) -> S3Result<String> {
    let invalid = || s3_error!(InvalidArgument, "The continuation token provided is incorrect");
    let bytes = token
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
            if pair.len() != 2 {
                return Err(invalid());
            }
            u8::from_str_radix(pair, 16).map_err(|_| invalid())
        })
        .collect::<S3Result<Vec<u8>>>()?;
    String::from_utf8(bytes).map_err(|_| invalid())
}

/// S3's `encoding-type=url`: everything but unreserved characters and `/` percent-encoded
/// (a space as `%20`, which decoders of both `%20` and `+` styles read back correctly).
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn wants_url_encoding(encoding_type: Option<&EncodingType>) -> bool {
    encoding_type.is_some_and(|e| e.as_str().eq_ignore_ascii_case(EncodingType::URL))
}

fn to_objects(listed: Listed, url: bool) -> (Vec<Object>, Vec<CommonPrefix>) {
    let enc = |s: String| if url { url_encode(&s) } else { s };
    let objects = listed
        .page
        .objects
        .into_iter()
        .zip(listed.etags)
        .map(|(o, etag)| Object {
            key: Some(enc(o.key)),
            size: Some(i64::try_from(o.size).unwrap_or(i64::MAX)),
            last_modified: Some(Timestamp::from(o.last_modified)),
            e_tag: etag.map(ETag::Strong),
            storage_class: Some(ObjectStorageClass::from_static(ObjectStorageClass::STANDARD)),
            ..Default::default()
        })
        .collect();
    let prefixes = listed
        .page
        .common_prefixes
        .into_iter()
        .map(|p| CommonPrefix { prefix: Some(enc(p)) })
        .collect();
    (objects, prefixes)
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

#[async_trait::async_trait]
impl S3 for DevS3 {
    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        // Every user of this store owns every bucket, so AWS's answer for one's own bucket.
        self.fs.create_bucket(req).await.map_err(|err| {
            if *err.code() == S3ErrorCode::BucketAlreadyExists {
                s3_error!(
                    BucketAlreadyOwnedByYou,
                    "Your previous request to create the named bucket succeeded and you already own it."
                )
            } else {
                err
            }
        })
    }

    async fn delete_bucket(&self, req: S3Request<DeleteBucketInput>) -> S3Result<S3Response<DeleteBucketOutput>> {
        let bucket = req.input.bucket.clone();
        let _writing = self.etags.writing(&bucket, None);
        let dir = self.require_bucket(&req.input.bucket).await?;
        let has_keys = tokio::task::spawn_blocking(move || listing::has_keys(&dir))
            .await
            .map_err(S3Error::internal_error)?;
        if map_io(has_keys)? {
            return Err(s3_error!(BucketNotEmpty, "The bucket you tried to delete is not empty"));
        }
        self.fs.delete_bucket(req).await
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.fs.get_bucket_location(req).await
    }

    async fn list_buckets(&self, req: S3Request<ListBucketsInput>) -> S3Result<S3Response<ListBucketsOutput>> {
        self.fs.list_buckets(req).await
    }

    async fn list_objects_v2(&self, req: S3Request<ListObjectsV2Input>) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        let max_keys = checked_max_keys(input.max_keys)?;
        let resume_after = input.continuation_token.as_deref().map(decode_token).transpose()?;
        let listed = self
            .list(
                &input.bucket,
                input.prefix.clone(),
                input.delimiter.clone(),
                input.start_after.clone(),
                resume_after,
                max_keys,
            )
            .await?;
        let next = listed.page.next_after.as_deref().map(encode_token);
        let url = wants_url_encoding(input.encoding_type.as_ref());
        let (objects, prefixes) = to_objects(listed, url);
        let enc = |s: Option<String>| if url { s.map(|s| url_encode(&s)) } else { s };
        let output = ListObjectsV2Output {
            name: Some(input.bucket),
            key_count: Some(i32::try_from(objects.len() + prefixes.len()).unwrap_or(i32::MAX)),
            max_keys: Some(input.max_keys.unwrap_or(MAX_KEYS_LIMIT)),
            is_truncated: Some(next.is_some()),
            next_continuation_token: next,
            continuation_token: input.continuation_token,
            contents: non_empty(objects),
            common_prefixes: non_empty(prefixes),
            prefix: Some(enc(input.prefix).unwrap_or_default()),
            delimiter: enc(input.delimiter),
            start_after: enc(input.start_after),
            encoding_type: input.encoding_type,
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    async fn list_objects(&self, req: S3Request<ListObjectsInput>) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = req.input;
        let max_keys = checked_max_keys(input.max_keys)?;
        let listed = self
            .list(
                &input.bucket,
                input.prefix.clone(),
                input.delimiter.clone(),
                input.marker.clone(),
                input.marker.clone(),
                max_keys,
            )
            .await?;
        let url = wants_url_encoding(input.encoding_type.as_ref());
        let enc = |s: Option<String>| if url { s.map(|s| url_encode(&s)) } else { s };
        let next = enc(listed.page.next_after.clone());
        let (objects, prefixes) = to_objects(listed, url);
        let output = ListObjectsOutput {
            name: Some(input.bucket),
            max_keys: Some(input.max_keys.unwrap_or(MAX_KEYS_LIMIT)),
            is_truncated: Some(next.is_some()),
            next_marker: next,
            marker: Some(enc(input.marker).unwrap_or_default()),
            contents: non_empty(objects),
            common_prefixes: non_empty(prefixes),
            prefix: Some(enc(input.prefix).unwrap_or_default()),
            delimiter: enc(input.delimiter),
            encoding_type: input.encoding_type,
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        let input = &req.input;
        let (bucket, key) = (input.bucket.clone(), input.key.clone());
        let _writing = self.etags.writing(&bucket, Some(&key));
        match self.writable_key_path(&input.bucket, &input.key)? {
            KeyPath::Folder(folder) => {
                if input.content_length.is_some_and(|len| len > 0) {
                    return Err(folder_marker_with_content());
                }
                if let Some(ref condition) = input.if_none_match {
                    if condition.is_any() && self.folder_marker_time(&folder).await.is_some() {
                        return Err(s3_error!(PreconditionFailed, "Object already exists"));
                    }
                }
                let (bucket, key) = (input.bucket.clone(), input.key.clone());
                // aws-chunked uploads may not declare a length up front; look at the body.
                if let Some(mut body) = req.input.body {
                    while let Some(chunk) = body.next().await {
                        if !chunk.map_err(|e| s3_error!(IncompleteBody, "{e}"))?.is_empty() {
                            return Err(folder_marker_with_content());
                        }
                    }
                }
                self.put_folder_marker(&bucket, &key, &folder).await?;
                Ok(S3Response::new(PutObjectOutput {
                    e_tag: Some(ETag::Strong(EMPTY_ETAG.to_owned())),
                    ..Default::default()
                }))
            }
            KeyPath::File(path) => {
                let bucket_dir = self.require_bucket(&input.bucket).await?;
                self.check_no_file_folder_clash(&bucket_dir, &path, &input.key).await?;
                self.fs.put_object(req).await
            }
        }
    }

    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        self.require_bucket(&req.input.bucket).await?;
        match self.key_path(&req.input.bucket, &req.input.key) {
            None => Err(no_such_key()),
            Some(KeyPath::Folder(folder)) => {
                let modified = self.folder_marker_time(&folder).await.ok_or_else(no_such_key)?;
                Ok(S3Response::new(HeadObjectOutput {
                    content_length: Some(0),
                    e_tag: Some(ETag::Strong(EMPTY_ETAG.to_owned())),
                    last_modified: Some(Timestamp::from(modified)),
                    ..Default::default()
                }))
            }
            Some(KeyPath::File(path)) => {
                if is_dir(&path).await {
                    return Err(no_such_key());
                }
                self.fs.head_object(req).await
            }
        }
    }

    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        self.require_bucket(&req.input.bucket).await?;
        match self.key_path(&req.input.bucket, &req.input.key) {
            None => Err(no_such_key()),
            Some(KeyPath::Folder(folder)) => {
                let modified = self.folder_marker_time(&folder).await.ok_or_else(no_such_key)?;
                Ok(S3Response::new(GetObjectOutput {
                    body: Some(StreamingBlob::from(s3s::Body::empty())),
                    content_length: Some(0),
                    e_tag: Some(ETag::Strong(EMPTY_ETAG.to_owned())),
                    last_modified: Some(Timestamp::from(modified)),
                    ..Default::default()
                }))
            }
            Some(KeyPath::File(path)) => self.get_file(req, path).await,
        }
    }

    async fn copy_object(&self, req: S3Request<CopyObjectInput>) -> S3Result<S3Response<CopyObjectOutput>> {
        let input = &req.input;
        let (bucket, key) = (input.bucket.clone(), input.key.clone());
        let _writing = self.etags.writing(&bucket, Some(&key));
        let (src_bucket, src_key) = match &input.copy_source {
            CopySource::Bucket { bucket, key, .. } => (bucket.to_string(), key.to_string()),
            _ => return Err(s3_error!(NotImplemented, "Only bucket/key copy sources are supported")),
        };
        self.require_bucket(&src_bucket).await?;
        let dst_bucket_dir = self.require_bucket(&input.bucket).await?;
        let src = self.key_path(&src_bucket, &src_key).ok_or_else(no_such_key)?;
        let dst = self.writable_key_path(&input.bucket, &input.key)?;

        let src_is_empty = match &src {
            KeyPath::Folder(folder) => {
                self.folder_marker_time(folder).await.ok_or_else(no_such_key)?;
                true
            }
            KeyPath::File(path) => match tokio::fs::metadata(path).await {
                Ok(meta) if meta.is_file() => meta.len() == 0,
                _ => return Err(no_such_key()),
            },
        };
        match dst {
            KeyPath::Folder(folder) => {
                if !src_is_empty {
                    return Err(folder_marker_with_content());
                }
                self.put_folder_marker(&input.bucket, &input.key, &folder).await?;
                Ok(S3Response::new(CopyObjectOutput {
                    copy_object_result: Some(CopyObjectResult {
                        e_tag: Some(ETag::Strong(EMPTY_ETAG.to_owned())),
                        last_modified: Some(Timestamp::from(SystemTime::now())),
                        ..Default::default()
                    }),
                    ..Default::default()
                }))
            }
            KeyPath::File(path) => {
                if matches!(src, KeyPath::Folder(_)) {
                    return Err(s3_error!(
                        NotImplemented,
                        "This store cannot copy a folder marker to a key without a trailing '/'"
                    ));
                }
                self.check_no_file_folder_clash(&dst_bucket_dir, &path, &input.key)
                    .await?;
                self.fs.copy_object(req).await
            }
        }
    }

    async fn delete_object(&self, req: S3Request<DeleteObjectInput>) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.delete_key(req).await?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(&self, req: S3Request<DeleteObjectsInput>) -> S3Result<S3Response<DeleteObjectsOutput>> {
        self.require_bucket(&req.input.bucket).await?;
        let quiet = req.input.delete.quiet.unwrap_or(false);
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for object in &req.input.delete.objects {
            let one = req.clone().map_input(|input| DeleteObjectInput {
                bucket: input.bucket,
                key: object.key.clone(),
                ..Default::default()
            });
            match self.delete_key(one).await {
                Ok(()) if quiet => {}
                Ok(()) => deleted.push(DeletedObject {
                    key: Some(object.key.clone()),
                    version_id: object.version_id.clone(),
                    ..Default::default()
                }),
                Err(err) => errors.push(Error {
                    code: Some(err.code().as_str().to_owned()),
                    key: Some(object.key.clone()),
                    message: err.message().map(str::to_owned),
                    version_id: object.version_id.clone(),
                }),
            }
        }
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: non_empty(deleted),
            errors: non_empty(errors),
            ..Default::default()
        }))
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let bucket_dir = self.require_bucket(&req.input.bucket).await?;
        match self.writable_key_path(&req.input.bucket, &req.input.key)? {
            KeyPath::Folder(_) => Err(folder_in_parts()),
            KeyPath::File(path) => {
                self.check_no_file_folder_clash(&bucket_dir, &path, &req.input.key)
                    .await?;
                self.fs.create_multipart_upload(req).await
            }
        }
    }

    async fn upload_part(&self, req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        // An id s3s-fs cannot parse either: it answers the error.
        let Some(upload) = UploadId::parse(&req.input.upload_id) else {
            return self.fs.upload_part(req).await;
        };
        let part_number = req.input.part_number;
        let write = self.part_md5s.writing(&upload, part_number);
        let response = self.fs.upload_part(req).await?;
        self.remember_part(write, &upload, part_number, response.output.e_tag.as_ref())
            .await;
        Ok(response)
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let Some(upload) = UploadId::parse(&req.input.upload_id) else {
            return self.fs.upload_part_copy(req).await;
        };
        let part_number = req.input.part_number;
        let write = self.part_md5s.writing(&upload, part_number);
        let response = self.fs.upload_part_copy(req).await?;
        let e_tag = response.output.copy_part_result.as_ref().and_then(|r| r.e_tag.as_ref());
        self.remember_part(write, &upload, part_number, e_tag).await;
        Ok(response)
    }

    async fn list_parts(&self, req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        self.fs.list_parts(req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        self.complete_upload(req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let upload = UploadId::parse(&req.input.upload_id);
        let response = self.fs.abort_multipart_upload(req).await?;
        if let Some(upload) = upload {
            self.part_md5s.forget(&upload);
        }
        Ok(response)
    }
}

fn folder_in_parts() -> S3Error {
    s3_error!(NotImplemented, "This store cannot upload a key ending in '/' in parts")
}

fn no_such_key() -> S3Error {
    s3_error!(NoSuchKey, "The specified key does not exist.")
}

fn folder_marker_with_content() -> S3Error {
    s3_error!(
        UnexpectedContent,
        "This store keeps keys ending in '/' as folders, which cannot hold content."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let key = "photos/été 2026/a+b.png";
        assert_eq!(decode_token(&encode_token(key)).unwrap(), key);
        assert!(decode_token("zz").is_err());
        assert!(decode_token("abc").is_err());
    }

    #[test]
    fn url_encoding_matches_s3() {
        assert_eq!(url_encode("a b/c+d~e.txt"), "a%20b/c%2Bd~e.txt");
        assert_eq!(url_encode("é"), "%C3%A9");
    }
}
