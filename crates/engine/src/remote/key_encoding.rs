//! Key encodings S3 asks for. `copy_source` escapes a copy's source for `x-amz-copy-source`.
//!
//! Listings are requested with `encoding-type=url`: a key may hold characters XML 1.0 cannot
//! carry (U+0001–U+001F), and one such key written by another tool would otherwise make every
//! listing of its folder unreadable. The store percent-encodes keys and says so
//! (`<EncodingType>url</EncodingType>`); stores that ignore the request send keys as they are
//! and do not say so, and their keys are taken as they are.

/// Decodes one key, folder or prefix from a listing that says it is URL-encoded. S3 writes a
/// space as `+` (form encoding) and a real `+` as `%2B`, as botocore's `unquote_plus` reads it.
pub fn decode_key(encoded: &str) -> Result<String, String> {
    let spaced = encoded.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| format!("the store sent the encoded key {encoded:?}, which does not decode to text"))
}

/// Whether a listing's `EncodingType` says its keys are URL-encoded.
pub fn says_url(encoding_type: &str) -> bool {
    encoding_type.trim().eq_ignore_ascii_case("url")
}

/// `bucket/key` (at `version_id`) URL-encoded the way `x-amz-copy-source` wants it: every byte but
/// the unreserved ones and `/` escaped, so spaces, `+`, `?` and non-ASCII names survive.
pub(super) fn copy_source(bucket: &str, key: &str, version_id: Option<&str>) -> String {
    let mut out = String::with_capacity(bucket.len() + key.len() + 1);
    out.push_str(bucket);
    out.push('/');
    escape_into(&mut out, key, true);
    if let Some(v) = version_id {
        out.push_str("?versionId=");
        escape_into(&mut out, v, false);
    }
    out
}

fn escape_into(out: &mut String, text: &str, keep_slash: bool) {
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_escapes_everything_but_unreserved_and_slash() {
        assert_eq!(copy_source("b", "a/b c/é+?.txt", None), "b/a/b%20c/%C3%A9%2B%3F.txt");
        assert_eq!(copy_source("b", "k", Some("3/L+x")), "b/k?versionId=3%2FL%2Bx");
    }

    #[test]
    fn keys_decode_as_s3_encodes_them() {
        assert_eq!(decode_key("p/a%19b").unwrap(), "p/a\u{19}b");
        assert_eq!(decode_key("p/sp+ace%20x%2Bplus").unwrap(), "p/sp ace x+plus");
        assert_eq!(decode_key("p/caf%C3%A9/cafe%CC%81").unwrap(), "p/caf\u{e9}/cafe\u{301}");
        assert_eq!(decode_key("p%2Fslash%25").unwrap(), "p/slash%");
        assert!(decode_key("bad%FF").is_err());
        assert!(says_url("url") && says_url(" URL ") && !says_url(""));
    }
}
