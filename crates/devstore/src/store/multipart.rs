//! CompleteMultipartUpload without reading the parts back through the process.
//!
//! s3s-fs's own completion reads every part through async file I/O, hashes it again and writes
//! a second copy of the object through a buffer: most of the store's CPU time for a large
//! upload. Here the part MD5s come from [`PartMd5s`] (recorded when each part was stored), the
//! parts are concatenated by kernel-side copies into a temporary file renamed into place, and
//! what is left on disk is what s3s-fs leaves: the same data file, sidecars and ETag, no upload
//! record, no parts.
//!
//! Where s3s-fs and S3 disagree, this follows S3:
//! - every check comes before anything changes, so a refused completion leaves the upload as it
//!   was, to be completed again (s3s-fs first deletes the upload record and the parts it got
//!   through);
//! - each listed ETag must be the part's (`InvalidPart`); a part never uploaded is
//!   `InvalidPart`, not an internal error;
//! - the object's ETag sidecar holds just its ETag: s3s-fs keeps the checksums of the object it
//!   replaces, which describe other bytes;
//! - parts uploaded but left out of the list are deleted too, as far as this run of the store
//!   heard of them.
//!
//! Kept from s3s-fs although S3 differs: parts must be listed as 1, 2, 3… without gaps, and an
//! upload id that is unknown (completed, aborted) or someone else's is `AccessDenied`.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use s3s::crypto::Checksum;
use s3s::dto::*;
use s3s::{s3_error, S3Error, S3Request, S3Response, S3Result};

use super::{folder_in_parts, map_io, stored_etag, DevS3, KeyPath};
use crate::etag_cache::{FileStamp, OwnedWriteGuard};
use crate::layout::{self, UploadId};
use crate::part_md5s::{to_hex, Md5, PartMd5s};

/// S3's minimum size for every part but the last.
const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

impl DevS3 {
    /// CompleteMultipartUpload; see the module documentation.
    pub(super) async fn complete_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let S3Request { input, credentials, .. } = req;
        // Held until the file work ends, even if the client goes away before that.
        let writing = self.etags.writing_owned(input.bucket.clone(), input.key.clone());
        let object = self.completion_path(&input.bucket, &input.key).await?;
        let completion = Completion {
            root: self.root.clone(),
            md5s: Arc::clone(&self.part_md5s),
            object,
            access_key: credentials.map(|c| c.access_key),
            input,
            _writing: writing,
        };
        let completed = tokio::task::spawn_blocking(move || completion.run())
            .await
            .map_err(S3Error::internal_error)??;
        Ok(response(completed))
    }

    /// The object's path, for a key `create_multipart_upload` would have accepted.
    async fn completion_path(&self, bucket: &str, key: &str) -> S3Result<PathBuf> {
        let bucket_dir = self.require_bucket(bucket).await?;
        match self.writable_key_path(bucket, key)? {
            KeyPath::Folder(_) => Err(folder_in_parts()),
            KeyPath::File(path) => {
                self.check_no_file_folder_clash(&bucket_dir, &path, key).await?;
                Ok(path)
            }
        }
    }
}

/// Everything a completion needs on the blocking thread, where all of its file work happens.
struct Completion {
    root: PathBuf,
    md5s: Arc<PartMd5s>,
    object: PathBuf,
    access_key: Option<String>,
    input: CompleteMultipartUploadInput,
    _writing: OwnedWriteGuard,
}

/// What a successful completion answers with.
struct Completed {
    bucket: String,
    key: String,
    e_tag: String,
}

/// A listed part, checked: it was uploaded, and it is the part the client means.
struct CheckedPart {
    number: i32,
    path: PathBuf,
    /// The part file as checked; it is copied only if it is still this file.
    stamp: FileStamp,
    md5: Md5,
}

impl Completion {
    /// The checks in s3s-fs's order, then the object, then the upload's end.
    fn run(self) -> S3Result<Completed> {
        let listed = listed_parts(self.input.multipart_upload.as_ref())?;
        let upload = UploadId::parse(&self.input.upload_id)
            .ok_or_else(|| s3_error!(InvalidRequest, "The upload ID is not one this store hands out."))?;
        self.check_owner(&upload)?;
        self.check_conditions()?;
        let parts = self.check_parts(&upload, listed)?;
        let e_tag = multipart_etag(&parts);
        self.write_object(&upload, &parts, &e_tag)?;
        self.close_upload(&upload, &parts);
        Ok(Completed {
            bucket: self.input.bucket.clone(),
            key: self.input.key.clone(),
            e_tag,
        })
    }

    /// The upload must be open and started with the same access key, as s3s-fs checks it.
    fn check_owner(&self, upload: &UploadId) -> S3Result<()> {
        let not_yours = || {
            s3_error!(
                AccessDenied,
                "The upload ID does not name an open upload of yours: it may have been completed or aborted."
            )
        };
        let record = match fs::read(layout::upload_record_path(&self.root, upload)) {
            Ok(record) => record,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Err(not_yours()),
            Err(err) => return map_io(Err(err)),
        };
        let owner: Option<String> = serde_json::from_slice(&record).map_err(S3Error::internal_error)?;
        if owner != self.access_key {
            return Err(not_yours());
        }
        Ok(())
    }

