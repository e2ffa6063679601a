//! Text Pail did not write — a server's error message, an object key — made safe to put in a log
//! line or on a terminal. A newline in it would start a forged log line, and an ANSI escape
//! sequence would recolour or rewrite the user's terminal.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every control character written as a visible escape (`\n`, `\r`, `\t`, `\u{1b}`, …),
/// and the Unicode marks that reorder or break lines (bidirectional overrides, line and paragraph
/// separators) as `\u{…}`. Letters of every script, spaces and backslashes stay as they are, so
/// the text stays readable and escaping twice changes nothing. Borrows when nothing needs escaping.
pub fn escape_untrusted(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                // Writing to a String cannot fail.
                _ => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Line and paragraph separators (some viewers break lines there).
            '\u{2028}' | '\u{2029}'
            // Bidirectional marks, embeddings, overrides and isolates ("Trojan Source").
            | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in ["", "docs/report (2).pdf", "été/naïve ☃ 東京.md", "a\\b \"quoted\""] {
            assert!(matches!(escape_untrusted(s), Cow::Borrowed(t) if t == s), "{s:?}");
        }
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(escape_untrusted("a\nb"), "a\\nb");
        assert_eq!(escape_untrusted("x\r\ny\tz"), "x\\r\\ny\\tz");
        assert_eq!(escape_untrusted("\u{1b}[31mred\u{1b}[0m"), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(
            escape_untrusted("nul\0bell\u{7}del\u{7f}"),
            "nul\\u{0}bell\\u{7}del\\u{7f}"
        );
        assert_eq!(escape_untrusted("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(escape_untrusted("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(escape_untrusted("one\u{2028}two"), "one\\u{2028}two");
    }

    #[test]
    fn escaping_twice_changes_nothing_and_no_line_survives() {
        let forged = "ok\n2026-01-01T00:00:00Z  INFO pail: forged\u{1b}[2K";
        let once = escape_untrusted(forged).into_owned();
        assert_eq!(escape_untrusted(&once), once);
        assert!(!once.chars().any(char::is_control), "{once}");
        assert_eq!(once.lines().count(), 1);
    }
}
