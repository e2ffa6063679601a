//! GetObject of a file: s3s-fs's answer, with the body read in large blocks.
//!
//! s3s-fs streams a body 4 KiB per read, each read a round trip to tokio's blocking pool: some
//! 262,000 of them for a 1 GiB object, which made the store's CPU the limit of every download.
//! Here the body is read [`BLOCK`] bytes per blocking call, and a small body (up to one block)
//! in the same call that opens the file.
//!
//! Everything else (status, errors, Content-Range, ETag, metadata, checksums) is s3s-fs's own
//! answer, so it cannot drift from HeadObject or from what s3s-fs stores. Only its body is
//! swapped, and only when it provably describes the file read here: that file is opened before
//! s3s-fs opens its own, and the key must still name it (same inode, size and mtime) after
//! s3s-fs has answered. The store replaces an object by renaming a new file into place, never
//! by moving an old one back, so the file s3s-fs opened in between is that same file. If the
//! object was replaced meanwhile, s3s-fs's answer is kept whole, its own body included.
//!
//! One difference from s3s-fs, following S3: a suffix range longer than the object
//! (`bytes=-N`, N > size) is the whole object, where s3s-fs seeks before the start of the
//! file and answers HTTP 500.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range as ByteRange;
use std::path::{Path, PathBuf};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, S3};
use tokio_util::bytes::Bytes;

use super::{no_such_key, DevS3};
use crate::etag_cache::FileStamp;

/// Bytes read per blocking call: a 1 GiB download takes about a thousand calls, and a client
/// that reads slowly holds one block of memory.
const BLOCK: u64 = 1 << 20;

impl DevS3 {
    /// GetObject of a key that maps to a file; see the module documentation.
    pub(super) async fn get_file(
        &self,
        mut req: S3Request<GetObjectInput>,
        path: PathBuf,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let opened = match open(path.clone(), req.input.range).await {
            // s3s-fs would answer HTTP 500 for a folder: it opens it and fails to read it.
            Open::Folder => return Err(no_such_key()),
            // s3s-fs's answer, whatever it is (NoSuchKey, InvalidRange…), stands.
            Open::Unserved { range } => {
                req.input.range = range;
                return self.fs.get_object(req).await;
            }
            Open::File(opened) => opened,
        };
        req.input.range = opened.request_range;
        let mut response = self.fs.get_object(req).await?;
        if opened.matches(&response.output) && opened.is_still_at(&path).await {
            response.output.body = Some(opened.into_body());
        }
        Ok(response)
    }
}

/// What opening the object's file found.
enum Open {
    File(Opened),
    Folder,
    /// Missing or unreadable, or the range does not fit: s3s-fs answers, for `range`.
    Unserved {
        range: Option<Range>,
    },
}

/// The object's file, positioned at the start of the requested bytes, the first block read.
struct Opened {
    file: File,
    stamp: FileStamp,
    /// The range to ask s3s-fs for: the client's, unless [`whole_for_long_suffix`] rewrote it.
    request_range: Option<Range>,
    /// Which bytes of the file the body holds.
    bytes: ByteRange<u64>,
    first: Bytes,
}

/// Opens the file and reads the first block, in one blocking call.
async fn open(path: PathBuf, range: Option<Range>) -> Open {
    let unserved = Open::Unserved { range };
    tokio::task::spawn_blocking(move || open_blocking(&path, range).unwrap_or(unserved))
        .await
        .unwrap_or(Open::Unserved { range })
}

fn open_blocking(path: &Path, range: Option<Range>) -> io::Result<Open> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Ok(Open::Folder);
    }
    let stamp = FileStamp::of(&meta);
    let request_range = whole_for_long_suffix(range, stamp.size);
    let Some(bytes) = byte_range(request_range, stamp.size) else {
        return Ok(Open::Unserved { range: request_range });
    };
    file.seek(SeekFrom::Start(bytes.start))?;
    let first = read_block(&mut file, block_len(bytes.end - bytes.start))?;
    Ok(Open::File(Opened {
        file,
        stamp,
        request_range,
        bytes,
        first,
    }))
}

/// S3 (and the HTTP spec) serve a suffix range longer than the object as the whole object.
fn whole_for_long_suffix(range: Option<Range>, size: u64) -> Option<Range> {
    match range {
        Some(Range::Suffix { length }) if length > size => Some(Range::Int { first: 0, last: None }),
        other => other,
    }
}

/// The bytes s3s-fs serves for `range`; `None` where it answers with an error instead.
fn byte_range(range: Option<Range>, size: u64) -> Option<ByteRange<u64>> {
    match range {
        None => Some(0..size),
        // An empty range only comes from a suffix range of an empty file, rewritten above.
        Some(range) => range.check(size).ok().filter(|bytes| !bytes.is_empty()),
    }
}

/// The Content-Range s3s-fs sends for `bytes` of a `size`-byte file (`bytes` is not empty).
fn content_range(bytes: &ByteRange<u64>, size: u64) -> String {
    format!("bytes {}-{}/{size}", bytes.start, bytes.end - 1)
}

fn block_len(remaining: u64) -> usize {
    // At most BLOCK, which fits any usize this builds for.
    usize::try_from(remaining.min(BLOCK)).unwrap_or(usize::MAX)
}

/// Reads exactly `len` bytes: a file that shrank while being read ends the body with an error,
/// so the client sees a broken download rather than a short one.
fn read_block(file: &mut File, len: usize) -> io::Result<Bytes> {
    let mut block = Vec::with_capacity(len);
    // Reads into the capacity as it is: zeroing it first was 14% of a download's CPU.
    Read::take(file, len as u64).read_to_end(&mut block)?;
    if block.len() < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the object's file shrank while it was being read",
        ));
    }
    Ok(Bytes::from(block))
}

