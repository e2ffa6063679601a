//! MD5s of uploaded parts, remembered so completing an upload need not read every part again.
//!
//! s3s-fs hashes each part while storing it (the MD5 is the part's ETag) but keeps the hash
//! nowhere, while both the check of the ETags a client completes with and the multipart ETag
//! need it. An entry is trusted only while the part file still has the size, mtime and inode it
//! had right after the upload, so a part uploaded again or changed behind the store's back is
//! hashed afresh; and a part uploaded twice at the same time is not remembered at all, because
//! either upload's file may be the one left on disk. Nothing survives a restart: completion
//! then hashes the parts.

use std::sync::{Mutex, MutexGuard};

use rustc_hash::FxHashMap as HashMap;

use crate::etag_cache::FileStamp;
use crate::layout::UploadId;

/// A binary MD5 digest.
pub(crate) type Md5 = [u8; 16];

/// Lower-case hex, the form of an MD5 inside an ETag.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The MD5 an ETag such as a part's spells in hex; `None` for anything else.
pub(crate) fn md5_from_hex(hex: &str) -> Option<Md5> {
    if hex.len() != 32 {
        return None;
    }
    let nibble = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut md5 = [0; 16];
    for (byte, pair) in md5.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(md5)
}

/// A crude bound on remembered parts (uploads never completed nor aborted leave theirs behind):
/// past it everything is forgotten, which costs only a re-read at completion.
const MAX_REMEMBERED: usize = 100_000;

/// The registry; see the module documentation.
#[derive(Default)]
pub(crate) struct PartMd5s {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    uploads: HashMap<UploadId, HashMap<i32, Entry>>,
    remembered: usize,
}

#[derive(Default)]
struct Entry {
    known: Option<(FileStamp, Md5)>,
    /// Uploads of this part under way.
    writers: u32,
    /// Set when two uploads of this part overlapped; cleared when the last one ends.
    overlapped: bool,
}

impl PartMd5s {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update leaves the maps consistent, so a panic elsewhere cannot hurt them.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks an upload of this part as under way until the returned guard is dropped.
    pub(crate) fn writing(&self, upload: &UploadId, part_number: i32) -> PartWrite<'_> {
        let mut inner = self.lock();
        let entry = inner
            .uploads
            .entry(upload.clone())
            .or_default()
            .entry(part_number)
            .or_default();
        entry.writers += 1;
        if entry.writers > 1 {
            entry.overlapped = true;
        }
        PartWrite {
            md5s: self,
            upload: upload.clone(),
            part_number,
        }
    }

    /// The MD5 remembered for this version of the part file.
    pub(crate) fn get(&self, upload: &UploadId, part_number: i32, stamp: FileStamp) -> Option<Md5> {
        let inner = self.lock();
        let (known, md5) = inner.uploads.get(upload)?.get(&part_number)?.known?;
        (known == stamp).then_some(md5)
    }

    /// Forgets a completed or aborted upload; returns the part numbers it had heard of.
    pub(crate) fn forget(&self, upload: &UploadId) -> Vec<i32> {
        let mut inner = self.lock();
        let Some(parts) = inner.uploads.remove(upload) else {
            return Vec::new();
        };
        inner.remembered -= parts.values().filter(|e| e.known.is_some()).count();
        parts.into_keys().collect()
    }
}

impl Inner {
    fn remember(&mut self, upload: &UploadId, part_number: i32, stamp: FileStamp, md5: Md5) {
        if self.remembered >= MAX_REMEMBERED {
            self.forget_all_md5s();
        }
        // No entry: the upload was completed or aborted meanwhile, nothing to remember it for.
        let Some(entry) = self.uploads.get_mut(upload).and_then(|p| p.get_mut(&part_number)) else {
            return;
        };
        if entry.overlapped {
            return;
        }
        if entry.known.replace((stamp, md5)).is_none() {
            self.remembered += 1;
        }
    }

    fn forget_all_md5s(&mut self) {
        for parts in self.uploads.values_mut() {
            parts.retain(|_, entry| {
                entry.known = None;
                entry.writers > 0
            });
        }
        self.uploads.retain(|_, parts| !parts.is_empty());
        self.remembered = 0;
    }

    fn end_write(&mut self, upload: &UploadId, part_number: i32) {
        let Some(parts) = self.uploads.get_mut(upload) else {
            return;
        };
        let Some(entry) = parts.get_mut(&part_number) else {
            return;
        };
        entry.writers -= 1;
        if entry.writers > 0 {
            return;
        }
        entry.overlapped = false;
        if entry.known.is_none() {
            parts.remove(&part_number);
            if parts.is_empty() {
                self.uploads.remove(upload);
            }
        }
    }
}

/// An upload of one part in progress; see [`PartMd5s::writing`].
pub(crate) struct PartWrite<'a> {
    md5s: &'a PartMd5s,
    upload: UploadId,
    part_number: i32,
}

