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
