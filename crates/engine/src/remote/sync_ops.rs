//! The requests the sync engine makes besides transfers: a listing of the whole prefix with
//! ETags, reading the content hash Pail records in metadata, and conditional deletes and copies.

use aws_sdk_s3::error::ProvideErrorMetadata;

use super::key_encoding::copy_source;
use super::pages::PageCursor;
use super::transfer::{bare_etag, parse_hash, PutSpec, Written, HASH_METADATA_KEY};
use super::{classify, Remote};
use crate::core::model::{etag_is_md5, ContentHash};
use crate::error::{ErrorCode, Operation, Result};

pub use super::list_page::ListedObject;

/// What a HEAD tells about an object's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectIdentity {
    /// ETag without quotes.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// Version id, where the bucket keeps versions.
    pub version_id: Option<String>,
    /// The content hash Pail recorded, if the object was written by Pail.
    pub hash: Option<ContentHash>,
}

impl Remote {
    /// Every object under `prefix` with its ETag, in key order, without duplicates.
    ///
    /// The first request is one plain page: a bucket folder of up to 1,000 keys, at any depth,
    /// costs that one request. A larger one is listed on as several key ranges at once: one page
    /// with the `/` delimiter, starting after the first page's last key, names the sub-prefixes
    /// that split the rest of the key space into consecutive ranges, each listed (paged, no
    /// delimiter) by its own task. Completeness does not depend on the store's delimiter
    /// handling: the ranges overlap slightly and together cover every possible key after the
    /// first page (the first starts right after it, the last runs to the end), so a missing
    /// sub-prefix only makes one range longer — it can never hide a key (which would look like
    /// a remote delete).
    pub async fn list_prefix_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ListedObject>> {
        let started = std::time::Instant::now();
        let first = self.objects_page(bucket, prefix, None, None).await?;
        let entries = first.objects.len();
        let mut out = first.objects;
        let more = PageCursor::new()
            .advance(first.truncated, first.next_token, entries)
            .map_err(|why| self.stuck_listing(Some(bucket), why))?
            .is_some();
        if more {
            // "More follows" after an empty page would leave nowhere to start from; list the
            // rest plainly from the beginning instead of guessing.
            let after = out.last().map(|o| o.key.clone());
            let rest = self.list_rest(bucket, prefix, after).await?;
            out.extend(rest);
            if !out.is_sorted_by(|a, b| a.key < b.key) {
                out.sort_by(|a, b| a.key.cmp(&b.key));
                out.dedup_by(|a, b| a.key == b.key);
            }
        }
        tracing::debug!(
            prefix,
            objects = out.len(),
            ms = started.elapsed().as_millis() as u64,
            "listed the prefix"
        );
        Ok(out)
    }

    /// The keys under `prefix` after `after` (the end of the first page), in ranges split at
    /// the sub-prefixes that follow it.
    async fn list_rest(&self, bucket: &str, prefix: &str, after: Option<String>) -> Result<Vec<ListedObject>> {
        let page = self
            .list_page_after(bucket, prefix, Some("/"), 1000, None, after.clone())
            .await?;
        let mut bounds: Vec<String> = page
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            // Only boundaries strictly inside the prefix split anything; the trailing `/` makes
            // "boundary minus its last byte" a start-after that sorts before all its keys.
            .filter(|p| p.len() > prefix.len() && p.starts_with(prefix) && p.ends_with('/'))
            .map(str::to_owned)
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        if bounds.is_empty() {
            // No sub-prefix to split at (or a store answering oddly): one plain pass.
            let mut out = Vec::new();
            self.list_range(bucket, prefix, after, None, &mut out).await?;
            return Ok(out);
        }
        self.list_ranges(bucket, prefix, after, &bounds).await
    }

