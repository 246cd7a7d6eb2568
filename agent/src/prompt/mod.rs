//! Asking the user, not the page: consent and PIN in a window the agent owns.
//!
//! Two ways to ask: Kyso's own window ([`crate::ui`], the default), which stays open while the
//! token signs, lets the user try again after a wrong PIN and ends with a summary; or any
//! program that speaks the pinentry protocol (`prompt = "pinentry"`), one dialog per request,
//! whose description names the same things in both languages. Either shows the requesting
//! origin, the act, each document with its size and digest, the certificate and the token.
//! Entering the PIN is the consent; Cancel refuses. PIN-pad tokens get a confirmation
//! instead, and the PIN is typed on the pad.

mod pin_change;
mod pinentry;

use std::path::PathBuf;
use std::time::Duration;

use kyso_protocol::PinState;
use secrecy::SecretString;

use crate::i18n::{Bilingual, Lang, Text};

pub use pin_change::{PinChange, PinChangeRequest};
pub use pinentry::{PinentryAnswer, PinentryDialog, PinentryError};

/// How the agent asks.
#[derive(Debug, Clone)]
pub enum Prompter {
    /// Kyso's own window, shown by the UI thread.
    Window {
        /// The UI thread.
        ui: crate::ui::UiHandle,
        /// How long the user has to answer.
        timeout: Duration,
        /// The windows' language.
        lang: crate::i18n::Language,
    },
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
    /// The exact bytes consented to, on disk, for the window's viewer; `None` for digests.
    pub file: Option<PathBuf>,
    /// Where a visible signature goes, for the window's preview.
    pub preview: Option<Preview>,
}

/// A visible signature's place on its page, and the image drawn there (PNG or JPEG), if any.
#[derive(Debug, Clone)]
pub struct Preview {
    pub placed: crate::pdf::Placed,
    pub image: Option<std::sync::Arc<Vec<u8>>>,
}

/// What the user is asked to agree to.
#[derive(Debug, Clone)]
pub struct ConsentRequest {
    /// Who asks: the web origin, or the command line.
    pub origin: String,
    /// What the signature is for: a Decree 30 act (`approve`, ...), `detached` or `digest`.
    pub act: String,
    /// The signature level asked (`B-B`, `B-T`, ...), when the request names one.
    pub level: Option<String>,
    /// The documents.
    pub documents: Vec<DocumentSummary>,
    /// The certificate holder's name.
    pub signer: String,
    /// The certificate's issuer.
    pub issuer: String,
    /// The certificate's last day.
    pub expires: String,
    /// What the checks before signing found (chain, revocation).
    pub certificate_status: Bilingual,
    /// The token's label.
    pub token: String,
    /// PIN counters to warn about.
    pub pin: PinState,
    /// The token has a PIN pad.
    pub pin_pad: bool,
    /// The six-month PIN change reminder, when due.
    pub reminder: Option<Bilingual>,
}

/// A certificate the chooser lists.
#[derive(Debug, Clone)]
pub struct CertificateChoice {
    /// The holder's name.
    pub subject: String,
    /// The issuer's name.
    pub issuer: String,
    /// The last day.
    pub expires: String,
    /// The token's label.
    pub token: String,
}

/// Which certificate to sign with, for a caller that does not say.
#[derive(Debug, Clone)]
pub struct ChooseRequest {
    /// Who asks.
    pub origin: String,
    /// The certificates that can sign.
    pub choices: Vec<CertificateChoice>,
    /// The one selected first (the last chosen for this origin).
    pub preselected: usize,
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
pub enum PromptError {
    /// The pinentry program failed.
    Pinentry(PinentryError),
    /// Kyso's window could not be opened, or went away without an answer.
    Window(String),
}

impl std::fmt::Display for PromptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pinentry(error) => write!(f, "cannot ask the user: {error}"),
            Self::Window(detail) => write!(f, "cannot ask the user: {detail}"),
        }
    }
}

impl std::error::Error for PromptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Pinentry(error) => Some(error),
            Self::Window(_) => None,
        }
    }
}

/// The user's answer, and the window that stays open until the request ends (Kyso's window
/// only): it takes the PIN again after a wrong one, and shows the result.
#[derive(Debug)]
pub struct Answer {
    pub consent: Consent,
    pub window: Option<crate::ui::Session>,
}

