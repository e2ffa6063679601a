//! The synced folder's own `.pail` folder at its root: the marker that proves a path is still
//! the folder that was paired (not the empty mount point of an unplugged disk), the lock that
//! keeps a second process from syncing the same folder, and sync's temp files.
//!
//! Blocking file I/O: call from a blocking thread (or accept a few small syscalls).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use crate::core::model::FolderIdentity;
pub use crate::core::RESERVED_DIR;
const ID_FILE: &str = "folder-id";
const LOCK_FILE: &str = "lock";
const TEMP_DIR: &str = "tmp";

/// What [`check_identity`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFolder {
    /// The identity to store for the pair.
    pub identity: FolderIdentity,
    /// The marker is missing: write it with [`write_marker`] once the identity is stored (in
    /// that order, so a crash in between leaves a recorded folder without a marker, which the
    /// next check recognises by its inode, never a marker without a record).
    pub write_marker: bool,
}

/// Checks that `root` is the folder a pair recorded (`recorded`), or identifies it for a pair
/// that has none yet. A folder whose marker is gone *and* whose device or inode changed is
/// another folder: the mount point of a disk that is not connected, or a folder made anew. That
/// is "unavailable", never an empty tree. A marker with another id means another folder was put
/// in its place. Writes nothing.
pub fn check_identity(root: &Path, recorded: Option<&FolderIdentity>) -> Result<CheckedFolder> {
    let meta = std::fs::metadata(root).map_err(|e| unavailable(root, e.to_string()))?;
    if !meta.is_dir() {
        return Err(unavailable(root, "it is not a folder".into()));
    }
    let (device, inode) = dev_ino(&meta);
    let marker = root.join(RESERVED_DIR).join(ID_FILE);
    let found = match std::fs::read_to_string(&marker) {
        Ok(text) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(unavailable(
                root,
                format!("its marker {} cannot be read: {e}", marker.display()),
            ))
        }
    };
    let here = |folder_id: String, write_marker: bool| CheckedFolder {
        identity: FolderIdentity {
            folder_id,
            device,
            inode,
        },
        write_marker,
    };
    match (recorded, found) {
        (Some(r), Some(id)) if r.folder_id == id => Ok(here(id, false)),
        (Some(_), Some(_)) => Err(unavailable(
            root,
            "another folder (one Pail synced elsewhere) now stands at this path".into(),
        )),
        // Same folder, marker removed (by hand, or a cleaning tool): put it back.
        (Some(r), None) if r.device == device && r.inode == inode => Ok(here(r.folder_id.clone(), true)),
        (Some(_), None) => Err(unavailable(
            root,
            "this is not the folder that was paired (its disk may be unplugged or not mounted yet)".into(),
        )),
        // A new pair adopts the folder's id, so the app and `pail sync` agree on one folder.
        (None, Some(id)) => Ok(here(id, false)),
        (None, None) => Ok(here(uuid::Uuid::new_v4().simple().to_string(), true)),
    }
}

fn unavailable(root: &Path, reason: String) -> Error {
    Error::SyncRootUnavailable {
        path: root.to_path_buf(),
        reason,
    }
}

fn dev_ino(meta: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (0, 0)
    }
}

/// Creates `.pail/` (private to the user) if missing and returns its path.
fn reserved_dir(root: &Path) -> Result<PathBuf> {
    let dir = root.join(RESERVED_DIR);
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir).map_err(|source| Error::Io {
        context: format!("create Pail's folder {}", dir.display()),
        source,
    })?;
    Ok(dir)
}

/// Writes the folder's marker `.pail/folder-id`.
pub fn write_marker(root: &Path, id: &str) -> Result<()> {
    let dir = reserved_dir(root)?;
    let path = dir.join(ID_FILE);
    // Written beside and renamed, so a crash never leaves an empty marker.
    let temp = dir.join(format!("{ID_FILE}.new"));
    let io = |source| Error::Io {
        context: format!("write the folder marker {}", path.display()),
        source,
    };
    std::fs::write(&temp, format!("{id}\n")).map_err(io)?;
    std::fs::rename(&temp, &path).map_err(io)
}