    /// If-None-Match: * and If-Match, with s3s-fs's answers (an If-None-Match ETag is ignored).
    fn check_conditions(&self) -> S3Result<()> {
        let exists = self.object.exists();
        if exists && self.input.if_none_match.as_ref().is_some_and(ETagCondition::is_any) {
            return Err(s3_error!(PreconditionFailed, "Object already exists"));
        }
        let Some(condition) = &self.input.if_match else {
            return Ok(());
        };
        if !exists {
            return Err(s3_error!(PreconditionFailed, "Object does not exist"));
        }
        if let Some(expected) = condition.as_etag() {
            if !expected.strong_cmp(&ETag::Strong(self.current_etag()?)) {
                return Err(s3_error!(PreconditionFailed, "ETag does not match"));
            }
        }
        Ok(())
    }

    /// The ETag of the object being replaced: recorded, or its MD5 as s3s-fs falls back to.
    fn current_etag(&self) -> S3Result<String> {
        if let Some(etag) = stored_etag(&self.root, &self.input.bucket, &self.input.key) {
            return Ok(etag);
        }
        let file = map_io(File::open(&self.object))?;
        Ok(to_hex(&map_io(md5_of(file))?))
    }

    /// Walks the list as s3s-fs does, so the same list meets the same first error.
    fn check_parts(&self, upload: &UploadId, listed: &[CompletedPart]) -> S3Result<Vec<CheckedPart>> {
        let mut checked = Vec::with_capacity(listed.len());
        for (i, part) in listed.iter().enumerate() {
            let position = i + 1;
            let number = part
                .part_number
                .ok_or_else(|| s3_error!(InvalidRequest, "Entry {position} of the part list has no part number."))?;
            if usize::try_from(number).ok() != Some(position) {
                return Err(s3_error!(
                    InvalidRequest,
                    "This store needs the parts listed as 1, 2, 3… without gaps; entry {position} is part {number}."
                ));
            }
            let part = self.check_part(upload, number, part.e_tag.as_ref())?;
            if position != listed.len() && part.stamp.size < MIN_PART_SIZE {
                return Err(s3_error!(
                    EntityTooSmall,
                    "Part {number} is {} bytes; every part but the last must be at least 5 MiB.",
                    part.stamp.size
                ));
            }
            checked.push(part);
        }
        Ok(checked)
    }

    fn check_part(&self, upload: &UploadId, number: i32, given: Option<&ETag>) -> S3Result<CheckedPart> {
        let path = layout::part_path(&self.root, upload, number);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(s3_error!(
                    InvalidPart,
                    "Part {number} of this upload has not been uploaded."
                ));
            }
            Err(err) => return map_io(Err(err)),
        };
        let stamp = FileStamp::of(&map_io(file.metadata())?);
        let md5 = match self.md5s.get(upload, number, stamp) {
            Some(md5) => md5,
            None => {
                tracing::debug!(part = number, "no MD5 remembered for this part: reading it");
                map_io(md5_of(file))?
            }
        };
        // S3 compares the ETags; s3s-fs does not. A client that gives none is taken at its word.
        if let Some(given) = given {
            let actual = to_hex(&md5);
            if !given.value().eq_ignore_ascii_case(&actual) {
                return Err(s3_error!(
                    InvalidPart,
                    "The ETag given for part {number}, {:?}, is not that part's ETag, {actual:?}.",
                    given.value()
                ));
            }
        }
        Ok(CheckedPart {
            number,
            path,
            stamp,
            md5,
        })
    }

    /// Puts the data file and its sidecars in place; the data appears under the key whole or
    /// not at all.
    fn write_object(&self, upload: &UploadId, parts: &[CheckedPart], e_tag: &str) -> S3Result<()> {
        let data = TempFile::new(layout::temp_path(&self.root, upload));
        concatenate(parts, data.path())?;
        let info = TempFile::new(layout::temp_path(&self.root, upload));
        map_io(fs::write(info.path(), internal_info(e_tag)?))?;

        if let Some(parent) = self.object.parent() {
            map_io(fs::create_dir_all(parent))?;
        }
        data.rename_to(&self.object)?;
        let (bucket, key) = (&self.input.bucket, &self.input.key);
        let [metadata, internal] = layout::sidecar_paths(&self.root, bucket, key);
        let upload_metadata = layout::upload_metadata_path(&self.root, bucket, key, upload);
        map_io(move_metadata(&upload_metadata, &metadata))?;
        info.rename_to(&internal)
    }

    /// Deletes the upload record and the parts. The object is in place by now, so a failure
    /// here is only logged: the client's upload did succeed.
    fn close_upload(&self, upload: &UploadId, parts: &[CheckedPart]) {
        // The record first: from then on uploads of further parts are refused.
        let mut doomed = vec![layout::upload_record_path(&self.root, upload)];
        doomed.extend(parts.iter().map(|p| p.path.clone()));
        let listed = 1..=parts.last().map_or(0, |p| p.number);
        let unlisted = self.md5s.forget(upload).into_iter().filter(|n| !listed.contains(n));
        doomed.extend(unlisted.map(|n| layout::part_path(&self.root, upload, n)));
        for path in doomed {
            if let Err(err) = remove_if_present(&path) {
                tracing::warn!(path = %path.display(), %err, "could not delete a completed upload's file");
            }
        }
    }
}

