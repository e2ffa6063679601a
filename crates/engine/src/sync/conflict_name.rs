//! Conflict-copy names: `name (conflict from HOST YYYY-MM-DD HHMM).ext`.
//!
//! Only the computer whose unsynced edit meets a newer remote version makes a conflict copy, and it
//! names the copy after itself; the other computers merely download a new file. So no two computers
//! ever need to agree on a name they each compute; the `If-None-Match: *` upload of the copy
//! settles the rare race of two copies picking the same name at the same minute.

use chrono::NaiveDateTime;

use super::model::{RelPath, MAX_SEGMENT_BYTES};

/// Host names longer than this are cut, so a long name leaves room for the file's own name.
const MAX_HOST_BYTES: usize = 64;

/// The conflict-copy name for `name` (one segment, no `/`); `n` ≥ 2 adds ` n` to make it unique.
///
/// The last extension is kept (`archive.tar.gz` → `archive.tar (conflict …).gz`); a leading dot is
/// not an extension (`.env` → `.env (conflict …)`). The result never exceeds 255 bytes: the stem is
/// shortened on a character boundary, and an extension too long to leave room is treated as stem.
pub fn conflict_file_name(name: &str, host: &str, at: NaiveDateTime, n: u32) -> String {
    let mut tail = format!(" (conflict from {} {})", clean_host(host), at.format("%Y-%m-%d %H%M"));
    if n >= 2 {
        tail.push_str(&format!(" {n}"));
    }
    let (stem, ext) = match split_extension(name) {
        (stem, ext) if tail.len() + ext.len() < MAX_SEGMENT_BYTES => (stem, ext),
        _ => (name, ""),
    };
    let budget = MAX_SEGMENT_BYTES - tail.len() - ext.len();
    format!("{}{tail}{ext}", truncate_on_char_boundary(stem, budget))
}

/// The first free conflict-copy path beside `path`, trying ` 2`, ` 3`, … while `is_taken` says so.
pub fn conflict_path(
    path: &RelPath,
    host: &str,
    at: NaiveDateTime,
    mut is_taken: impl FnMut(&RelPath) -> bool,
) -> RelPath {
    let mut n = 1;
    loop {
        // The name cannot fail validation (no `/`, `\`, NUL, ≤ 255 bytes, never `.`/`..`), but a
        // failure would only move on to the next number rather than panic.
        if let Ok(candidate) = path.sibling(&conflict_file_name(path.name(), host, at, n)) {
            if !is_taken(&candidate) {
                return candidate;
            }
        }
        n += 1;
    }
}

/// Splits at the last dot, unless that dot starts the name (dotfiles) or ends it.
pub(crate) fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() => name.split_at(i),
        _ => (name, ""),
    }
}

/// A host name safe inside a file name on every OS.
pub(crate) fn clean_host(host: &str) -> String {
    let replaced: String = host
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => '-',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == ' ' || c == '.');
    let cut = truncate_on_char_boundary(trimmed, MAX_HOST_BYTES).trim_end_matches([' ', '.']);
    if cut.is_empty() {
        "unknown host".to_owned()
    } else {
        cut.to_owned()
    }
}

