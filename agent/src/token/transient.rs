//! Retrying calls a module fails only for a moment.
//!
//! SoftHSM keeps each token in files that every process using it reads and rewrites (at login,
//! for one); while another process writes them, `C_GetTokenInfo` and friends fail with
//! CKR_GENERAL_ERROR. Vendor middleware does the like while a token is being plugged in. A few
//! short retries tell that apart from a token that is really gone. While it rewrites them,
//! SoftHSM may even list the token's slot as a new, uninitialised one: a listing that finds
//! nothing is read again, too.

use std::time::Duration;

use cryptoki::error::{Error as CkError, RvError};

/// Waits between attempts; their sum bounds the delay before giving up.
const BACKOFF: [Duration; 3] = [Duration::from_millis(20), Duration::from_millis(50), Duration::from_millis(120)];

/// Runs `call`, again after a short wait while it fails with CKR_GENERAL_ERROR.
pub fn retry<T>(mut call: impl FnMut() -> Result<T, CkError>) -> Result<T, CkError> {
    for wait in BACKOFF {
        match call() {
            Err(CkError::Pkcs11(RvError::GeneralError, _)) => std::thread::sleep(wait),
            other => return other,
        }
    }
    call()
}

/// Runs `read`, again after a short wait while `unsettled` says its result may be a passing
/// state (no certificate at all, the wanted one missing).
pub fn settle<T>(mut read: impl FnMut() -> T, unsettled: impl Fn(&T) -> bool) -> T {
    for wait in BACKOFF {
        let value = read();
        if !unsettled(&value) {
            return value;
        }
        std::thread::sleep(wait);
    }
    read()
}
