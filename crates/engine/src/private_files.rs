//! Pail's own files are for its user's eyes only: the state DBs, their WAL and journals, logs and
//! the demo store hold bucket names, every synced path and hash, and activity. On Unix, Pail's
//! folders are made 0700 and its files 0600 one by one, never through a process-wide umask, so
//! the files Pail writes *for* the user (downloads, synced files) keep their usual permissions.
//! Elsewhere these are no-ops: a Windows profile's data folder is already private to its user.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Permissions of Pail's own folders on Unix: the owner may list, enter and write; nobody else.
pub const DIR_MODE: u32 = 0o700;
/// Permissions of Pail's own files on Unix: the owner may read and write; nobody else.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents, each new one owner-only; existing folders are left alone.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Makes an existing folder owner-only (a data folder made before this rule was 0755).
pub fn tighten_dir(dir: &Path) -> io::Result<()> {
    tighten(dir, DIR_MODE)
}

/// Makes an existing file owner-only; a missing file is fine (nothing to protect).
pub fn tighten_file(path: &Path) -> io::Result<()> {
    match tighten(path, FILE_MODE) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Open options whose newly created file is owner-only; add read/write/append/create as needed.
pub fn private_open_options() -> OpenOptions {
    #[allow(unused_mut)] // Only Unix sets a mode.
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Creates `path` as an empty owner-only file if it does not exist yet; an existing file is kept
/// as it is (its content untouched).
pub fn create_private_file(path: &Path) -> io::Result<()> {
    match private_open_options().write(true).create_new(true).open(path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

/// Creates one of Pail's folders (its data folder, the demo store) if needed and makes it
/// owner-only. Creating it is required; making an existing one private is best effort (a folder
/// owned by someone else is logged, not fatal: refusing to start would not make it any more private).
pub fn prepare_private_dir(dir: &Path) -> io::Result<()> {
    create_private_dir_all(dir)?;
    if let Err(e) = tighten_dir(dir) {
        tracing::warn!(folder = %dir.display(), "could not make one of Pail's folders private: {e}");
    }
    Ok(())
}

#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)?;
    // Only loosen-looking modes are changed: an already private file needs no write (and no
    // ownership), and bits the owner removed on purpose (a read-only file) stay removed.
    let current = meta.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode))
}

#[cfg(not(unix))]
fn tighten(path: &Path, _mode: u32) -> io::Result<()> {
    std::fs::metadata(path).map(drop)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn new_folders_are_owner_only_and_existing_ones_are_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let existing = tmp.path().join("existing");
        std::fs::create_dir(&existing).unwrap();
        set_mode(&existing, 0o755);
        create_private_dir_all(&existing.join("a/b")).unwrap();
        assert_eq!(mode(&existing), 0o755, "a parent Pail did not create keeps its mode");
        assert_eq!(mode(&existing.join("a")), 0o700);
        assert_eq!(mode(&existing.join("a/b")), 0o700);
        create_private_dir_all(&existing.join("a/b")).unwrap();
    }

    #[test]
    fn new_files_are_owner_only_and_existing_content_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        create_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::write(&file, b"kept").unwrap();
        create_private_file(&file).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"kept");
        let appended = tmp.path().join("log");
        use std::io::Write;
        let mut f = private_open_options()
            .create(true)
            .append(true)
            .open(&appended)
            .unwrap();
        f.write_all(b"x").unwrap();
        assert_eq!(mode(&appended), 0o600);
    }

    #[test]
    fn an_old_install_is_tightened_and_a_read_only_file_stays_read_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o755);
        let file = dir.join("state.sqlite3");
        std::fs::write(&file, b"").unwrap();
        set_mode(&file, 0o644);
        let read_only = dir.join("ro");
        std::fs::write(&read_only, b"").unwrap();
        set_mode(&read_only, 0o444);

        prepare_private_dir(&dir).unwrap();
        tighten_file(&file).unwrap();
        tighten_file(&read_only).unwrap();
        tighten_file(&dir.join("missing")).unwrap();

        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&read_only), 0o400);
    }

    #[test]
    fn a_missing_data_folder_is_created_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("new/app.pail.desktop");
        prepare_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }
}
