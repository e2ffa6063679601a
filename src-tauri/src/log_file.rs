//! Logs go to stderr and, once the data folder is known, to `<data>/logs/pail.log`: the file a
//! user attaches to a bug report. It never holds a secret (tests grep the data folder for one).

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Above this size the log is moved to `pail.log.1` at start, so it never grows without bound.
const ROTATE_BYTES: u64 = 10 * 1024 * 1024;

/// The shared log sink; cheap to clone.
#[derive(Clone, Default)]
pub struct LogFile(Arc<Mutex<Option<File>>>);

impl LogFile {
    /// Starts writing to `<data_dir>/logs/pail.log` as well as stderr.
    pub fn open_in(&self, data_dir: &Path) -> std::io::Result<()> {
        let dir = data_dir.join("logs");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("pail.log");
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_BYTES) {
            std::fs::rename(&path, dir.join("pail.log.1"))?;
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
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