fn truncate_on_char_boundary(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 3, 1)
            .and_then(|d| d.and_hms_opt(9, 5, 59))
            .unwrap()
    }

    fn name(n: &str) -> String {
        conflict_file_name(n, "laptop", at(), 1)
    }

    #[test]
    fn keeps_the_last_extension() {
        assert_eq!(name("report.txt"), "report (conflict from laptop 2025-03-01 0905).txt");
        assert_eq!(
            name("archive.tar.gz"),
            "archive.tar (conflict from laptop 2025-03-01 0905).gz"
        );
        assert_eq!(name("Makefile"), "Makefile (conflict from laptop 2025-03-01 0905)");
        assert_eq!(
            name("v1.2.3.final.pdf"),
            "v1.2.3.final (conflict from laptop 2025-03-01 0905).pdf"
        );
    }

    #[test]
    fn dotfiles_have_no_extension() {
        assert_eq!(name(".env"), ".env (conflict from laptop 2025-03-01 0905)");
        assert_eq!(name(".env.local"), ".env (conflict from laptop 2025-03-01 0905).local");
        assert_eq!(name("trailing."), "trailing. (conflict from laptop 2025-03-01 0905)");
    }

    #[test]
    fn unicode_names_and_hosts() {
        assert_eq!(
            name("résumé ☃.md"),
            "résumé ☃ (conflict from laptop 2025-03-01 0905).md"
        );
        assert_eq!(
            conflict_file_name("写真.jpg", "Zoë's Mac", at(), 1),
            "写真 (conflict from Zoë's Mac 2025-03-01 0905).jpg"
        );
    }

    #[test]
    fn host_names_cannot_break_the_path() {
        assert_eq!(
            conflict_file_name("a.txt", "../evil/host\\x:y", at(), 1),
            "a (conflict from -evil-host-x-y 2025-03-01 0905).txt"
        );
        assert_eq!(
            conflict_file_name("a.txt", " . ", at(), 1),
            "a (conflict from unknown host 2025-03-01 0905).txt"
        );
        let long_host = "h".repeat(300);
        assert!(conflict_file_name("a.txt", &long_host, at(), 1).contains(&"h".repeat(MAX_HOST_BYTES)));
        assert!(!conflict_file_name("a.txt", &long_host, at(), 1).contains(&"h".repeat(MAX_HOST_BYTES + 1)));
    }

    #[test]
    fn numbers_make_it_unique() {
        assert_eq!(
            conflict_file_name("a.txt", "pc", at(), 2),
            "a (conflict from pc 2025-03-01 0905) 2.txt"
        );
        let path = RelPath::new("docs/a.txt").unwrap();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        taken.insert("docs/a (conflict from pc 2025-03-01 0905).txt".into());
        taken.insert("docs/a (conflict from pc 2025-03-01 0905) 2.txt".into());
        let got = conflict_path(&path, "pc", at(), |p| taken.contains(p.as_str()));
        assert_eq!(got.as_str(), "docs/a (conflict from pc 2025-03-01 0905) 3.txt");
        assert_eq!(got.parent(), path.parent(), "a conflict copy is a sibling");
    }

    #[test]
    fn long_names_are_shortened_without_breaking_utf8_or_the_extension() {
        // 84 three-byte characters = 252 bytes: valid, but no room left for the suffix.
        let stem = "語".repeat(84);
        let original = format!("{stem}.txt");
        assert!(
            RelPath::new(original.clone()).is_err(),
            "255 + 3 bytes is too long already"
        );
        let original = format!("{}.txt", "語".repeat(83));
        assert!(RelPath::new(original.clone()).is_ok());
        for n in [1, 2, 99] {
            let got = conflict_file_name(&original, "laptop", at(), n);
            assert!(got.len() <= MAX_SEGMENT_BYTES, "{} bytes", got.len());
            assert!(got.ends_with(".txt"), "{got}");
            assert!(got.contains(" (conflict from laptop 2025-03-01 0905)"), "{got}");
            assert!(got.starts_with('語'));
            assert!(RelPath::new(got).is_ok());
        }
        // Exactly at the limit the stem loses whole characters only.
        let ascii = format!("{}.gz", "a".repeat(252));
        let got = conflict_file_name(&ascii, "h", at(), 1);
        assert_eq!(got.len(), MAX_SEGMENT_BYTES);
        assert!(got.ends_with(").gz"));
        // An absurd extension leaves no room: the whole name is treated as the stem.
        let huge_ext = format!("a.{}", "e".repeat(240));
        let got = conflict_file_name(&huge_ext, "laptop", at(), 1);
        assert!(got.len() <= MAX_SEGMENT_BYTES);
        assert!(got.ends_with("2025-03-01 0905)"), "{got}");
    }
}
