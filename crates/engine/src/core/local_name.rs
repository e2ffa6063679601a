//! The one check every download makes before a key becomes a local file: sync, the transfer
//! queue and `pail cp` all go through [`join_under`].
//!
//! Two layers. [`RelPath`] holds the rules that make a name unsafe everywhere (`..`, `.`, empty
//! segments, a leading `/`, NUL, backslashes, over-long names). [`NameRules`] adds what the disk
//! the file lands on cannot hold: on Windows a drive (`C:`), an alternate data stream (`a:b`), a
//! device name (`CON`, `com1.txt`) or a trailing dot or space would escape the destination or
//! write somewhere else than asked. The rules are a parameter rather than `cfg!`, so the Windows
//! rules are tested on every platform; callers pass [`NameRules::HOST`].
//!
//! It lives beside [`RelPath`] (which it builds on) rather than at the crate root, because the
//! transfer queue and the command line already take their path types from [`crate::sync`].

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{RelPath, RelPathError};

/// Which file system naming rules a local path must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRules {
    /// Linux, macOS and other Unix systems: any name [`RelPath`] accepts (`CON` and `a:b` are
    /// ordinary names there, so keys like them keep syncing).
    Unix,
    /// Windows: also no drive letters, streams, device names, `<>:"|?*`, control characters, or
    /// trailing dots and spaces.
    Windows,
}

impl NameRules {
    /// The rules of the system Pail runs on.
    pub const HOST: NameRules = if cfg!(windows) {
        NameRules::Windows
    } else {
        NameRules::Unix
    };

    /// Windows rules when `windows` is set (a pair's disk setting), else Unix rules.
    pub fn windows_if(windows: bool) -> NameRules {
        if windows {
            NameRules::Windows
        } else {
            NameRules::Unix
        }
    }

    /// The first segment of `path` (valid everywhere, being a [`RelPath`]) that a disk under these
    /// rules cannot hold, if any.
    pub fn issue(self, path: &RelPath) -> Option<WindowsNameIssue> {
        match self {
            NameRules::Unix => None,
            NameRules::Windows => path.trimmed().split('/').find_map(windows_name_issue),
        }
    }
}

/// Why a key cannot become a local path here. Such keys are skipped with this as the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalNameError {
    /// The name is unsafe on every system.
    #[error(transparent)]
    Path(#[from] RelPathError),
    /// The name is fine elsewhere but not on this computer's disk.
    #[error("{0}")]
    Windows(WindowsNameIssue),
    /// Joined to the destination, the path would leave it (a check that the name checks already
    /// make impossible; it stays so that a gap in them cannot write elsewhere).
    #[error("the path would land outside the destination folder")]
    Escapes,
}

/// Validates the relative path `rel` (`/`-separated; a trailing `/` names a folder) for a disk
/// under `rules`.
pub fn local_rel(rel: &str, rules: NameRules) -> Result<RelPath, LocalNameError> {
    let path = RelPath::new(rel)?;
    match rules.issue(&path) {
        Some(issue) => Err(LocalNameError::Windows(issue)),
        None => Ok(path),
    }
}

/// `dest` joined with `rel` segment by segment, refused unless every segment is a plain name
/// under `rules` and the result stays inside `dest`.
pub fn join_under(dest: &Path, rel: &RelPath, rules: NameRules) -> Result<PathBuf, LocalNameError> {
    if let Some(issue) = rules.issue(rel) {
        return Err(LocalNameError::Windows(issue));
    }
    let mut joined = dest.to_path_buf();
    for segment in rel.trimmed().split('/') {
        // On Windows `Path` reads `C:` as a drive and `\x` as a root: each segment must be one
        // plain name as this system parses it, whatever the rules above said.
        let mut parts = Path::new(segment).components();
        match (parts.next(), parts.next()) {
            (Some(Component::Normal(name)), None) if name == segment => joined.push(name),
            _ => return Err(LocalNameError::Escapes),
        }
    }
    if !stays_under(dest, &joined) {
        return Err(LocalNameError::Escapes);
    }
    Ok(joined)
}

