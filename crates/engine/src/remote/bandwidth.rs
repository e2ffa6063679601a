//! Bandwidth limits (Settings): every request body going up and every response body coming down
//! through the app's S3 clients is paced to a shared rate, so all transfers and synced folders
//! together stay under the limit the user chose. Applied by an SDK interceptor that wraps bodies,
//! so uploads streamed from files (whole objects and multipart parts), downloads, ranged
//! downloads and listings are all covered without touching the transfer code.
//!
//! Pacing, not a token bucket crate: each chunk reserves its share of time on a shared clock
//! (`next free instant += bytes / rate`) and is released when its turn comes. That is all a
//! byte-rate limit across many streams needs, and it never lets idle time pile up into a burst.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Instant;

/// One direction's limit, shared by every client of the app.
#[derive(Debug, Default)]
pub struct Pacer {
    /// Bytes per second; 0 = no limit.
    rate: AtomicU64,
    next_free: Mutex<Option<Instant>>,
}

impl Pacer {
    /// Sets the limit in bytes per second (0 lifts it).
    pub fn set_rate(&self, bytes_per_sec: u64) {
        self.rate.store(bytes_per_sec, Ordering::Relaxed);
        if let Ok(mut next) = self.next_free.lock() {
            *next = None;
        }
    }

    /// The limit in bytes per second (0 = none).
    pub fn rate(&self) -> u64 {
        self.rate.load(Ordering::Relaxed)
    }

    /// Reserves time for `bytes`; returns when they may go, or None for "now".
    fn reserve(&self, bytes: usize) -> Option<Instant> {
        let rate = self.rate();
        if rate == 0 || bytes == 0 {
            return None;
        }
        let now = Instant::now();
        let mut next = self.next_free.lock().ok()?;
        let start = next.filter(|t| *t > now).unwrap_or(now);
        *next = Some(start + Duration::from_secs_f64(bytes as f64 / rate as f64));
        (start > now).then_some(start)
    }
}

/// The app's two limits.
#[derive(Debug, Default)]
pub struct Bandwidth {
    /// Request bodies (uploads).
    pub up: Pacer,
    /// Response bodies (downloads, listings).
    pub down: Pacer,
}

impl Bandwidth {
    /// Sets both limits in KiB/s (0 = no limit).
    pub fn set_limits_kib(&self, up_kib: u32, down_kib: u32) {
        self.up.set_rate(u64::from(up_kib) * 1024);
        self.down.set_rate(u64::from(down_kib) * 1024);
    }
}

/// The interceptor that paces bodies through a shared [`Bandwidth`].
#[derive(Debug, Clone)]
pub struct BandwidthInterceptor(pub Arc<Bandwidth>);

