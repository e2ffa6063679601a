//! Where s3s-fs keeps things on disk (see its `fs.rs`), for the operations done here instead.
//!
//! Everything but object data lives directly in the data folder: per-object sidecars named after
//! the base64 of bucket and key, and per-upload files named after the upload id as s3s-fs's
//! `uuid` prints it (hyphenated, lower case).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A multipart upload id in the one spelling s3s-fs uses in file names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct UploadId(String);

impl UploadId {
    /// Accepts what s3s-fs's `Uuid::parse_str` accepts: 32 hex digits, bare or hyphenated
    /// 8-4-4-4-12, the latter also in braces or after `urn:uuid:`; any letter case.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let hyphenated = match s.len() {
            32 => return Self::from_hex(s.as_bytes()),
            36 => s,
            38 => s.strip_prefix('{')?.strip_suffix('}')?,
            45 if s.as_bytes()[..9].eq_ignore_ascii_case(b"urn:uuid:") => &s[9..],
            _ => return None,
        };
        let bytes = hyphenated.as_bytes();
        if [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
            return None;
        }
        let digits: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'-').collect();
        if digits.len() != 32 {
            return None;
        }
        Self::from_hex(&digits)
    }

    fn from_hex(digits: &[u8]) -> Option<Self> {
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let lower = String::from_utf8(digits.to_ascii_lowercase()).ok()?;
        Some(Self(format!(
            "{}-{}-{}-{}-{}",
            &lower[..8],
            &lower[8..12],
            &lower[12..16],
            &lower[16..20],
            &lower[20..]
        )))
    }
}

impl fmt::Display for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn object_prefix(bucket: &str, key: &str) -> String {
    let b = base64_simd::URL_SAFE_NO_PAD.encode_to_string(bucket);
    let k = base64_simd::URL_SAFE_NO_PAD.encode_to_string(key);
    format!(".bucket-{b}.object-{k}")
}

/// An object's sidecar files: headers and user metadata, then ETag and checksums.
pub(crate) fn sidecar_paths(root: &Path, bucket: &str, key: &str) -> [PathBuf; 2] {
    let prefix = object_prefix(bucket, key);
    [
        root.join(format!("{prefix}.metadata.json")),
        root.join(format!("{prefix}.internal.json")),
    ]
}

/// The headers and user metadata given when the upload was created, until it completes.
pub(crate) fn upload_metadata_path(root: &Path, bucket: &str, key: &str, upload: &UploadId) -> PathBuf {
    root.join(format!("{}.upload-{upload}.metadata.json", object_prefix(bucket, key)))
}

/// The upload's record: its existence means the upload is open, its content (JSON, the access
/// key id or null) says whose it is.
pub(crate) fn upload_record_path(root: &Path, upload: &UploadId) -> PathBuf {
    root.join(format!(".upload-{upload}.json"))
}

/// One uploaded part's bytes.
pub(crate) fn part_path(root: &Path, upload: &UploadId, part_number: i32) -> PathBuf {
    root.join(format!(".upload_id-{upload}.part-{part_number}"))
}

/// A fresh name for a file being written before it is renamed into place.
///
/// s3s-fs deletes every `.tmp.*.internal.part` in the data folder when it starts, so one left by
/// a crash goes away; the `pail-` and the upload id keep ours apart from its own numbered ones.
pub(crate) fn temp_path(root: &Path, upload: &UploadId) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    root.join(format!(".tmp.pail-{upload}-{n}.internal.part"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANONICAL: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";

    #[test]
    fn upload_ids_parse_like_uuid() {
        for spelling in [
            CANONICAL,
            "67E55044-10B1-426F-9247-BB680E5FE0C8",
            "67e5504410b1426f9247bb680e5fe0c8",
            "{67e55044-10b1-426f-9247-bb680e5fe0c8}",
            "URN:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8",
        ] {
            assert_eq!(
                UploadId::parse(spelling).map(|u| u.to_string()).as_deref(),
                Some(CANONICAL)
            );
        }
        for bad in [
            "",
            "67e55044-10b1-426f-9247-bb680e5fe0c",
            "67e55044-10b1-426f-9247-bb680e5fe0cg",
            "67e5504410b1-426f-9247-bb680e5fe0c8-",
            "{67e5504410b1426f9247bb680e5fe0c8}",
            "../../../../etc/passwd-0123456789abc",
            "urn:uuid:67e5504410b1426f9247bb680e5fe0c8ab-cd",
            "urn:uuid:{67e55044-10b1-426f-9247-bb680e5fe0c}",
        ] {
            assert_eq!(UploadId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn names_match_s3s_fs() {
        let root = Path::new("/r");
        let id = UploadId::parse(CANONICAL).unwrap();
        assert_eq!(
            sidecar_paths(root, "b", "k"),
            [
                PathBuf::from("/r/.bucket-Yg.object-aw.metadata.json"),
                PathBuf::from("/r/.bucket-Yg.object-aw.internal.json"),
            ]
        );
        assert_eq!(
            upload_metadata_path(root, "b", "k", &id),
            PathBuf::from(format!("/r/.bucket-Yg.object-aw.upload-{CANONICAL}.metadata.json"))
        );
        assert_eq!(
            upload_record_path(root, &id),
            PathBuf::from(format!("/r/.upload-{CANONICAL}.json"))
        );
        assert_eq!(
            part_path(root, &id, 7),
            PathBuf::from(format!("/r/.upload_id-{CANONICAL}.part-7"))
        );
        let temp = temp_path(root, &id).file_name().unwrap().to_str().unwrap().to_owned();
        assert!(temp.starts_with(".tmp.") && temp.ends_with(".internal.part"), "{temp}");
        assert_ne!(temp_path(root, &id), temp_path(root, &id));
    }
}
