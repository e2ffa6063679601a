//! Upload bodies that send exactly what Pail vouched for, on every attempt.
//!
//! The SDK rebuilds a file body for each retry and reads the file again, but it keeps the
//! checksum it computed on the first attempt (aws-smithy-checksums only logs "calculated checksum
//! differs from cached checksum!"). A file edited between two attempts then goes up as new bytes
//! under the old CRC32 and the old Pail hash: S3 refuses that (BadDigest), but lenient stores
//! (moto, stores that skip checksum validation) keep an object that contradicts its own checksum.
//! A part whose CRC32 Pail computed up front has the same gap between that read and the send.
//!
//! So each attempt holds its last piece back until the file is shown not to have changed: it
//! still has the stamp (size, times, inode) it had when the upload began, and, where a digest
//! was promised (the sync scan's BLAKE3, a part's CRC32), the bytes read have that digest.
//! Otherwise the attempt fails with [`FileChangedWhileSending`]; the store receives a body cut
//! short and keeps nothing.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::task::JoinHandle;

use crate::core::model::ContentHash;
use crate::core::stamp::Identity;

/// What one upload body must turn out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Promise {
    /// The file's stamp when the upload began; it must be unchanged when the last byte is read.
    pub stamp: Identity,
    /// The digest the bytes read must have, where one was promised.
    pub digest: Option<Digest>,
}

/// A digest promised for a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    /// BLAKE3 of the whole body (the hash sync recorded when it scanned the file).
    Blake3(ContentHash),
    /// CRC32 of the body (a part's checksum header, computed before the send).
    Crc32(u32),
}

/// Why an upload attempt was stopped before its last byte: the file is no longer what the
/// upload promised.
#[derive(Debug, thiserror::Error)]
#[error("{} changed while it was being uploaded", path.display())]
pub(crate) struct FileChangedWhileSending {
    /// The file.
    pub path: PathBuf,
}

/// Whether two stamps describe the same file version; an inode of 0 (none known) matches any.
pub(crate) fn same_stamp(promised: &Identity, now: &Identity) -> bool {
    promised.size == now.size
        && promised.mtime_ns == now.mtime_ns
        && (promised.inode == 0 || now.inode == 0 || promised.inode == now.inode)
}

/// The file behind a [`FileChangedWhileSending`] anywhere in `err`'s source chain.
pub(crate) fn changed_file(err: &(dyn std::error::Error + 'static)) -> Option<PathBuf> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(changed) = e.downcast_ref::<FileChangedWhileSending>() {
            return Some(changed.path.clone());
        }
        next = e.source();
    }
    None
}

/// Wraps a rebuildable file body of `len` bytes read from `path` so that every attempt keeps
/// `promise`. A body that cannot be rebuilt is returned as it is (the SDK would not retry it).
pub(crate) fn steady(body: ByteStream, path: &Path, len: u64, promise: Promise) -> ByteStream {
    let base = body.into_inner();
    if base.try_clone().is_none() {
        return ByteStream::new(base);
    }
    let path: Arc<Path> = Arc::from(path);
    // Still a streamed body (not in memory), so the SDK frames and checksums it as before.
    ByteStream::new(SdkBody::retryable(move || match base.try_clone() {
        Some(fresh) => SdkBody::from_body_1_x(Steady::new(fresh, path.clone(), len, promise)),
        None => SdkBody::taken(),
    }))
}

enum Hasher {
    None,
    Blake3(Box<blake3::Hasher>),
    Crc32(crc32fast::Hasher),
}

