//! What requests cost at each provider's published prices, to show users what syncing costs
//! them (none of the peers does). A dated table per preset; custom endpoints have none.
//!
//! Prices are list prices in US dollars before free allowances and volume tiers, for the
//! standard storage class (AWS: us-east-1). They change: [`PRICES_AS_OF`] says when they were
//! read, and the UI says "about".

use serde::Serialize;

use crate::providers::Provider;
use crate::remote::request_meter::RequestCounts;

/// When the prices below were read from the providers' price pages.
pub const PRICES_AS_OF: &str = "December 2026";

/// US dollars per 1,000 requests of each kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceList {
    /// Listings.
    pub list: f64,
    /// HEADs.
    pub head: f64,
    /// Object reads.
    pub get: f64,
    /// Writes, copies, multipart steps.
    pub put: f64,
    /// Deletes.
    pub delete: f64,
}

/// The provider's request prices, or `None` where Pail does not know them (a custom endpoint,
/// a server of one's own).
pub fn price_list(provider: Provider) -> Option<PriceList> {
    match provider {
        // S3 Standard, us-east-1: PUT, COPY, POST, LIST $0.005 per 1,000; GET and the rest
        // $0.0004 per 1,000; DELETE free.
        Provider::Aws => Some(PriceList {
            list: 0.005,
            head: 0.0004,
            get: 0.0004,
            put: 0.005,
            delete: 0.0,
        }),
        // Class A (writes, listings) $4.50 per million; Class B (reads, HEAD) $0.36 per million;
        // deletes free.
        Provider::CloudflareR2 => Some(PriceList {
            list: 0.0045,
            head: 0.00036,
            get: 0.00036,
            put: 0.0045,
            delete: 0.0,
        }),
        // Class A (uploads, deletes) free; Class B (downloads, HEAD) $0.004 per 10,000;
        // Class C (listings) $0.004 per 1,000.
        Provider::BackblazeB2 => Some(PriceList {
            list: 0.004,
            head: 0.0004,
            get: 0.0004,
            put: 0.0,
            delete: 0.0,
        }),
        // No charge per request; the demo store runs on this computer.
        Provider::Wasabi | Provider::DigitalOceanSpaces | Provider::Demo => Some(PriceList {
            list: 0.0,
            head: 0.0,
            get: 0.0,
            put: 0.0,
            delete: 0.0,
        }),
        Provider::Minio | Provider::Garage | Provider::Other => None,
    }
}

/// Requests and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RequestCost {
    /// Requests by kind.
    pub requests: RequestCounts,
    /// Estimated US dollars at the provider's list prices; `None` when they are unknown.
    pub usd: Option<f64>,
}

/// What `requests` cost at `provider`'s prices.
pub fn estimate(provider: Provider, requests: RequestCounts) -> RequestCost {
    let usd = price_list(provider).map(|p| {
        let per = |n: u64, price: f64| n as f64 / 1000.0 * price;
        per(requests.list, p.list)
            + per(requests.head, p.head)
            + per(requests.get, p.get)
            + per(requests.put, p.put)
            + per(requests.delete, p.delete)
    });
    RequestCost { requests, usd }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_hour_of_marker_checks_costs_fractions_of_a_cent() {
        let idle = RequestCounts {
            head: 120,
            ..RequestCounts::default()
        };
        let aws = estimate(Provider::Aws, idle).usd.expect("AWS prices are known");
        assert!((aws - 0.000048).abs() < 1e-12, "{aws}");
        // A listing of 100,000 keys (100 pages) every 30 s for an hour: what markers avoid.
        let listing = RequestCounts {
            list: 100 * 120,
            ..RequestCounts::default()
        };
        let aws = estimate(Provider::Aws, listing).usd.expect("known");
        assert!((aws - 0.06).abs() < 1e-9, "{aws}");
    }

    #[test]
    fn custom_endpoints_have_no_price_and_free_stores_cost_nothing() {
        let some = RequestCounts {
            list: 5,
            put: 7,
            ..RequestCounts::default()
        };
        assert_eq!(estimate(Provider::Other, some).usd, None);
        assert_eq!(estimate(Provider::Minio, some).usd, None);
        assert_eq!(estimate(Provider::Wasabi, some).usd, Some(0.0));
        assert_eq!(estimate(Provider::Demo, some).usd, Some(0.0));
    }
}
