//! Taking a successful response's body away from the SDK's generic deserializer, for an operation
//! whose reply Pail reads faster itself (a listing page of a thousand objects is most of a no-op
//! sync's CPU when the SDK's XML decoder reads it). Signing, retries, timeouts and error replies
//! stay the SDK's: only a 2xx body is diverted, and the SDK reads a stand-in document instead.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};

/// The most a diverted reply may hold. A listing page of 1,000 of the longest keys S3 allows is
/// a few MiB; a store sending more is broken or hostile, and is not read into memory whole.
pub(crate) const MAX_DIVERTED_BODY: usize = 64 << 20;

/// A per-request interceptor that keeps the body of a successful reply for the caller and gives
/// the SDK `stand_in` to deserialize in its place.
#[derive(Debug, Clone)]
pub(crate) struct DivertBody {
    stand_in: &'static [u8],
    slot: Arc<Mutex<Option<Bytes>>>,
}

impl DivertBody {
    /// An interceptor that hands the SDK `stand_in` for every successful reply.
    pub(crate) fn new(stand_in: &'static [u8]) -> Self {
        Self {
            stand_in,
            slot: Arc::default(),
        }
    }

    /// The body of the last successful attempt, once the SDK has read it whole.
    pub(crate) fn take(&self) -> Option<Bytes> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Intercept for DivertBody {
    fn name(&self) -> &'static str {
        "PailDivertBody"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().status().is_success() {
            let inner = context.response_mut().take_body();
            let capacity = inner.size_hint().lower().min(16 << 20) as usize;
            *context.response_mut().body_mut() = SdkBody::from_body_1_x(Diverted {
                inner,
                kept: BytesMut::with_capacity(capacity),
                max: MAX_DIVERTED_BODY,
                stand_in: self.stand_in,
                slot: self.slot.clone(),
                finished: false,
            });
        }
        Ok(())
    }
}

pin_project_lite::pin_project! {
    /// Reads the real body to its end, keeps it in the slot, and yields only the stand-in.
    struct Diverted {
        #[pin]
        inner: SdkBody,
        kept: BytesMut,
        max: usize,
        stand_in: &'static [u8],
        slot: Arc<Mutex<Option<Bytes>>>,
        finished: bool,
    }
}

impl Body for Diverted {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        if *this.finished {
            return Poll::Ready(None);
        }
        loop {
            match this.inner.as_mut().poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        if this.kept.len() + data.len() > *this.max {
                            *this.finished = true;
                            let why = format!(
                                "the reply is longer than {} bytes, more than any listing page needs",
                                this.max
                            );
                            return Poll::Ready(Some(Err(why.into())));
                        }
                        this.kept.extend_from_slice(&data);
                    }
                }
                Poll::Ready(None) => {
                    *this.finished = true;
                    let body = std::mem::take(this.kept).freeze();
                    *this.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(body);
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(this.stand_in)))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.finished
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diverted(body: &'static [u8], max: usize) -> (Diverted, Arc<Mutex<Option<Bytes>>>) {
        let slot: Arc<Mutex<Option<Bytes>>> = Arc::default();
        let body = Diverted {
            inner: SdkBody::from(body),
            kept: BytesMut::new(),
            max,
            stand_in: b"<stand-in/>",
            slot: slot.clone(),
            finished: false,
        };
        (body, slot)
    }

    async fn read(body: Diverted) -> Result<Vec<u8>, BoxError> {
        let mut body = std::pin::pin!(body);
        let mut out = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            if let Ok(data) = frame?.into_data() {
                out.extend_from_slice(&data);
            }
        }
        Ok(out)
    }

    #[tokio::test]
    async fn the_body_is_kept_and_the_stand_in_handed_on() {
        let (body, slot) = diverted(b"<real/>", 1024);
        assert_eq!(read(body).await.unwrap(), b"<stand-in/>");
        assert_eq!(slot.lock().unwrap().as_deref(), Some(&b"<real/>"[..]));
    }

    #[tokio::test]
    async fn a_reply_over_the_limit_is_refused_not_kept() {
        let (body, slot) = diverted(b"0123456789", 4);
        let err = read(body).await.unwrap_err();
        assert!(err.to_string().contains("longer than 4 bytes"), "{err}");
        assert!(slot.lock().unwrap().is_none());
    }
}
