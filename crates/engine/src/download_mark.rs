//! Marks downloaded files as coming from the internet, the way browsers do, so the system warns
//! before running them: the `com.apple.quarantine` attribute on macOS, the Mark-of-the-Web
//! (`Zone.Identifier` stream) on Windows. Linux desktops have no such mark; there it does nothing.
//!
//! Files a synced folder receives are not marked: they are the user's own files coming back
//! from their other computers, and a mark on each would make every synced document ask before
//! it opens. Downloads the user asks for (the app's queue, `pail cp`) are marked.

use std::path::Path;

/// Marks `path` (best effort: a file system without extended attributes or streams keeps the
/// file unmarked, and the download still succeeds). `source` names where it came from, for the
/// Windows mark (never a signed URL: it may be read by anything on the machine).
pub fn mark_downloaded(path: &Path, source: &str) -> std::io::Result<()> {
    let _ = (path, source);
    #[cfg(target_os = "macos")]
    {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        rustix::fs::setxattr(
            path,
            "com.apple.quarantine",
            quarantine_value(now).as_bytes(),
            rustix::fs::XattrFlags::empty(),
        )?;
    }
    #[cfg(windows)]
    {
        let mut stream = path.as_os_str().to_owned();
        stream.push(":Zone.Identifier");
        std::fs::write(std::path::PathBuf::from(stream), zone_identifier(source))?;
    }
    Ok(())
}

/// The quarantine attribute's value: "downloaded, not yet approved", when, and by which app.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
fn quarantine_value(unix_secs: u64) -> String {
    format!("0081;{unix_secs:08x};Pail;")
}

/// The Mark-of-the-Web stream: zone 3 is the Internet zone.
#[cfg_attr(not(windows), allow(dead_code))]
fn zone_identifier(source: &str) -> String {
    // The stream is an INI file: a line break in a key must not add lines of its own.
    let source: String = source.chars().filter(|c| !c.is_control()).collect();
    format!("[ZoneTransfer]\r\nZoneId=3\r\nHostUrl={source}\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_windows_mark_puts_the_file_in_the_internet_zone_and_cannot_be_extended_by_a_key() {
        let mark = zone_identifier("s3://photos/a\r\nZoneId=0\r\nb.exe");
        assert_eq!(
            mark,
            "[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=s3://photos/aZoneId=0b.exe\r\n"
        );
        assert_eq!(mark.matches("ZoneId=").count(), 2);
        assert_eq!(mark.lines().filter(|l| l.starts_with("ZoneId=")).count(), 1);
    }

    #[test]
    fn the_macos_mark_says_downloaded_when_and_by_pail() {
        assert_eq!(quarantine_value(0x5f00_0000), "0081;5f000000;Pail;");
    }

    #[test]
    fn marking_never_fails_a_download_on_linux() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.pdf");
        std::fs::write(&file, b"x").unwrap();
        mark_downloaded(&file, "s3://bucket/report.pdf").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
    }
}
