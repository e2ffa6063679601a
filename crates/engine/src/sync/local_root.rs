//! Whether a folder on this computer can become a synced folder, checked the moment it is chosen.
//!
//! The add-pair flow asks this on its first step, so a missing folder is found where it was
//! picked (with "Create this folder" beside it), not two steps later.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What the chosen folder looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum LocalRootCheck {
    /// The folder exists and may be synced.
    #[serde(rename_all = "camelCase")]
    Ready {
        /// It holds files or folders already.
        has_files: bool,
    },
    /// Nothing is at that path yet.
    #[serde(rename_all = "camelCase")]
    Missing {
        /// The folder it would go in exists, so Pail can create it. When the parent is missing
        /// too, the path is likely on a disk that is not plugged in: creating it would put the
        /// synced files on the wrong disk, so Pail does not offer to.
        can_create: bool,
    },
}

/// Where a new synced folder must not be: Pail's own data and the folders already synced.
pub struct Forbidden<'a> {
    /// Pail's data folder (its database and logs).
    pub data_dir: &'a Path,
    /// The local folders of the existing pairs.
    pub synced: Vec<PathBuf>,
}

/// Checks a chosen folder; a folder that cannot be synced at all is an error that says why.
pub async fn check(root: &Path, forbidden: &Forbidden<'_>) -> Result<LocalRootCheck> {
    let root = absolute(root)?;
    let meta = match tokio::fs::metadata(&root).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let can_create = match root.parent() {
                Some(parent) => tokio::fs::metadata(parent).await.is_ok_and(|m| m.is_dir()),
                None => false,
            };
            return Ok(LocalRootCheck::Missing { can_create });
        }
        Err(e) => {
            return Err(Error::Io {
                context: format!("open the folder {}", root.display()),
                source: e,
            })
        }
    };
    if !meta.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a file, not a folder.",
            root.display()
        )));
    }
    let root = resolve(&root).await?;
    refuse_forbidden(&root, forbidden).await?;
    Ok(LocalRootCheck::Ready {
        has_files: has_entries(&root).await?,
    })
}

/// The folder a pair may be made of: it exists, is a folder, and is not forbidden. Returns its
/// canonical path.
pub async fn require_ready(root: &Path, forbidden: &Forbidden<'_>) -> Result<PathBuf> {
    match check(root, forbidden).await? {
        LocalRootCheck::Ready { .. } => resolve(&absolute(root)?).await,
        LocalRootCheck::Missing { .. } => Err(Error::InvalidInput(format!(
            "The folder {} does not exist. Create it first or pick another one.",
            root.display()
        ))),
    }
}

/// Creates a missing chosen folder (its parent must exist), then checks it again.
pub async fn create(root: &Path, forbidden: &Forbidden<'_>) -> Result<LocalRootCheck> {
    let root = absolute(root)?;
    match check(&root, forbidden).await? {
        LocalRootCheck::Missing { can_create: true } => {}
        LocalRootCheck::Missing { can_create: false } => {
            let parent = root.parent().unwrap_or(&root);
            return Err(Error::InvalidInput(format!(
                "{} does not exist either. If the folder is on a disk that is not plugged in, plug it in and choose the folder again.",
                parent.display()
            )));
        }
        ready => return Ok(ready),
    }
    // Not `create_dir_all`: only the last part is new, which the check above made sure of.
    match tokio::fs::create_dir(&root).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(Error::Io {
                context: format!("create the folder {}", root.display()),
                source: e,
            })
        }
    }
    tracing::info!(folder = %root.display(), "created the folder to sync");
    check(&root, forbidden).await
}

fn absolute(root: &Path) -> Result<PathBuf> {
    if root.is_absolute() {
        Ok(root.to_path_buf())
    } else {
        Err(Error::InvalidInput(
            "Pick the folder to sync with the folder picker, or type its full path.".into(),
        ))
    }
}

async fn resolve(root: &Path) -> Result<PathBuf> {
    let root = tokio::fs::canonicalize(root).await.map_err(|e| Error::Io {
        context: format!("open the folder {}", root.display()),
        source: e,
    })?;
    if root.parent().is_none() {
        return Err(Error::InvalidInput(
            "Syncing the whole disk is not supported; pick a folder.".into(),
        ));
    }
    Ok(root)
}

async fn refuse_forbidden(root: &Path, forbidden: &Forbidden<'_>) -> Result<()> {
    // Syncing Pail's own folder would upload its live database and logs, and rewrite them.
    let data_dir = tokio::fs::canonicalize(forbidden.data_dir)
        .await
        .unwrap_or_else(|_| forbidden.data_dir.to_path_buf());
    if root.starts_with(&data_dir) || data_dir.starts_with(root) {
        return Err(Error::InvalidInput(format!(
            "{} holds Pail's own settings and cannot be synced. Pick another folder.",
            root.display()
        )));
    }
    for other in &forbidden.synced {
        if root.starts_with(other) || other.starts_with(root) {
            return Err(Error::InvalidInput(format!(
                "{} overlaps the synced folder {}. One folder can only be in one sync; pick a folder outside it.",
                root.display(),
                other.display()
            )));
        }
    }
    Ok(())
}

async fn has_entries(root: &Path) -> Result<bool> {
    let io = |e| Error::Io {
        context: format!("read the folder {}", root.display()),
        source: e,
    };
    let mut dir = tokio::fs::read_dir(root).await.map_err(io)?;
    dir.next_entry().await.map(|e| e.is_some()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing_forbidden(data: &Path) -> Forbidden<'_> {
        Forbidden {
            data_dir: data,
            synced: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_missing_folder_can_be_created_when_its_parent_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let root = tmp.path().join("Photos");
        let forbidden = nothing_forbidden(&data);
        assert_eq!(
            check(&root, &forbidden).await.unwrap(),
            LocalRootCheck::Missing { can_create: true }
        );
        assert!(require_ready(&root, &forbidden).await.is_err());
        assert_eq!(
            create(&root, &forbidden).await.unwrap(),
            LocalRootCheck::Ready { has_files: false }
        );
        assert!(root.is_dir());
        std::fs::write(root.join("a.txt"), b"a").unwrap();
        assert_eq!(
            check(&root, &forbidden).await.unwrap(),
            LocalRootCheck::Ready { has_files: true }
        );
    }

    #[tokio::test]
    async fn a_folder_whose_parent_is_gone_is_not_created_like_an_unplugged_disk() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let root = tmp.path().join("usb-stick").join("Photos");
        let forbidden = nothing_forbidden(&data);
        assert_eq!(
            check(&root, &forbidden).await.unwrap(),
            LocalRootCheck::Missing { can_create: false }
        );
        let err = create(&root, &forbidden).await.unwrap_err().to_string();
        assert!(err.contains("plug it in"), "{err}");
        assert!(!tmp.path().join("usb-stick").exists());
    }

    #[tokio::test]
    async fn files_pails_own_folder_and_overlapping_pairs_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let file = tmp.path().join("notes.txt");
        std::fs::write(&file, b"x").unwrap();
        let synced = tmp.path().join("synced");
        std::fs::create_dir_all(synced.join("inner")).unwrap();
        let forbidden = Forbidden {
            data_dir: &data,
            synced: vec![synced.canonicalize().unwrap()],
        };
        for bad in [file, data.clone(), tmp.path().to_path_buf(), synced.join("inner")] {
            assert!(check(&bad, &forbidden).await.is_err(), "{} was accepted", bad.display());
        }
        assert!(check(Path::new("relative/path"), &forbidden).await.is_err());
    }
}
