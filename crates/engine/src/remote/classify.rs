//! Turns SDK errors into [`Error::Remote`] with an [`ErrorCode`]: the one place that knows S3's
//! error codes, HTTP statuses and transport failures.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response;

use crate::error::{error_chain, Error, ErrorCode, Operation};

/// Classifies an SDK error from `operation` against `endpoint` (and `bucket`).
pub fn classify<E>(err: SdkError<E, Response>, operation: Operation, endpoint: &str, bucket: Option<&str>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, detail) = match &err {
        SdkError::TimeoutError(_) => (ErrorCode::Timeout, error_chain(&err)),
        SdkError::DispatchFailure(d) => {
            let chain = error_chain(&err);
            let code = if d.is_timeout() {
                ErrorCode::Timeout
            } else if looks_like_credentials_failure(&err) {
                ErrorCode::MissingCredentials
            } else if looks_like_tls(&chain) {
                ErrorCode::Tls
            } else {
                ErrorCode::EndpointUnreachable
            };
            (code, chain)
        }
        SdkError::ServiceError(s) => {
            let status = s.raw().status().as_u16();
            let s3_code = err.code().unwrap_or("");
            let message = err.message().unwrap_or("");
            let code = from_s3_code(s3_code).unwrap_or_else(|| from_status(status, operation));
            let detail = if s3_code.is_empty() && message.is_empty() {
                // No S3 error document: the chain is all there is to go on.
                format!("HTTP {status}: {}", error_chain(&err))
            } else {
                format!("HTTP {status} {s3_code}: {message}")
                    .trim_end_matches([':', ' '])
                    .to_owned()
            };
            (code, detail)
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status().as_u16();
            (
                from_status(status, operation),
                format!("HTTP {status}: {}", error_chain(&err)),
            )
        }
        SdkError::ConstructionFailure(_) => {
            let code = if looks_like_credentials_failure(&err) {
                ErrorCode::MissingCredentials
            } else {
                ErrorCode::Internal
            };
            (code, error_chain(&err))
        }
        _ => (ErrorCode::Internal, error_chain(&err)),
    };
    // Server text enters Pail here: a newline or terminal escape in it must not forge log lines.
    let detail = crate::untrusted_text::escape_untrusted(&detail).into_owned();
    tracing::debug!(?code, ?operation, endpoint, detail, "S3 request failed");
    Error::Remote {
        code,
        operation,
        endpoint: endpoint.to_owned(),
        bucket: bucket.map(str::to_owned),
        detail,
    }
}

/// The kind of a per-key failure inside a batch answer (DeleteObjects' `Errors`), which carries
/// an S3 error code but no HTTP status of its own.
pub(super) fn kind_of_s3_code(code: &str) -> ErrorCode {
    from_s3_code(code).unwrap_or(ErrorCode::Server)
}

/// Maps S3's documented error codes (and the common ones of compatible stores).
fn from_s3_code(code: &str) -> Option<ErrorCode> {
    Some(match code {
        "InvalidAccessKeyId" => ErrorCode::InvalidAccessKeyId,
        "SignatureDoesNotMatch" => ErrorCode::SignatureMismatch,
        "RequestTimeTooSkewed" => ErrorCode::ClockSkew,
        "AccessDenied" | "AllAccessDisabled" | "AccountProblem" | "InvalidObjectState" => ErrorCode::AccessDenied,
        "NoSuchBucket" => ErrorCode::NoSuchBucket,
        "NoSuchKey" => ErrorCode::NoSuchKey,
        "ExpiredToken" | "TokenRefreshRequired" | "InvalidToken" => ErrorCode::ExpiredCredentials,
        "SlowDown" | "Throttling" | "ThrottlingException" | "TooManyRequests" | "RequestLimitExceeded" => {
            ErrorCode::Throttled
        }
        "InternalError" | "ServiceUnavailable" => ErrorCode::Server,
        "RequestTimeout" => ErrorCode::Timeout,
        // AWS answers 409 ConditionalRequestConflict when a conditional write races another.
        "PreconditionFailed" | "ConditionalRequestConflict" => ErrorCode::PreconditionFailed,
        _ => return None,
    })
}