impl Hasher {
    fn for_digest(digest: Option<Digest>) -> Self {
        match digest {
            None => Hasher::None,
            Some(Digest::Blake3(_)) => Hasher::Blake3(Box::default()),
            Some(Digest::Crc32(_)) => Hasher::Crc32(crc32fast::Hasher::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::None => {}
            Hasher::Blake3(h) => {
                h.update(data);
            }
            Hasher::Crc32(h) => h.update(data),
        }
    }

    /// Whether what was hashed has `digest`.
    fn matches(&self, digest: Option<Digest>) -> bool {
        match (self, digest) {
            (_, None) => true,
            (Hasher::Blake3(h), Some(Digest::Blake3(want))) => *h.finalize().as_bytes() == want.0,
            (Hasher::Crc32(h), Some(Digest::Crc32(want))) => h.clone().finalize() == want,
            _ => false,
        }
    }
}

pin_project_lite::pin_project! {
    /// One attempt's body: passes data through, hashing it, and holds the last piece back
    /// until the file is shown unchanged.
    struct Steady {
        #[pin]
        inner: SdkBody,
        path: Arc<Path>,
        len: u64,
        seen: u64,
        promise: Promise,
        hasher: Hasher,
        held: Option<Bytes>,
        stat: Option<JoinHandle<std::io::Result<std::fs::Metadata>>>,
        verified: bool,
    }
}

impl Steady {
    fn new(inner: SdkBody, path: Arc<Path>, len: u64, promise: Promise) -> Self {
        Self {
            inner,
            path,
            len,
            seen: 0,
            promise,
            hasher: Hasher::for_digest(promise.digest),
            held: None,
            stat: None,
            verified: false,
        }
    }
}

type Polled = Poll<Option<Result<Frame<Bytes>, aws_smithy_types::body::Error>>>;

impl Body for Steady {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Polled {
        let mut this = self.project();
        if *this.seen == 0 && this.inner.size_hint().exact() != Some(*this.len) {
            // The file was already shorter when the body was opened: a body of the promised
            // length cannot come of it, and a shorter one must not reach the store whole.
            return changed(this.path);
        }
        loop {
            if let Some(stat) = this.stat.as_mut() {
                let now = ready!(Pin::new(stat).poll(cx));
                *this.stat = None;
                let unchanged =
                    matches!(&now, Ok(Ok(m)) if same_stamp(&this.promise.stamp, &crate::core::stamp::identity_of(m)));
                if !unchanged {
                    return changed(this.path);
                }
                *this.verified = true;
                if let Some(last) = this.held.take() {
                    return Poll::Ready(Some(Ok(Frame::data(last))));
                }
                continue;
            }
            if *this.verified && this.held.is_none() {
                // The last piece is out; whatever the inner body still has (nothing, for a file).
                return this.inner.as_mut().poll_frame(cx);
            }
            let frame = match ready!(this.inner.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => frame,
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                // Shorter than promised (the file shrank), or empty: check it like a last piece.
                None => {
                    if *this.seen != *this.len {
                        return changed(this.path);
                    }
                    start_check(this.hasher, this.promise, this.path, this.stat);
                    if this.stat.is_none() {
                        return changed(this.path);
                    }
                    continue;
                }
            };
            let data = match frame.into_data() {
                Ok(data) => data,
                Err(other) => return Poll::Ready(Some(Ok(other))),
            };
            this.hasher.update(&data);
            *this.seen += data.len() as u64;
            if *this.seen < *this.len || data.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(data))));
            }
            if *this.seen > *this.len {
                return changed(this.path);
            }
            *this.held = Some(data);
            start_check(this.hasher, this.promise, this.path, this.stat);
            if this.stat.is_none() {
                return changed(this.path);
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.verified && self.held.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Checks the digest now and starts the stamp check (leaves `stat` empty when the digest is wrong).
fn start_check(
    hasher: &Hasher,
    promise: &Promise,
    path: &Arc<Path>,
    stat: &mut Option<JoinHandle<std::io::Result<std::fs::Metadata>>>,
) {
    if !hasher.matches(promise.digest) {
        return;
    }
    let path = path.clone();
    // Following links, as the body's reads do.
    *stat = Some(tokio::task::spawn_blocking(move || std::fs::metadata(&path)));
}

fn changed(path: &Path) -> Polled {
    Poll::Ready(Some(Err(Box::new(FileChangedWhileSending {
        path: path.to_path_buf(),
    }))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::primitives::Length;

    async fn file_body(path: &Path, block: usize) -> ByteStream {
        ByteStream::read_from()
            .path(path)
            .length(Length::Exact(std::fs::metadata(path).unwrap().len()))
            .buffer_size(block)
            .build()
            .await
            .unwrap()
    }

    fn stamp(path: &Path) -> Identity {
        crate::core::stamp::identity_of(&std::fs::metadata(path).unwrap())
    }

    /// Reads one attempt: the data frames that went out, and how it ended.
    async fn attempt(body: &SdkBody) -> (Vec<u8>, Option<PathBuf>) {
        let mut fresh = std::pin::pin!(body.try_clone().expect("rebuildable"));
        let mut sent = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| fresh.as_mut().poll_frame(cx)).await {
            match frame {
                Ok(frame) => sent.extend_from_slice(frame.data_ref().map_or(&[][..], |d| &d[..])),
                Err(e) => return (sent, changed_file(e.as_ref())),
            }
        }
        (sent, None)
    }

    fn blake3_of(data: &[u8]) -> Option<Digest> {
        Some(Digest::Blake3(ContentHash(*blake3::hash(data).as_bytes())))
    }

    #[tokio::test]
    async fn an_unchanged_file_goes_out_whole_on_every_attempt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let content: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        for digest in [
            None,
            blake3_of(&content),
            Some(Digest::Crc32(crc32fast::hash(&content))),
        ] {
            let promise = Promise {
                stamp: stamp(&path),
                digest,
            };
            let body = steady(file_body(&path, 4096).await, &path, content.len() as u64, promise).into_inner();
            assert_eq!(body.content_length(), Some(content.len() as u64));
            for _ in 0..2 {
                assert_eq!(attempt(&body).await, (content.clone(), None), "{digest:?}");
            }
        }
    }

    #[tokio::test]
    async fn an_empty_file_is_checked_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty");
        std::fs::write(&path, b"").unwrap();
        let promise = Promise {
            stamp: stamp(&path),
            digest: blake3_of(b""),
        };
        let body = steady(file_body(&path, 4096).await, &path, 0, promise).into_inner();
        assert_eq!(attempt(&body).await, (Vec::new(), None));
        std::fs::write(&path, b"now there is something").unwrap();
        assert_eq!(attempt(&body).await, (Vec::new(), Some(path.clone())));
    }

    /// The SDK's retry case: the file is edited (same size) between two attempts of one request.
    #[tokio::test]
    async fn a_retry_after_an_edit_stops_before_its_last_piece() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let before = vec![b'a'; 10_000];
        std::fs::write(&path, &before).unwrap();
        let promise = Promise {
            stamp: stamp(&path),
            digest: None,
        };
        let body = steady(file_body(&path, 4096).await, &path, 10_000, promise).into_inner();
        assert_eq!(attempt(&body).await, (before, None));
        // A new inode and new times, as an editor's save gives.
        let edited = dir.path().join("f.new");
        std::fs::write(&edited, vec![b'b'; 10_000]).unwrap();
        std::fs::rename(&edited, &path).unwrap();
        let (sent, failed) = attempt(&body).await;
        assert_eq!(failed, Some(path.clone()));
        assert_eq!(sent.len(), 8192, "the last piece was held back");
    }

    /// The gap the stamp cannot see (an edit within one timestamp tick that keeps the size): a
    /// promised digest still catches it.
    #[tokio::test]
    async fn bytes_that_differ_from_the_promised_digest_never_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"what is on disk now").unwrap();
        for digest in [blake3_of(b"what was scanned..."), Some(Digest::Crc32(7))] {
            let promise = Promise {
                stamp: stamp(&path),
                digest,
            };
            let body = steady(file_body(&path, 4).await, &path, 19, promise).into_inner();
            let (sent, failed) = attempt(&body).await;
            assert_eq!(failed, Some(path.clone()));
            assert_eq!(sent, b"what is on disk ", "the last piece was held back ({digest:?})");
        }
    }

    #[tokio::test]
    async fn a_body_opened_shorter_than_promised_sends_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let promise = Promise {
            stamp: stamp(&path),
            digest: None,
        };
        std::fs::write(&path, b"01234").unwrap();
        let short = ByteStream::read_from()
            .path(&path)
            .length(Length::UpTo(10))
            .build()
            .await
            .unwrap();
        let body = steady(short, &path, 10, promise).into_inner();
        assert_eq!(attempt(&body).await, (Vec::new(), Some(path.clone())));
    }

    #[tokio::test]
    async fn a_file_that_shrank_or_grew_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let promise = Promise {
            stamp: stamp(&path),
            digest: None,
        };
        let body = steady(file_body(&path, 4).await, &path, 10, promise).into_inner();
        std::fs::write(&path, b"01234").unwrap();
        assert_eq!(attempt(&body).await.1, Some(path.clone()));
        std::fs::write(&path, b"0123456789abcdef").unwrap();
        assert_eq!(attempt(&body).await.1, Some(path.clone()), "the stamp shows the growth");
    }

    #[test]
    fn stamps_compare_inodes_only_where_known() {
        let a = Identity {
            size: 1,
            mtime_ns: 2,
            inode: 3,
        };
        assert!(same_stamp(&a, &a));
        assert!(same_stamp(&Identity { inode: 0, ..a }, &a));
        assert!(!same_stamp(&a, &Identity { inode: 4, ..a }));
        assert!(!same_stamp(&a, &Identity { mtime_ns: 5, ..a }));
        assert!(!same_stamp(&a, &Identity { size: 6, ..a }));
    }
}