impl PartWrite<'_> {
    /// Records the MD5 of the part file just stored, as it is on disk now (`stamp`).
    pub(crate) fn stored(self, stamp: FileStamp, md5: Md5) {
        self.md5s.lock().remember(&self.upload, self.part_number, stamp, md5);
    }
}

impl Drop for PartWrite<'_> {
    fn drop(&mut self) {
        self.md5s.lock().end_write(&self.upload, self.part_number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: FileStamp = FileStamp {
        size: 3,
        mtime_ns: 10,
        inode: 7,
    };
    const MD5_A: Md5 = [1; 16];
    const MD5_B: Md5 = [2; 16];

    fn upload(n: u8) -> UploadId {
        UploadId::parse(&format!("{n:032x}")).unwrap()
    }

    #[test]
    fn md5s_round_trip_through_hex() {
        let md5: Md5 = [
            0x00, 0x01, 0x7f, 0x80, 0xab, 0xff, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
        ];
        let hex = to_hex(&md5);
        assert_eq!(hex, "00017f80abff090a0b0c0d0e0f101112");
        assert_eq!(md5_from_hex(&hex), Some(md5));
        assert_eq!(md5_from_hex(&hex.to_uppercase()), Some(md5));
        assert_eq!(md5_from_hex(&hex[1..]), None);
        assert_eq!(md5_from_hex("d41d8cd98f00b204e9800998ecf8427e-2"), None);
        assert_eq!(md5_from_hex("+41d8cd98f00b204e9800998ecf8427e"), None);
        assert_eq!(md5_from_hex("é1d8cd98f00b204e9800998ecf8427e"), None);
    }

    #[test]
    fn a_stored_md5_serves_only_the_same_version_of_the_part() {
        let m = PartMd5s::default();
        m.writing(&upload(1), 1).stored(A, MD5_A);
        assert_eq!(m.get(&upload(1), 1, A), Some(MD5_A));
        assert_eq!(m.get(&upload(1), 1, FileStamp { inode: 8, ..A }), None);
        assert_eq!(m.get(&upload(1), 1, FileStamp { mtime_ns: 11, ..A }), None);
        assert_eq!(m.get(&upload(1), 2, A), None);
        assert_eq!(m.get(&upload(2), 1, A), None);
    }

    #[test]
    fn overlapping_uploads_of_a_part_are_not_remembered() {
        let m = PartMd5s::default();
        let first = m.writing(&upload(1), 1);
        let second = m.writing(&upload(1), 1);
        second.stored(A, MD5_B);
        first.stored(A, MD5_A);
        assert_eq!(m.get(&upload(1), 1, A), None);
        // Once both have ended, the next upload is remembered again.
        m.writing(&upload(1), 1).stored(A, MD5_A);
        assert_eq!(m.get(&upload(1), 1, A), Some(MD5_A));
    }

    #[test]
    fn a_failed_upload_leaves_the_earlier_md5() {
        let m = PartMd5s::default();
        m.writing(&upload(1), 1).stored(A, MD5_A);
        drop(m.writing(&upload(1), 1));
        assert_eq!(m.get(&upload(1), 1, A), Some(MD5_A));
        let failing = m.writing(&upload(1), 2);
        assert!(m.lock().uploads[&upload(1)].contains_key(&2));
        drop(failing);
        assert!(
            !m.lock().uploads[&upload(1)].contains_key(&2),
            "an empty entry goes away"
        );
    }

    #[test]
    fn forgetting_an_upload_lists_its_parts_and_stops_later_records() {
        let m = PartMd5s::default();
        m.writing(&upload(1), 1).stored(A, MD5_A);
        m.writing(&upload(1), 3).stored(A, MD5_A);
        m.writing(&upload(2), 1).stored(A, MD5_B);
        let late = m.writing(&upload(1), 4);
        let mut parts = m.forget(&upload(1));
        parts.sort_unstable();
        assert_eq!(parts, [1, 3, 4]);
        late.stored(A, MD5_A);
        assert_eq!(m.get(&upload(1), 4, A), None);
        assert_eq!(m.get(&upload(2), 1, A), Some(MD5_B));
        assert_eq!(m.lock().remembered, 1);
        assert_eq!(m.forget(&upload(1)), Vec::<i32>::new());
    }

    #[test]
    fn the_bound_forgets_md5s_but_not_uploads_under_way() {
        let m = PartMd5s::default();
        m.lock().remembered = MAX_REMEMBERED;
        let busy = m.writing(&upload(1), 1);
        m.writing(&upload(2), 1).stored(A, MD5_B);
        assert_eq!(m.get(&upload(2), 1, A), Some(MD5_B));
        busy.stored(A, MD5_A);
        assert_eq!(m.get(&upload(1), 1, A), Some(MD5_A));
        assert_eq!(m.lock().remembered, 2);
    }
}