impl Prompter {
    /// Asks the user for consent and PIN.
    ///
    /// # Errors
    ///
    /// [`PromptError`] when the prompt program cannot be run or misbehaves; a user who cancels
    /// or does not answer in time gives [`Consent::Refused`], not an error.
    pub async fn ask(&self, request: &ConsentRequest) -> Result<Answer, PromptError> {
        let (program, timeout) = match self {
            Self::Given(pin) => {
                let consent = if request.pin_pad { Consent::PinPad } else { Consent::Pin(pin.clone()) };
                return Ok(Answer { consent, window: None });
            }
            Self::Window { ui, timeout, lang } => {
                let mut window = ui.open(request.clone(), lang.get(), *timeout)?;
                let consent = window.answer().await?;
                return Ok(Answer { consent, window: Some(window) });
            }
            Self::Pinentry { program, timeout } => (program, *timeout),
        };
        let dialog = PinentryDialog {
            title: Bilingual::from(Text::WindowTitle).to_string(),
            description: describe(request),
            prompt: format!("{}:", Text::PinLabel.get(Lang::En)),
            ok: Bilingual::from(Text::Sign).to_string(),
            cancel: Bilingual::from(Text::Cancel).to_string(),
            error: warning(request.pin).map(|w| w.to_string()),
            repeat: None,
            timeout,
        };
        let answer = if request.pin_pad {
            pinentry::confirm(program, &dialog).await
        } else {
            pinentry::get_pin(program, &dialog).await
        };
        let consent = match answer {
            Ok(PinentryAnswer::Pin(pin)) => Consent::Pin(pin),
            Ok(PinentryAnswer::Confirmed) => Consent::PinPad,
            Ok(PinentryAnswer::Cancelled) | Err(PinentryError::TimedOut) => Consent::Refused,
            Err(error) => return Err(PromptError::Pinentry(error)),
        };
        Ok(Answer { consent, window: None })
    }
}

impl Prompter {
    /// The UI thread and the windows' language, when this prompter is Kyso's window.
    pub fn ui_handle(&self) -> Option<(crate::ui::UiHandle, crate::i18n::Language)> {
        match self {
            Self::Window { ui, lang, .. } => Some((ui.clone(), lang.clone())),
            Self::Pinentry { .. } | Self::Given(_) => None,
        }
    }

    /// Asks which certificate to sign with: `Ok(Some(index))`, or `Ok(None)` when the user
    /// cancels. Only Kyso's window can ask; other prompters give `Err(None)`.
    ///
    /// # Errors
    ///
    /// `None` when this prompter has no chooser; [`PromptError`] when the window cannot open.
    pub async fn choose(&self, request: ChooseRequest) -> Result<Option<usize>, Option<PromptError>> {
        match self {
            Self::Window { ui, timeout, lang } => ui.choose(request, lang.get(), *timeout).await.map_err(Some),
            Self::Pinentry { .. } | Self::Given(_) => Err(None),
        }
    }
}

/// The bilingual description: who asks, what, with which certificate, on which token.
fn describe(request: &ConsentRequest) -> String {
    let both = |text: Text| Bilingual::from(text).to_string();
    let mut text = format!("{}\n{}: {}\n", request.origin, both(Text::AsksYouToSign), act_name(&request.act));
    for doc in &request.documents {
        let size = doc.size.map_or_else(|| both(Text::DigestOnly), human_size);
        let (algorithm, digest) = &doc.digest;
        let short = digest.get(..16).unwrap_or(digest);
        let pages = doc
            .pages
            .map(|n| format!("{}, ", Bilingual::fill(Text::Pages, &[("count", &n.to_string())])))
            .unwrap_or_default();
        text.push_str(&format!("• {} ({pages}{size}, {algorithm} {short}…)\n", doc.name));
    }
    text.push_str(&format!(
        "\n{}: {}\n{}: {} — {}: {}\n{}\n{}: {}\n\n",
        both(Text::Signer),
        request.signer,
        both(Text::IssuedBy),
        request.issuer,
        both(Text::Expires),
        request.expires,
        request.certificate_status,
        both(Text::Token),
        request.token
    ));
    let token = [("token", request.token.as_str())];
    text.push_str(&Bilingual::fill(if request.pin_pad { Text::PinPad } else { Text::PinHint }, &token).to_string());
    if let Some(reminder) = &request.reminder {
        text.push_str("\n\n");
        text.push_str(&reminder.to_string());
    }
    text
}

/// The act's name in both languages.
fn act_name(act: &str) -> Bilingual {
    act_text(act).into()
}

/// The catalogue text naming `act`.
pub fn act_text(act: &str) -> Text {
    match act {
        "approve" => Text::ActApprove,
        "issue" => Text::ActIssue,
        "copy" => Text::ActCopy,
        "appendix" => Text::ActAppendix,
        "incoming" => Text::ActIncoming,
        "comment" => Text::ActComment,
        "detached" => Text::ActDetached,
        "digest" => Text::ActDigest,
        _ => Text::ActPlain,
    }
}

/// The warning for a token that already saw a wrong PIN, or whose next wrong PIN locks it.
pub fn warning(pin: PinState) -> Option<Bilingual> {
    if pin.final_try {
        Some(Text::FinalTry.into())
    } else if pin.count_low {
        Some(Text::TriesLow.into())
    } else {
        None
    }
}

/// A size for people: bytes, KiB or MiB.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} B"),
    }
}
