//! Scanning a real folder: unchanged trees cost no reads, same-size edits are caught by the full
//! pass, symlinks are reported and not followed, ignore rules apply, a missing root is an error.

use std::collections::HashMap;
use std::path::Path;

use pail_engine::scan::{scan, ContentHash, Identity, IgnoreRules, ScanIssueKind, ScanOptions, ScannedEntry};
use pail_engine::ErrorCode;

fn write(root: &Path, rel: &str, body: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// A scan that must succeed.
fn scan_tree(
    root: &Path,
    rules: &IgnoreRules,
    previous: &HashMap<String, (Identity, ContentHash)>,
    full_hash: bool,
) -> pail_engine::scan::ScanReport {
    scan(
        root,
        ScanOptions {
            rules,
            previous,
            full_hash,
        },
    )
    .unwrap()
}

fn previous(report: &pail_engine::scan::ScanReport) -> HashMap<String, (Identity, ContentHash)> {
    report
        .entries
        .iter()
        .filter_map(|(k, v)| match v {
            ScannedEntry::File { identity, hash } => Some((k.clone(), (*identity, *hash))),
            _ => None,
        })
        .collect()
}

#[test]
fn an_unchanged_tree_is_rescanned_without_reading_any_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"alpha");
    write(dir.path(), "docs/b.md", b"beta");
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let rules = IgnoreRules::new(&[]).unwrap();
    let none = HashMap::new();
    let first = scan_tree(dir.path(), &rules, &none, false);
    assert_eq!(first.hashed_files, 2);
    assert_eq!(
        first.entries.get("empty"),
        Some(&ScannedEntry::Dir),
        "empty folders are kept"
    );
    assert_eq!(first.entries.get("docs"), Some(&ScannedEntry::Dir));

    let prev = previous(&first);
    let second = scan_tree(dir.path(), &rules, &prev, false);
    assert_eq!(second.hashed_files, 0, "no file content read for an unchanged tree");
    assert_eq!(second.entries, first.entries);
}

#[test]
fn a_same_size_same_mtime_edit_is_caught_by_the_change_time() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "report.csv", b"1,2,3");
    let rules = IgnoreRules::new(&[]).unwrap();
    let none = HashMap::new();
    let first = scan_tree(dir.path(), &rules, &none, false);
    let path = dir.path().join("report.csv");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    // Rewrite in place (same inode), same size, then put the old mtime back: only content differs.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    std::fs::write(&path, b"9,9,9").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();

    let prev = previous(&first);
    // Programs can put the mtime back but not the change time, so even the quick pass re-reads it.
    let quick = scan_tree(dir.path(), &rules, &prev, false);
    assert_eq!(quick.hashed_files, 1, "the change time moved: the file is hashed again");
    assert_ne!(quick.entries["report.csv"], first.entries["report.csv"]);
    let full = scan_tree(dir.path(), &rules, &prev, true);
    assert_ne!(
        full.entries["report.csv"], first.entries["report.csv"],
        "the full pass sees the new content"
    );
}

#[test]
fn symlinks_are_reported_and_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", b"outside the root");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "real.txt", b"inside");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("link-to-dir")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("link.txt")).unwrap();
    let rules = IgnoreRules::new(&[]).unwrap();
    let none = HashMap::new();
    let report = scan_tree(dir.path(), &rules, &none, false);
    assert_eq!(report.entries.keys().collect::<Vec<_>>(), vec!["real.txt"]);
    let mut links: Vec<_> = report
        .issues
        .iter()
        .filter(|i| i.kind == ScanIssueKind::Symlink)
        .map(|i| i.path.as_str())
        .collect();
    links.sort();
    assert_eq!(links, vec!["link-to-dir", "link.txt"]);
}

#[test]
fn ignore_rules_skip_files_and_whole_folders() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".DS_Store", b"x");
    write(dir.path(), "notes.txt", b"keep");
    write(dir.path(), "notes.txt.swp", b"vim");
    write(dir.path(), "build/out.bin", b"big");
    write(dir.path(), ".pail-tmp-123", b"partial download");
    let rules = IgnoreRules::new(&["build/".into()]).unwrap();
    let none = HashMap::new();
    let report = scan_tree(dir.path(), &rules, &none, false);
    assert_eq!(report.entries.keys().collect::<Vec<_>>(), vec!["notes.txt"]);
    assert_eq!(report.hashed_files, 1, "ignored files are not even read");
}