/// The parts the request lists; S3 and s3s-fs refuse an empty list.
fn listed_parts(upload: Option<&CompletedMultipartUpload>) -> S3Result<&[CompletedPart]> {
    match upload.and_then(|u| u.parts.as_deref()) {
        Some(parts) if !parts.is_empty() => Ok(parts),
        _ => Err(s3_error!(InvalidPart, "You must specify at least one part")),
    }
}

/// S3's multipart ETag, as s3s-fs computes it: the MD5 of the parts' binary MD5s, then `-N`.
fn multipart_etag(parts: &[CheckedPart]) -> String {
    let mut md5 = s3s::crypto::Md5::new();
    for part in parts {
        md5.update(&part.md5);
    }
    format!("{}-{}", to_hex(&md5.finalize()), parts.len())
}

/// The hex MD5 of a whole file: the ETag of a single-part object s3s-fs kept none for.
pub(super) fn md5_hex_of(file: File) -> io::Result<String> {
    md5_of(file).map(|md5| to_hex(&md5))
}

/// Hashes a part s3s-fs stored before this run of the store, or an object without an ETag.
fn md5_of(mut file: File) -> io::Result<Md5> {
    let mut md5 = s3s::crypto::Md5::new();
    let mut buf = vec![0; 1 << 20];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(md5.finalize()),
            n => md5.update(&buf[..n]),
        }
    }
}

/// Writes the parts one after the other into a new file at `dest`.
fn concatenate(parts: &[CheckedPart], dest: &Path) -> S3Result<()> {
    let out = map_io(File::create_new(dest))?;
    for part in parts {
        append_part(part, &out)?;
    }
    Ok(())
}

/// Appends one part, if it is still the file that was checked. `io::copy` between two files
/// is a kernel-side copy (`copy_file_range` on Linux): the bytes never enter the process.
fn append_part(part: &CheckedPart, mut out: &File) -> S3Result<()> {
    let changed = || {
        s3_error!(
            InvalidPart,
            "Part {} was uploaded again or removed while the upload was being completed; complete it again.",
            part.number
        )
    };
    let file = File::open(&part.path).map_err(|_| changed())?;
    if FileStamp::of(&map_io(file.metadata())?) != part.stamp {
        return Err(changed());
    }
    let copied = map_io(io::copy(&mut (&file).take(part.stamp.size), &mut out))?;
    if copied != part.stamp.size {
        return Err(changed());
    }
    Ok(())
}

/// The ETag sidecar, in s3s-fs's format.
fn internal_info(e_tag: &str) -> S3Result<Vec<u8>> {
    let mut info = serde_json::Map::new();
    info.insert("e_tag".to_owned(), serde_json::Value::String(e_tag.to_owned()));
    serde_json::to_vec(&info).map_err(S3Error::internal_error)
}

/// Gives the object the headers and metadata its upload was created with, as s3s-fs does;
/// without any recorded, the object has none rather than those of the object it replaces.
fn move_metadata(upload_metadata: &Path, metadata: &Path) -> io::Result<()> {
    match fs::rename(upload_metadata, metadata) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => remove_if_present(metadata),
        done => done,
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        done => done,
    }
}

/// s3s-fs answers through `future`, which s3s sends as a keep-alive body; answering the same
/// way keeps the reply byte-for-byte what clients got before.
fn response(completed: Completed) -> S3Response<CompleteMultipartUploadOutput> {
    let output = CompleteMultipartUploadOutput {
        bucket: Some(completed.bucket),
        key: Some(completed.key),
        e_tag: Some(ETag::Strong(completed.e_tag)),
        ..Default::default()
    };
    S3Response::new(CompleteMultipartUploadOutput {
        future: Some(Box::pin(async move { Ok(output) })),
        ..Default::default()
    })
}

/// A file written under a temporary name, deleted unless renamed into place.
struct TempFile {
    path: PathBuf,
    placed: bool,
}

impl TempFile {
    fn new(path: PathBuf) -> Self {
        Self { path, placed: false }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn rename_to(mut self, dest: &Path) -> S3Result<()> {
        map_io(fs::rename(&self.path, dest))?;
        self.placed = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.placed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