/// Held while a process syncs a folder; dropping it releases the lock.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// Takes the folder's exclusive lock (an advisory `flock` on `.pail/lock`, released by the OS
/// when the process ends, even by `kill -9`), and writes `holder` into it so a second process
/// can say who has it. A folder already locked is [`Error::FolderInUse`].
pub fn lock(root: &Path, holder: &str) -> Result<FolderLock> {
    let dir = reserved_dir(root)?;
    let path = dir.join(LOCK_FILE);
    let io = |source| Error::Io {
        context: format!("open the lock {}", path.display()),
        source,
    };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let holder = Some(text.trim().to_owned())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "another program".into());
            return Err(Error::FolderInUse {
                path: root.to_path_buf(),
                holder,
            });
        }
        Err(std::fs::TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            // Some network file systems have no locks: syncing without one is what every other
            // tool does there, and better than not syncing at all.
            tracing::warn!(path = %path.display(), "this file system cannot lock files; a second Pail on this folder would not be stopped");
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    let line = format!(
        "{holder} (process {}) since {}",
        std::process::id(),
        chrono::Local::now().format("%Y-%m-%d %H:%M")
    );
    file.set_len(0).map_err(io)?;
    file.write_all(line.as_bytes()).map_err(io)?;
    Ok(FolderLock { _file: file })
}

/// The folder sync downloads into before a file takes its name: inside the root, so the final
/// rename stays on one disk, and Pail's own, so clearing it never touches anyone else's files.
pub fn temp_dir(root: &Path) -> PathBuf {
    root.join(RESERVED_DIR).join(TEMP_DIR)
}

/// Creates the temp folder and removes what a killed run left in it. Only call while holding
/// the folder's lock: then nothing in it is in use.
pub fn reset_temp_dir(root: &Path) -> Result<PathBuf> {
    reserved_dir(root)?;
    let dir = temp_dir(root);
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                if let Err(e) = std::fs::remove_file(entry.path()) {
                    tracing::warn!(path = %entry.path().display(), "could not remove a leftover temp file: {e}");
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir).map_err(|source| Error::Io {
                context: format!("create Pail's temp folder {}", dir.display()),
                source,
            })?;
        }
        Err(source) => {
            return Err(Error::Io {
                context: format!("read Pail's temp folder {}", dir.display()),
                source,
            })
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_recognised_by_its_marker_and_a_stand_in_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("Sync");
        std::fs::create_dir(&root).unwrap();
        let checked = check_identity(&root, None).unwrap();
        assert!(checked.write_marker);
        let first = checked.identity;
        write_marker(&root, &first.folder_id).unwrap();
        let again = check_identity(&root, Some(&first)).unwrap();
        assert_eq!((again.identity, again.write_marker), (first.clone(), false));

        // The marker removed by hand: same inode, so it is to be put back.
        std::fs::remove_dir_all(root.join(RESERVED_DIR)).unwrap();
        let again = check_identity(&root, Some(&first)).unwrap();
        assert_eq!((again.identity, again.write_marker), (first.clone(), true));
        write_marker(&root, &first.folder_id).unwrap();

        // An empty folder made in its place (what an unmounted disk's mount point looks like).
        // The old one is kept elsewhere so the new one cannot reuse its inode number.
        std::fs::rename(&root, dir.path().join("elsewhere")).unwrap();
        std::fs::create_dir(&root).unwrap();
        let err = check_identity(&root, Some(&first)).unwrap_err();
        assert!(matches!(err, Error::SyncRootUnavailable { .. }), "{err:?}");
        assert!(!root.join(RESERVED_DIR).exists(), "nothing is written into a stand-in");

        // Another synced folder moved in: refused too.
        write_marker(&root, "another-folder").unwrap();
        assert!(check_identity(&root, Some(&first)).is_err());
    }

    #[test]
    fn a_second_lock_on_one_folder_says_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path(), "pail sync").unwrap();
        match lock(dir.path(), "the Pail app") {
            Err(Error::FolderInUse { holder, .. }) => {
                assert!(holder.starts_with("pail sync (process "), "{holder}")
            }
            other => panic!("expected FolderInUse, got {other:?}"),
        }
        drop(held);
        lock(dir.path(), "the Pail app").expect("free again once dropped");
    }

    #[test]
    fn the_temp_folder_is_cleared_of_leftovers_only() {
        let dir = tempfile::tempdir().unwrap();
        let temp = reset_temp_dir(dir.path()).unwrap();
        std::fs::write(temp.join(".pail-tmp-1"), b"partial").unwrap();
        std::fs::write(dir.path().join(".pail-tmp-2"), b"someone else's download").unwrap();
        reset_temp_dir(dir.path()).unwrap();
        assert!(!temp.join(".pail-tmp-1").exists());
        assert!(dir.path().join(".pail-tmp-2").exists());
    }
}