impl Opened {
    /// Whether s3s-fs's answer is about the bytes read here: same length, same range.
    fn matches(&self, output: &GetObjectOutput) -> bool {
        let len = self.bytes.end - self.bytes.start;
        let range = self.request_range.map(|_| content_range(&self.bytes, self.stamp.size));
        output.content_length == i64::try_from(len).ok() && output.content_range == range
    }

    /// Whether the key still names the file opened here, so s3s-fs opened the same one.
    async fn is_still_at(&self, path: &Path) -> bool {
        let meta = tokio::fs::metadata(path).await;
        meta.is_ok_and(|meta| FileStamp::of(&meta) == self.stamp)
    }

    fn into_body(self) -> StreamingBlob {
        let len = self.bytes.end - self.bytes.start;
        let rest = len - self.first.len() as u64;
        if rest == 0 {
            // Read whole along with the open: no stream needed.
            return StreamingBlob::from(s3s::Body::from(self.first));
        }
        let first = stream::once(async move { Ok(self.first) });
        StreamingBlob::wrap(first.chain(blocks(self.file, rest)))
    }
}

/// The next `remaining` bytes of `file`, one blocking read per block.
fn blocks(file: File, remaining: u64) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + Sync {
    stream::try_unfold((file, remaining), |(mut file, remaining)| async move {
        if remaining == 0 {
            return Ok(None);
        }
        let len = block_len(remaining);
        let (file, block) = tokio::task::spawn_blocking(move || {
            let block = read_block(&mut file, len);
            (file, block)
        })
        .await
        .map_err(io::Error::other)?;
        Ok(Some((block?, (file, remaining - len as u64))))
    })
    .into_stream()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_the_bytes_s3s_fs_serves() {
        let int = |first, last| Some(Range::Int { first, last });
        let suffix = |length| Some(Range::Suffix { length });
        assert_eq!(byte_range(None, 10), Some(0..10));
        assert_eq!(byte_range(None, 0), Some(0..0));
        assert_eq!(byte_range(int(2, Some(4)), 10), Some(2..5));
        assert_eq!(byte_range(int(2, Some(40)), 10), Some(2..10));
        assert_eq!(byte_range(int(9, None), 10), Some(9..10));
        assert_eq!(byte_range(int(10, None), 10), None);
        assert_eq!(byte_range(suffix(3), 10), Some(7..10));
        assert_eq!(byte_range(suffix(0), 10), None);
        assert_eq!(byte_range(suffix(3), 0), None);
    }

    #[test]
    fn a_long_suffix_is_the_whole_object() {
        let whole = Some(Range::Int { first: 0, last: None });
        let suffix = |length| Some(Range::Suffix { length });
        assert_eq!(whole_for_long_suffix(suffix(11), 10), whole);
        assert_eq!(whole_for_long_suffix(suffix(10), 10), suffix(10));
        assert_eq!(whole_for_long_suffix(None, 10), None);
        // Any range of an empty object is unsatisfiable, as on S3.
        assert_eq!(byte_range(whole_for_long_suffix(suffix(1), 0), 0), None);
    }

    fn opened(open: Open) -> Opened {
        match open {
            Open::File(opened) => opened,
            _ => panic!("not opened"),
        }
    }

    #[tokio::test]
    async fn a_file_replaced_after_opening_is_not_served() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, b"first version").unwrap();
        let first = opened(open(path.clone(), None).await);
        assert_eq!(&first.first[..], b"first version");
        assert!(first.is_still_at(&path).await);

        // As the store replaces an object: a new file renamed into place.
        let new = dir.path().join("new");
        std::fs::write(&new, b"other version").unwrap();
        std::fs::rename(&new, &path).unwrap();
        assert!(!first.is_still_at(&path).await);
        std::fs::remove_file(&path).unwrap();
        assert!(!first.is_still_at(&path).await);
        assert!(matches!(open(path, None).await, Open::Unserved { range: None }));
    }

    #[tokio::test]
    async fn only_an_answer_about_the_same_bytes_matches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, b"0123456789").unwrap();
        let range = Some(Range::Int {
            first: 2,
            last: Some(4),
        });
        let ranged = opened(open(path.clone(), range).await);
        assert_eq!(&ranged.first[..], b"234");
        let answer = |len: i64, range: Option<&str>| GetObjectOutput {
            content_length: Some(len),
            content_range: range.map(str::to_owned),
            ..Default::default()
        };
        assert!(ranged.matches(&answer(3, Some("bytes 2-4/10"))));
        assert!(!ranged.matches(&answer(3, Some("bytes 2-4/11"))));
        assert!(!ranged.matches(&answer(4, Some("bytes 2-4/10"))));
        assert!(!ranged.matches(&answer(3, None)));
        let whole = opened(open(path, None).await);
        assert!(whole.matches(&answer(10, None)));
        assert!(!whole.matches(&answer(10, Some("bytes 0-9/10"))));
    }

    #[tokio::test]
    async fn a_folder_is_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(open(dir.path().to_owned(), None).await, Open::Folder));
    }

    #[test]
    fn content_range_is_inclusive() {
        assert_eq!(content_range(&(0..10), 10), "bytes 0-9/10");
        assert_eq!(content_range(&(7..8), 10), "bytes 7-7/10");
    }
}
