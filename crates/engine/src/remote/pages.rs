//! Following a paged listing without trusting the store to end it: every loop that asks for "the
//! next page" (objects, folders, buckets, versions) goes through one [`PageCursor`], which stops
//! a store that sends the same page again, says more follows without saying where, or keeps
//! sending empty pages. A buggy or hostile store then gets a clear error instead of an endless
//! loop — or, worse for sync, a listing that silently stops short and looks like deletions.

use std::collections::HashSet;
use std::hash::Hash;

use super::Remote;
use crate::error::Error;

pub use crate::error::StuckListing;
pub(crate) use crate::error::MAX_EMPTY_PAGES;

/// The positions a listing has been at, to tell progress from a loop.
#[derive(Debug)]
pub(crate) struct PageCursor<T> {
    seen: HashSet<T>,
    empty_in_a_row: usize,
}

impl<T: Eq + Hash + Clone> PageCursor<T> {
    /// A cursor at the first page.
    pub(crate) fn new() -> Self {
        Self {
            seen: HashSet::new(),
            empty_in_a_row: 0,
        }
    }

    /// Where to go after a page of `entries` rows: `Ok(None)` when the listing is complete,
    /// `Ok(Some(next))` to ask for `next`. `truncated` is the page's `IsTruncated` (`None` when
    /// the store leaves it out: then the token alone says whether more follow); `next` is the
    /// position it gave for the next page, if any.
    pub(crate) fn advance(
        &mut self,
        truncated: Option<bool>,
        next: Option<T>,
        entries: usize,
    ) -> Result<Option<T>, StuckListing> {
        if truncated == Some(false) {
            return Ok(None);
        }
        let Some(next) = next else {
            return match truncated {
                Some(true) => Err(StuckListing::NoNextPage),
                _ => Ok(None),
            };
        };
        if !self.seen.insert(next.clone()) {
            return Err(StuckListing::RepeatedPage);
        }
        self.empty_in_a_row = if entries == 0 { self.empty_in_a_row + 1 } else { 0 };
        if self.empty_in_a_row >= MAX_EMPTY_PAGES {
            return Err(StuckListing::EmptyPages);
        }
        Ok(Some(next))
    }
}

impl Remote {
    /// The error for a listing of `bucket` (none: the list of buckets) that did not move on.
    pub(super) fn stuck_listing(&self, bucket: Option<&str>, why: StuckListing) -> Error {
        tracing::warn!(endpoint = self.endpoint_label(), bucket, "stopped a listing: {why}");
        Error::ListingStuck {
            endpoint: self.endpoint_label().to_owned(),
            bucket: bucket.map(str::to_owned),
            why,
        }
    }
}

/// A continuation token as a position: an empty token is no token (some stores send
/// `<NextContinuationToken></NextContinuationToken>` on the last page).
pub(crate) fn token(t: Option<&str>) -> Option<String> {
    t.filter(|t| !t.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn new_tokens_lead_on_and_the_last_page_ends_the_listing() {
        let mut c = PageCursor::new();
        assert_eq!(c.advance(Some(true), t("a"), 1000), Ok(t("a")));
        assert_eq!(c.advance(None, t("b"), 1000), Ok(t("b")), "IsTruncated left out");
        assert_eq!(
            c.advance(Some(false), t("c"), 3),
            Ok(None),
            "a final page's token is ignored"
        );
        assert_eq!(PageCursor::<String>::new().advance(None, None, 0), Ok(None));
    }

    #[test]
    fn a_token_seen_before_is_a_loop() {
        let mut c = PageCursor::new();
        assert_eq!(c.advance(Some(true), t("a"), 1), Ok(t("a")));
        assert_eq!(c.advance(Some(true), t("a"), 1), Err(StuckListing::RepeatedPage));
        let mut c = PageCursor::new();
        for token in ["a", "b", "c"] {
            assert!(c.advance(Some(true), t(token), 1).is_ok());
        }
        assert_eq!(
            c.advance(Some(true), t("b"), 1),
            Err(StuckListing::RepeatedPage),
            "a cycle longer than one page"
        );
    }

    #[test]
    fn truncated_without_a_token_is_refused_not_taken_as_the_end() {
        let mut c = PageCursor::<String>::new();
        assert_eq!(c.advance(Some(true), None, 1000), Err(StuckListing::NoNextPage));
    }

    #[test]
    fn endless_empty_pages_stop_but_a_few_do_not() {
        let mut c = PageCursor::new();
        for n in 0..MAX_EMPTY_PAGES - 1 {
            assert!(c.advance(Some(true), Some(n), 0).is_ok(), "page {n}");
        }
        assert!(
            c.advance(Some(true), Some(usize::MAX), 1).is_ok(),
            "a page with rows resets the count"
        );
        for n in 0..MAX_EMPTY_PAGES - 1 {
            assert!(c.advance(Some(true), Some(MAX_EMPTY_PAGES + n), 0).is_ok());
        }
        assert_eq!(
            c.advance(Some(true), Some(usize::MAX - 1), 0),
            Err(StuckListing::EmptyPages)
        );
    }

    #[test]
    fn empty_tokens_are_no_tokens() {
        assert_eq!(token(Some("")), None);
        assert_eq!(token(Some("x")), t("x"));
        assert_eq!(token(None), None);
    }
}
