//! The signing flow shared by the HTTP API and the command line: check the certificate, ask the
//! user, sign on the token, assemble the CMS.
//!
//! Only one prompt is on screen at a time; a few requests may wait for it, and more are refused
//! with `busy`, so a page firing requests in a loop cannot flood the desktop.

use std::sync::Arc;
use std::time::SystemTime;

mod detached;
mod pdf;
mod timestamping;
mod trail;

use kyso_protocol::{DigestAlgorithm, ErrorCode, KeyType, SignatureAlgorithm, SignatureLevel};
use secrecy::SecretString;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::certinfo::{self, Unusable};
use crate::error::ApiError;
use crate::prompt::{Consent, ConsentRequest, DocumentSummary, Prompter};
use crate::token::{SignJob, SigningTarget, TokenService};
use trail::Trail;

pub use detached::DetachedInput;
pub use pdf::{Look, PdfBatch, PdfDocument, PdfInput, PdfOutput, pdf_error};
pub use timestamping::{TimestampAuthority, rfc3339};

/// Signs on behalf of callers, one prompt at a time.
#[derive(Debug, Clone)]
pub struct Signer {
    tokens: TokenService,
    prompter: Prompter,
    /// One prompt on screen at a time.
    prompt: Arc<Semaphore>,
    /// Requests admitted (on screen or waiting); more are refused with `busy`.
    admitted: Arc<Semaphore>,
    /// Fonts configured for appearances (`appearance.font`, `appearance.bold_font`).
    fonts: [Option<std::path::PathBuf>; 2],
    /// The TSA (`tsa.url`), for `B-T` and higher.
    timestamps: Option<TimestampAuthority>,
    /// Checks the signer's certificate before signing; `None` trusts nothing.
    trust: Option<crate::trust::Trust>,
    /// Where every request is recorded.
    audit: crate::audit::Audit,
    /// When each token's PIN last changed, for the six-month reminder in the consent window.
    pin_ages: Option<crate::pin_age::PinAges>,
    /// The user's signature and seal images, per certificate.
    personal_images: Option<crate::personal_images::PersonalImages>,
    /// The level and acts the user chose in Settings for requests that name none.
    user_defaults: Option<crate::user_defaults::UserDefaults>,
    /// The certificate last chosen per origin, for the chooser.
    certificate_choices: Option<crate::certificate_choices::CertificateChoices>,
    /// Signing paused from the tray: requests are refused until resumed.
    paused: Arc<std::sync::atomic::AtomicBool>,
}

impl Signer {
    /// Creates a signer; `max_queued` requests may wait while one is on screen.
    pub fn new(tokens: TokenService, prompter: Prompter, max_queued: usize) -> Self {
        Self {
            tokens,
            prompter,
            prompt: Arc::new(Semaphore::new(1)),
            admitted: Arc::new(Semaphore::new(max_queued + 1)),
            fonts: [None, None],
            timestamps: None,
            trust: None,
            audit: crate::audit::Audit::none(),
            pin_ages: None,
            personal_images: None,
            user_defaults: None,
            certificate_choices: None,
            paused: Arc::default(),
        }
    }

