//! The signing flow shared by the HTTP API and the command line: check the certificate, ask the
//! user, sign on the token, assemble the CMS.
//!
//! Only one prompt is on screen at a time; a few requests may wait for it, and more are refused
//! with `busy`, so a page firing requests in a loop cannot flood the desktop.

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine;
use kyso_protocol::{DigestAlgorithm, ErrorCode, KeyType, SignDetachedResponse, SignatureAlgorithm};
use tokio::sync::Semaphore;

use crate::cades;
use crate::certinfo::{self, Unusable};
use crate::error::ApiError;
use crate::prompt::{Consent, ConsentRequest, DocumentSummary, Prompter};
use crate::token::{SignJob, TokenService};

/// What a detached signature covers, once the content has been read and hashed.
#[derive(Debug)]
pub struct DetachedInput {
    /// The digest of the content.
    pub digest: Vec<u8>,
    /// Its algorithm.
    pub digest_algorithm: DigestAlgorithm,
    /// Content size, when the content (not only its digest) was sent.
    pub size: Option<u64>,
    /// Name to show the user.
    pub document_name: String,
    /// Thumbprint (hex) of the certificate to use.
    pub certificate: String,
    /// Requested algorithm, or `None` for the key's default.
    pub algorithm: Option<SignatureAlgorithm>,
    /// The exact bytes that were hashed, on disk, kept until the request ends so that the
    /// consent window can show them; `None` for digest-only and small in-memory requests.
    pub content_file: Option<tempfile::NamedTempFile>,
}

/// Signs on behalf of callers, one prompt at a time.
#[derive(Debug, Clone)]
pub struct Signer {
    tokens: TokenService,
    prompter: Prompter,
    /// One prompt on screen at a time.
    prompt: Arc<Semaphore>,
    /// Requests admitted (on screen or waiting); more are refused with `busy`.
    admitted: Arc<Semaphore>,
}

impl Signer {
    /// Creates a signer; `max_queued` requests may wait while one is on screen.
    pub fn new(tokens: TokenService, prompter: Prompter, max_queued: usize) -> Self {
        Self {
            tokens,
            prompter,
            prompt: Arc::new(Semaphore::new(1)),
            admitted: Arc::new(Semaphore::new(max_queued + 1)),
        }
    }

    /// Returns the token service.
    pub fn tokens(&self) -> &TokenService {
        &self.tokens
    }

    /// Makes a detached CAdES-B-B signature over `input` for `origin`, after the user's consent.
    ///
    /// # Errors
    ///
    /// [`ApiError`] with the code the caller should see: `busy`, `certificate_not_found`,
    /// `certificate_expired`, `user_cancelled`, `pin_incorrect`, `token_absent`, ...
    pub async fn sign_detached(&self, origin: &str, input: DetachedInput) -> Result<SignDetachedResponse, ApiError> {
        let thumbprint = parse_thumbprint(&input.certificate)?;
        if input.digest.len() != input.digest_algorithm.output_len() {
            return Err(ApiError::bad_request(format!(
                "digest is {} bytes, {} needs {}",
                input.digest.len(),
                input.digest_algorithm.as_str(),
                input.digest_algorithm.output_len()
            )));
        }
        let _admitted = self.admitted.clone().try_acquire_owned().map_err(|_| ApiError::new(ErrorCode::Busy))?;
        let _on_screen = self.prompt.acquire().await.map_err(|_| ApiError::new(ErrorCode::Internal))?;

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
        let key = certinfo::key_info(&cert);
        let offered = target.certificate.mechanisms.algorithms(key.kind);
        let algorithm = choose_algorithm(input.algorithm, key.kind, &offered)?;

        let prepared = cades::prepare(&cades::SignerParams {
            certificate: &target.certificate.der,
            chain: &target.chain,
            digest: input.digest_algorithm,
            algorithm,
            content_digest: &input.digest,
            signing_time: Some(SystemTime::now()),
        })?;

        let request = ConsentRequest {
            origin: origin.to_owned(),
            documents: vec![DocumentSummary {
                name: input.document_name.clone(),
                size: input.size,
                digest: (input.digest_algorithm.as_str().to_uppercase(), hex::encode(&input.digest)),
            }],
            signer: certinfo::common_name(&cert),
            certificate_line: format!(
                "Cấp bởi / Issued by: {} — hết hạn / expires {}",
                cert.tbs_certificate.issuer,
                certinfo::date(cert.tbs_certificate.validity.not_after)
            ),
            token: target.certificate.token.label.clone(),
            pin: target.pin,
            pin_pad: target.certificate.token.protected_authentication_path,
        };
        let pin = match self.prompter.ask(&request).await? {
            Consent::Pin(pin) => Some(pin),
            Consent::PinPad => None,
            Consent::Refused => return Err(ApiError::new(ErrorCode::UserCancelled)),
        };
        let signature = self
            .tokens
            .sign(SignJob {
                target: target.certificate.location.clone(),
                thumbprint,
                pin,
                algorithm,
                digest: input.digest_algorithm,
                data: prepared.to_sign().to_vec(),
            })
            .await?;
        let cms = prepared.finish(signature)?;
        let b64 = base64::engine::general_purpose::STANDARD;
        Ok(SignDetachedResponse {
            signature_base64: b64.encode(cms),
            certificate: hex::encode(thumbprint),
            signature_algorithm: algorithm,
            digest_algorithm: input.digest_algorithm,
            content_digest_base64: b64.encode(&input.digest),
        })
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
