//! Quick preview: the first bytes of a text file, or a whole (bounded) image as a data URL, so
//! the window shows it without loosening its content security policy.

use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};

use super::{classify, Remote};
use crate::error::{Error, Operation, Result};

/// Text previews read at most this much.
pub const TEXT_PREVIEW_BYTES: u64 = 256 * 1024;
/// Images larger than this are not previewed (they would cross IPC as one message).
pub const IMAGE_PREVIEW_BYTES: u64 = 10 * 1024 * 1024;

/// What the preview pane shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "kind")]
pub enum Preview {
    /// The start of a text file.
    Text {
        /// The text (invalid UTF-8 replaced).
        text: String,
        /// True when the file is longer than what is shown.
        truncated: bool,
    },
    /// An image as a `data:` URL.
    Image {
        /// `data:<type>;base64,…`.
        data_url: String,
    },
    /// Nothing to show, and why.
    Unavailable {
        /// A sentence for the pane.
        reason: String,
    },
}

/// What kind of preview a key gets, from its content type or, failing that, its extension.
pub fn preview_kind(key: &str, content_type: Option<&str>) -> Option<&'static str> {
    let ext = key
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let by_ext = match ext.as_str() {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        "bmp" => Some("image/bmp"),
        "txt" | "md" | "csv" | "tsv" | "json" | "yaml" | "yml" | "toml" | "xml" | "html" | "css" | "js" | "ts"
        | "rs" | "py" | "sh" | "log" | "ini" | "conf" | "sql" | "go" | "java" | "c" | "h" | "cpp" => Some("text/plain"),
        _ => None,
    };
    match content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase()) {
        // SVG can carry scripts; it is not shown even as an image.
        Some(c) if c == "image/svg+xml" => None,
        Some(c) if c.starts_with("image/") => by_ext.filter(|e| e.starts_with("image/")).or(match c.as_str() {
            "image/png" => Some("image/png"),
            "image/jpeg" => Some("image/jpeg"),
            "image/gif" => Some("image/gif"),
            "image/webp" => Some("image/webp"),
            _ => None,
        }),
        Some(c) if c.starts_with("text/") || c == "application/json" || c == "application/xml" => Some("text/plain"),
        _ => by_ext,
    }
}

impl Remote {
    /// A preview of `bucket/key`: at most [`TEXT_PREVIEW_BYTES`] of text, or an image up to
    /// [`IMAGE_PREVIEW_BYTES`].
    pub async fn preview(&self, bucket: &str, key: &str) -> Result<Preview> {
        let head = self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify(e, Operation::HeadObject, self.endpoint_label(), Some(bucket)))?;
        let size = head.content_length().unwrap_or(0).max(0) as u64;
        let etag = super::bare_etag(head.e_tag());
        let content_type = head.content_type().map(str::to_owned);
        let Some(kind) = preview_kind(key, content_type.as_deref()) else {
            return Ok(Preview::Unavailable {
                reason: "Pail can preview images and text files; open this file with another app after downloading it."
                    .into(),
            });
        };
        let image = kind.starts_with("image/");
        if image && size > IMAGE_PREVIEW_BYTES {
            return Ok(Preview::Unavailable {
                reason: "This image is too large to preview. Download it to see it.".into(),
            });
        }
        let limit = if image { size } else { TEXT_PREVIEW_BYTES.min(size) };
        let bytes = if limit == 0 {
            Vec::new()
        } else {
            let body = self
                .client
                .get_object()
                .bucket(bucket)
                .key(key)
                .if_match(format!("\"{etag}\""))
                .range(format!("bytes=0-{}", limit - 1))
                .send()
                .await
                .map_err(|e| classify(e, Operation::GetObject, self.endpoint_label(), Some(bucket)))?
                .body;
            read_at_most(body, limit).await?
        };
        if image {
            let data = aws_smithy_types::base64::encode(&bytes);
            return Ok(Preview::Image {
                data_url: format!("data:{kind};base64,{data}"),
            });
        }
        if bytes.contains(&0) {
            return Ok(Preview::Unavailable {
                reason: "This file is not text, so it cannot be previewed.".into(),
            });
        }
        Ok(Preview::Text {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            truncated: (bytes.len() as u64) < size,
        })
    }
}

/// The first `limit` bytes of `body`. A store that ignores `Range` sends the whole object:
/// reading stops at the limit and the rest is dropped with the connection, so a preview never
/// holds more than it shows.
async fn read_at_most(mut body: ByteStream, limit: u64) -> Result<Vec<u8>> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(limit.min(1 << 20));
    while out.len() < limit {
        let chunk = body.try_next().await.map_err(|e| Error::Io {
            context: "receive the preview".into(),
            source: std::io::Error::other(e),
        })?;
        let Some(chunk) = chunk else { break };
        let room = limit - out.len();
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_text_are_previewed_but_not_svg_or_binaries() {
        assert_eq!(preview_kind("a/b.PNG", None), Some("image/png"));
        assert_eq!(
            preview_kind("notes", Some("text/markdown; charset=utf-8")),
            Some("text/plain")
        );
        assert_eq!(preview_kind("x.svg", Some("image/svg+xml")), None);
        assert_eq!(preview_kind("x.bin", Some("application/octet-stream")), None);
        assert_eq!(preview_kind("photo", Some("image/jpeg")), Some("image/jpeg"));
    }

    #[tokio::test]
    async fn a_body_longer_than_asked_for_is_cut_at_the_limit() {
        let body = ByteStream::from(vec![b'x'; 100_000]);
        assert_eq!(read_at_most(body, 1000).await.unwrap().len(), 1000);
        let short = ByteStream::from(b"short".to_vec());
        assert_eq!(read_at_most(short, 1000).await.unwrap(), b"short");
    }
}
