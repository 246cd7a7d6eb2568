//! Asking for a PIN change in the prompter: the current PIN (with the token's warnings), then
//! the new one, typed twice (in one dialog when the pinentry can check a repeated entry, else
//! in a second dialog).

use kyso_protocol::PinState;
use secrecy::{ExposeSecret, SecretString};

use super::pinentry::{self, PinentryAnswer, PinentryDialog, PinentryError};
use super::{PromptError, Prompter};

/// The token whose PIN is to change.
#[derive(Debug, Clone)]
pub struct PinChangeRequest {
    /// Token label.
    pub label: String,
    /// Token serial number.
    pub serial: String,
    /// PIN counters to warn about.
    pub pin: PinState,
}

/// What the user answered.
#[derive(Debug)]
pub enum PinChange {
    /// The current and the new PIN (typed twice, the same both times).
    Pins {
        /// The current PIN.
        old: SecretString,
        /// The new PIN.
        new: SecretString,
    },
    /// The two entries of the new PIN differ.
    Mismatch,
    /// Cancelled, closed or timed out.
    Cancelled,
}

impl Prompter {
    /// Asks for the current and the new PIN of `request`'s token.
    ///
    /// # Errors
    ///
    /// [`PromptError`] when the prompt program cannot be run or misbehaves.
    pub async fn ask_pin_change(&self, request: &PinChangeRequest) -> Result<PinChange, PromptError> {
        let Self::Pinentry { program, timeout } = self else {
            // `--pin-stdin` reads both PINs itself; this prompter has only one.
            return Ok(PinChange::Cancelled);
        };
        let token = format!("Token: {} (số sê-ri / serial {})", request.label, request.serial);
        let dialog = |description: String, error: Option<String>, repeat: Option<String>| PinentryDialog {
            title: "Kyso – Đổi mã PIN / Change the token PIN".into(),
            description,
            prompt: "PIN:".into(),
            ok: "Tiếp / Next".into(),
            cancel: "Hủy / Cancel".into(),
            error,
            repeat,
            timeout: *timeout,
        };
        let current = dialog(
            format!("{token}\n\nNhập mã PIN hiện tại. / Enter the current PIN."),
            super::warning(request.pin).map(|w| w.to_string()),
            None,
        );
        let old = match pinentry::get_pin(program, &current).await {
            Ok(PinentryAnswer::Pin(pin)) => pin,
            Ok(_) | Err(PinentryError::TimedOut) => return Ok(PinChange::Cancelled),
            Err(error) => return Err(PromptError::Pinentry(error)),
        };
        let fresh = dialog(
            format!("{token}\n\nNhập mã PIN mới. / Enter the new PIN."),
            None,
            Some("Nhập lại / Repeat:".into()),
        );
        let (new, repeated) = match pinentry::get_new_pin(program, &fresh).await {
            Ok((PinentryAnswer::Pin(pin), repeated)) => (pin, repeated),
            Ok(_) | Err(PinentryError::TimedOut) => return Ok(PinChange::Cancelled),
            Err(error) => return Err(PromptError::Pinentry(error)),
        };
        if !repeated {
            let again = dialog(format!("{token}\n\nNhập lại mã PIN mới. / Enter the new PIN again."), None, None);
            match pinentry::get_pin(program, &again).await {
                Ok(PinentryAnswer::Pin(pin)) if pin.expose_secret() == new.expose_secret() => {}
                Ok(PinentryAnswer::Pin(_)) => return Ok(PinChange::Mismatch),
                Ok(_) | Err(PinentryError::TimedOut) => return Ok(PinChange::Cancelled),
                Err(error) => return Err(PromptError::Pinentry(error)),
            }
        }
        Ok(PinChange::Pins { old, new })
    }
}
