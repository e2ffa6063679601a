//! `s3://bucket/prefix` arguments.

use pail_engine::connections::validate_bucket_name;
use pail_engine::Error;

/// `s3://bucket/key` split, with the bucket name checked: the one parser of S3 URLs (`pail cp`
/// takes a key, `pail ls` and `pail sync` a folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    /// Bucket name.
    pub bucket: String,
    /// Everything after the bucket's `/` (may be empty).
    pub key: String,
}

impl S3Url {
    /// `Ok(None)` for anything that does not start with `s3://` (a local path, say).
    pub fn parse(s: &str) -> Result<Option<S3Url>, Error> {
        let Some(rest) = s.strip_prefix("s3://") else {
            return Ok(None);
        };
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        validate_bucket_name(bucket)?;
        Ok(Some(S3Url {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        }))
    }
}

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
        let url = S3Url::parse(s)?.ok_or_else(|| {
            Error::InvalidInput(format!("“{s}” is not an S3 location; write it as s3://BUCKET/FOLDER/."))
        })?;
        let prefix = if url.key.is_empty() || url.key.ends_with('/') {
            url.key
        } else {
            format!("{}/", url.key)
        };
        pail_engine::prefix::folder_prefix(&prefix)?;
        Ok(S3Location {
            bucket: url.bucket,
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
    fn one_parser_serves_keys_and_folders() {
        assert_eq!(S3Url::parse("./local/file").unwrap(), None);
        let url = S3Url::parse("s3://photos/2026/a.jpg").unwrap().unwrap();
        assert_eq!((url.bucket.as_str(), url.key.as_str()), ("photos", "2026/a.jpg"));
        assert!(S3Url::parse("s3://Bad_Bucket/x").is_err());
        assert_eq!(S3Location::parse("s3://photos/up//odd").unwrap().prefix, "up//odd/");
        assert!(S3Location::parse("s3://photos/a\u{0}b").is_err());
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
