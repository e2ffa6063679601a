//! ListObjects over s3s-fs's on-disk layout (an object is a file, `/` in a key is a folder).
//!
//! s3s-fs's own listing never shows zero-byte `folder/` marker objects (it stores them as bare
//! directories, indistinguishable from the parents of other keys) and walks the whole bucket
//! even for a delimiter listing of one level. This module lists keys the way S3 does: sorted
//! by UTF-8 bytes, with prefix, delimiter roll-up into CommonPrefixes, start-after and
//! resumable pages, and markers recorded explicitly as a [`FOLDER_MARKER`] file.

use std::fs::{DirEntry, Metadata};
use std::io;
use std::path::Path;
use std::time::SystemTime;

use crate::etag_cache::FileStamp;

/// File that records that the zero-byte object `<folder>/` exists, inside that folder.
///
/// A name no S3 client creates by accident; the store refuses it as a key's last segment.
pub(crate) const FOLDER_MARKER: &str = ".pail-folder-marker";

/// What to list; keys compare as UTF-8 bytes, like S3.
pub(crate) struct ListQuery<'a> {
    pub prefix: &'a str,
    pub delimiter: Option<&'a str>,
    /// Only keys after this one (S3's `start-after`), applied before the delimiter roll-up.
    pub start_after: Option<&'a str>,
    /// Only keys and common prefixes after this one: where the previous page stopped.
    pub resume_after: Option<&'a str>,
    pub max_keys: usize,
}

/// One object of a page.
pub(crate) struct ListedObject {
    pub key: String,
    pub size: u64,
    pub last_modified: SystemTime,
    pub is_folder_marker: bool,
    /// Which version of the data file was listed.
    pub stamp: FileStamp,
}

/// One page of results.
pub(crate) struct ListPage {
    pub objects: Vec<ListedObject>,
    pub common_prefixes: Vec<String>,
    /// Set when more results follow: the last key or common prefix of this page.
    pub next_after: Option<String>,
}

enum Found {
    // Kept as directory entries: their metadata is read relative to the open folder, without
    // resolving the whole path again.
    File(DirEntry),
    Marker(DirEntry),
    /// A folder that holds at least one key; with delimiter `/` it is one common prefix, so
    /// it is not walked.
    RolledUp,
}

/// Lists the bucket stored in `bucket_dir`. Blocking: run it off the async executor.
pub(crate) fn list(bucket_dir: &Path, query: &ListQuery<'_>) -> io::Result<ListPage> {
    let mut found = Vec::new();
    // Without a delimiter every key is its own row and the walk yields keys in order, so it can
    // stop after max_keys + 1 (one more tells whether the page is truncated): a page of a huge
    // bucket reads the folders it returns, not the whole bucket, like S3's indexed listing.
    let limit = (query.delimiter.is_none() && query.max_keys > 0).then_some(query.max_keys + 1);
    walk(bucket_dir, "", query, limit, &mut found)?;
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(paginate(found, query))
}

/// The key everything listed must come after (the later of start-after and the page token).
fn floor<'a>(query: &ListQuery<'a>) -> Option<&'a str> {
    match (query.start_after, query.resume_after) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Whether every key under the folder `dir_key` (ending in `/`) sorts at or before `floor`, so
/// later pages need not walk it again.
fn folder_is_behind(dir_key: &str, floor: Option<&str>) -> bool {
    floor.is_some_and(|f| f > dir_key && !f.starts_with(dir_key))
}

