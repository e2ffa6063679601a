//! Logs go to stderr and, once the data folder is known, to `<data>/logs/pail.log`: the file a
//! user attaches to a bug report. It never holds a secret (tests grep the data folder for one),
//! but it names buckets, paths and activity, so on Unix it is readable by its owner only.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use pail_engine::private_files;

/// Above this size the log is moved to `pail.log.1` at start, so it never grows without bound.
const ROTATE_BYTES: u64 = 10 * 1024 * 1024;

/// The shared log sink; cheap to clone.
#[derive(Clone, Default)]
pub struct LogFile(Arc<Mutex<Option<File>>>);

impl LogFile {
    /// Starts writing to `<data_dir>/logs/pail.log` as well as stderr.
    pub fn open_in(&self, data_dir: &Path) -> std::io::Result<()> {
        // The log opens before the engine does, so it may be the first to make the data folder.
        private_files::prepare_private_dir(data_dir)?;
        let dir = data_dir.join("logs");
        private_files::prepare_private_dir(&dir)?;
        let path = dir.join("pail.log");
        let rotated = dir.join("pail.log.1");
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_BYTES) {
            std::fs::rename(&path, &rotated)?;
        }
        // Logs written by a Pail from before owner-only files were world-readable.
        for old in [&path, &rotated] {
            if let Err(e) = private_files::tighten_file(old) {
                tracing::warn!(file = %old.display(), "could not make a log file private: {e}");
            }
        }
        let file = private_files::private_open_options()
            .create(true)
            .append(true)
            .open(path)?;
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(file);
        }
        Ok(())
    }
}

/// One log record's writer: stderr plus the file.
pub struct Tee(Arc<Mutex<Option<File>>>);

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        if let Ok(mut slot) = self.0.lock() {
            if let Some(file) = slot.as_mut() {
                // A full disk must not take the app down with it; stderr still has the line.
                let _ = file.write_all(buf);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogFile {
    type Writer = Tee;

    fn make_writer(&'a self) -> Tee {
        Tee(self.0.clone())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_log_and_its_folders_are_owner_only_and_an_old_log_is_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let data_dir = tmp.path().join("app.pail.desktop");
        let log = LogFile::default();
        log.open_in(&data_dir).unwrap();
        tracing_subscriber::fmt::MakeWriter::make_writer(&log)
            .write_all(b"a line\n")
            .unwrap();
        let file = data_dir.join("logs/pail.log");
        assert_eq!(std::fs::read(&file).unwrap(), b"a line\n");
        assert_eq!(mode(&data_dir), 0o700);
        assert_eq!(mode(&data_dir.join("logs")), 0o700);
        assert_eq!(mode(&file), 0o600);

        // As an older Pail left them.
        let rotated = data_dir.join("logs/pail.log.1");
        std::fs::write(&rotated, b"old").unwrap();
        for (path, m) in [
            (&data_dir, 0o755),
            (&data_dir.join("logs"), 0o755),
            (&file, 0o644),
            (&rotated, 0o644),
        ] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap();
        }
        LogFile::default().open_in(&data_dir).unwrap();
        assert_eq!(mode(&data_dir), 0o700);
        assert_eq!(mode(&data_dir.join("logs")), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&rotated), 0o600);
    }
}
