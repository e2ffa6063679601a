//! Plain S3 calls a test makes to set up a bucket or look into it, through the SDK and never
//! through Pail, so what Pail wrote is checked by a client that is not the one under test.

use std::collections::BTreeMap;

use aws_sdk_s3::types::EncodingType;
use aws_sdk_s3::Client;

/// Writes `body` at `key`; returns the new version id where the bucket keeps versions. Panics,
/// naming the key, when the store refuses.
pub async fn put(s3: &Client, bucket: &str, key: &str, body: &[u8]) -> Option<String> {
    let out = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body.to_vec().into())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
    out.version_id().map(str::to_owned)
}

/// The bytes at `key`, or None when there is no such object (or it cannot be read now).
pub async fn get(s3: &Client, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let out = s3.get_object().bucket(bucket).key(key).send().await.ok()?;
    Some(out.body.collect().await.ok()?.into_bytes().to_vec())
}

/// The ETag at `key` without quotes, or None when there is no such object.
pub async fn etag(s3: &Client, bucket: &str, key: &str) -> Option<String> {
    let out = s3.head_object().bucket(bucket).key(key).send().await.ok()?;
    out.e_tag().map(|e| e.trim_matches('"').to_owned())
}

/// Every key under `prefix`, in key order. Keys are listed URL-encoded and decoded here, so a key
/// with characters XML cannot carry still comes back as written.
pub async fn keys(s3: &Client, bucket: &str, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .encoding_type(EncodingType::Url)
            .set_continuation_token(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list {bucket}/{prefix}: {e:?}"));
        let encoded = page.encoding_type() == Some(&EncodingType::Url);
        for o in page.contents() {
            let key = o.key().unwrap_or_default();
            keys.push(if encoded { decode_key(key) } else { key.to_owned() });
        }
        match page.next_continuation_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    keys
}

/// Every object under `prefix`: its key without the prefix → its bytes. Pail's own keys (under
/// `<prefix>.pail/`, a store probe) are no user data and are left out.
pub async fn objects(s3: &Client, bucket: &str, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for key in keys(s3, bucket, prefix).await {
        let rel = key[prefix.len()..].to_owned();
        if rel.starts_with(".pail/") {
            continue;
        }
        let body = get(s3, bucket, &key)
            .await
            .unwrap_or_else(|| panic!("{key} was listed but cannot be read"));
        out.insert(rel, body);
    }
    out
}

/// How many multipart uploads are open in `bucket` (parts a store keeps and bills).
pub async fn open_uploads(s3: &Client, bucket: &str) -> usize {
    s3.list_multipart_uploads()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list multipart uploads of {bucket}: {e:?}"))
        .uploads()
        .len()
}

/// A key from a listing that says it is URL-encoded (S3 writes a space as `+`).
fn decode_key(encoded: &str) -> String {
    percent_encoding::percent_decode_str(&encoded.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Turns versioning on for `bucket`, so every write keeps the version before it. Panics when
/// the store refuses.
pub async fn enable_versioning(s3: &Client, bucket: &str) {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("turn versioning on for {bucket}: {e:?}"));
}