#[test]
fn a_missing_root_is_an_error_not_an_empty_tree() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("unmounted-disk");
    let rules = IgnoreRules::new(&[]).unwrap();
    let none = HashMap::new();
    let err = scan(
        &gone,
        ScanOptions {
            rules: &rules,
            previous: &none,
            full_hash: false,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(
        err.user_message().contains("nothing is deleted"),
        "{}",
        err.user_message()
    );
}

#[test]
fn unicode_and_spaces_in_names_are_kept_exactly() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Ünïcødé folder/naïve café.txt", b"x");
    write(dir.path(), "with  two spaces.txt", b"y");
    let rules = IgnoreRules::new(&[]).unwrap();
    let none = HashMap::new();
    let report = scan_tree(dir.path(), &rules, &none, false);
    assert!(report.entries.contains_key("Ünïcødé folder/naïve café.txt"));
    assert!(report.entries.contains_key("with  two spaces.txt"));
}

/// What a walk of a few named paths finds is exactly what the whole walk finds at and below
/// them, and where a parent is no plain folder the narrow walk declines instead of guessing.
#[test]
fn a_walk_of_named_paths_agrees_with_the_whole_walk() {
    use pail_engine::scan::{walk, walk_paths};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.txt", b"alpha");
    write(root, "a.txt.bak", b"backup");
    write(root, "docs/b.md", b"beta");
    write(root, "docs/deep/c.md", b"gamma");
    write(root, "docs/node_modules/x.js", b"ignored");
    write(root, "other/d.txt", b"delta");
    write(root, "outside/e.txt", b"outside");
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::os::unix::fs::symlink(root.join("outside"), root.join("linked")).unwrap();
    let rules = IgnoreRules::new(&["node_modules/".to_owned()]).unwrap();
    let whole = walk(root, &rules).unwrap();

    let sets: [&[&str]; 5] = [
        &["a.txt"],
        &["docs"],
        &["docs/deep/c.md", "empty", "other"],
        &["gone.txt", "gone-dir/f.txt", "docs/node_modules/x.js"],
        &["linked"],
    ];
    for named in sets {
        let narrow = walk_paths(root, &rules, named.iter().copied(), false)
            .unwrap()
            .expect("plain parents: the narrow walk answers");
        // Checking every name's spelling (as on macOS and Windows) finds the same here.
        let exact = walk_paths(root, &rules, named.iter().copied(), true)
            .unwrap()
            .expect("exact");
        assert_eq!(exact.entries, narrow.entries, "{named:?}");
        let expected: Vec<_> = whole
            .entries
            .iter()
            .filter(|(p, _)| named.iter().any(|n| *p == n || p.starts_with(&format!("{n}/"))))
            .collect();
        assert_eq!(narrow.entries.iter().collect::<Vec<_>>(), expected, "{named:?}");
        let issues: Vec<_> = whole
            .issues
            .iter()
            .filter(|i| {
                named
                    .iter()
                    .any(|n| i.path == *n || i.path.starts_with(&format!("{n}/")))
            })
            .cloned()
            .collect();
        assert_eq!(narrow.issues, issues, "{named:?}");
    }
    // Below a symlink, or below a file, the whole walk would never look: neither does this one.
    for named in ["linked/e.txt", "a.txt/x"] {
        assert!(walk_paths(root, &rules, [named], false).unwrap().is_none(), "{named}");
    }
    // Pail's own folder is never synced.
    std::fs::create_dir_all(root.join(".pail")).unwrap();
    let own = walk_paths(root, &rules, [".pail/lock"], false).unwrap().unwrap();
    assert!(own.entries.is_empty());
    // A missing root is an error, as for the whole walk.
    let err = walk_paths(&root.join("missing"), &rules, ["a.txt"], false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}
