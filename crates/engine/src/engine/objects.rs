//! File operations in a bucket: new folder, rename, copy and move, delete, share links, content
//! type and versions. Every key and name is checked here before it reaches the store.

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::error::{Error, ErrorCode, Operation, Result};
use crate::prefix::{validate_file_key, validate_key, validate_keys};
use crate::remote::{ClientOptions, ObjectProperties, ObjectVersion, PrefixSummary, Remote, PRESIGN_MAX, PRESIGN_MIN};

/// What a rename, copy or move did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MoveOutcome {
    /// Where each item is now (its key, or its folder path ending in `/`), in the order given.
    pub keys: Vec<String>,
    /// Objects copied, folder markers included.
    pub objects: u64,
    /// Bytes copied.
    pub bytes: u64,
}

/// A share link: anyone with the URL can download the file until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ShareLink {
    /// The presigned URL.
    pub url: String,
    /// When it stops working, RFC 3339 (earlier if it was signed with temporary credentials).
    pub expires_at: String,
}

/// An object's history, as the properties panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VersionHistory {
    /// Whether the bucket keeps earlier versions now (versions are listed only then).
    pub versioning_enabled: bool,
    /// Every version and delete marker, the current one first, then newest first.
    pub versions: Vec<ObjectVersion>,
}

/// HEADs at once when summing up the files of a delete.
const SUMMARY_PARALLELISM: usize = 16;

/// A new name for a file or folder: one path segment.
fn validate_new_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::InvalidInput("Type a name.".into()));
    }
    if name.contains('/') {
        return Err(Error::InvalidInput(
            "Names cannot contain “/”: S3 uses it to separate folders. Choose a name without it.".into(),
        ));
    }
    if name.contains('\0') {
        return Err(crate::prefix::no_nul());
    }
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "Names cannot contain control characters (like line breaks or tabs).".into(),
        ));
    }
    if name == "." || name == ".." {
        return Err(Error::InvalidInput(format!(
            "“{name}” cannot be used as a name: computers syncing this bucket could not save it. Choose another name."
        )));
    }
    Ok(())
}

/// `a/b/c.txt` → (`a/b/`, `c.txt`); `a/b/` → (`a/`, `b`); `c.txt` → (``, `c.txt`).
fn split_key(key: &str) -> (&str, &str) {
    let body = key.strip_suffix('/').unwrap_or(key);
    match body.rfind('/') {
        Some(i) => (&key[..=i], &body[i + 1..]),
        None => ("", body),
    }
}

/// The key of `name` inside the folder `parent`.
fn child_key(parent: &str, name: &str, folder: bool) -> String {
    if folder {
        format!("{parent}{name}/")
    } else {
        format!("{parent}{name}")
    }
}

fn name_taken(name: &str) -> Error {
    Error::InvalidInput(format!(
        "There is already a file or folder named “{name}” there. Choose another name."
    ))
}

/// Refuses a name already used by a file or a folder in `parent` (both would show as `name`).
async fn ensure_name_free(remote: &Remote, bucket: &str, parent: &str, name: &str) -> Result<()> {
    let file = child_key(parent, name, false);
    if remote.head_identity(bucket, &file).await?.is_some()
        || remote.prefix_has_keys(bucket, &child_key(parent, name, true)).await?
    {
        return Err(name_taken(name));
    }
    Ok(())
}

/// Copies or moves one file or folder; returns (objects, bytes) copied.
async fn move_item(
    remote: &Remote,
    bucket: &str,
    key: &str,
    to_bucket: &str,
    to: &str,
    remove_sources: bool,
) -> Result<(u64, u64)> {
    if key.ends_with('/') {
        let outcome = if remove_sources {
            remote.move_prefix(bucket, key, to_bucket, to).await?
        } else {
            remote.copy_prefix(bucket, key, to_bucket, to).await?
        };
        Ok((outcome.copied, outcome.bytes))
    } else {
        let written = if remove_sources {
            remote.move_object(bucket, key, to_bucket, to).await?
        } else {
            remote.copy_object(bucket, key, to_bucket, to).await?
        };
        Ok((1, written.bytes))
    }
}

impl Engine {
    /// Creates the folder `name` inside `parent` (a zero-byte `parent/name/` marker); returns its
    /// path. A name already used by a file or folder there is refused.
    pub async fn create_folder(&self, connection_id: &str, bucket: &str, parent: &str, name: &str) -> Result<String> {
        crate::connections::validate_bucket_name(bucket)?;
        crate::prefix::folder_prefix(parent)?;
        validate_new_name(name)?;
        let prefix = format!("{parent}{name}/");
        validate_key(&prefix)?;
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        ensure_name_free(&remote, bucket, parent, name).await?;
        if !remote.create_folder(bucket, &prefix).await? {
            // Someone made it between the check and the write.
            return Err(name_taken(name));
        }
        tracing::info!(bucket, prefix = %prefix, "folder created");
        Ok(prefix)
    }

