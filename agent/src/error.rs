//! The agent's API error: a stable protocol code plus technical detail, and how token, prompt
//! and CMS failures map onto codes.

use kyso_protocol::{ErrorCode, ErrorResponse, PinState};

use crate::prompt::PromptError;
use crate::token::TokenError;

/// A failed request, as the caller will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Stable code; its catalogue holds the user-facing messages.
    pub code: ErrorCode,
    /// Technical detail for logs and support, English.
    pub detail: Option<String>,
    /// PIN counters, for `pin_incorrect`.
    pub pin: Option<PinState>,
}

impl ApiError {
    /// An error with a code and no detail.
    pub fn new(code: ErrorCode) -> Self {
        Self { code, detail: None, pin: None }
    }

    /// An error with a code and a detail.
    pub fn with(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self { code, detail: Some(detail.into()), pin: None }
    }

    /// `bad_request` with what is wrong.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::with(ErrorCode::BadRequest, detail)
    }

    /// The JSON body.
    pub fn to_response(&self) -> ErrorResponse {
        let mut body = ErrorResponse::new(self.code);
        body.error.detail = self.detail.clone();
        body.error.pin = self.pin;
        body
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.code),
            None => write!(f, "{}", self.code),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        let code = match &error {
            TokenError::CertificateNotFound => ErrorCode::CertificateNotFound,
            TokenError::TokenAbsent => ErrorCode::TokenAbsent,
            TokenError::PinIncorrect(pin) => {
                return Self { code: ErrorCode::PinIncorrect, detail: Some(error.to_string()), pin: Some(*pin) };
            }
            TokenError::PinLocked => ErrorCode::PinLocked,
            TokenError::PinRejected { .. } => ErrorCode::BadRequest,
            TokenError::Cancelled => ErrorCode::UserCancelled,
            TokenError::KeyNotFound => ErrorCode::KeyNotFound,
            TokenError::AlgorithmUnsupported(_) => ErrorCode::AlgorithmUnsupported,
            TokenError::BadCertificate(_) | TokenError::Pkcs11(_) => ErrorCode::TokenError,
            TokenError::WorkerGone => ErrorCode::Internal,
        };
        Self::with(code, error.to_string())
    }
}

impl From<PromptError> for ApiError {
    fn from(error: PromptError) -> Self {
        Self::with(ErrorCode::PrompterUnavailable, error.to_string())
    }
}

impl From<crate::cades::CmsError> for ApiError {
    fn from(error: crate::cades::CmsError) -> Self {
        Self::with(ErrorCode::Internal, error.to_string())
    }
}