    /// Pauses signing (every request refused with `signing_paused`) or resumes it.
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether signing is paused.
    pub fn paused(&self) -> bool {
        self.paused.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether a request is on screen or at the token now.
    pub fn busy_now(&self) -> bool {
        self.prompt.available_permits() == 0
    }

    /// Remembers in `choices` the certificate the user picks per origin.
    pub fn with_certificate_choices(mut self, choices: Option<crate::certificate_choices::CertificateChoices>) -> Self {
        self.certificate_choices = choices;
        self
    }

    /// Lets the user pick which of `certificates` (DER, on the tokens labelled `tokens`) signs
    /// for `origin`, the last one chosen there first; remembers the choice. `Ok(None)` when
    /// the prompter has no chooser (pinentry).
    ///
    /// # Errors
    ///
    /// `user_cancelled` when the user cancels; `prompter_unavailable` when the window cannot
    /// open; `busy` when too many requests wait.
    pub async fn choose_certificate(
        &self,
        origin: &str,
        certificates: &[&[u8]],
        tokens: &[String],
    ) -> Result<Option<usize>, ApiError> {
        let thumbprints: Vec<String> = certificates.iter().map(|der| hex::encode(certinfo::thumbprint(der))).collect();
        let remembered = self.certificate_choices.as_ref().and_then(|c| c.get(origin));
        let preselected = remembered.and_then(|t| thumbprints.iter().position(|p| *p == t)).unwrap_or(0);
        let choices = certificates
            .iter()
            .zip(tokens)
            .map(|(der, token)| {
                let cert = certinfo::parse(der).map_err(|e| ApiError::with(ErrorCode::TokenError, e))?;
                Ok(crate::prompt::CertificateChoice {
                    subject: certinfo::common_name(&cert),
                    issuer: certinfo::issuer_name(&cert),
                    expires: certinfo::date(cert.tbs_certificate.validity.not_after),
                    token: token.clone(),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let request = crate::prompt::ChooseRequest { origin: origin.to_owned(), choices, preselected };
        let _on_screen = self.admit().await?;
        match self.prompter.choose(request).await {
            Ok(Some(index)) => {
                if let Some(record) = &self.certificate_choices
                    && let Err(error) = record.set(origin, &thumbprints[index])
                {
                    tracing::warn!(%error, "cannot remember the certificate chosen");
                }
                Ok(Some(index))
            }
            Ok(None) => Err(ApiError::new(ErrorCode::UserCancelled)),
            Err(Some(error)) => Err(error.into()),
            Err(None) => Ok(None),
        }
    }

    /// Draws the user's imported images for acts asked without one.
    pub fn with_personal_images(mut self, images: Option<crate::personal_images::PersonalImages>) -> Self {
        self.personal_images = images;
        self
    }

    /// The image the user imported for the certificate `thumbprint` (hex), if any.
    pub fn personal_image(&self, thumbprint: &str, kind: crate::personal_images::ImageKind) -> Option<Vec<u8>> {
        self.personal_images.as_ref()?.get(thumbprint, kind)
    }

    /// The store of images, for Settings.
    pub fn personal_images(&self) -> Option<&crate::personal_images::PersonalImages> {
        self.personal_images.as_ref()
    }

    /// Gives requests that name no level or act the user's defaults (see
    /// [`crate::user_defaults`]).
    pub fn with_user_defaults(mut self, defaults: Option<crate::user_defaults::UserDefaults>) -> Self {
        self.user_defaults = defaults;
        self
    }

    /// The user's defaults, for requests and Settings.
    pub fn user_defaults(&self) -> Option<&crate::user_defaults::UserDefaults> {
        self.user_defaults.as_ref()
    }

    /// Whether a timestamp authority is set, so levels above B-B can be made.
    pub fn can_timestamp(&self) -> bool {
        self.timestamps.is_some()
    }

    /// Reminds, in the consent window, of PINs older than six months (recorded in `ages`).
    pub fn with_pin_ages(mut self, ages: Option<crate::pin_age::PinAges>) -> Self {
        self.pin_ages = ages;
        self
    }

    /// Records every request in `audit`.
    pub fn with_audit(mut self, audit: crate::audit::Audit) -> Self {
        self.audit = audit;
        self
    }

    /// The audit trail, for requests refused before they reach the signer.
    pub fn audit(&self) -> &crate::audit::Audit {
        &self.audit
    }

    /// Checks certificates with `trust` before signing.
    pub fn with_trust(mut self, trust: crate::trust::Trust) -> Self {
        self.trust = Some(trust);
        self
    }

    /// Timestamps `B-T` signatures with `tsa`.
    pub fn with_timestamps(mut self, tsa: Option<TimestampAuthority>) -> Self {
        self.timestamps = tsa;
        self
    }

    /// The TSA a signature of `level` needs, if any.
    ///
    /// # Errors
    ///
    /// `timestamp_failed` when the level needs one and none is configured.
    fn timestamps_for(&self, level: SignatureLevel) -> Result<Option<&TimestampAuthority>, ApiError> {
        if !level.timestamped() {
            return Ok(None);
        }
        self.timestamps.as_ref().map(Some).ok_or_else(|| {
            ApiError::with(
                ErrorCode::TimestampFailed,
                format!("level {} needs a timestamp authority, and none is set (tsa.url)", level.as_str()),
            )
        })
    }

    /// The archiver for B-LT and B-LTA signatures, with this signer's anchors and TSA.
    ///
    /// # Errors
    ///
    /// `certificate_untrusted` when no anchors are configured.
    fn archiver(&self) -> Result<crate::ltv::Archiver, ApiError> {
        let trust = self.trust.clone().ok_or_else(|| {
            ApiError::with(ErrorCode::CertificateUntrusted, "no trust anchors are configured (trust.anchors)")
        })?;
        Ok(crate::ltv::Archiver::new(trust, self.timestamps.clone()))
    }

    /// A verifier with this signer's trust anchors, asking responders when a file has no
    /// evidence.
    ///
    /// # Errors
    ///
    /// `certificate_untrusted` when no anchors are configured.
    pub fn verifier(&self) -> Result<crate::verify::Verifier, ApiError> {
        let trust = self.trust.clone().ok_or_else(|| {
            ApiError::with(ErrorCode::CertificateUntrusted, "no trust anchors are configured (trust.anchors)")
        })?;
        Ok(crate::verify::Verifier::new(trust, true))
    }

    /// Uses these fonts for appearance text instead of Times New Roman / Liberation Serif.
    pub fn with_fonts(mut self, regular: Option<std::path::PathBuf>, bold: Option<std::path::PathBuf>) -> Self {
        self.fonts = [regular, bold];
        self
    }

    /// Returns the token service.
    pub fn tokens(&self) -> &TokenService {
        &self.tokens
    }

    /// Admits a request: refuses with `signing_paused` when the user paused signing, with
    /// `busy` when too many wait, then waits for the screen.
    async fn admit(&self) -> Result<Admission, ApiError> {
        if self.paused() {
            return Err(ApiError::new(ErrorCode::SigningPaused));
        }
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| ApiError::new(ErrorCode::Busy))?;
        let on_screen = self.prompt.clone().acquire_owned().await.map_err(|_| ApiError::new(ErrorCode::Internal))?;
        Ok(Admission { _admitted: admitted, _on_screen: on_screen })
    }

    /// Finds the certificate, checks it can sign now, and picks the algorithm.
    async fn choose(&self, certificate: &str, requested: Option<SignatureAlgorithm>) -> Result<Chosen, ApiError> {
        let thumbprint = parse_thumbprint(certificate)?;
        let target = self.tokens.describe(thumbprint).await?;
        let cert = certinfo::parse(&target.certificate.der).map_err(|e| ApiError::with(ErrorCode::TokenError, e))?;
        certinfo::check_usable(&cert, SystemTime::now()).map_err(|why| match why {
            Unusable::Expired => ApiError::new(ErrorCode::CertificateExpired),
            Unusable::NotYetValid => ApiError::new(ErrorCode::CertificateNotYetValid),
            Unusable::KeyUsage => ApiError::new(ErrorCode::CertificateKeyUsage),
        })?;
        if target.pin_locked {
            return Err(ApiError::new(ErrorCode::PinLocked));
        }
        let verdict = match &self.trust {
            Some(trust) => trust.check(&cert, &target.chain, SystemTime::now()).await?,
            None => {
                return Err(ApiError::with(
                    ErrorCode::CertificateUntrusted,
                    "no trust anchors are configured (trust.anchors)",
                ));
            }
        };
        let key = certinfo::key_info(&cert);
        let offered = target.certificate.mechanisms.algorithms(key.kind);
        let algorithm = choose_algorithm(requested, key.kind, &offered)?;
        Ok(Chosen { thumbprint, target, cert, key, algorithm, verdict })
    }

    /// Signs `value`, a digest by `digest` that the portal computed (the plugin's `SignMsg`),
    /// with the raw mechanism (PKCS#1 v1.5 for RSA, as the plugin's `Encode: "RSA"` means),
    /// after the user's consent, which shows the digest. Returns the signature value and the
    /// certificate (DER).
    ///
    /// # Errors
    ///
    /// As [`Signer::sign_detached`]; `bad_request` for a digest of the wrong length.
    pub async fn sign_digest(
        &self,
        origin: &str,
        certificate: &str,
        digest: DigestAlgorithm,
        value: Vec<u8>,
    ) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
        let trail = Trail::begin(&self.audit, origin, "sign_digest", None, None, certificate, Vec::new());
        let result = self.sign_digest_for(&trail, certificate, digest, value).await;
        trail.finish(&result);
        result
    }

    async fn sign_digest_for(
        &self,
        trail: &Trail<'_>,
        certificate: &str,
        digest: DigestAlgorithm,
        value: Vec<u8>,
    ) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
        if value.len() != digest.output_len() {
            return Err(ApiError::bad_request(format!(
                "the hash is {} bytes, {} needs {}",
                value.len(),
                digest.as_str(),
                digest.output_len()
            )));
        }
        let _admission = self.admit().await?;
        let chosen = self.choose(certificate, None).await?;
        let algorithm = match chosen.key.kind {
            KeyType::Rsa => SignatureAlgorithm::RsaPkcs1,
            _ => SignatureAlgorithm::Ecdsa,
        };
        let chosen = Chosen { algorithm, ..chosen };
        let documents = vec![DocumentSummary {
            name: "Thông điệp (mã băm do cổng thông tin tính) / Message (hashed by the portal)".into(),
            size: None,
            digest: (digest.as_str().to_uppercase(), hex::encode(&value)),
            pages: None,
            file: None,
            preview: None,
        }];
        let mut pin = self.consent(trail, &chosen, documents).await?;
        let signature = self
            .sign_on_token(trail, &chosen, &mut pin, digest, Input::Hashed(value))
            .await?
            .pop()
            .ok_or_else(|| ApiError::with(ErrorCode::Internal, "the token returned no signature"))?;
        Ok((signature, chosen.target.certificate.der.clone()))
    }

    /// Shows the consent window for `documents`, then signs each of `to_sign` on the token with
    /// one login.
    async fn consent_and_sign(
        &self,
        trail: &Trail<'_>,
        chosen: &Chosen,
        documents: Vec<DocumentSummary>,
        digest: DigestAlgorithm,
        to_sign: Vec<Vec<u8>>,
    ) -> Result<Vec<Vec<u8>>, ApiError> {
        let mut pin = self.consent(trail, chosen, documents).await?;
        self.sign_on_token(trail, chosen, &mut pin, digest, Input::Whole(to_sign)).await
    }

    /// Shows the consent window for `documents`; returns the PIN typed (`None` for a PIN pad).
    /// The audit trail gets the certificate and the documents as shown.
    async fn consent(
        &self,
        trail: &Trail<'_>,
        chosen: &Chosen,
        documents: Vec<DocumentSummary>,
    ) -> Result<Option<SecretString>, ApiError> {
        let cert = &chosen.cert;
        trail.certificate(&chosen.thumbprint, cert.tbs_certificate.subject.to_string());
        trail.documents(&documents);
        let (act, level) = trail.act_and_level();
        let request = ConsentRequest {
            origin: trail.origin.to_owned(),
            act,
            level,
            documents,
            signer: certinfo::common_name(cert),
            issuer: cert.tbs_certificate.issuer.to_string(),
            expires: certinfo::date(cert.tbs_certificate.validity.not_after),
            certificate_status: chosen.verdict.line(),
            token: chosen.target.certificate.token.label.clone(),
            pin: chosen.target.pin,
            pin_pad: chosen.target.certificate.token.protected_authentication_path,
            reminder: self.pin_ages.as_ref().and_then(|ages| {
                let token = &chosen.target.certificate.token;
                ages.reminder(&token.serial, &token.label, time::OffsetDateTime::now_utc().date())
            }),
        };
        let answer = self.prompter.ask(&request).await?;
        if let Some(window) = answer.window {
            trail.keep_window(window).await;
        }
        pin_of(answer.consent)
    }

    /// Signs each of `to_sign` on the token with one login. After a wrong PIN, Kyso's window
    /// asks again (the user decides to retry; nothing is retried on its own), and `pin` keeps
    /// the one that worked for later rounds. Fewer signatures than asked come back only when
    /// the user stopped the batch in the window.
    async fn sign_on_token(
        &self,
        trail: &Trail<'_>,
        chosen: &Chosen,
        pin: &mut Option<SecretString>,
        digest: DigestAlgorithm,
        input: Input,
    ) -> Result<Vec<Vec<u8>>, ApiError> {
        let (data, prehashed) = match input {
            Input::Whole(data) => (data, false),
            Input::Hashed(hash) => (vec![hash], true),
        };
        let progress = trail.progress().await;
        loop {
            let job = SignJob {
                target: chosen.target.certificate.location.clone(),
                thumbprint: chosen.thumbprint,
                pin: pin.clone(),
                algorithm: chosen.algorithm,
                digest,
                data: data.clone(),
                prehashed,
                progress: progress.clone(),
            };
            match self.tokens.sign(job).await {
                Err(crate::token::TokenError::PinIncorrect(state)) => match trail.ask_again(state).await? {
                    Some(consent) => *pin = pin_of(consent)?,
                    None => return Err(crate::token::TokenError::PinIncorrect(state).into()),
                },
                // Cancel pressed in the window before the first signature: nothing was signed.
                Ok(signatures) if signatures.is_empty() && progress.stopped() => {
                    return Err(ApiError::new(ErrorCode::UserCancelled));
                }
                result => return Ok(result?),
            }
        }
    }
}

/// What the token signs.
enum Input {
    /// Messages, each hashed by the token's mechanism.
    Whole(Vec<Vec<u8>>),
    /// A hash the caller made (the plugin's `SignMsg`).
    Hashed(Vec<u8>),
}

/// The PIN an answer gives: `None` for a PIN pad; refusals are `user_cancelled`.
fn pin_of(consent: Consent) -> Result<Option<SecretString>, ApiError> {
    match consent {
        Consent::Pin(pin) => Ok(Some(pin)),
        Consent::PinPad => Ok(None),
        Consent::Refused => Err(ApiError::new(ErrorCode::UserCancelled)),
    }
}

/// Holds a request's place in the queue and on screen until dropped.
#[derive(Debug)]
struct Admission {
    _admitted: OwnedSemaphorePermit,
    _on_screen: OwnedSemaphorePermit,
}

/// The certificate, key and algorithm a request signs with.
#[derive(Debug)]
struct Chosen {
    thumbprint: [u8; 32],
    target: SigningTarget,
    cert: x509_cert::Certificate,
    key: kyso_protocol::KeyInfo,
    algorithm: SignatureAlgorithm,
    /// The chain to an anchor and the revocation status found before signing.
    verdict: crate::trust::Verdict,
}

impl Chosen {
    /// The signed attributes this key's certificate and chain sign for `content_digest`.
    fn cms(
        &self,
        digest: DigestAlgorithm,
        content_digest: &[u8],
        signing_time: Option<SystemTime>,
    ) -> Result<crate::cades::Prepared, crate::cades::CmsError> {
        crate::cades::prepare(&crate::cades::SignerParams {
            certificate: &self.target.certificate.der,
            chain: &self.target.chain,
            digest,
            algorithm: self.algorithm,
            content_digest,
            signing_time,
        })
    }

    /// The largest signature value the key can produce (ECDSA's DER length varies).
    fn max_signature_len(&self) -> usize {
        let bytes = self.key.bits.div_ceil(8) as usize;
        match self.key.kind {
            KeyType::Ec => 2 * (bytes + 1) + 8,
            _ => bytes,
        }
    }
}

/// Parses a 64-hex-digit SHA-256 thumbprint (spaces and colons allowed, as copied from viewers).
pub fn parse_thumbprint(text: &str) -> Result<[u8; 32], ApiError> {
    let cleaned: String = text.chars().filter(|c| !matches!(c, ' ' | ':')).collect();
    let mut out = [0u8; 32];
    hex::decode_to_slice(&cleaned, &mut out).map_err(|_| {
        ApiError::bad_request(format!("certificate: {text:?} is not a SHA-256 thumbprint (64 hex digits)"))
    })?;
    Ok(out)
}

/// The requested algorithm if the key and token allow it, else the token's preferred one.
fn choose_algorithm(
    requested: Option<SignatureAlgorithm>,
    key: KeyType,
    offered: &[SignatureAlgorithm],
) -> Result<SignatureAlgorithm, ApiError> {
    match requested {
        Some(algorithm) if offered.contains(&algorithm) => Ok(algorithm),
        Some(algorithm) => Err(ApiError::with(
            ErrorCode::AlgorithmUnsupported,
            format!("{} is not available for this {key:?} key on this token", algorithm.as_str()),
        )),
        None => offered.first().copied().ok_or_else(|| {
            ApiError::with(
                ErrorCode::AlgorithmUnsupported,
                format!("the token offers no signing mechanism for this {key:?} key"),
            )
        }),
    }
}