    /// Renames a file (`key`) or a whole folder (`key` ending in `/`) within its folder, by
    /// server-side copies and then deletes of the sources. A name already used there is refused.
    pub async fn rename(&self, connection_id: &str, bucket: &str, key: &str, new_name: &str) -> Result<MoveOutcome> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_key(key)?;
        validate_new_name(new_name)?;
        let (parent, _) = split_key(key);
        let to = child_key(parent, new_name, key.ends_with('/'));
        validate_key(&to)?;
        if to == key {
            return Ok(MoveOutcome {
                keys: vec![to],
                ..MoveOutcome::default()
            });
        }
        // Folder renames may copy many objects: the long-transfer timeouts apply.
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        ensure_name_free(&remote, bucket, parent, new_name).await?;
        let outcome = move_item(&remote, bucket, key, bucket, &to, true).await?;
        tracing::info!(bucket, from = key, to = %to, objects = outcome.0, "renamed");
        Ok(MoveOutcome {
            keys: vec![to],
            objects: outcome.0,
            bytes: outcome.1,
        })
    }

    /// Copies (or, with `remove_sources`, moves) files and folders into the folder `to_prefix` of
    /// `to_bucket` (a bucket of the same connection), keeping their names. Nothing is copied when
    /// any name is already used at the destination.
    pub async fn transfer_items(
        &self,
        connection_id: &str,
        bucket: &str,
        keys: &[String],
        to_bucket: &str,
        to_prefix: &str,
        remove_sources: bool,
    ) -> Result<MoveOutcome> {
        crate::connections::validate_bucket_name(bucket)?;
        crate::connections::validate_bucket_name(to_bucket)?;
        crate::prefix::folder_prefix(to_prefix)?;
        let keys = validate_keys(keys)?;
        let mut plan = Vec::with_capacity(keys.len());
        for key in &keys {
            let (parent, name) = split_key(key);
            if bucket == to_bucket && parent == to_prefix {
                return Err(Error::InvalidInput(format!(
                    "“{name}” is already in this folder. Choose another folder."
                )));
            }
            let to = child_key(to_prefix, name, key.ends_with('/'));
            validate_key(&to)?;
            plan.push((key.as_str(), name, to));
        }
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        // Every name is checked before anything is copied: a refused transfer changes nothing.
        for (_, name, _) in &plan {
            ensure_name_free(&remote, to_bucket, to_prefix, name).await?;
        }
        let mut outcome = MoveOutcome::default();
        for (key, _, to) in plan {
            let (objects, bytes) = move_item(&remote, bucket, key, to_bucket, &to, remove_sources).await?;
            outcome.objects += objects;
            outcome.bytes += bytes;
            outcome.keys.push(to);
        }
        tracing::info!(
            bucket,
            to_bucket,
            to_prefix,
            objects = outcome.objects,
            remove_sources,
            "items transferred"
        );
        Ok(outcome)
    }

    /// How many objects and bytes deleting `keys` (files, and folders ending in `/` with
    /// everything in them) would remove, for the confirmation.
    pub async fn delete_summary(&self, connection_id: &str, bucket: &str, keys: &[String]) -> Result<PrefixSummary> {
        crate::connections::validate_bucket_name(bucket)?;
        let keys = validate_keys(keys)?;
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        let (folders, files): (Vec<String>, Vec<String>) = keys.into_iter().partition(|k| k.ends_with('/'));
        let mut summary = PrefixSummary::default();
        for prefix in &folders {
            let s = remote.prefix_summary(bucket, prefix).await?;
            summary.objects += s.objects;
            summary.bytes += s.bytes;
        }
        for chunk in files.chunks(SUMMARY_PARALLELISM) {
            let mut set = tokio::task::JoinSet::new();
            for key in chunk {
                let (remote, bucket, key) = (remote.clone(), bucket.to_owned(), key.clone());
                set.spawn(async move { remote.head_identity(&bucket, &key).await });
            }
            while let Some(joined) = set.join_next().await {
                let head = joined.map_err(|e| Error::Remote {
                    code: ErrorCode::Internal,
                    operation: Operation::HeadObject,
                    endpoint: remote.endpoint_label().to_owned(),
                    bucket: Some(bucket.to_owned()),
                    detail: format!("a size lookup failed: {e}"),
                })?;
                // A file that is already gone deletes nothing.
                if let Some(identity) = head? {
                    summary.objects += 1;
                    summary.bytes += identity.size;
                }
            }
        }
        Ok(summary)
    }

    /// Deletes files and folders (keys ending in `/`, with everything in them), up to 1,000 keys
    /// per request; returns how many objects were deleted.
    pub async fn delete(&self, connection_id: &str, bucket: &str, keys: &[String]) -> Result<u64> {
        crate::connections::validate_bucket_name(bucket)?;
        let keys = validate_keys(keys)?;
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        let (folders, files): (Vec<String>, Vec<String>) = keys.into_iter().partition(|k| k.ends_with('/'));
        let mut deleted = remote.delete_objects(bucket, &files).await?;
        for prefix in &folders {
            deleted += remote.delete_prefix(bucket, prefix).await?;
        }
        tracing::info!(bucket, deleted, folders = folders.len(), files = files.len(), "deleted");
        Ok(deleted)
    }

    /// A link anyone can use to download the file `key` for `expires_in_secs` seconds (at most 7 days).
    pub async fn share_link(
        &self,
        connection_id: &str,
        bucket: &str,
        key: &str,
        expires_in_secs: u32,
    ) -> Result<ShareLink> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        let expires_in = std::time::Duration::from_secs(u64::from(expires_in_secs));
        if !(PRESIGN_MIN..=PRESIGN_MAX).contains(&expires_in) {
            return Err(Error::InvalidInput(
                "A share link can be valid for 1 second up to 7 days. Choose a time in that range.".into(),
            ));
        }
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        // The signature says nothing about whether the file exists: check, so a link is never dead on arrival.
        if remote.head_identity(bucket, key).await?.is_none() {
            return Err(Error::Remote {
                code: ErrorCode::NoSuchKey,
                operation: Operation::HeadObject,
                endpoint: remote.endpoint_label().to_owned(),
                bucket: Some(bucket.to_owned()),
                detail: format!("{key} is not in {bucket}"),
            });
        }
        let url = remote.presign_get(bucket, key, expires_in).await?;
        let expires_at = chrono::Utc::now() + chrono::Duration::seconds(i64::from(expires_in_secs));
        Ok(ShareLink {
            url,
            expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }

    /// Sets a file's Content-Type (keeping its metadata); returns its properties afterwards.
    pub async fn set_content_type(
        &self,
        connection_id: &str,
        bucket: &str,
        key: &str,
        content_type: &str,
    ) -> Result<ObjectProperties> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        remote.set_content_type(bucket, key, content_type).await?;
        remote.object_properties(bucket, key).await
    }

    /// A file's versions, listed only when the bucket keeps versions.
    pub async fn list_versions(&self, connection_id: &str, bucket: &str, key: &str) -> Result<VersionHistory> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        let remote = self.remote_for(connection_id, ClientOptions::interactive()).await?;
        if !remote.bucket_versioning_enabled(bucket).await? {
            return Ok(VersionHistory {
                versioning_enabled: false,
                versions: Vec::new(),
            });
        }
        Ok(VersionHistory {
            versioning_enabled: true,
            versions: remote.list_versions(bucket, key).await?,
        })
    }

    /// Makes an earlier version of a file the current one again (the current one stays in the
    /// history); returns the file's properties afterwards.
    pub async fn restore_version(
        &self,
        connection_id: &str,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> Result<ObjectProperties> {
        crate::connections::validate_bucket_name(bucket)?;
        validate_file_key(key)?;
        if version_id.is_empty() || version_id.contains('\0') {
            return Err(Error::InvalidInput("Choose a version to restore.".into()));
        }
        let remote = self.remote_for(connection_id, ClientOptions::default()).await?;
        // Without versioning, copying over the current file would lose it for good.
        if !remote.bucket_versioning_enabled(bucket).await? {
            return Err(Error::InvalidInput(format!(
                "“{bucket}” does not keep earlier versions of files now, so restoring one would overwrite the current file for good. Turn versioning on for the bucket first."
            )));
        }
        remote.restore_version(bucket, key, version_id).await?;
        tracing::info!(bucket, key, version_id, "version restored");
        remote.object_properties(bucket, key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_into_folder_and_name() {
        assert_eq!(split_key("a/b/c.txt"), ("a/b/", "c.txt"));
        assert_eq!(split_key("a/b/"), ("a/", "b"));
        assert_eq!(split_key("c.txt"), ("", "c.txt"));
        assert_eq!(split_key("top/"), ("", "top"));
        assert_eq!(child_key("a/", "b", true), "a/b/");
        assert_eq!(child_key("", "c.txt", false), "c.txt");
    }

    #[test]
    fn new_names_are_one_path_segment() {
        assert!(validate_new_name("Report 2026.pdf").is_ok());
        assert!(validate_new_name("ünïcødé ✓").is_ok());
        for bad in ["", "   ", "a/b", "/", "..", ".", "a\0b", "line\nbreak", "tab\t"] {
            let err = validate_new_name(bad).expect_err(bad);
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad:?}");
            assert!(err.user_message().ends_with('.'), "a sentence: {}", err.user_message());
        }
    }

    #[test]
    fn keys_are_non_empty_without_nul_and_within_the_limit() {
        assert!(validate_key("a/b.txt").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("a\0").is_err());
        assert!(validate_key(&"x".repeat(crate::prefix::MAX_KEY_BYTES)).is_ok());
        assert!(validate_key(&"x".repeat(crate::prefix::MAX_KEY_BYTES + 1)).is_err());
        assert!(validate_file_key("folder/").is_err());
        assert!(validate_keys(&[]).is_err());
        assert_eq!(
            validate_keys(&["a".into(), "b/".into(), "a".into()]).unwrap(),
            vec!["a".to_string(), "b/".to_string()]
        );
        assert!(validate_keys(&["a".into(), String::new()]).is_err());
    }
}
