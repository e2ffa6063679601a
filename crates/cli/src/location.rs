//! `s3://bucket/prefix` arguments.

use pail_engine::connections::validate_bucket_name;
use pail_engine::Error;

/// A bucket and a folder prefix ("" or ending in "/").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// Bucket name.
    pub bucket: String,
    /// Folder prefix.
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket`, `s3://bucket/`, `s3://bucket/a/b` (taken as the folder `a/b/`).
    pub fn parse(s: &str) -> Result<S3Location, Error> {
        let rest = s.strip_prefix("s3://").ok_or_else(|| {
            Error::InvalidInput(format!("“{s}” is not an S3 location; write it as s3://BUCKET/FOLDER/."))
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        validate_bucket_name(bucket)?;
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_owned()
        } else {
            format!("{prefix}/")
        };
        Ok(S3Location {
            bucket: bucket.to_owned(),
            prefix,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_buckets_and_folders() {
        let l = |b: &str, p: &str| S3Location {
            bucket: b.into(),
            prefix: p.into(),
        };
        assert_eq!(S3Location::parse("s3://photos").unwrap(), l("photos", ""));
        assert_eq!(S3Location::parse("s3://photos/").unwrap(), l("photos", ""));
        assert_eq!(S3Location::parse("s3://photos/2026").unwrap(), l("photos", "2026/"));
        assert_eq!(
            S3Location::parse("s3://photos/2026/may/").unwrap(),
            l("photos", "2026/may/")
        );
    }

    #[test]
    fn bad_locations_are_explained() {
        assert!(S3Location::parse("photos/2026")
            .unwrap_err()
            .user_message()
            .contains("s3://BUCKET"));
        assert!(S3Location::parse("s3://Bad_Bucket")
            .unwrap_err()
            .user_message()
            .contains("not a valid bucket name"));
    }
}