    /// Lists the key ranges split at `bounds` (sorted sub-prefixes) concurrently and joins them
    /// in key order.
    async fn list_ranges(
        &self,
        bucket: &str,
        prefix: &str,
        first_after: Option<String>,
        bounds: &[String],
    ) -> Result<Vec<ListedObject>> {
        // Each range may fetch up to one page past its end, so more ranges cost more requests;
        // 16 keeps that small while spreading a large listing over many connections.
        const RANGES: usize = 16;
        let groups = bounds.len().min(RANGES);
        // Range g runs from the start of group g to the first boundary of group g + 1.
        let starts: Vec<&str> = (0..groups)
            .map(|g| bounds[g * bounds.len() / groups].as_str())
            .collect();
        let mut set = tokio::task::JoinSet::new();
        for g in 0..groups {
            // Exclusive start-after: the boundary without its trailing delimiter sorts before
            // every key under it (and the first range starts where the caller already is).
            let after = if g == 0 {
                first_after.clone()
            } else {
                Some(starts[g][..starts[g].len() - 1].to_owned())
            };
            let end = starts.get(g + 1).map(|s| (*s).to_owned());
            let (remote, bucket, prefix) = (self.clone(), bucket.to_owned(), prefix.to_owned());
            set.spawn(async move {
                let mut part = Vec::new();
                remote
                    .list_range(&bucket, &prefix, after, end.as_deref(), &mut part)
                    .await?;
                Ok::<_, crate::error::Error>((g, part))
            });
        }
        let mut parts: Vec<Vec<ListedObject>> = (0..groups).map(|_| Vec::new()).collect();
        while let Some(joined) = set.join_next().await {
            let (g, part) = joined.map_err(|e| crate::error::Error::Io {
                context: "list the prefix".into(),
                source: std::io::Error::other(e),
            })??;
            parts[g] = part;
        }
        let mut out: Vec<ListedObject> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in parts {
            out.extend(part);
        }
        // Ranges overlap a little (and a store may not sort as S3 does): make the result sorted
        // and unique whatever came back.
        if !out.is_sorted_by(|a, b| a.key < b.key) {
            out.sort_by(|a, b| a.key.cmp(&b.key));
            out.dedup_by(|a, b| a.key == b.key);
        }
        Ok(out)
    }

    /// Appends the keys under `prefix` after `after` (exclusive) and before `end` (exclusive, or
    /// to the last key), paging with continuation tokens.
    async fn list_range(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<String>,
        end: Option<&str>,
        out: &mut Vec<ListedObject>,
    ) -> Result<()> {
        let mut token: Option<String> = None;
        let mut after = after;
        let mut cursor = PageCursor::new();
        loop {
            let page = self.objects_page(bucket, prefix, after.take(), token.take()).await?;
            let entries = page.objects.len();
            for o in page.objects {
                if end.is_some_and(|end| o.key.as_str() >= end) {
                    return Ok(());
                }
                out.push(o);
            }
            match cursor.advance(page.truncated, page.next_token, entries) {
                Ok(Some(t)) => token = Some(t),
                Ok(None) => return Ok(()),
                Err(why) => return Err(self.stuck_listing(Some(bucket), why)),
            }
        }
    }

    /// One page of up to 1,000 keys, read by Pail's own listing parser: the SDK still signs,
    /// sends, retries and reads error replies, but never decodes a successful page.
    async fn objects_page(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<String>,
        token: Option<String>,
    ) -> Result<super::list_page::ListPage> {
        let divert = super::diverted_body::DivertBody::new(super::list_page::STAND_IN);
        self.client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(1000)
            .encoding_type(aws_sdk_s3::types::EncodingType::Url)
            .set_start_after(after)
            .set_continuation_token(token)
            .customize()
            .interceptor(divert.clone())
            .send()
            .await
            .map_err(|e| classify(e, Operation::ListObjects, self.endpoint_label(), Some(bucket)))?;
        let body = divert
            .take()
            .ok_or_else(|| self.listing_error(bucket, "the listing reply had no body".into()))?;
        super::list_page::parse(&body).map_err(|detail| self.listing_error(bucket, detail))
    }

    /// A listing reply this code cannot read.
    fn listing_error(&self, bucket: &str, detail: String) -> crate::error::Error {
        crate::error::Error::Remote {
            code: ErrorCode::Server,
            operation: Operation::ListObjects,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail,
        }
    }

    /// The content hash Pail recorded on one version of `bucket/key` (None: written by another
    /// client, or a delete marker).
    pub async fn version_hash(&self, bucket: &str, key: &str, version_id: &str) -> Result<Option<ContentHash>> {
        let out = self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .version_id(version_id)
            .send()
            .await
            .map_err(|e| classify(e, Operation::HeadObject, self.endpoint_label(), Some(bucket)))?;
        Ok(out
            .metadata()
            .and_then(|m| m.get(HASH_METADATA_KEY))
            .and_then(|h| parse_hash(h)))
    }