/// Whether `joined` is `dest` followed by plain names only (no root, drive, `.` or `..`).
fn stays_under(dest: &Path, joined: &Path) -> bool {
    joined
        .strip_prefix(dest)
        .is_ok_and(|rest| rest.components().all(|c| matches!(c, Component::Normal(_))))
}

/// Why Windows cannot create a name that other systems accept. Warning-level: such paths are
/// synced elsewhere and skipped only where Windows rules apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowsNameIssue {
    /// `CON`, `PRN`, `AUX`, `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9` (and their superscript-digit
    /// spellings), `CONIN$`, `CONOUT$`, with or without an extension.
    Reserved(String),
    /// Windows silently strips a trailing `.` or space, so the name would not round-trip.
    TrailingDotOrSpace,
    /// `<>:"|?*` or a control character (`:` also names drives and alternate data streams).
    ForbiddenChar(char),
}

impl fmt::Display for WindowsNameIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reserved(name) => write!(f, "`{name}` is a reserved name on Windows"),
            Self::TrailingDotOrSpace => f.write_str("the name ends with a dot or a space, which Windows drops"),
            Self::ForbiddenChar(c) => write!(f, "the name contains {c:?}, which Windows does not allow"),
        }
    }
}

/// Tells whether Windows can create the single name `name` (one path segment).
pub fn windows_name_issue(name: &str) -> Option<WindowsNameIssue> {
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\\' | '/') || c.is_control())
    {
        return Some(WindowsNameIssue::ForbiddenChar(c));
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Some(WindowsNameIssue::TrailingDotOrSpace);
    }
    // Windows reserves the device name whatever follows the first dot (`CON.tar.gz`), and
    // ignores trailing spaces before that dot (`CON .txt`).
    let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    is_device_name(stem).then(|| WindowsNameIssue::Reserved(stem.to_owned()))
}

