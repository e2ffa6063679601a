//! Reading one object's properties.

use serde::{Deserialize, Serialize};

use super::listing::to_rfc3339;
use super::{classify, Remote};
use crate::error::{Operation, Result};

/// One user metadata pair (`x-amz-meta-KEY: VALUE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MetadataEntry {
    /// Metadata key without the `x-amz-meta-` prefix.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// What the properties panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ObjectProperties {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag without quotes.
    pub etag: Option<String>,
    /// Last modified, RFC 3339.
    pub last_modified: Option<String>,
    /// Content-Type.
    pub content_type: Option<String>,
    /// Storage class (S3 omits it for STANDARD, so None means standard).
    pub storage_class: Option<String>,
    /// Version id where the bucket keeps versions.
    pub version_id: Option<String>,
    /// User metadata, sorted by key.
    pub metadata: Vec<MetadataEntry>,
}

impl Remote {
    /// HeadObject, shaped for the properties panel.
    pub async fn object_properties(&self, bucket: &str, key: &str) -> Result<ObjectProperties> {
        let head = self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify(e, Operation::HeadObject, self.endpoint_label(), Some(bucket)))?;
        let mut metadata: Vec<MetadataEntry> = head
            .metadata()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| MetadataEntry {
                        key: k.clone(),
                        value: v.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        metadata.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(ObjectProperties {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            size: head.content_length().unwrap_or(0).max(0) as u64,
            etag: head.e_tag().map(|e| e.trim_matches('"').to_owned()),
            last_modified: head.last_modified().and_then(to_rfc3339),
            content_type: head.content_type().map(str::to_owned),
            storage_class: head.storage_class().map(|s| s.as_str().to_owned()),
            version_id: head.version_id().map(str::to_owned),
            metadata,
        })
    }
}
