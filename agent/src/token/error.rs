//! Errors from the token layer.

use cryptoki::error::{Error as CkError, RvError};
use kyso_protocol::PinState;

/// Why a token operation failed.
#[derive(Debug)]
pub enum TokenError {
    /// No present token holds the certificate.
    CertificateNotFound,
    /// The token is not present (any more): pulled out, or swapped for another.
    TokenAbsent,
    /// The PIN was wrong; the counters say how close the token is to locking.
    PinIncorrect(PinState),
    /// The PIN is locked.
    PinLocked,
    /// The token refused a new PIN: its length must be within `min..=max`, or it has
    /// characters the token does not take.
    PinRejected {
        /// Shortest PIN the token takes.
        min: usize,
        /// Longest.
        max: usize,
    },
    /// The user cancelled on the PIN pad.
    Cancelled,
    /// No private key on the token matches the certificate.
    KeyNotFound,
    /// The token offers no mechanism for the algorithm, or the key does not fit it.
    AlgorithmUnsupported(String),
    /// The certificate on the token could not be parsed.
    BadCertificate(String),
    /// Another PKCS#11 failure, with the function that failed.
    Pkcs11(CkError),
    /// The worker thread stopped (a bug, or a module that crashed it).
    WorkerGone,
}

impl TokenError {
    /// Classifies a cryptoki error: removal and PIN problems get their own variants.
    pub fn from_cryptoki(error: CkError) -> Self {
        match &error {
            CkError::Pkcs11(rv, _) => match rv {
                RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::TokenNotRecognized
                | RvError::SlotIdInvalid
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed => Self::TokenAbsent,
                RvError::PinLocked => Self::PinLocked,
                RvError::FunctionCanceled => Self::Cancelled,
                _ => Self::Pkcs11(error),
            },
            _ => Self::Pkcs11(error),
        }
    }
}

impl From<CkError> for TokenError {
    fn from(error: CkError) -> Self {
        Self::from_cryptoki(error)
    }
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CertificateNotFound => f.write_str("no present token holds the certificate"),
            Self::TokenAbsent => f.write_str("the token is not present"),
            Self::PinIncorrect(pin) => {
                write!(f, "incorrect pin (count low: {}, final try: {})", pin.count_low, pin.final_try)
            }
            Self::PinLocked => f.write_str("the pin is locked"),
            Self::PinRejected { min, max } => {
                write!(f, "the token refused the new pin: it takes {min} to {max} characters, of the kinds it allows")
            }
            Self::Cancelled => f.write_str("cancelled on the token"),
            Self::KeyNotFound => f.write_str("no private key on the token matches the certificate"),
            Self::AlgorithmUnsupported(what) => write!(f, "unsupported algorithm: {what}"),
            Self::BadCertificate(what) => write!(f, "unreadable certificate on the token: {what}"),
            Self::Pkcs11(error) => write!(f, "pkcs#11 error: {error}"),
            Self::WorkerGone => f.write_str("the token worker thread stopped"),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Pkcs11(error) => Some(error),
            _ => None,
        }
    }
}
