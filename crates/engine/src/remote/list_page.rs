//! Reading a ListObjectsV2 reply (`ListBucketResult`) for exactly what a sync needs: each
//! object's key, ETag and size, whether more pages follow and the token for the next. A
//! streaming pass with quick-xml that skips everything else; several times faster than the
//! SDK's generic decoder, which on a no-op sync of 100,000 files was a third of Pail's CPU.

use quick_xml::events::Event;
use quick_xml::Reader;

/// One object of a prefix listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    /// The full key.
    pub key: String,
    /// ETag without quotes.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// What the SDK deserializes in place of a diverted listing reply: an empty, final page.
pub(crate) const STAND_IN: &[u8] = b"<ListBucketResult></ListBucketResult>";

/// One page of a listing.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ListPage {
    /// Its objects, in the order the store sent them.
    pub objects: Vec<ListedObject>,
    /// The token that asks for the next page; `None` on the last page.
    pub next_token: Option<String>,
    /// `IsTruncated` as sent (`None` when the store leaves it out), so a truncated page without
    /// a token is noticed rather than taken as the last one.
    pub truncated: Option<bool>,
}

/// The element whose text is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Other,
    Key,
    ETag,
    Size,
    IsTruncated,
    NextToken,
    EncodingType,
}

/// Parses a `ListBucketResult` document; the error says what was wrong with it.
// The event loop stays whole on purpose: it is one state machine (depth, field, the object
// being read), and split up that state would only be passed back and forth.
pub(crate) fn parse(xml: &[u8]) -> Result<ListPage, String> {
    let text = std::str::from_utf8(xml).map_err(|e| format!("the listing is not UTF-8: {e}"))?;
    let mut reader = Reader::from_str(text);
    let mut page = ListPage {
        objects: Vec::with_capacity(1000),
        ..ListPage::default()
    };
    let mut depth = 0usize;
    let mut field = Field::Other;
    let mut value = String::new();
    let mut object: Option<ListedObject> = None;
    let mut saw_root = false;
    let mut truncated = None;
    let mut url_encoded = false;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "the listing is not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(start) => {
                depth += 1;
                let name = start.local_name();
                field = match (depth, object.is_some(), name.as_ref()) {
                    (1, _, "ListBucketResult") => {
                        saw_root = true;
                        Field::Other
                    }
                    (1, _, other) => return Err(format!("expected a ListBucketResult, got <{}>", other)),
                    (2, _, "Contents") => {
                        object = Some(ListedObject {
                            key: String::new(),
                            etag: String::new(),
                            size: 0,
                        });
                        Field::Other
                    }
                    (2, _, "IsTruncated") => Field::IsTruncated,
                    (2, _, "NextContinuationToken") => Field::NextToken,
                    (2, _, "EncodingType") => Field::EncodingType,
                    (3, true, "Key") => Field::Key,
                    (3, true, "ETag") => Field::ETag,
                    (3, true, "Size") => Field::Size,
                    _ => Field::Other,
                };
                value.clear();
            }
            Event::Text(t) if field != Field::Other => value.push_str(&t),
            Event::CData(c) if field != Field::Other => value.push_str(&c),
            Event::GeneralRef(r) if field != Field::Other => push_reference(&r, &mut value)?,
            Event::End(end) => {
                if depth == 2 && end.local_name().as_ref() == "Contents" {
                    let done = object.take().ok_or("a </Contents> without its start")?;
                    if done.key.is_empty() {
                        return Err("an object without a key in the listing".into());
                    }
                    page.objects.push(done);
                }
                if field == Field::EncodingType {
                    url_encoded = super::key_encoding::says_url(&value);
                }
                finish_field(field, &mut value, object.as_mut(), &mut page, &mut truncated)?;
                field = Field::Other;
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("the listing reply is empty".into());
    }
    if depth > 0 {
        return Err("the listing reply ended in the middle of the document".into());
    }
    finish_page(page, truncated, url_encoded)
}

/// Appends what an entity or character reference (`&amp;`, `&#38;`) in a text stands for.
fn push_reference(r: &quick_xml::events::BytesRef<'_>, value: &mut String) -> Result<(), String> {
    let resolved = r
        .resolve_char_ref()
        .map_err(|e| format!("bad character reference: {e}"))?;
    match resolved {
        Some(ch) => value.push(ch),
        None => {
            let name = &**r;
            let entity = quick_xml::escape::resolve_predefined_entity(name)
                .ok_or_else(|| format!("unknown entity &{name}; in the listing"))?;
            value.push_str(entity);
        }
    }
    Ok(())
}

/// A whole page's last touches: whether more pages follow, and keys decoded where the store
/// sent them URL-encoded.
fn finish_page(mut page: ListPage, truncated: Option<bool>, url_encoded: bool) -> Result<ListPage, String> {
    // Some stores leave IsTruncated out: then the token alone says whether more follow.
    if truncated == Some(false) {
        page.next_token = None;
    }
    page.truncated = truncated;
    if url_encoded {
        for object in &mut page.objects {
            object.key = super::key_encoding::decode_key(&object.key)?;
        }
    }
    Ok(page)
}

