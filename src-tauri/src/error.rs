//! The one error shape that crosses IPC: a code the UI branches on, a sentence for a person, and
//! the technical detail behind a "Details" button.

use pail_engine::ErrorCode;
use serde::Serialize;

/// Every command's error.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UiError {
    /// What kind of problem (for icons and actions, never parsed from text).
    pub code: ErrorCode,
    /// A sentence the user can act on.
    pub message: String,
    /// Technical detail for the disclosure and bug reports.
    pub detail: String,
}

impl From<pail_engine::Error> for UiError {
    fn from(e: pail_engine::Error) -> Self {
        let ui = UiError {
            code: e.code(),
            message: e.user_message(),
            detail: e.detail(),
        };
        tracing::warn!(code = ?ui.code, detail = %ui.detail, "command failed");
        ui
    }
}

impl UiError {
    /// An error for a state that the shell itself detects.
    pub fn internal(message: impl Into<String>, detail: impl Into<String>) -> Self {
        UiError {
            code: ErrorCode::Internal,
            message: message.into(),
            detail: detail.into(),
        }
    }
}

/// Command result.
pub type CmdResult<T> = Result<T, UiError>;
