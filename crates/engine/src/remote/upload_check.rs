//! Checks that a store kept the bytes an upload sent. Some S3-compatible servers accept an
//! `aws-chunked` body (what the SDK sends with a streaming checksum) and store the chunk framing
//! as if it were the file: the upload "succeeds" and every later download is corrupt. So after
//! a PUT, what the store reports (its checksum echo, or the ETag, which is the MD5 of a
//! single-part object written without SSE-KMS) is compared with what was sent.

/// What a single-part upload sent, computed from the file before the send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SentDigests {
    /// Bytes sent.
    pub len: u64,
    /// Hex MD5 of the bytes.
    pub md5_hex: String,
    /// CRC32 of the bytes, as S3 writes it (base64 of the big-endian value).
    pub crc32_b64: String,
}

impl SentDigests {
    /// The digests of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use md5::Digest;
        Self {
            len: bytes.len() as u64,
            md5_hex: hex::encode(md5::Md5::digest(bytes)),
            crc32_b64: aws_smithy_types::base64::encode(crc32fast::hash(bytes).to_be_bytes()),
        }
    }

    /// The digests of everything `reader` yields, read in blocks (a file is never held whole).
    pub fn of_reader(mut reader: impl std::io::Read) -> std::io::Result<Self> {
        use md5::Digest;
        let mut md5 = md5::Md5::new();
        let mut crc = crc32fast::Hasher::new();
        let mut block = vec![0u8; 256 * 1024];
        let mut len = 0u64;
        loop {
            let n = reader.read(&mut block)?;
            if n == 0 {
                break;
            }
            md5.update(&block[..n]);
            crc.update(&block[..n]);
            len += n as u64;
        }
        Ok(Self {
            len,
            md5_hex: hex::encode(md5.finalize()),
            crc32_b64: aws_smithy_types::base64::encode(crc.finalize().to_be_bytes()),
        })
    }

    /// The MD5 as the `Content-MD5` header wants it (base64 of the binary digest).
    pub fn content_md5(&self) -> String {
        let raw = hex::decode(&self.md5_hex).unwrap_or_default();
        aws_smithy_types::base64::encode(raw)
    }
}

/// What the store said about a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StoreReport<'a> {
    /// The ETag, quotes stripped.
    pub etag: &'a str,
    /// `x-amz-checksum-crc32`, if the store echoed it.
    pub crc32: Option<&'a str>,
    /// The object is encrypted with a key the store holds per object (SSE-KMS, SSE-C): its ETag
    /// is then no MD5.
    pub encrypted_etag: bool,
}

/// How a write compares with what was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A checksum or the ETag matches what was sent.
    Verified,
    /// Nothing the store said can tell (no echo, an ETag that is no MD5): check the size.
    Unknown,
    /// The store kept other bytes; the text says what differed.
    Mismatch(String),
}

/// Compares a store's report of a single-part write with what was sent.
pub(crate) fn judge(sent: &SentDigests, report: &StoreReport<'_>) -> Verdict {
    if let Some(echo) = report.crc32 {
        if echo.trim() != sent.crc32_b64 {
            return Verdict::Mismatch(format!(
                "the store reports CRC32 {echo} for what Pail sent with CRC32 {}",
                sent.crc32_b64
            ));
        }
    }
    let etag_is_md5 = !report.encrypted_etag && crate::core::model::etag_is_md5(report.etag);
    if etag_is_md5 {
        if !report.etag.eq_ignore_ascii_case(&sent.md5_hex) {
            return Verdict::Mismatch(format!(
                "the store's ETag {} is not the MD5 {} of the {} bytes Pail sent",
                report.etag, sent.md5_hex, sent.len
            ));
        }
        return Verdict::Verified;
    }
    if report.crc32.is_some() {
        Verdict::Verified
    } else {
        Verdict::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_is_verified_by_its_echo_or_its_md5_etag() {
        let sent = SentDigests::of(b"abcd");
        assert_eq!(sent.md5_hex, "e2fc714c4727ee9395f324cd2e7f331f");
        // What S3 answers: the MD5 as ETag and the CRC32 echoed.
        let good = StoreReport {
            etag: "e2fc714c4727ee9395f324cd2e7f331f",
            crc32: Some(&sent.crc32_b64),
            encrypted_etag: false,
        };
        assert_eq!(judge(&sent, &good), Verdict::Verified);
        // A store that kept the aws-chunked framing: its ETag is the MD5 of other bytes.
        let raw = StoreReport {
            etag: "0123456789abcdef0123456789abcdef",
            crc32: None,
            encrypted_etag: false,
        };
        assert!(matches!(judge(&sent, &raw), Verdict::Mismatch(why) if why.contains("not the MD5")));
        let wrong_echo = StoreReport {
            crc32: Some("AAAAAA=="),
            ..good.clone()
        };
        assert!(matches!(judge(&sent, &wrong_echo), Verdict::Mismatch(_)));
        // SSE-KMS ETags are no MD5: the echo decides, or nothing does.
        let kms = StoreReport {
            etag: "0123456789abcdef0123456789abcdef",
            crc32: None,
            encrypted_etag: true,
        };
        assert_eq!(judge(&sent, &kms), Verdict::Unknown);
        assert_eq!(
            judge(
                &sent,
                &StoreReport {
                    crc32: Some(&sent.crc32_b64),
                    ..kms
                }
            ),
            Verdict::Verified
        );
        assert_eq!(sent.content_md5(), "4vxxTEcn7pOV8yTNLn8zHw==");
        // Read in blocks, the same digests.
        let big: Vec<u8> = (0..700_000u32).map(|i| i as u8).collect();
        assert_eq!(SentDigests::of_reader(&big[..]).unwrap(), SentDigests::of(&big));
    }
}
