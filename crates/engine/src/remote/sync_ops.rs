//! The requests the sync engine makes besides transfers: a listing of the whole prefix with
//! ETags, reading the content hash Pail records in metadata, and conditional deletes and copies.

use aws_sdk_s3::error::ProvideErrorMetadata;

use super::object_ops::copy_source;
use super::transfer::{bare_etag, parse_hash, PutSpec, Written, HASH_METADATA_KEY};
use super::{classify, Remote};
use crate::error::{ErrorCode, Operation, Result};
use crate::sync::ContentHash;

/// One object of a prefix listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    /// The full key.
    pub key: String,
    /// ETag without quotes.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

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
    /// Every object under `prefix` with its ETag, in key order: one paged listing.
    pub async fn list_prefix_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ListedObject>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let resp = self.list_page(bucket, prefix, None, 1000, token.take()).await?;
            for o in resp.contents() {
                if let Some(k) = o.key() {
                    out.push(ListedObject {
                        key: k.to_owned(),
                        etag: bare_etag(o.e_tag()),
                        size: o.size().unwrap_or(0).max(0) as u64,
                    });
                }
            }
            match super::listing::next_token(&resp) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(out)
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
    /// condition get a HEAD first, which narrows the race to a moment.
    pub async fn delete_if_match(&self, bucket: &str, key: &str, etag: &str) -> Result<()> {
        match self.head_identity(bucket, key).await? {
            None => return Ok(()),
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
            Ok(_) => Ok(()),
            // S3 general-purpose buckets before 2025 refuse If-Match on DELETE as not implemented.
            Err(e) if e.code() == Some("NotImplemented") => {
                self.client
                    .delete_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket)))?;
                Ok(())
            }
            Err(e) => {
                let err = classify(e, Operation::DeleteObject, self.endpoint_label(), Some(bucket));
                // Already gone is what we wanted.
                if err.code() == ErrorCode::NoSuchKey {
                    Ok(())
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
        Ok(Written {
            bytes: source.size,
            etag: bare_etag(out.copy_object_result().and_then(|r| r.e_tag())),
            version_id: out.version_id().map(str::to_owned),
        })
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