/// Bodiless responses (HEAD) carry only a status.
fn from_status(status: u16, operation: Operation) -> ErrorCode {
    match status {
        401 | 403 => ErrorCode::AccessDenied,
        404 => match operation {
            Operation::HeadObject | Operation::GetObject => ErrorCode::NoSuchKey,
            _ => ErrorCode::NoSuchBucket,
        },
        408 => ErrorCode::Timeout,
        412 => ErrorCode::PreconditionFailed,
        429 | 503 => ErrorCode::Throttled,
        _ => ErrorCode::Server,
    }
}

fn looks_like_credentials_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.is::<aws_credential_types::provider::error::CredentialsError>() {
            return true;
        }
        cur = e.source();
    }
    false
}

/// rustls and hyper-rustls do not export stable error types through the SDK's connector, so the
/// transport chain's wording is the only signal; it is matched here, never in the UI.
fn looks_like_tls(chain: &str) -> bool {
    let c = chain.to_ascii_lowercase();
    [
        "tls",
        "certificate",
        "handshake",
        "invalidcontenttype",
        "corrupt message",
        "alert",
        "unknownissuer",
        "ssl",
    ]
    .iter()
    .any(|needle| c.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes_map_to_kinds() {
        assert_eq!(
            from_s3_code("SignatureDoesNotMatch"),
            Some(ErrorCode::SignatureMismatch)
        );
        assert_eq!(from_s3_code("RequestTimeTooSkewed"), Some(ErrorCode::ClockSkew));
        assert_eq!(from_s3_code("ExpiredToken"), Some(ErrorCode::ExpiredCredentials));
        assert_eq!(from_s3_code("SlowDown"), Some(ErrorCode::Throttled));
        assert_eq!(from_s3_code("SomethingNew"), None);
    }

    #[test]
    fn bodiless_statuses_depend_on_the_operation() {
        assert_eq!(from_status(404, Operation::HeadObject), ErrorCode::NoSuchKey);
        assert_eq!(from_status(404, Operation::OpenBucket), ErrorCode::NoSuchBucket);
        assert_eq!(from_status(403, Operation::ListBuckets), ErrorCode::AccessDenied);
        assert_eq!(from_status(503, Operation::ListObjects), ErrorCode::Throttled);
        assert_eq!(from_status(500, Operation::ListObjects), ErrorCode::Server);
    }

    #[test]
    fn a_refused_signature_blames_the_secret_only_where_nothing_but_the_bucket_is_named() {
        let refused = |operation| Error::Remote {
            code: ErrorCode::SignatureMismatch,
            operation,
            endpoint: "http://127.0.0.1:9".into(),
            bucket: Some("b".into()),
            detail: "HTTP 403 SignatureDoesNotMatch".into(),
        };
        for op in [Operation::ListBuckets, Operation::OpenBucket] {
            assert!(refused(op).user_message().contains("secret access key does not match"));
        }
        for op in [
            Operation::GetObject,
            Operation::PutObject,
            Operation::HeadObject,
            Operation::ListObjects,
        ] {
            let message = refused(op).user_message();
            assert!(
                message.contains("refused the signature of Pail's request for this item"),
                "{message}"
            );
            assert!(message.contains("if every request fails, the secret access key may be wrong"));
        }
    }

    #[test]
    fn server_text_in_a_detail_is_escaped_when_shown() {
        let e = Error::Remote {
            code: ErrorCode::Server,
            operation: Operation::ListObjects,
            endpoint: "e".into(),
            bucket: None,
            detail: "HTTP 500 InternalError: one\nFORGED \u{1b}[31m".into(),
        };
        assert_eq!(e.detail(), "HTTP 500 InternalError: one\\nFORGED \\u{1b}[31m");
        assert!(!e.to_string().contains('\n'), "{e}");
    }

    #[test]
    fn tls_wording_is_recognised() {
        assert!(looks_like_tls("io error: invalid peer certificate: UnknownIssuer"));
        assert!(looks_like_tls("received corrupt message of type InvalidContentType"));
        assert!(!looks_like_tls("Connection refused (os error 111)"));
    }
}
