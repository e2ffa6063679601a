//! ETags of listed objects, remembered so a listing does not open one sidecar file per key.
//!
//! s3s-fs keeps each object's ETag in a JSON file of its own; opening, reading and parsing it
//! was a quarter of a large listing's time. An entry is used only while the data file still has
//! the size, mtime and inode it had when the ETag was read (so a file changed behind the
//! store's back is read afresh), every write through the store drops its key's entry, and an
//! ETag read while any write was under way is not kept, so a listing racing a write can never
//! leave a stale ETag behind.

use std::fs::Metadata;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

// FxHash: the keys are the store's own bucket and key names, looked up once per listed object,
// where SipHash's DoS resistance buys nothing and cost a few percent of a listing.
use rustc_hash::FxHashMap as HashMap;

/// What identifies one version of a data file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    pub size: u64,
    pub mtime_ns: i128,
    pub inode: u64,
}

impl FileStamp {
    /// The stamp of the file `meta` describes.
    pub(crate) fn of(meta: &Metadata) -> Self {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        FileStamp {
            size: meta.len(),
            mtime_ns,
            inode,
        }
    }
}

/// A crude bound: past this many entries the cache starts over (a dev store rarely gets near).
const MAX_ENTRIES: usize = 1_000_000;

#[derive(Default)]
pub(crate) struct EtagCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// bucket → key → (stamp, ETag).
    buckets: HashMap<String, HashMap<String, (FileStamp, String)>>,
    entries: usize,
    /// Bumped when a write starts and when it ends.
    epoch: u64,
    /// Writes under way.
    writing: usize,
}

/// Which writes had started or ended when a read began; see [`EtagCache::insert`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Epoch(u64);

impl EtagCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the map half-updated in a way that matters: each
        // update is one insert or remove.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Take this before looking at the files whose ETags will be read.
    pub(crate) fn epoch(&self) -> Epoch {
        Epoch(self.lock().epoch)
    }

    /// The ETag read earlier for this version of the file.
    pub(crate) fn get(&self, bucket: &str, key: &str, stamp: FileStamp) -> Option<String> {
        let inner = self.lock();
        let (known, etag) = inner.buckets.get(bucket)?.get(key)?;
        (*known == stamp).then(|| etag.clone())
    }

    /// Remembers an ETag read from disk, unless a write started or ended since `since` or is
    /// still under way: then the file and its sidecar may not match.
    pub(crate) fn insert(&self, since: Epoch, bucket: &str, key: &str, stamp: FileStamp, etag: String) {
        let mut inner = self.lock();
        if inner.epoch != since.0 || inner.writing > 0 {
            return;
        }
        if inner.entries >= MAX_ENTRIES {
            inner.buckets.clear();
            inner.entries = 0;
        }
        let previous = inner
            .buckets
            .entry(bucket.to_owned())
            .or_default()
            .insert(key.to_owned(), (stamp, etag));
        if previous.is_none() {
            inner.entries += 1;
        }
    }

    /// Marks a write of `bucket`/`key` (None: the whole bucket) as under way until the guard
    /// is dropped; the key's entry is dropped at both ends.
    pub(crate) fn writing<'a>(&'a self, bucket: &'a str, key: Option<&'a str>) -> WriteGuard<'a> {
        self.lock().start_write(bucket, key);
        WriteGuard {
            cache: self,
            bucket,
            key,
        }
    }

    /// [`Self::writing`] for a write that may outlive the request, such as one finishing on a
    /// blocking thread after the client went away.
    pub(crate) fn writing_owned(self: &Arc<Self>, bucket: String, key: String) -> OwnedWriteGuard {
        self.lock().start_write(&bucket, Some(&key));
        OwnedWriteGuard {
            cache: Arc::clone(self),
            bucket,
            key,
        }
    }
}

impl Inner {
    fn start_write(&mut self, bucket: &str, key: Option<&str>) {
        self.epoch += 1;
        self.writing += 1;
        self.forget(bucket, key);
    }

