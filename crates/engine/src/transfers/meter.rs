//! Speed of one transfer: bytes per second, smoothed so the number does not jump every tick.

use std::time::Instant;

/// A smoothed speed from progress samples.
#[derive(Debug, Default, Clone)]
pub(super) struct Meter {
    last: Option<(u64, Instant)>,
    speed: f64,
}

/// Weight of the newest sample (about a second of memory at ten samples a second).
const NEW_WEIGHT: f64 = 0.2;

impl Meter {
    /// Records that `bytes` are done at `now`.
    pub fn sample(&mut self, bytes: u64, now: Instant) {
        if let Some((before, at)) = self.last {
            let secs = now.duration_since(at).as_secs_f64();
            if secs > 0.0 {
                // Progress can go back (a failed range is fetched again): that is not negative speed.
                let rate = bytes.saturating_sub(before) as f64 / secs;
                self.speed = if self.speed == 0.0 {
                    rate
                } else {
                    NEW_WEIGHT * rate + (1.0 - NEW_WEIGHT) * self.speed
                };
            }
        }
        self.last = Some((bytes, now));
    }

    /// Bytes per second.
    pub fn bytes_per_sec(&self) -> u64 {
        self.speed.round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn speed_follows_progress_and_smooths_jumps() {
        let t0 = Instant::now();
        let mut m = Meter::default();
        m.sample(0, t0);
        m.sample(1000, t0 + Duration::from_secs(1));
        assert_eq!(m.bytes_per_sec(), 1000);
        m.sample(1000, t0 + Duration::from_secs(2));
        assert_eq!(m.bytes_per_sec(), 800, "a stall lowers the speed gradually");
        m.sample(500, t0 + Duration::from_secs(3));
        assert_eq!(m.bytes_per_sec(), 640, "progress going back is not negative speed");
    }
}