impl Intercept for BandwidthInterceptor {
    fn name(&self) -> &'static str {
        "PailBandwidthLimit"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Called once per attempt with a fresh body, so retries are paced too. In-memory bodies
        // (XML requests, folder markers) stay as they are: the SDK decides on aws-chunked
        // encoding by whether a body is in memory, before this hook runs, and file data always
        // streams.
        if self.0.up.rate() > 0 && context.request().body().bytes().is_none() {
            let body = context.request_mut().take_body();
            *context.request_mut().body_mut() = SdkBody::from_body_1_x(Paced::new(body, self.0.clone(), Direction::Up));
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.0.down.rate() > 0 {
            let body = context.response_mut().take_body();
            *context.response_mut().body_mut() =
                SdkBody::from_body_1_x(Paced::new(body, self.0.clone(), Direction::Down));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Direction {
    Up,
    Down,
}

pin_project_lite::pin_project! {
    /// A body whose data frames wait for their turn on the pacer.
    struct Paced {
        #[pin]
        inner: SdkBody,
        limits: Arc<Bandwidth>,
        direction: Direction,
        wait: Option<Pin<Box<tokio::time::Sleep>>>,
        held: Option<Frame<Bytes>>,
        rest: Option<Bytes>,
    }
}

/// Large frames go out in pieces of at most this, so one big buffer cannot skip the pacing.
const PIECE: usize = 16 * 1024;

impl Paced {
    fn new(inner: SdkBody, limits: Arc<Bandwidth>, direction: Direction) -> Self {
        Self {
            inner,
            limits,
            direction,
            wait: None,
            held: None,
            rest: None,
        }
    }
}

impl Body for Paced {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        if let Some(wait) = this.wait.as_mut() {
            if wait.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            *this.wait = None;
            if let Some(frame) = this.held.take() {
                return Poll::Ready(Some(Ok(frame)));
            }
        }
        let frame = match this.rest.take() {
            Some(rest) => Frame::data(rest),
            None => match this.inner.as_mut().poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => frame,
                other => return other,
            },
        };
        let frame = match frame.into_data() {
            Ok(mut data) => {
                if data.len() > PIECE {
                    *this.rest = Some(data.split_off(PIECE));
                }
                Frame::data(data)
            }
            Err(trailers) => return Poll::Ready(Some(Ok(trailers))),
        };
        let len = frame.data_ref().map_or(0, Bytes::len);
        let pacer = match this.direction {
            Direction::Up => &this.limits.up,
            Direction::Down => &this.limits.down,
        };
        match pacer.reserve(len) {
            None => Poll::Ready(Some(Ok(frame))),
            Some(at) => {
                let mut sleep = Box::pin(tokio::time::sleep_until(at));
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Ok(frame)));
                }
                *this.wait = Some(sleep);
                *this.held = Some(frame);
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.held.is_none() && self.rest.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Wraps a streamed request body so `progress` counts its bytes as they are sent (a PUT's
/// progress then moves with the upload instead of jumping at the end). Each attempt the SDK
/// makes rebuilds the body, and the count starts again from zero when it is first read. A body
/// that cannot be rebuilt is returned as it is, uncounted: wrapping it would cost the SDK its
/// retries.
pub(crate) fn counted(
    body: aws_sdk_s3::primitives::ByteStream,
    progress: Arc<AtomicU64>,
) -> aws_sdk_s3::primitives::ByteStream {
    let base = body.into_inner();
    if base.try_clone().is_none() {
        return aws_sdk_s3::primitives::ByteStream::new(base);
    }
    // Still a streamed body (not in memory), so the SDK frames and checksums it as before.
    aws_sdk_s3::primitives::ByteStream::new(SdkBody::retryable(move || match base.try_clone() {
        Some(fresh) => SdkBody::from_body_1_x(Counted {
            inner: fresh,
            progress: progress.clone(),
            started: false,
        }),
        None => SdkBody::taken(),
    }))
}

pin_project_lite::pin_project! {
    /// A body that adds the length of each data frame to a counter as it goes out.
    struct Counted {
        #[pin]
        inner: SdkBody,
        progress: Arc<AtomicU64>,
        // The count starts again from zero when a (re)built body is first read: a retry resends
        // everything. (The SDK also builds a spare copy for retries that may never be read.)
        started: bool,
    }
}

impl Body for Counted {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        if !*this.started {
            *this.started = true;
            this.progress.store(0, Ordering::Relaxed);
        }
        let polled = this.inner.poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                this.progress.fetch_add(data.len() as u64, Ordering::Relaxed);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn chunks_are_spread_over_time_at_the_rate() {
        let pacer = Pacer::default();
        assert_eq!(pacer.reserve(1000), None, "no limit: no wait");
        pacer.set_rate(1000);
        assert_eq!(pacer.reserve(500), None, "the first chunk goes at once");
        let start = Instant::now();
        let second = pacer.reserve(500).unwrap_or(start);
        assert_eq!(second - start, Duration::from_millis(500));
        let third = pacer.reserve(1000).unwrap_or(start);
        assert_eq!(third - start, Duration::from_secs(1));
        // Idle time does not pile up into a burst.
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(pacer.reserve(100), None);
        assert!(pacer.reserve(100).is_some());
        pacer.set_rate(0);
        assert_eq!(pacer.reserve(1_000_000), None, "lifting the limit releases at once");
    }

    #[tokio::test]
    async fn a_counted_body_counts_what_is_sent_and_starts_again_on_a_retry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        std::fs::write(&path, vec![7u8; 300_000]).unwrap();
        let progress = Arc::new(AtomicU64::new(0));
        let body = aws_sdk_s3::primitives::ByteStream::from_path(&path).await.unwrap();
        let body = counted(body, progress.clone()).into_inner();
        assert_eq!(
            body.content_length(),
            Some(300_000),
            "the length still goes in the request"
        );
        assert!(
            body.bytes().is_none(),
            "still streamed, so the SDK frames and checksums it as before"
        );
        let retry = body.try_clone().expect("a retry can rebuild the body");
        let sent = aws_sdk_s3::primitives::ByteStream::new(body).collect().await.unwrap();
        assert_eq!(sent.into_bytes().len(), 300_000);
        assert_eq!(progress.load(Ordering::Relaxed), 300_000);
        // The rebuilt body (a retry) counted from zero again.
        let again = aws_sdk_s3::primitives::ByteStream::new(retry).collect().await.unwrap();
        assert_eq!(again.into_bytes().len(), 300_000);
        assert_eq!(progress.load(Ordering::Relaxed), 300_000);
    }
}