    fn end_write(&mut self, bucket: &str, key: Option<&str>) {
        self.forget(bucket, key);
        self.epoch += 1;
        self.writing -= 1;
    }

    fn forget(&mut self, bucket: &str, key: Option<&str>) {
        let removed = match (self.buckets.get_mut(bucket), key) {
            (Some(keys), Some(key)) => usize::from(keys.remove(key).is_some()),
            (Some(_), None) => self.buckets.remove(bucket).map_or(0, |keys| keys.len()),
            (None, _) => 0,
        };
        self.entries -= removed;
    }
}

/// A write in progress; see [`EtagCache::writing`].
pub(crate) struct WriteGuard<'a> {
    cache: &'a EtagCache,
    bucket: &'a str,
    key: Option<&'a str>,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.cache.lock().end_write(self.bucket, self.key);
    }
}

/// A write in progress that owns its names; see [`EtagCache::writing_owned`].
pub(crate) struct OwnedWriteGuard {
    cache: Arc<EtagCache>,
    bucket: String,
    key: String,
}

impl Drop for OwnedWriteGuard {
    fn drop(&mut self) {
        self.cache.lock().end_write(&self.bucket, Some(&self.key));
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

    #[test]
    fn an_entry_serves_only_the_same_version_of_the_file() {
        let c = EtagCache::default();
        c.insert(c.epoch(), "b", "k", A, "e1".into());
        assert_eq!(c.get("b", "k", A).as_deref(), Some("e1"));
        assert_eq!(c.get("b", "k", FileStamp { inode: 8, ..A }), None);
        assert_eq!(c.get("b", "k", FileStamp { mtime_ns: 11, ..A }), None);
        assert_eq!(c.get("b", "k", FileStamp { size: 4, ..A }), None);
        assert_eq!(c.get("b", "other", A), None);
        assert_eq!(c.get("c", "k", A), None);
    }

    #[test]
    fn a_write_drops_the_entry_and_refuses_reads_that_raced_it() {
        let c = EtagCache::default();
        c.insert(c.epoch(), "b", "k", A, "e1".into());
        let before = c.epoch();
        {
            let _w = c.writing("b", Some("k"));
            assert_eq!(c.get("b", "k", A), None);
            // Read while the write is under way: not kept.
            c.insert(c.epoch(), "b", "k", A, "stale".into());
            assert_eq!(c.get("b", "k", A), None);
        }
        // Read began before the write, finished after it: not kept either.
        c.insert(before, "b", "k", A, "stale".into());
        assert_eq!(c.get("b", "k", A), None);
        // A read after the write is kept.
        c.insert(c.epoch(), "b", "k", A, "e2".into());
        assert_eq!(c.get("b", "k", A).as_deref(), Some("e2"));
    }

    #[test]
    fn an_owned_write_guard_works_like_a_borrowed_one() {
        let c = Arc::new(EtagCache::default());
        c.insert(c.epoch(), "b", "k", A, "e1".into());
        let before = c.epoch();
        let w = c.writing_owned("b".into(), "k".into());
        assert_eq!(c.get("b", "k", A), None);
        c.insert(c.epoch(), "b", "k", A, "stale".into());
        drop(w);
        c.insert(before, "b", "k", A, "stale".into());
        assert_eq!(c.get("b", "k", A), None);
        assert_eq!(c.lock().writing, 0);
    }

    #[test]
    fn deleting_a_bucket_forgets_all_its_keys() {
        let c = EtagCache::default();
        c.insert(c.epoch(), "b", "k1", A, "e1".into());
        c.insert(c.epoch(), "b", "k2", A, "e2".into());
        c.insert(c.epoch(), "other", "k1", A, "e3".into());
        drop(c.writing("b", None));
        assert_eq!(c.get("b", "k1", A), None);
        assert_eq!(c.get("b", "k2", A), None);
        assert_eq!(c.get("other", "k1", A).as_deref(), Some("e3"));
        assert_eq!(c.lock().entries, 1);
    }
}
