//! The rules for bucket folder paths ("prefixes"), in one place. Two rules on purpose:
//!
//! - [`folder_prefix`]: a folder Pail can list, create things in or upload into. S3 keys are
//!   free-form, so a bucket may hold folders such as `/` or `a//b/`; whatever the browser can
//!   open, Pail can work in. Only what S3 itself refuses is refused.
//! - [`sync_prefix`]: the bucket folder of a synced pair. Every segment below it becomes a local
//!   folder name, so empty, `.` and `..` segments are refused, and what a user types is
//!   normalized (`/photos` → `photos/`).

use crate::error::{Error, Result};

/// S3 keys are at most 1,024 bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;

/// A key of a file or folder (non-empty, no NUL, within S3's length limit).
pub fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::InvalidInput("No file or folder was chosen.".into()));
    }
    if key.contains('\0') {
        return Err(no_nul());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::InvalidInput(format!(
            "This name is too long: S3 keeps at most {} bytes for a file's whole path. Choose a shorter name.",
            MAX_KEY_BYTES
        )));
    }
    Ok(())
}

/// A file's key (not a folder path).
pub fn validate_file_key(key: &str) -> Result<()> {
    validate_key(key)?;
    if key.ends_with('/') {
        return Err(Error::InvalidInput("This works on files only. Choose a file.".into()));
    }
    Ok(())
}

/// A non-empty selection of keys, each valid, duplicates dropped (order kept).
pub fn validate_keys(keys: &[String]) -> Result<Vec<String>> {
    if keys.is_empty() {
        return Err(Error::InvalidInput("No file or folder was chosen.".into()));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        validate_key(key)?;
        if seen.insert(key.as_str()) {
            out.push(key.clone());
        }
    }
    Ok(out)
}

/// The error for a name with a NUL character (S3 and every disk refuse it).
pub fn no_nul() -> Error {
    Error::InvalidInput("Names cannot contain the NUL character.".into())
}

/// Checks a folder to list or write into: `""` (the bucket's top) or ending in `/`, no NUL,
/// within S3's key length.
pub fn folder_prefix(prefix: &str) -> Result<()> {
    if prefix.contains('\0') {
        return Err(no_nul());
    }
    if prefix.len() > MAX_KEY_BYTES {
        return Err(Error::InvalidInput(format!(
            "This folder path is too long: S3 keeps at most {MAX_KEY_BYTES} bytes for a whole path."
        )));
    }
    if prefix.is_empty() || prefix.ends_with('/') {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "“{prefix}” is not a folder path (folder paths end in /)."
        )))
    }
}

/// The bucket folder of a synced pair, normalized: `""` or a clean `a/b/`; leading slashes and
/// surrounding spaces dropped, empty, `.` and `..` segments refused.
pub fn sync_prefix(prefix: &str) -> Result<String> {
    let trimmed = prefix.trim().trim_start_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let body = trimmed.trim_end_matches('/');
    if body.contains('\0') {
        return Err(no_nul());
    }
    if body.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(Error::InvalidInput(format!(
            "The bucket folder “{prefix}” has an empty, “.” or “..” part; pick a folder in the bucket browser."
        )));
    }
    let normalized = format!("{body}/");
    folder_prefix(&normalized)?;
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_folder_the_browser_can_open_can_be_worked_in() {
        for ok in ["", "a/", "/", "a//b/", " spaced /", "ü/"] {
            assert!(folder_prefix(ok).is_ok(), "{ok:?}");
        }
        for bad in ["a", "a/b", "a\0/"] {
            assert!(folder_prefix(bad).is_err(), "{bad:?}");
        }
        assert!(folder_prefix(&format!("{}/", "x".repeat(MAX_KEY_BYTES))).is_err());
    }

    #[test]
    fn a_synced_folder_is_normalized_or_refused() {
        assert_eq!(sync_prefix("").ok(), Some(String::new()));
        assert_eq!(sync_prefix("/").ok(), Some(String::new()));
        assert_eq!(sync_prefix("photos").ok(), Some("photos/".into()));
        assert_eq!(sync_prefix(" /a/b/ ").ok(), Some("a/b/".into()));
        for bad in ["a//b", "./a", "a/../b", "a/.", "a\0b"] {
            assert!(sync_prefix(bad).is_err(), "{bad:?}");
        }
    }
}
