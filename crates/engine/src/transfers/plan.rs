//! Turning what the user dropped or picked into transfer items: local files and folders into
//! uploads (keys under the folder being viewed), keys and folders into downloads (paths under the
//! chosen folder), and the "keep both" names `name (2).ext`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sync::conflict_name::split_extension;
use crate::sync::local_name::{join_under, LocalNameError, NameRules};
use crate::sync::RelPath;

/// One file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedUpload {
    /// The file.
    pub local: PathBuf,
    /// Its destination key.
    pub key: String,
    /// Its size.
    pub size: u64,
    /// Its stamp (for noticing a change before a resume).
    pub mtime_ns: i128,
}

/// Files and empty folders to upload, and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadPlan {
    /// Files, in walk order.
    pub files: Vec<PlannedUpload>,
    /// Keys of folder markers for empty folders (an empty folder has no key of its own on S3).
    pub empty_folders: Vec<String>,
    /// Paths left out, with why.
    pub skipped: Vec<String>,
    /// Listing prefixes that cover every key of the plan and its "keep both" names.
    pub probe_prefixes: Vec<String>,
}

/// Walks `paths` (files and folders, symlinks never followed) into keys under `prefix`.
pub fn plan_upload(paths: &[PathBuf], prefix: &str) -> Result<UploadPlan> {
    let mut plan = UploadPlan::default();
    let mut seen = HashSet::new();
    for path in paths {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            plan.skipped
                .push(format!("{} (its name cannot be used as a key)", path.display()));
            continue;
        };
        plan.probe_prefixes.push(format!("{prefix}{}", split_extension(name).0));
        let meta = std::fs::symlink_metadata(path).map_err(|source| Error::Io {
            context: format!("read {}", path.display()),
            source,
        })?;
        if meta.file_type().is_symlink() {
            plan.skipped
                .push(format!("{} (symbolic links are not followed)", path.display()));
        } else if meta.is_file() {
            push_file(&mut plan, &mut seen, path, format!("{prefix}{name}"), &meta);
        } else if meta.is_dir() {
            walk_folder(&mut plan, &mut seen, path, &format!("{prefix}{name}/"))?;
        }
    }
    plan.probe_prefixes.sort();
    plan.probe_prefixes.dedup();
    Ok(plan)
}

fn push_file(plan: &mut UploadPlan, seen: &mut HashSet<String>, path: &Path, key: String, meta: &std::fs::Metadata) {
    if seen.insert(key.clone()) {
        let stamp = crate::scan::identity_of(meta);
        plan.files.push(PlannedUpload {
            local: path.to_path_buf(),
            key,
            size: meta.len(),
            mtime_ns: stamp.mtime_ns,
        });
    }
}

fn walk_folder(plan: &mut UploadPlan, seen: &mut HashSet<String>, root: &Path, base: &str) -> Result<()> {
    let mut dirs_with_content: HashSet<PathBuf> = HashSet::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Io {
            context: format!("read {}", root.display()),
            source: e.into(),
        })?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let Some(rel_text) = rel.to_str() else {
            plan.skipped
                .push(format!("{} (its name is not valid UTF-8)", entry.path().display()));
            continue;
        };
        let rel_key = rel_text.replace(std::path::MAIN_SEPARATOR, "/");
        let file_type = entry.file_type();
        if file_type.is_symlink() {
            plan.skipped
                .push(format!("{} (symbolic links are not followed)", entry.path().display()));
        } else if file_type.is_dir() {
            dirs.push((entry.path().to_path_buf(), rel_key));
        } else if file_type.is_file() {
            let meta = entry.metadata().map_err(|e| Error::Io {
                context: format!("read {}", entry.path().display()),
                source: e.into(),
            })?;
            for ancestor in entry.path().ancestors().skip(1) {
                if !dirs_with_content.insert(ancestor.to_path_buf()) || ancestor == root {
                    break;
                }
            }
            push_file(plan, seen, entry.path(), format!("{base}{rel_key}"), &meta);
        }
    }
    for (dir, rel_key) in dirs {
        if !dirs_with_content.contains(&dir) {
            let key = if rel_key.is_empty() {
                base.to_owned()
            } else {
                format!("{base}{rel_key}/")
            };
            plan.empty_folders.push(key);
        }
    }
    Ok(())
}

/// `name (n).ext` for the last segment of `key` (`n` ≥ 2); a leading dot is not an extension.
pub fn numbered_key(key: &str, n: u32) -> String {
    let (dir, name) = match key.rfind('/') {
        Some(i) => key.split_at(i + 1),
        None => ("", key),
    };
    let (stem, ext) = split_extension(name);
    format!("{dir}{stem} ({n}){ext}")
}

