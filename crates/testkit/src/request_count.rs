//! What a client asked a store for, by kind: a [`FaultProxy`] with no faults forwards every
//! request to the real server and records it, and these helpers count the records. Tests of
//! request cost (an idle pair, a saved file) assert on the counts; nothing is mocked.

use crate::fault_proxy::{FaultConfig, FaultProxy, RequestRecord, Upstream};

/// The kind of an S3 request, as its method and query say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// ListObjects(V2), ListObjectVersions, ListMultipartUploads, ListBuckets, ListParts.
    List,
    /// HeadObject, HeadBucket.
    Head,
    /// GetObject and other reads.
    Get,
    /// PutObject, uploads of parts, copies, CreateMultipartUpload, CompleteMultipartUpload.
    Put,
    /// DeleteObject(s), AbortMultipartUpload.
    Delete,
}

/// The kind of a request with this method and target (path and query).
pub fn kind_of(method: &str, target: &str) -> RequestKind {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let params: Vec<&str> = query.split('&').map(|p| p.split('=').next().unwrap_or("")).collect();
    let has = |name: &str| params.contains(&name);
    // Path-style: "/" is the service, "/bucket" or "/bucket/" the bucket, more is an object.
    let object = path.trim_start_matches('/').trim_end_matches('/').contains('/');
    match method {
        "HEAD" => RequestKind::Head,
        "DELETE" => RequestKind::Delete,
        "GET" if !object || has("uploads") || has("uploadId") || has("versions") => RequestKind::List,
        "GET" => RequestKind::Get,
        // Multi-object delete is a POST with ?delete.
        "POST" if has("delete") => RequestKind::Delete,
        _ => RequestKind::Put,
    }
}

/// Requests counted by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RequestCounts {
    /// Listings.
    pub list: u64,
    /// HEADs.
    pub head: u64,
    /// Object reads.
    pub get: u64,
    /// Writes.
    pub put: u64,
    /// Deletes.
    pub delete: u64,
}

impl RequestCounts {
    /// All requests.
    pub fn total(&self) -> u64 {
        self.list + self.head + self.get + self.put + self.delete
    }

    /// Counts these records.
    pub fn of(records: &[RequestRecord]) -> Self {
        let mut c = RequestCounts::default();
        for r in records {
            match kind_of(&r.method, &r.target) {
                RequestKind::List => c.list += 1,
                RequestKind::Head => c.head += 1,
                RequestKind::Get => c.get += 1,
                RequestKind::Put => c.put += 1,
                RequestKind::Delete => c.delete += 1,
            }
        }
        c
    }
}

impl std::fmt::Display for RequestCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests ({} list, {} head, {} get, {} put, {} delete)",
            self.total(),
            self.list,
            self.head,
            self.get,
            self.put,
            self.delete
        )
    }
}

/// A proxy that only counts: every request reaches the real server unchanged.
pub struct CountingProxy {
    proxy: FaultProxy,
}

impl CountingProxy {
    /// Starts counting requests to `upstream`.
    pub fn start(upstream: impl Upstream) -> Self {
        Self {
            proxy: FaultProxy::start(upstream, 0, FaultConfig::none()),
        }
    }

    /// The endpoint clients should use.
    pub fn endpoint(&self) -> String {
        self.proxy.endpoint()
    }

    /// A mark in the count: [`CountingProxy::since`] counts what came after it.
    pub fn mark(&self) -> usize {
        self.proxy.records().len()
    }

    /// Everything counted since `mark`.
    pub fn since(&self, mark: usize) -> RequestCounts {
        let records = self.proxy.records();
        RequestCounts::of(records.get(mark..).unwrap_or_default())
    }

    /// The requests since `mark`, for a failure message.
    pub fn listed_since(&self, mark: usize) -> Vec<String> {
        self.proxy
            .records()
            .get(mark..)
            .unwrap_or_default()
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_told_apart_by_method_and_query() {
        assert_eq!(kind_of("GET", "/b?list-type=2&prefix=p%2F"), RequestKind::List);
        assert_eq!(kind_of("GET", "/b/?list-type=2"), RequestKind::List);
        assert_eq!(kind_of("GET", "/"), RequestKind::List);
        assert_eq!(kind_of("GET", "/b?versions&prefix=x"), RequestKind::List);
        assert_eq!(kind_of("GET", "/b/k?uploadId=1"), RequestKind::List);
        assert_eq!(kind_of("GET", "/b/p/k.txt"), RequestKind::Get);
        assert_eq!(kind_of("HEAD", "/b/p/.pail/changed"), RequestKind::Head);
        assert_eq!(kind_of("PUT", "/b/p/k.txt"), RequestKind::Put);
        assert_eq!(kind_of("POST", "/b/k?uploads"), RequestKind::Put);
        assert_eq!(kind_of("POST", "/b?delete"), RequestKind::Delete);
        assert_eq!(kind_of("DELETE", "/b/k"), RequestKind::Delete);
    }
}