/// Walks `dir` (the folder of keys starting with `dir_key`) in key order: siblings sorted by
/// their key text (a folder's name with its `/`), a folder's own marker first. Stops once `limit`
/// entries are found; returns whether it did.
fn walk(
    dir: &Path,
    dir_key: &str,
    query: &ListQuery<'_>,
    limit: Option<usize>,
    out: &mut Vec<(String, Found)>,
) -> io::Result<bool> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // A folder pruned by a concurrent delete simply has no keys any more.
        Err(err) if err.kind() == io::ErrorKind::NotFound && !dir_key.is_empty() => return Ok(false),
        Err(err) => return Err(err),
    };
    let prefix = query.prefix;
    let floor = floor(query);
    let full = |out: &Vec<(String, Found)>| limit.is_some_and(|l| out.len() >= l);
    // (key, is_dir, entry); keys under a folder all start with "name/", which no sibling's key
    // sorts between, so sorting siblings by key gives every key in order.
    let mut children: Vec<(String, bool, DirEntry)> = Vec::new();
    for entry in entries {
        let entry = entry?;
        // Keys are UTF-8; anything else on disk was not written through S3.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_dir(&entry) {
            children.push((format!("{dir_key}{name}/"), true, entry));
        } else if name == FOLDER_MARKER {
            // The marker is the key `dir_key` itself, before everything inside it.
            if !dir_key.is_empty() && dir_key.starts_with(prefix) && floor.is_none_or(|f| dir_key > f) {
                out.push((dir_key.to_owned(), Found::Marker(entry)));
                if full(out) {
                    return Ok(true);
                }
            }
        } else {
            children.push((format!("{dir_key}{name}"), false, entry));
        }
    }
    children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (key, is_dir, entry) in children {
        if is_dir {
            let path = entry.path();
            if folder_is_behind(&key, floor) {
                continue;
            }
            if key.starts_with(prefix) {
                let rolls_up = query.delimiter == Some("/")
                    && key.len() > prefix.len()
                    // Walk into it when start-after points inside: only some of its keys count.
                    && !query.start_after.is_some_and(|after| after.starts_with(&key));
                if rolls_up {
                    if has_keys(&path)? {
                        out.push((key, Found::RolledUp));
                    }
                } else if walk(&path, &key, query, limit, out)? {
                    return Ok(true);
                }
            } else if prefix.starts_with(&key) && walk(&path, &key, query, limit, out)? {
                return Ok(true);
            }
        } else if key.starts_with(prefix) && floor.is_none_or(|f| key.as_str() > f) {
            out.push((key, Found::File(entry)));
        }
        if full(out) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn is_dir(entry: &DirEntry) -> bool {
    match entry.file_type() {
        Ok(t) if t.is_symlink() => entry.path().is_dir(),
        Ok(t) => t.is_dir(),
        Err(_) => false,
    }
}

/// Whether a folder holds any key (a file or a folder marker) at any depth.
pub(crate) fn has_keys(dir: &Path) -> io::Result<bool> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_str().is_none() {
            continue;
        }
        if !is_dir(&entry) || has_keys(&entry.path())? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn paginate(found: Vec<(String, Found)>, query: &ListQuery<'_>) -> ListPage {
    let mut page = ListPage {
        objects: Vec::new(),
        common_prefixes: Vec::new(),
        next_after: None,
    };
    // S3 answers max-keys=0 with an empty, complete page; "truncated" without a token would
    // make clients loop.
    if query.max_keys == 0 {
        return page;
    }

    let mut count = 0;
    let mut last_group: Option<String> = None;
    for (key, found) in found {
        if query.start_after.is_some_and(|after| key.as_str() <= after) {
            continue;
        }
        let common_prefix = query.delimiter.filter(|d| !d.is_empty()).and_then(|delimiter| {
            let rest = &key[query.prefix.len()..];
            rest.find(delimiter)
                .map(|at| key[..query.prefix.len() + at + delimiter.len()].to_owned())
        });
        let group = common_prefix.as_deref().unwrap_or(&key);
        if last_group.as_deref() == Some(group) {
            continue; // another key under the common prefix just added
        }
        if query.resume_after.is_some_and(|after| group <= after) {
            continue;
        }
        if count == query.max_keys {
            page.next_after = last_group;
            return page;
        }
        count += 1;
        last_group = Some(group.to_owned());

        if let Some(common_prefix) = common_prefix {
            page.common_prefixes.push(common_prefix);
            continue;
        }
        let stat = match found {
            Found::File(entry) => metadata(&entry).map(|m| (m, false)),
            Found::Marker(entry) => metadata(&entry).map(|m| (m, true)),
            // Only produced for delimiter "/", where it always rolls up above.
            Found::RolledUp => None,
        };
        // A file deleted since the walk is simply no longer there.
        let Some((meta, is_folder_marker)) = stat else {
            continue;
        };
        page.objects.push(ListedObject {
            key,
            size: if is_folder_marker { 0 } else { meta.len() },
            last_modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            is_folder_marker,
            stamp: FileStamp::of(&meta),
        });
    }
    page
}

/// The entry's metadata, following a symlink like `std::fs::metadata`; None once it is gone.
fn metadata(entry: &DirEntry) -> Option<Metadata> {
    match entry.metadata() {
        Ok(m) if m.file_type().is_symlink() => std::fs::metadata(entry.path()).ok(),
        Ok(m) => Some(m),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(page: &ListPage) -> Vec<&str> {
        page.objects.iter().map(|o| o.key.as_str()).collect()
    }

    fn tree(paths: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for p in paths {
            let full = dir.path().join(p);
            if let Some(folder) = p.strip_suffix('/') {
                let folder = dir.path().join(folder);
                std::fs::create_dir_all(&folder).unwrap();
                std::fs::write(folder.join(FOLDER_MARKER), b"").unwrap();
            } else {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(full, b"x").unwrap();
            }
        }
        dir
    }

    fn query<'a>(prefix: &'a str, delimiter: Option<&'a str>) -> ListQuery<'a> {
        ListQuery {
            prefix,
            delimiter,
            start_after: None,
            resume_after: None,
            max_keys: 1000,
        }
    }

    #[test]
    fn pages_of_a_big_bucket_cover_every_key_once_in_order() {
        let mut paths: Vec<String> = (0..700).map(|i| format!("flat/f{i:04}")).collect();
        paths.extend((0..300).map(|i| format!("d{}/x/{i}", i % 7)));
        paths.extend(["a-marker/".to_owned(), "z".to_owned(), "d3/x/".to_owned()]);
        // Siblings whose names sort around a folder's `/`: "a-" < "a.b" < "a/" < "a/c" < "a0".
        paths.extend(["sib/a.b", "sib/a/c", "sib/a-", "sib/a/", "sib/a0", "sib/a/b/"].map(str::to_owned));
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let dir = tree(&refs);
        let mut want: Vec<String> = paths.clone();
        want.sort();
        for (prefix, delimiter) in [
            ("", None),
            ("flat/", None),
            ("d3/", None),
            ("sib/", None),
            ("sib/a", None),
        ] {
            let mut got = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let q = ListQuery {
                    resume_after: after.as_deref(),
                    max_keys: if prefix.starts_with("sib") { 1 } else { 97 },
                    ..query(prefix, delimiter)
                };
                let page = list(dir.path(), &q).unwrap();
                got.extend(page.objects.iter().map(|o| o.key.clone()));
                match page.next_after {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let expected: Vec<String> = want.iter().filter(|k| k.starts_with(prefix)).cloned().collect();
            assert_eq!(got, expected, "prefix {prefix:?}");
        }
    }

    #[test]
    fn sorts_by_bytes_and_lists_markers() {
        let dir = tree(&["a/b", "a.txt", "a/", "b/", "b/c/d"]);
        std::fs::create_dir_all(dir.path().join("empty/deeper")).unwrap();
        let page = list(dir.path(), &query("", None)).unwrap();
        assert_eq!(keys(&page), ["a.txt", "a/", "a/b", "b/", "b/c/d"]);
        assert!(page.objects[1].is_folder_marker);
        assert!(page.next_after.is_none());
    }

    #[test]
    fn delimiter_rolls_up_and_skips_empty_folders() {
        let dir = tree(&["top.txt", "a/b", "m/", "x/y/z"]);
        std::fs::create_dir_all(dir.path().join("empty/deeper")).unwrap();
        let page = list(dir.path(), &query("", Some("/"))).unwrap();
        assert_eq!(keys(&page), ["top.txt"]);
        assert_eq!(page.common_prefixes, ["a/", "m/", "x/"]);

        let page = list(dir.path(), &query("m/", Some("/"))).unwrap();
        assert_eq!(keys(&page), ["m/"]);
        assert!(page.common_prefixes.is_empty());

        let page = list(dir.path(), &query("x", Some("/"))).unwrap();
        assert!(keys(&page).is_empty());
        assert_eq!(page.common_prefixes, ["x/"]);
    }

    #[test]
    fn other_delimiters_group_by_key_text() {
        let dir = tree(&["a-1/x", "a-2", "b"]);
        let page = list(dir.path(), &query("", Some("-"))).unwrap();
        assert_eq!(keys(&page), ["b"]);
        assert_eq!(page.common_prefixes, ["a-"]);
    }

    #[test]
    fn pages_resume_after_common_prefixes() {
        let dir = tree(&["a/1", "a/2", "b", "c/1", "d"]);
        let mut q = query("", Some("/"));
        q.max_keys = 2;
        let first = list(dir.path(), &q).unwrap();
        assert_eq!(first.common_prefixes, ["a/"]);
        assert_eq!(keys(&first), ["b"]);
        assert_eq!(first.next_after.as_deref(), Some("b"));

        q.resume_after = Some("b");
        let second = list(dir.path(), &q).unwrap();
        assert_eq!(second.common_prefixes, ["c/"]);
        assert_eq!(keys(&second), ["d"]);
        assert!(second.next_after.is_none());

        q.max_keys = 1;
        q.resume_after = Some("a/");
        let after_prefix = list(dir.path(), &q).unwrap();
        assert_eq!(keys(&after_prefix), ["b"]);
    }

    #[test]
    fn start_after_inside_a_folder_still_reports_it() {
        let dir = tree(&["a/1", "a/2", "b"]);
        let mut q = query("", Some("/"));
        q.start_after = Some("a/1");
        let page = list(dir.path(), &q).unwrap();
        assert_eq!(page.common_prefixes, ["a/"]);
        assert_eq!(keys(&page), ["b"]);

        q.start_after = Some("a/2");
        let page = list(dir.path(), &q).unwrap();
        assert!(page.common_prefixes.is_empty());
    }

    #[test]
    fn max_keys_zero_is_an_empty_complete_page() {
        let dir = tree(&["a"]);
        let mut q = query("", None);
        q.max_keys = 0;
        let page = list(dir.path(), &q).unwrap();
        assert!(page.objects.is_empty() && page.next_after.is_none());
    }
}
