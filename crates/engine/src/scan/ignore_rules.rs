//! Ignore rules in gitignore syntax (the `ignore` crate's matcher, the one ripgrep uses), with
//! defaults for the files no one wants synced.

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::error::{Error, Result};

/// Patterns every pair starts with: OS metadata, editor swap and lock files, partial downloads.
pub const DEFAULT_IGNORES: &[&str] = &[
    ".DS_Store",
    "._*",
    "Thumbs.db",
    "desktop.ini",
    ".~lock.*#",
    "~$*",
    "*.swp",
    "*.swo",
    "*~",
    ".#*",
    "*.tmp",
    "*.crdownload",
    "*.part",
    // Pail's own temp files while a download is being written and verified.
    ".pail-tmp-*",
];

/// A compiled set of ignore patterns for one sync root.
#[derive(Debug, Clone)]
pub struct IgnoreRules {
    matcher: Gitignore,
}

impl IgnoreRules {
    /// The defaults plus the user's own patterns (one gitignore line each; `!` re-includes).
    pub fn new(user_patterns: &[String]) -> Result<IgnoreRules> {
        // Rooted at "/" and matched with relative paths, so rules never depend on where the root lives.
        let mut builder = GitignoreBuilder::new("/");
        for p in DEFAULT_IGNORES {
            builder
                .add_line(None, p)
                .map_err(|e| Error::InvalidInput(format!("Built-in ignore pattern {p} is invalid: {e}")))?;
        }
        for p in user_patterns {
            let line = p.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            builder.add_line(None, line).map_err(|e| {
                Error::InvalidInput(format!(
                    "The ignore pattern “{line}” is not valid gitignore syntax: {e}"
                ))
            })?;
        }
        let matcher = builder
            .build()
            .map_err(|e| Error::InvalidInput(format!("The ignore patterns could not be used: {e}")))?;
        Ok(IgnoreRules { matcher })
    }

    /// Whether `rel` (relative, `/`-separated) or one of its parent folders is ignored.
    pub fn is_ignored(&self, rel: &str, is_dir: bool) -> bool {
        let path = Path::new("/").join(rel);
        self.matcher.matched_path_or_any_parents(&path, is_dir).is_ignore()
    }

    /// Whether `rel` itself is ignored, for a walk that never enters an ignored folder (so its
    /// parents are known not to be).
    pub fn is_ignored_here(&self, rel: &str, is_dir: bool) -> bool {
        self.matcher.matched(Path::new("/").join(rel), is_dir).is_ignore()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_os_and_editor_litter() {
        let r = IgnoreRules::new(&[]).unwrap();
        for p in [
            ".DS_Store",
            "a/b/.DS_Store",
            "Thumbs.db",
            "notes.txt.swp",
            "~$report.docx",
            ".~lock.x.odt#",
            "f.tmp",
            ".pail-tmp-abc",
        ] {
            assert!(r.is_ignored(p, false), "{p} should be ignored");
        }
        for p in ["notes.txt", "photos/cat.png", "DS_Store.txt", "report.docx"] {
            assert!(!r.is_ignored(p, false), "{p} should be synced");
        }
    }

    #[test]
    fn user_patterns_use_gitignore_syntax_including_negation_and_folders() {
        let r = IgnoreRules::new(&[
            "build/".into(),
            "*.log".into(),
            "!keep.log".into(),
            "# comment".into(),
            "".into(),
        ])
        .unwrap();
        assert!(r.is_ignored("build", true));
        assert!(r.is_ignored("build/out.bin", false), "files under an ignored folder");
        assert!(r.is_ignored("x/debug.log", false));
        assert!(!r.is_ignored("keep.log", false));
        assert!(!r.is_ignored("build.txt", false));
    }

    #[test]
    fn matching_one_entry_agrees_with_matching_its_parents_too_where_the_parents_are_kept() {
        let r = IgnoreRules::new(&["build/".into(), "*.log".into(), "!keep.log".into(), "/top.txt".into()]).unwrap();
        for (p, is_dir) in [
            ("build", true),
            ("src/build", true),
            ("a.log", false),
            ("x/keep.log", false),
            ("top.txt", false),
            ("x/top.txt", false),
            ("x/.DS_Store", false),
            ("notes/a.txt", false),
            ("notes", true),
        ] {
            assert_eq!(r.is_ignored_here(p, is_dir), r.is_ignored(p, is_dir), "{p}");
        }
    }

    #[test]
    fn an_invalid_pattern_is_explained() {
        let err = IgnoreRules::new(&["[z-a]".into()]).unwrap_err();
        assert!(
            err.user_message().contains("not valid gitignore syntax"),
            "{}",
            err.user_message()
        );
    }
}