/// The first `name (n).ext` from 2 up that `is_taken` refuses.
pub fn free_key(key: &str, mut is_taken: impl FnMut(&str) -> bool) -> String {
    let mut n = 2;
    loop {
        let candidate = numbered_key(key, n);
        if !is_taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// A local path that does not exist yet: `path` itself or `name (n).ext` beside it.
pub fn free_local_path(path: &Path, planned: &HashSet<PathBuf>) -> PathBuf {
    let taken = |p: &Path| p.exists() || planned.contains(p);
    if !taken(path) {
        return path.to_path_buf();
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("download");
    let mut n = 2;
    loop {
        let candidate = path.with_file_name(numbered_key(name, n));
        if !taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// Where a downloaded key lands: a file key `a/b/c.txt` as `dest/c.txt`; under a folder
/// `a/b/` the key `a/b/x/y.txt` as `dest/b/x/y.txt` (a folder marker `a/b/x/` as the folder
/// `dest/b/x`). Keys that cannot be a local path under `rules` (`..`, empty segments, NUL, and on
/// Windows drives, streams and device names) are refused with the reason.
pub fn download_path(dest: &Path, selected: &str, key: &str, rules: NameRules) -> Result<PathBuf, LocalNameError> {
    let rel = if selected.ends_with('/') {
        let parent_len = selected.trim_end_matches('/').rfind('/').map_or(0, |i| i + 1);
        RelPath::from_key(&selected[..parent_len], key)?
    } else {
        RelPath::new(key.rsplit('/').next().unwrap_or(key))?
    };
    join_under(dest, &rel, rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{RelPathError, WindowsNameIssue};

    #[test]
    fn keep_both_numbers_the_name_before_the_extension() {
        assert_eq!(numbered_key("docs/report.pdf", 2), "docs/report (2).pdf");
        assert_eq!(numbered_key("archive.tar.gz", 3), "archive.tar (3).gz");
        assert_eq!(numbered_key("a/.env", 2), "a/.env (2)");
        assert_eq!(numbered_key("README", 2), "README (2)");
        let taken = ["x (2).txt".to_string()];
        assert_eq!(free_key("x.txt", |k| taken.iter().any(|t| t == k)), "x (3).txt");
    }

    #[test]
    fn downloads_keep_the_folder_name_and_refuse_escaping_keys() {
        let d = Path::new("/dl");
        let unix = |selected: &str, key: &str| download_path(d, selected, key, NameRules::Unix);
        assert_eq!(unix("a/b/c.txt", "a/b/c.txt"), Ok(PathBuf::from("/dl/c.txt")));
        assert_eq!(unix("a/b/", "a/b/x/y.txt"), Ok(PathBuf::from("/dl/b/x/y.txt")));
        assert_eq!(unix("top/", "top/f"), Ok(PathBuf::from("/dl/top/f")));
        assert_eq!(
            unix("a/b/", "a/b/../../etc/passwd"),
            Err(LocalNameError::Path(RelPathError::DotDotSegment))
        );
        assert_eq!(
            unix("a/b/", "a/b/x/"),
            Ok(PathBuf::from("/dl/b/x")),
            "a marker is its folder"
        );
        assert_eq!(
            unix("a/..", "a/.."),
            Err(LocalNameError::Path(RelPathError::DotDotSegment))
        );
        assert_eq!(
            unix("a/b/", "a/b//x"),
            Err(LocalNameError::Path(RelPathError::EmptySegment))
        );
    }

    #[test]
    fn windows_style_keys_never_leave_the_destination() {
        let d = Path::new("/dl");
        let colon = Err(LocalNameError::Windows(WindowsNameIssue::ForbiddenChar(':')));
        for (selected, key) in [("C:", "C:"), ("p/", "p/C:foo"), ("p/", "p/x/a:b"), ("C:foo", "C:foo")] {
            assert_eq!(download_path(d, selected, key, NameRules::Windows), colon, "{key:?}");
            assert!(
                download_path(d, selected, key, NameRules::Unix).is_ok(),
                "{key:?} is a name on Linux"
            );
        }
        for (selected, key, name) in [
            ("CON", "CON", "CON"),
            ("p/", "p/con.txt", "con"),
            ("lpt9.log", "lpt9.log", "lpt9"),
            ("x/COM1", "x/COM1", "COM1"),
        ] {
            assert_eq!(
                download_path(d, selected, key, NameRules::Windows),
                Err(LocalNameError::Windows(WindowsNameIssue::Reserved(name.into())))
            );
        }
        assert_eq!(
            download_path(d, "p/", "p/NUL.", NameRules::Windows),
            Err(LocalNameError::Windows(WindowsNameIssue::TrailingDotOrSpace))
        );
        for (selected, key) in [("p/", "p/..\\x"), ("c:\\x", "c:\\x"), ("p/", "p/\\\\server\\share")] {
            for rules in [NameRules::Unix, NameRules::Windows] {
                assert_eq!(
                    download_path(d, selected, key, rules),
                    Err(LocalNameError::Path(RelPathError::Backslash)),
                    "{key:?}"
                );
            }
        }
    }

    #[test]
    fn a_folder_tree_becomes_keys_under_the_prefix_with_empty_folders_as_markers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("photos");
        std::fs::create_dir_all(root.join("2024/summer")).unwrap();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        std::fs::write(root.join("2024/summer/a.jpg"), b"a").unwrap();
        std::fs::write(root.join("b.txt"), b"bb").unwrap();
        let plan = plan_upload(std::slice::from_ref(&root), "up/").unwrap();
        let keys: Vec<&str> = plan.files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, vec!["up/photos/2024/summer/a.jpg", "up/photos/b.txt"]);
        assert_eq!(plan.empty_folders, vec!["up/photos/empty/".to_string()]);
        assert_eq!(plan.probe_prefixes, vec!["up/photos".to_string()]);
    }
}
