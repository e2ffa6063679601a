//! Running `pail` as an unprivileged user when the tests run as root (as CI does): root reads a
//! file whatever its mode, so a test of an unreadable file must run the program as `nobody`.

use std::path::Path;
use std::process::Command;

/// Whether the tests run as root.
pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A command for `program` that runs as `nobody:nogroup` (with no extra groups) when the tests
/// run as root, and as the test's own user otherwise. `program` must be executable by `nobody`
/// (a copy in a folder it may enter, not the one under the cargo target folder).
pub fn command(program: &Path) -> Command {
    if running_as_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups"])
            .arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// Hands `path` and everything below it to `nobody:nogroup` when running as root (else does
/// nothing: the files are the test user's already).
pub fn give_to_nobody(path: &Path) {
    if !running_as_root() {
        return;
    }
    let status = Command::new("chown")
        .args(["-R", "nobody:nogroup"])
        .arg(path)
        .status()
        .expect("run chown");
    assert!(status.success(), "chown -R nobody:nogroup {}", path.display());
}
