//! How long to wait before trying a failed sync again: doubling from a second or two up to a
//! ceiling, each wait stretched by a random part of itself (backon's jittered exponential
//! backoff), so computers that lost the same store at once do not all come back in the same
//! second. One rule for a failed pass and a session that would not start.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// The waits between attempts that keep failing; [`Backoff::reset`] after one succeeds.
#[derive(Debug)]
pub struct Backoff {
    builder: ExponentialBuilder,
    waits: backon::ExponentialBackoff,
    ceiling: Duration,
}

impl Backoff {
    /// Waits that start at `first` (up to twice that with the jitter) and double up to `ceiling`
    /// (up to twice that).
    pub fn new(first: Duration, ceiling: Duration) -> Self {
        let builder = ExponentialBuilder::new()
            .with_min_delay(first)
            .with_max_delay(ceiling)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times();
        Self {
            waits: builder.build(),
            builder,
            ceiling,
        }
    }

    /// The wait before the next attempt.
    pub fn next_wait(&mut self) -> Duration {
        // Without a limit on attempts the iterator never ends; the ceiling is only a fallback.
        self.waits.next().unwrap_or(self.ceiling)
    }

    /// The last attempt worked: the next failure waits the shortest time again.
    pub fn reset(&mut self) {
        self.waits = self.builder.build();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_ceiling_each_stretched_by_at_most_itself() {
        let (first, ceiling) = (Duration::from_secs(1), Duration::from_secs(30));
        let mut backoff = Backoff::new(first, ceiling);
        let mut base = first;
        for _ in 0..12 {
            let wait = backoff.next_wait();
            assert!(wait >= base && wait <= base * 2, "{wait:?} for a base of {base:?}");
            base = (base * 2).min(ceiling);
        }
    }

    #[test]
    fn waits_differ_between_two_computers() {
        let waits = |_| {
            let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
            (0..8).map(|_| b.next_wait()).collect::<Vec<_>>()
        };
        // Eight jittered waits alike to the nanosecond would take a broken random source.
        assert_ne!(waits(0), waits(1));
    }

    #[test]
    fn a_success_starts_the_waits_again_from_the_first() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        for _ in 0..6 {
            backoff.next_wait();
        }
        backoff.reset();
        assert!(backoff.next_wait() <= Duration::from_secs(2));
    }
}