/// Stores the text read for `field` where it belongs.
fn finish_field(
    field: Field,
    value: &mut String,
    object: Option<&mut ListedObject>,
    page: &mut ListPage,
    truncated: &mut Option<bool>,
) -> Result<(), String> {
    match (field, object) {
        (Field::Key, Some(o)) => o.key = std::mem::take(value),
        (Field::ETag, Some(o)) => o.etag = value.trim_matches('"').to_owned(),
        (Field::Size, Some(o)) => {
            o.size = value
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("the size {value:?} in the listing is not a number"))?
                .max(0) as u64;
        }
        (Field::IsTruncated, _) => *truncated = Some(value.trim() == "true"),
        (Field::NextToken, _) if !value.is_empty() => page.next_token = Some(std::mem::take(value)),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(key: &str, etag: &str, size: u64) -> ListedObject {
        ListedObject {
            key: key.into(),
            etag: etag.into(),
            size,
        }
    }

    #[test]
    fn a_truncated_page_gives_its_objects_and_the_next_token() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>p/a.txt</Key><LastModified>2026-11-26T05:00:00.000Z</LastModified>
<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>
<Size>1</Size><Owner><ID>x</ID><DisplayName>Key</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>p/b c/d.bin</Key><ETag>"9a0364b9e99bb480dd25e1f0284c8555-3"</ETag><Size>17825792</Size></Contents>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
<StartAfter>p/</StartAfter></ListBucketResult>"#;
        let page = parse(xml).unwrap();
        assert_eq!(
            page,
            ListPage {
                objects: vec![
                    object("p/a.txt", "0cc175b9c0f1b6a831c399e269772661", 1),
                    object("p/b c/d.bin", "9a0364b9e99bb480dd25e1f0284c8555-3", 17825792),
                ],
                next_token: Some("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=".into()),
                truncated: Some(true),
            }
        );
    }

    #[test]
    fn keys_with_entities_character_references_and_cdata_are_read_exactly() {
        let xml = "<ListBucketResult><IsTruncated>false</IsTruncated>\
            <Contents><Key>a &amp; b &lt;c&gt; &apos;d&apos; &#233;&#x1F600; \u{e9}</Key><ETag>e</ETag><Size>0</Size></Contents>\
            <Contents><Key><![CDATA[x<y>&z]]></Key><ETag>f</ETag><Size>3</Size></Contents>\
            <Contents><Key>line&#13;&#10;break  </Key><ETag>g</ETag><Size>4</Size></Contents>\
            <CommonPrefixes><Prefix>ignored/</Prefix></CommonPrefixes></ListBucketResult>";
        let page = parse(xml.as_bytes()).unwrap();
        let keys: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(
            keys,
            ["a & b <c> 'd' \u{e9}\u{1F600} \u{e9}", "x<y>&z", "line\r\nbreak  "]
        );
        assert_eq!(page.next_token, None);
    }

    #[test]
    fn url_encoded_keys_are_decoded_only_when_the_store_says_so() {
        let xml = "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>\
            <Contents><Key>p/a%19b+c%2B</Key><ETag>e</ETag><Size>1</Size></Contents></ListBucketResult>";
        let keys = |xml: &str| -> Vec<String> {
            parse(xml.as_bytes())
                .unwrap()
                .objects
                .into_iter()
                .map(|o| o.key)
                .collect()
        };
        assert_eq!(keys(xml), ["p/a\u{19}b c+"]);
        // A store that ignored the request sends keys as they are, and does not say url.
        let plain = xml.replace("<EncodingType>url</EncodingType>", "");
        assert_eq!(keys(&plain), ["p/a%19b+c%2B"]);
    }

    #[test]
    fn a_token_counts_only_while_the_page_is_not_marked_final() {
        let token = |xml: &str| parse(xml.as_bytes()).unwrap().next_token;
        let page = |t: &str| {
            format!("<ListBucketResult>{t}<NextContinuationToken>tok</NextContinuationToken></ListBucketResult>")
        };
        assert_eq!(token(&page("<IsTruncated>true</IsTruncated>")), Some("tok".into()));
        assert_eq!(token(&page("")), Some("tok".into()));
        assert_eq!(token(&page("<IsTruncated>false</IsTruncated>")), None);
        // Truncated with no token is kept as said, for the listing loop to refuse.
        let bare = parse(b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>").unwrap();
        assert_eq!((bare.truncated, bare.next_token), (Some(true), None));
    }

    #[test]
    fn an_empty_final_page_and_the_stand_in_have_no_objects() {
        assert_eq!(parse(STAND_IN).unwrap(), ListPage::default());
        let xml = b"<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated><NextContinuationToken></NextContinuationToken></ListBucketResult>";
        assert_eq!(
            parse(xml).unwrap(),
            ListPage {
                truncated: Some(false),
                ..ListPage::default()
            }
        );
    }

    #[test]
    fn replies_that_are_not_a_listing_are_refused_with_a_reason() {
        for (xml, says) in [
            (&b""[..], "empty"),
            (
                b"<Error><Code>AccessDenied</Code></Error>",
                "expected a ListBucketResult",
            ),
            (b"<ListBucketResult><Contents><Key>a</Key>", "ended in the middle"),
            (
                b"<ListBucketResult><Contents></Key></Contents></ListBucketResult>",
                "well-formed",
            ),
            (
                b"<ListBucketResult><Contents><Key>a</Key><Size>x</Size></Contents></ListBucketResult>",
                "not a number",
            ),
            (
                b"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
                "without a key",
            ),
            (
                b"<ListBucketResult><Contents><Key>&bogus;</Key></Contents></ListBucketResult>",
                "unknown entity",
            ),
            (
                b"<ListBucketResult><Contents><Key>\xff</Key></Contents></ListBucketResult>",
                "UTF-8",
            ),
        ] {
            let err = parse(xml).unwrap_err();
            assert!(err.contains(says), "{err} should say {says}");
        }
    }
}
