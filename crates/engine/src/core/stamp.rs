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

/// How close to "now" a stamp may be before it stops vouching for the content read with it.
///
/// Many kernels stamp writes from a coarse clock (Linux before 6.13: one timer tick, 1–10 ms;
/// FAT: 2 s; some network file systems: 1 s), so a same-size rewrite right after Pail read a file
/// can keep its size, times and inode, and a hash remembered under that stamp would hide the
/// edit. Git calls such entries "racily clean" and reads them again; so does Pail, for stamps
/// within this window of the moment the hash was taken.
pub const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(3);

/// The moments between which a stamp is racy for a pass: a hash taken during the pass cannot be
/// trusted under a stamp later than `started - window`. A stamp beyond `until + window` is a set
/// modification time in the future (the change time cannot be set ahead); any write puts the
/// stamp back to now, so it is not racy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RacyWindow {
    from_ns: i128,
    until_ns: i128,
}

impl RacyWindow {
    /// The window of a pass that started at `started` and is looking at its results at `now`.
    pub fn new(started: std::time::SystemTime, now: std::time::SystemTime, window: std::time::Duration) -> Self {
        let ns = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as i128)
                .unwrap_or(0)
        };
        let window = window.as_nanos() as i128;
        Self {
            from_ns: ns(started) - window,
            until_ns: ns(now.max(started)) + window,
        }
    }

    /// Whether a hash taken under `stamp_ns` must be read again before it is trusted.
    pub fn is_racy(&self, stamp_ns: i128) -> bool {
        stamp_ns > self.from_ns && stamp_ns <= self.until_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> std::time::SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn ns(secs: u64) -> i128 {
        i128::from(secs) * 1_000_000_000
    }

    #[test]
    fn a_stamp_from_within_the_window_before_the_pass_or_during_it_is_racy() {
        let w = RacyWindow::new(at(1000), at(1060), RACY_WINDOW);
        assert!(!w.is_racy(ns(990)), "written well before the pass: the stamp vouches");
        assert!(!w.is_racy(ns(997)), "exactly the window before: vouches");
        assert!(w.is_racy(ns(997) + 1), "just inside the window");
        assert!(w.is_racy(ns(1000)), "written as the pass started");
        assert!(
            w.is_racy(ns(1030)),
            "written while the pass ran (a download, an upload's source)"
        );
        assert!(w.is_racy(ns(1063)), "the clock's edge at the end");
    }

    #[test]
    fn a_modification_time_set_far_ahead_is_not_racy() {
        let w = RacyWindow::new(at(1000), at(1060), RACY_WINDOW);
        assert!(!w.is_racy(ns(5_000_000)));
    }

    #[test]
    fn a_clock_that_went_back_during_the_pass_still_covers_the_start() {
        let w = RacyWindow::new(at(1000), at(900), RACY_WINDOW);
        assert!(w.is_racy(ns(1000)));
        assert!(!w.is_racy(ns(990)));
    }

    #[test]
    fn no_window_trusts_every_stamp_up_to_now() {
        let w = RacyWindow::new(at(1000), at(1000), Duration::ZERO);
        assert!(!w.is_racy(ns(1000)));
        assert!(!w.is_racy(ns(999)));
    }
}
