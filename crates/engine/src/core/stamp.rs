//! A local file's stamp: what tells whether it may have changed without reading it.

use std::fs::Metadata;

/// What tells whether a file may have changed without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Size in bytes.
    pub size: u64,
    /// The later of the modification and (on Unix) status-change times, nanoseconds since the
    /// Unix epoch. The change time cannot be set back by programs, so an edit that keeps size and
    /// restores the old mtime still shows here.
    pub mtime_ns: i128,
    /// Inode (0 where the platform has none); a replaced file gets a new one even with equal size and mtime.
    pub inode: u64,
}

/// The identity of a file from its metadata (taken without following symlinks).
pub fn identity_of(m: &Metadata) -> Identity {
    let mtime_ns = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(m);
    #[cfg(unix)]
    let mtime_ns = {
        use std::os::unix::fs::MetadataExt;
        let ctime_ns = i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec());
        mtime_ns.max(ctime_ns)
    };
    #[cfg(not(unix))]
    let inode = 0;
    Identity {
        size: m.len(),
        mtime_ns,
        inode,
    }
}