fn is_device_name(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    if matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$") {
        return true;
    }
    // `COM1`, and `COM¹`: Windows counts the Latin-1 superscript digits as digits here.
    let Some(digit) = upper.strip_prefix("COM").or_else(|| upper.strip_prefix("LPT")) else {
        return false;
    };
    let mut chars = digit.chars();
    matches!((chars.next(), chars.next()), (Some('0'..='9' | '¹' | '²' | '³'), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    use NameRules::{Unix, Windows};

    fn rel(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    #[test]
    fn unsafe_everywhere_is_refused_under_both_rules() {
        for rules in [Unix, Windows] {
            for (input, want) in [
                ("", RelPathError::Empty),
                ("..", RelPathError::DotDotSegment),
                ("a/../b", RelPathError::DotDotSegment),
                ("a/..", RelPathError::DotDotSegment),
                (".", RelPathError::DotSegment),
                ("./a", RelPathError::DotSegment),
                ("a//b", RelPathError::EmptySegment),
                ("/etc/passwd", RelPathError::Absolute),
                ("/", RelPathError::Absolute),
                ("a\0b", RelPathError::Nul),
                ("..\\x", RelPathError::Backslash),
                ("c:\\x", RelPathError::Backslash),
                ("\\\\server\\share", RelPathError::Backslash),
                ("\\x", RelPathError::Backslash),
                ("a\\..\\..\\b", RelPathError::Backslash),
            ] {
                assert_eq!(
                    local_rel(input, rules),
                    Err(LocalNameError::Path(want.clone())),
                    "{input:?} under {rules:?}"
                );
            }
        }
    }

    #[test]
    fn windows_only_names_pass_on_unix_and_are_refused_on_windows() {
        let reserved = |s: &str| LocalNameError::Windows(WindowsNameIssue::Reserved(s.into()));
        let colon = LocalNameError::Windows(WindowsNameIssue::ForbiddenChar(':'));
        let trailing = LocalNameError::Windows(WindowsNameIssue::TrailingDotOrSpace);
        for (input, on_windows) in [
            ("C:", colon.clone()),
            ("C:foo", colon.clone()),
            ("docs/C:/x", colon.clone()),
            ("a:b", colon.clone()),
            ("file.txt:Zone.Identifier", colon.clone()),
            ("CON", reserved("CON")),
            ("con.txt", reserved("con")),
            ("dir/Con.tar.gz", reserved("Con")),
            ("COM1", reserved("COM1")),
            ("com0", reserved("com0")),
            ("COM¹.log", reserved("COM¹")),
            ("lpt9.log", reserved("lpt9")),
            ("AUX .txt", reserved("AUX")),
            ("conin$", reserved("conin$")),
            ("NUL.", trailing.clone()),
            ("foo.", trailing.clone()),
            ("foo ", trailing.clone()),
            ("dots./x", trailing.clone()),
            ("a|b", LocalNameError::Windows(WindowsNameIssue::ForbiddenChar('|'))),
            ("q?.txt", LocalNameError::Windows(WindowsNameIssue::ForbiddenChar('?'))),
            (
                "tab\there",
                LocalNameError::Windows(WindowsNameIssue::ForbiddenChar('\t')),
            ),
            (
                "line\nbreak",
                LocalNameError::Windows(WindowsNameIssue::ForbiddenChar('\n')),
            ),
        ] {
            assert_eq!(
                local_rel(input, Unix).map(String::from),
                Ok(input.to_owned()),
                "{input:?}"
            );
            assert_eq!(local_rel(input, Windows), Err(on_windows), "{input:?}");
        }
    }

    #[test]
    fn ordinary_names_pass_under_both_rules() {
        for rules in [Unix, Windows] {
            for ok in [
                "a.txt",
                "docs/report (2).pdf",
                "CONSOLE",
                "COM10",
                "LPT",
                "xCON",
                "con-notes.txt",
                "auxiliary",
                "a.con",
                ".env",
                "été/naïve ☃.md",
                "folder/",
            ] {
                assert!(local_rel(ok, rules).is_ok(), "{ok:?} under {rules:?}");
            }
        }
    }

    #[test]
    fn joining_stays_under_the_destination() {
        let dest = Path::new("/dl");
        assert_eq!(
            join_under(dest, &rel("a/b.txt"), Unix),
            Ok(PathBuf::from("/dl/a/b.txt"))
        );
        assert_eq!(join_under(dest, &rel("sub/"), Windows), Ok(PathBuf::from("/dl/sub")));
        assert_eq!(
            join_under(dest, &rel("C:foo"), Windows),
            Err(LocalNameError::Windows(WindowsNameIssue::ForbiddenChar(':')))
        );
        assert_eq!(
            join_under(dest, &rel("x/NUL"), Windows),
            Err(LocalNameError::Windows(WindowsNameIssue::Reserved("NUL".into())))
        );
        // Fine names on Linux stay plain names there.
        assert_eq!(
            join_under(dest, &rel("C:foo/CON"), Unix),
            Ok(PathBuf::from("/dl/C:foo/CON"))
        );
    }

    #[test]
    fn only_plain_names_may_follow_the_destination() {
        let dest = Path::new("/dl");
        assert!(stays_under(dest, Path::new("/dl/a/b")));
        assert!(!stays_under(dest, Path::new("/dl/../etc/passwd")));
        assert!(!stays_under(dest, Path::new("/etc/passwd")));
        assert!(!stays_under(dest, Path::new("/dlx/a")));
    }

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(
            local_rel("a/../b", Unix).unwrap_err().to_string(),
            "the path has a `..` segment"
        );
        assert_eq!(
            local_rel("C:x", Windows).unwrap_err().to_string(),
            "the name contains ':', which Windows does not allow"
        );
        assert_eq!(
            local_rel("com1.txt", Windows).unwrap_err().to_string(),
            "`com1` is a reserved name on Windows"
        );
    }

    #[test]
    fn a_rel_paths_windows_issue_is_the_same_check() {
        assert_eq!(
            NameRules::Windows.issue(&rel("docs/CON.txt")),
            Some(WindowsNameIssue::Reserved("CON".into()))
        );
        assert_eq!(NameRules::Windows.issue(&rel("ok/fine.txt")), None);
        assert_eq!(Unix.issue(&rel("docs/CON.txt")), None);
    }

    #[test]
    fn rules_follow_the_host() {
        assert_eq!(NameRules::HOST == Windows, cfg!(windows));
        assert_eq!(NameRules::windows_if(true), Windows);
        assert_eq!(NameRules::windows_if(false), Unix);
    }
}
