//! Asking the user, not the page: consent and PIN in a window the agent owns.
//!
//! The window is any program that speaks the pinentry protocol (`prompter` in the config); the
//! description it shows names the requesting origin, each document with its size and digest,
//! the certificate and the token. Entering the PIN is the consent; Cancel refuses. PIN-pad
//! tokens get a confirmation instead, and the PIN is typed on the pad.

mod pin_change;
mod pinentry;

use std::path::PathBuf;
use std::time::Duration;

use kyso_protocol::PinState;
use secrecy::SecretString;

pub use pin_change::{PinChange, PinChangeRequest};
pub use pinentry::{PinentryAnswer, PinentryDialog, PinentryError};

/// How the agent asks.
#[derive(Debug, Clone)]
pub enum Prompter {
    /// Runs a pinentry-protocol program for every request.
    Pinentry {
        /// The program.
        program: PathBuf,
        /// How long the user has to answer.
        timeout: Duration,
    },
    /// The PIN was given up front on the command line (`--pin-stdin`), whose invocation is the
    /// consent. Never used by the server.
    Given(SecretString),
}

/// A document in a request, as the user sees it.
#[derive(Debug, Clone)]
pub struct DocumentSummary {
    /// Name given by the caller (or the file name).
    pub name: String,
    /// Size in bytes, when the content was sent (not for digest-only requests).
    pub size: Option<u64>,
    /// The digest algorithm's display name and the digest, hex.
    pub digest: (String, String),
    /// Number of pages, for PDFs.
    pub pages: Option<u32>,
}

/// What the user is asked to agree to.
#[derive(Debug, Clone)]
pub struct ConsentRequest {
    /// Who asks: the web origin, or the command line.
    pub origin: String,
    /// The documents.
    pub documents: Vec<DocumentSummary>,
    /// The certificate holder's name.
    pub signer: String,
    /// The certificate's issuer and expiry, one line.
    pub certificate_line: String,
    /// What the checks before signing found (chain, revocation), one line.
    pub certificate_status: String,
    /// The token's label.
    pub token: String,
    /// PIN counters to warn about.
    pub pin: PinState,
    /// The token has a PIN pad.
    pub pin_pad: bool,
    /// The six-month PIN change reminder, when due.
    pub reminder: Option<String>,
}

/// What the user answered.
#[derive(Debug)]
pub enum Consent {
    /// Agreed, with this PIN.
    Pin(SecretString),
    /// Agreed; the PIN will be typed on the token's pad.
    PinPad,
    /// Refused (Cancel, window closed, timed out).
    Refused,
}

/// The prompt could not be shown.
#[derive(Debug)]
pub struct PromptError(PinentryError);

impl std::fmt::Display for PromptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot ask the user: {}", self.0)
    }
}

impl std::error::Error for PromptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl Prompter {
    /// Asks the user for consent and PIN.
    ///
    /// # Errors
    ///
    /// [`PromptError`] when the prompt program cannot be run or misbehaves; a user who cancels
    /// or does not answer in time gives [`Consent::Refused`], not an error.
    pub async fn ask(&self, request: &ConsentRequest) -> Result<Consent, PromptError> {
        let (program, timeout) = match self {
            Self::Given(pin) => {
                return Ok(if request.pin_pad { Consent::PinPad } else { Consent::Pin(pin.clone()) });
            }
            Self::Pinentry { program, timeout } => (program, *timeout),
        };
        let dialog = PinentryDialog {
            title: "Kyso – Yêu cầu ký số / Signature request".into(),
            description: describe(request),
            prompt: "PIN:".into(),
            ok: "Ký / Sign".into(),
            cancel: "Hủy / Cancel".into(),
            error: warning(request.pin),
            repeat: None,
            timeout,
        };
        let answer = if request.pin_pad {
            pinentry::confirm(program, &dialog).await
        } else {
            pinentry::get_pin(program, &dialog).await
        };
        match answer {
            Ok(PinentryAnswer::Pin(pin)) => Ok(Consent::Pin(pin)),
            Ok(PinentryAnswer::Confirmed) => Ok(Consent::PinPad),
            Ok(PinentryAnswer::Cancelled) | Err(PinentryError::TimedOut) => Ok(Consent::Refused),
            Err(error) => Err(PromptError(error)),
        }
    }
}

/// The bilingual description: who asks, what, with which certificate, on which token.
fn describe(request: &ConsentRequest) -> String {
    let mut text = format!("{}\nyêu cầu ký số / asks you to sign:\n", request.origin);
    for doc in &request.documents {
        let size = doc.size.map_or_else(|| "bản băm / digest only".to_owned(), human_size);
        let (algorithm, digest) = &doc.digest;
        let short = digest.get(..16).unwrap_or(digest);
        let pages = doc.pages.map(|n| format!("{n} trang / pages, ")).unwrap_or_default();
        text.push_str(&format!("• {} ({pages}{size}, {algorithm} {short}…)\n", doc.name));
    }
    text.push_str(&format!(
        "\nNgười ký / Signer: {}\n{}\n{}\nThiết bị / Token: {}\n\n",
        request.signer, request.certificate_line, request.certificate_status, request.token
    ));
    text.push_str(if request.pin_pad {
        "Nhấn Ký rồi nhập PIN trên bàn phím của thiết bị. / Press Sign, then type the PIN on the token's keypad."
    } else {
        "Nhập PIN để ký, hoặc Hủy để từ chối. / Enter the PIN to sign, or Cancel to refuse."
    });
    if let Some(reminder) = &request.reminder {
        text.push_str("\n\n");
        text.push_str(reminder);
    }
    text
}

/// The warning for a token that already saw a wrong PIN, or whose next wrong PIN locks it.
pub fn warning(pin: PinState) -> Option<String> {
    if pin.final_try {
        Some("Cảnh báo: nhập sai lần này thiết bị sẽ bị khóa. / Warning: one more wrong PIN locks the token.".into())
    } else if pin.count_low {
        Some("Lưu ý: đã có lần nhập sai PIN. / Note: a wrong PIN was entered before.".into())
    } else {
        None
    }
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}