    /// The identity of `bucket/key`, or `None` if it does not exist.
    pub async fn head_identity(&self, bucket: &str, key: &str) -> Result<Option<ObjectIdentity>> {
        match self.client.head_object().bucket(bucket).key(key).send().await {
            Ok(out) => Ok(Some(ObjectIdentity {
                etag: bare_etag(out.e_tag()),
                size: out.content_length().unwrap_or(0).max(0) as u64,
                version_id: out.version_id().map(str::to_owned),
                hash: out
                    .metadata()
                    .and_then(|m| m.get(HASH_METADATA_KEY))
                    .and_then(|h| parse_hash(h)),
            })),
            Err(e) => {
                let err = classify(e, Operation::HeadObject, self.endpoint_label(), Some(bucket));
                if err.code() == ErrorCode::NoSuchKey {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Deletes `bucket/key` only if it still has `etag`. Stores that cannot check a delete's
    /// condition get a HEAD first, which narrows the race to a moment. Returns the delete
    /// marker's version id where the bucket keeps versions (what an undo brings back from).
    pub async fn delete_if_match(&self, bucket: &str, key: &str, etag: &str) -> Result<Option<String>> {
        match self.head_identity(bucket, key).await? {
            None => return Ok(None),
            Some(now) if now.etag != etag => return Err(self.changed_meanwhile(bucket, key, Operation::DeleteObject)),
            Some(_) => {}
        }
        let sent = self
            .client
            .delete_object()
            .bucket(bucket)
            .key(key)
            .if_match(format!("\"{etag}\""))
            .send()
            .await;
        match sent {
            Ok(out) => Ok(out.version_id().map(str::to_owned)),
            // S3 general-purpose buckets before 2025 refuse If-Match on DELETE as not implemented.
            Err(e) if e.code() == Some("NotImplemented") => {
                let out = self
                    .client
                    .delete_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket)))?;
                Ok(out.version_id().map(str::to_owned))
            }
            Err(e) => {
                let err = classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket));
                // Already gone is what we wanted.
                if err.code() == ErrorCode::NoSuchKey {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Server-side copy of `from` (which must still have `source_etag`) to `to` under `spec`.
    pub async fn copy_object_conditional(
        &self,
        bucket: &str,
        from: &str,
        source_etag: &str,
        to: &str,
        spec: &PutSpec,
    ) -> Result<Written> {
        // Not every store checks x-amz-copy-source-if-match; the HEAD makes it explicit.
        let source = match self.head_identity(bucket, from).await? {
            Some(now) if now.etag == source_etag => now,
            _ => return Err(self.changed_meanwhile(bucket, from, Operation::CopyObject)),
        };
        let (if_match, if_none_match) = spec.condition_headers();
        let out = self
            .client
            .copy_object()
            .bucket(bucket)
            .key(to)
            .copy_source(copy_source(bucket, from, None))
            .copy_source_if_match(format!("\"{source_etag}\""))
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .set_if_match(if_match)
            .set_if_none_match(if_none_match)
            .set_metadata(spec.metadata_map())
            .send()
            .await
            .map_err(|e| classify(e, Operation::CopyObject, self.endpoint_label(), Some(bucket)))?;
        let written = Written {
            bytes: source.size,
            etag: bare_etag(out.copy_object_result().and_then(|r| r.e_tag())),
            version_id: out.version_id().map(str::to_owned),
        };
        // The copy carries our recorded hash, so it must hold the bytes that were checked. A
        // store that ignores x-amz-copy-source-if-match copies whatever the source became after
        // the HEAD; then the new object's hash would not match its content. Make sure, and take
        // the copy back if it got other bytes.
        if !self
            .copied_what_was_checked(bucket, from, source_etag, &written.etag)
            .await?
        {
            tracing::warn!(
                from,
                to,
                "the source changed during a server-side copy; the copy is taken back"
            );
            self.delete_if_match(bucket, to, &written.etag).await?;
            return Err(self.changed_meanwhile(bucket, from, Operation::CopyObject));
        }
        Ok(written)
    }

    /// Whether a copy of `from` took the bytes whose ETag was `source_etag`.
    async fn copied_what_was_checked(
        &self,
        bucket: &str,
        from: &str,
        source_etag: &str,
        copy_etag: &str,
    ) -> Result<bool> {
        // A plain MD5 ETag is copied as it is: the same one means the same bytes, at no cost.
        if etag_is_md5(source_etag) && source_etag == copy_etag {
            return Ok(true);
        }
        // Otherwise (a multipart ETag, which a copy does not keep; encrypted objects, whose ETags
        // are not MD5s; or other bytes) ask the source: still having its ETag afterwards means it
        // had it throughout (a change and a change back would be the same bytes).
        Ok(matches!(self.head_identity(bucket, from).await?, Some(now) if now.etag == source_etag))
    }

    fn changed_meanwhile(&self, bucket: &str, key: &str, operation: Operation) -> crate::error::Error {
        crate::error::Error::Remote {
            code: ErrorCode::PreconditionFailed,
            operation,
            endpoint: self.endpoint_label().to_owned(),
            bucket: Some(bucket.to_owned()),
            detail: format!("{key} changed since it was last listed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::{ClientOptions, RemoteCredentials};

    /// Every key of the prefix, one sequential page after another: what the ranges must equal.
    async fn sequential(remote: &Remote, bucket: &str, prefix: &str) -> Vec<ListedObject> {
        let mut out = Vec::new();
        remote.list_range(bucket, prefix, None, None, &mut out).await.unwrap();
        out
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ranged_listing_returns_every_key_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let config = pail_devstore::DevStoreConfig::new(dir.path().to_path_buf(), "listkey", "listsecret");
        let store = pail_devstore::DevStore::start(config).await.unwrap();
        let remote = Remote::new(
            Some(&store.endpoint()),
            "us-east-1",
            true,
            RemoteCredentials::Static {
                access_key_id: "listkey".into(),
                secret: crate::secrets::Sensitive::new("listsecret".to_owned()),
            },
            ClientOptions::default(),
            &Default::default(),
        )
        .await;
        let bucket = "ranges";
        remote.client.create_bucket().bucket(bucket).send().await.unwrap();
        // More sub-prefixes than ranges, one of them past a page, names that sort around a `/`
        // ("d05-x/" and "d05.txt" before "d05/", "d050" after), folder markers, top-level files,
        // and keys outside the prefix. (A key that is a boundary minus its `/` cannot exist in this
        // store, which keeps objects as files.)
        let mut keys: Vec<String> = (0..40).map(|i| format!("p/d{i:02}/f")).collect();
        keys.extend((0..1100).map(|i| format!("p/d07/many/{i:04}")));
        keys.extend(
            [
                "p/",
                "p/a.txt",
                "p/d05-x/y",
                "p/d05.txt",
                "p/d05/",
                "p/d050",
                "p/d10/",
                "p/zz",
                "q/outside",
                "o/outside",
                "p/d39/deeper/still/k",
            ]
            .map(str::to_owned),
        );
        let mut set = tokio::task::JoinSet::new();
        for chunk in keys.chunks(64) {
            let (remote, chunk) = (remote.clone(), chunk.to_vec());
            set.spawn(async move {
                for key in chunk {
                    let body = if key.ends_with('/') {
                        Vec::new()
                    } else {
                        key.clone().into_bytes()
                    };
                    remote
                        .client
                        .put_object()
                        .bucket(bucket)
                        .key(&key)
                        .body(body.into())
                        .send()
                        .await
                        .unwrap();
                }
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }

        for prefix in ["p/", "", "p/d07/", "p/d05"] {
            let want = sequential(&remote, bucket, prefix).await;
            let mut expected: Vec<&str> = keys
                .iter()
                .map(String::as_str)
                .filter(|k| k.starts_with(prefix))
                .collect();
            expected.sort_unstable();
            let want_keys: Vec<&str> = want.iter().map(|o| o.key.as_str()).collect();
            assert_eq!(want_keys, expected, "sequential listing of {prefix:?}");
            let got = remote.list_prefix_objects(bucket, prefix).await.unwrap();
            assert_eq!(got, want, "ranged listing of {prefix:?}");
        }
        store.shutdown().await;
    }
}
