//! Waiting for something another task or process does, without guessing how long it takes.

use std::future::Future;
use std::time::{Duration, Instant};

/// How long [`eventually`] waits before it fails. Generous on purpose: a test must not fail
/// because the machine is busy, only because the thing never happens.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Polls `check` until it holds and returns how long that took; fails after [`PATIENCE`],
/// saying what it waited for.
pub async fn eventually<F, Fut>(what: &str, check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually_within(what, PATIENCE, check).await
}

/// [`eventually`] with another limit, for a wait whose limit is what the test is about.
pub async fn eventually_within<F, Fut>(what: &str, limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
