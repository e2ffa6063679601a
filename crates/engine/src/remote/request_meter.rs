//! Counts the requests a client sends to the store, by kind, because that is what users pay for
//! (per 1,000 requests on AWS and most S3-compatible stores, listings dearest). Every attempt
//! counts, retries included: the store bills those too.
//!
//! The test kit counts the same way at the wire (`pail_testkit::request_count`); the two are
//! kept apart on purpose, so a test compares this meter with an independent count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::{Deserialize, Serialize};

/// Requests by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RequestCounts {
    /// Listings (objects, versions, buckets, uploads, parts).
    pub list: u64,
    /// HEADs.
    pub head: u64,
    /// Object reads.
    pub get: u64,
    /// Writes: uploads, parts, copies.
    pub put: u64,
    /// Deletes.
    pub delete: u64,
}

impl RequestCounts {
    /// All requests.
    pub fn total(&self) -> u64 {
        self.list + self.head + self.get + self.put + self.delete
    }

    /// Both counts added up.
    pub fn plus(&self, other: &RequestCounts) -> RequestCounts {
        RequestCounts {
            list: self.list + other.list,
            head: self.head + other.head,
            get: self.get + other.get,
            put: self.put + other.put,
            delete: self.delete + other.delete,
        }
    }

    /// What was counted between `earlier` and `self`.
    pub fn since(&self, earlier: &RequestCounts) -> RequestCounts {
        RequestCounts {
            list: self.list.saturating_sub(earlier.list),
            head: self.head.saturating_sub(earlier.head),
            get: self.get.saturating_sub(earlier.get),
            put: self.put.saturating_sub(earlier.put),
            delete: self.delete.saturating_sub(earlier.delete),
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Head,
    Get,
    Put,
    Delete,
}

/// The kind of a request with this method, path and query (path-style or virtual-hosted: a GET
/// of the service or of a bucket is a listing, as is any GET of uploads, parts or versions).
fn kind_of(method: &str, path: &str, query: &str, virtual_hosted: bool) -> Kind {
    let params: Vec<&str> = query.split('&').map(|p| p.split('=').next().unwrap_or("")).collect();
    let has = |name: &str| params.contains(&name);
    let segments = path.trim_matches('/');
    let object = if virtual_hosted {
        !segments.is_empty()
    } else {
        segments.contains('/')
    };
    match method {
        "HEAD" => Kind::Head,
        "DELETE" => Kind::Delete,
        "GET" if !object || has("uploads") || has("uploadId") || has("versions") || has("list-type") => Kind::List,
        "GET" => Kind::Get,
        "POST" if has("delete") => Kind::Delete,
        _ => Kind::Put,
    }
}

/// The counters one client (and its clones) add to.
#[derive(Debug, Default)]
pub struct RequestMeter {
    counts: [AtomicU64; 5],
}

impl RequestMeter {
    fn add(&self, kind: Kind) {
        self.counts[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn counts(&self) -> RequestCounts {
        let get = |k: Kind| self.counts[k as usize].load(Ordering::Relaxed);
        RequestCounts {
            list: get(Kind::List),
            head: get(Kind::Head),
            get: get(Kind::Get),
            put: get(Kind::Put),
            delete: get(Kind::Delete),
        }
    }
}

/// The SDK interceptor that feeds a [`RequestMeter`].
#[derive(Debug, Clone)]
pub(crate) struct MeterInterceptor {
    pub(crate) meter: Arc<RequestMeter>,
    pub(crate) virtual_hosted: bool,
}

impl Intercept for MeterInterceptor {
    fn name(&self) -> &'static str {
        "PailRequestMeter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let uri = request.uri();
        let (path, query) = match uri.split_once("://") {
            Some((_, rest)) => {
                let after_host = rest.find('/').map_or("/", |i| &rest[i..]);
                after_host.split_once('?').unwrap_or((after_host, ""))
            }
            None => uri.split_once('?').unwrap_or((uri, "")),
        };
        self.meter
            .add(kind_of(request.method(), path, query, self.virtual_hosted));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_told_apart_in_both_addressing_styles() {
        assert_eq!(kind_of("GET", "/b", "list-type=2&prefix=p%2F", false), Kind::List);
        assert_eq!(kind_of("GET", "/", "list-type=2&prefix=p%2F", true), Kind::List);
        assert_eq!(kind_of("GET", "/", "", false), Kind::List);
        assert_eq!(kind_of("GET", "/b", "versions", false), Kind::List);
        assert_eq!(kind_of("GET", "/b/k", "uploadId=1", false), Kind::List);
        assert_eq!(kind_of("GET", "/b/p/k.txt", "x-id=GetObject", false), Kind::Get);
        assert_eq!(kind_of("GET", "/p/k.txt", "", true), Kind::Get);
        assert_eq!(kind_of("HEAD", "/b/p/.pail/changed", "", false), Kind::Head);
        assert_eq!(kind_of("PUT", "/b/k", "x-id=PutObject", false), Kind::Put);
        assert_eq!(kind_of("POST", "/b/k", "uploads", false), Kind::Put);
        assert_eq!(kind_of("POST", "/b", "delete", false), Kind::Delete);
        assert_eq!(kind_of("DELETE", "/b/k", "x-id=DeleteObject", false), Kind::Delete);
    }

    #[test]
    fn counts_subtract_to_what_happened_in_between() {
        let meter = RequestMeter::default();
        meter.add(Kind::List);
        let before = meter.counts();
        meter.add(Kind::Head);
        meter.add(Kind::Head);
        let d = meter.counts().since(&before);
        assert_eq!((d.list, d.head, d.total()), (0, 2, 2));
        assert_eq!(d.to_string(), "2 requests (0 list, 2 head, 0 get, 0 put, 0 delete)");
    }
}
