//! Checking the signer's certificate before signing (Circular 15/2025): a chain to the trust
//! anchors the administrator set (`trust.anchors`), and its revocation status by OCSP, else
//! the CRL, from the URLs in the certificates, with a short timeout. Answers are cached until
//! their next update.
//!
//! Revoked or untrusted certificates are refused. When no responder answers, signing goes on
//! and the consent window says so, unless `trust.refuse_unknown_revocation` is set.

mod crl;
pub mod embedded;
mod evidence;
mod issuers;
mod ocsp;
mod path;
pub(crate) mod signature;

pub use evidence::ValidationData;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::Decode;
use kyso_protocol::ErrorCode;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

use crate::error::ApiError;
use crate::i18n::{Bilingual, Text};
use crate::outbound::Outbound;

/// id-ad-ocsp.
const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// An OCSP response is small; a CRL of a national CA may be large.
const MAX_OCSP_BYTES: u64 = 1024 * 1024;
const MAX_CRL_BYTES: u64 = 64 * 1024 * 1024;

/// A certificate's revocation status, from a checked OCSP response or CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not revoked.
    Good,
    /// Revoked at `time`.
    Revoked {
        /// When.
        time: SystemTime,
        /// Why, as the CA said (e.g. `KeyCompromise`).
        reason: Option<String>,
    },
}

/// Where a status came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// An OCSP response.
    Ocsp,
    /// A CRL.
    Crl,
}

/// What is known about the revocation of a whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// Every certificate below the anchor is known good.
    Good(Vec<Evidence>),
    /// Some status could not be had (responders unreachable): why.
    Unknown(String),
}

/// The result of a check that passed.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The signer's certificate, the intermediates, the anchor.
    pub chain: Vec<Certificate>,
    /// What is known about revocation.
    pub revocation: Revocation,
}

impl Verdict {
    /// One line for the consent window, in Vietnamese and English.
    pub fn line(&self) -> Bilingual {
        match &self.revocation {
            Revocation::Good(evidence) => {
                let source = if evidence.contains(&Evidence::Ocsp) { "OCSP" } else { "CRL" };
                Bilingual::fill(Text::RevocationGood, &[("source", source)])
            }
            Revocation::Unknown(_) => Text::RevocationUnknown.into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Cached {
    status: Status,
    evidence: Evidence,
    until: SystemTime,
    /// The OCSP response or CRL itself, for the validation data of B-LT signatures.
    der: Arc<Vec<u8>>,
}

/// A status and the checked response or CRL it comes from.
#[derive(Debug, Clone)]
struct Found {
    status: Status,
    evidence: Evidence,
    der: Arc<Vec<u8>>,
}

/// The checker: anchors, the outbound client for responders, and the answers cached.
#[derive(Debug, Clone)]
pub struct Trust {
    anchors: Arc<Vec<Certificate>>,
    outbound: Outbound,
    refuse_unknown: bool,
    cache: Arc<Mutex<HashMap<[u8; 32], Cached>>>,
    /// Issuer certificates fetched (caIssuers), by URL.
    issuers: Arc<Mutex<HashMap<String, Vec<Certificate>>>>,
}

impl Trust {
    /// A checker trusting `anchors`, asking responders through `outbound` (whose timeout should
    /// be short); `refuse_unknown` refuses when no status can be had.
    pub fn new(anchors: Vec<Certificate>, outbound: Outbound, refuse_unknown: bool) -> Self {
        Self { anchors: Arc::new(anchors), outbound, refuse_unknown, cache: Arc::default(), issuers: Arc::default() }
    }

    /// Checks `leaf` (with the certificates the token holds, `pool`) at `now`.
    ///
    /// # Errors
    ///
    /// `certificate_untrusted` (no chain to an anchor), `certificate_revoked`, and
    /// `certificate_status_unknown` when configured to refuse without a status.
    pub async fn check(&self, leaf: &Certificate, pool: &[Vec<u8>], now: SystemTime) -> Result<Verdict, ApiError> {
        let pool: Vec<Certificate> = pool.iter().filter_map(|der| Certificate::from_der(der).ok()).collect();
        let chain = path::build(leaf, &pool, &self.anchors, now).map_err(|why| {
            tracing::warn!(subject = %leaf.tbs_certificate.subject, %why, "certificate not trusted");
            ApiError::with(ErrorCode::CertificateUntrusted, why)
        })?;
        let mut evidence = Vec::new();
        let mut unknown = Vec::new();
        // Every certificate below the anchor; the anchor is trusted as configured.
        for pair in chain.windows(2) {
            let [cert, issuer] = pair else { continue };
            match self.status(cert, issuer, now).await {
                Ok((Status::Good, source)) => evidence.push(source),
                Ok((Status::Revoked { time, reason }, source)) => {
                    let why = format!(
                        "{} was revoked on {}{} ({source:?})",
                        cert.tbs_certificate.subject,
                        crate::signing::rfc3339(time),
                        reason.map(|r| format!(", reason {r}")).unwrap_or_default(),
                    );
                    tracing::warn!(%why, "certificate revoked");
                    return Err(ApiError::with(ErrorCode::CertificateRevoked, why));
                }
                Err(why) => unknown.push(format!("{}: {why}", cert.tbs_certificate.subject)),
            }
        }
        let revocation = if unknown.is_empty() {
            Revocation::Good(evidence)
        } else {
            let why = unknown.join("; ");
            tracing::warn!(%why, "revocation status unknown");
            if self.refuse_unknown {
                return Err(ApiError::with(ErrorCode::CertificateStatusUnknown, why));
            }
            Revocation::Unknown(why)
        };
        Ok(Verdict { chain, revocation })
    }

    /// The chain from `leaf` to an anchor at `at`, built with `pool`: `leaf`, intermediates,
    /// the anchor; `leaf` itself must be valid at `at`.
    ///
    /// # Errors
    ///
    /// Why no chain reaches an anchor, or `leaf` was not valid then.
    pub fn chain(&self, leaf: &Certificate, pool: &[Certificate], at: SystemTime) -> Result<Vec<Certificate>, String> {
        if !path::valid_at(leaf, at) {
            let validity = &leaf.tbs_certificate.validity;
            return Err(format!(
                "{} was not valid at {} (valid from {} to {})",
                leaf.tbs_certificate.subject,
                crate::signing::rfc3339(at),
                crate::signing::rfc3339(validity.not_before.to_system_time()),
                crate::signing::rfc3339(validity.not_after.to_system_time()),
            ));
        }
        path::build(leaf, pool, &self.anchors, at)
    }

    /// `cert`'s status now, from a responder (or the cache): OCSP, else the CRL.
    ///
    /// # Errors
    ///
    /// Why no status could be had.
    pub async fn status_now(&self, cert: &Certificate, issuer: &Certificate) -> Result<(Status, Evidence), String> {
        self.status(cert, issuer, SystemTime::now()).await
    }

    /// `cert`'s status: cached, else OCSP, else the CRL.
    async fn status(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        now: SystemTime,
    ) -> Result<(Status, Evidence), String> {
        if let Some(hit) = self.cached(cert, now) {
            return Ok((hit.status, hit.evidence));
        }
        self.fetch_status(cert, issuer, now).await.map(|found| (found.status, found.evidence))
    }

    /// The cached answer about `cert`, while it may be believed.
    fn cached(&self, cert: &Certificate, now: SystemTime) -> Option<Found> {
        let hit = self.lock().get(&cache_key(cert)).filter(|c| c.until > now).cloned()?;
        Some(Found { status: hit.status, evidence: hit.evidence, der: hit.der })
    }

    /// `cert`'s status asked anew: OCSP, else the CRL; the answer is cached.
    async fn fetch_status(&self, cert: &Certificate, issuer: &Certificate, now: SystemTime) -> Result<Found, String> {
        let key = cache_key(cert);
        let mut failures = Vec::new();
        for url in ocsp_urls(cert) {
            match self.ask_ocsp(&url, cert, issuer, now).await {
                Ok((answer, der)) => return Ok(self.remember(key, answer.status, Evidence::Ocsp, answer.until, der)),
                Err(why) => failures.push(format!("OCSP {url}: {why}")),
            }
        }
        for url in crl_urls(cert) {
            match self.fetch_crl(&url, cert, issuer, now).await {
                Ok((answer, der)) => return Ok(self.remember(key, answer.status, Evidence::Crl, answer.until, der)),
                Err(why) => failures.push(format!("CRL {url}: {why}")),
            }
        }
        if failures.is_empty() {
            return Err("the certificate names no OCSP responder and no CRL".into());
        }
        Err(failures.join("; "))
    }

    async fn ask_ocsp(
        &self,
        url: &url::Url,
        cert: &Certificate,
        issuer: &Certificate,
        now: SystemTime,
    ) -> Result<(ocsp::Answer, Vec<u8>), String> {
        let id = ocsp::cert_id(cert, issuer)?;
        let request = ocsp::request(&id)?;
        let der = self
            .outbound
            .post(url, "application/ocsp-request", request, "application/ocsp-response", MAX_OCSP_BYTES)
            .await
            .map_err(|e| e.to_string())?;
        let answer = ocsp::check(&der, &id, issuer, now)?;
        Ok((answer, der.to_vec()))
    }

    async fn fetch_crl(
        &self,
        url: &url::Url,
        cert: &Certificate,
        issuer: &Certificate,
        now: SystemTime,
    ) -> Result<(crl::Answer, Vec<u8>), String> {
        let der = self.outbound.get(url, MAX_CRL_BYTES).await.map_err(|e| e.to_string())?;
        let (der, cert, issuer) = (der.to_vec(), cert.clone(), issuer.clone());
        // A national CA's CRL can be megabytes: parse and check it off the async threads.
        tokio::task::spawn_blocking(move || crl::check(&der, &cert, &issuer, now).map(|answer| (answer, der)))
            .await
            .map_err(|e| e.to_string())?
    }

    fn remember(&self, key: [u8; 32], status: Status, evidence: Evidence, until: SystemTime, der: Vec<u8>) -> Found {
        let der = Arc::new(der);
        self.lock().insert(key, Cached { status: status.clone(), evidence, until, der: der.clone() });
        Found { status, evidence, der }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Cached>> {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn cache_key(cert: &Certificate) -> [u8; 32] {
    Sha256::digest(der::Encode::to_der(cert).unwrap_or_default()).into()
}

/// The OCSP responders named in the certificate's AIA (http and https only).
fn ocsp_urls(cert: &Certificate) -> Vec<url::Url> {
    let Ok(Some((_, aia))) = cert.tbs_certificate.get::<AuthorityInfoAccessSyntax>() else { return Vec::new() };
    aia.0.iter().filter(|d| d.access_method == ID_AD_OCSP).filter_map(|d| web_url(&d.access_location)).collect()
}

/// The CRLs named in the certificate's distribution points (http and https only).
fn crl_urls(cert: &Certificate) -> Vec<url::Url> {
    let Ok(Some((_, points))) = cert.tbs_certificate.get::<CrlDistributionPoints>() else { return Vec::new() };
    points
        .0
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(web_url)
        .collect()
}

fn web_url(name: &GeneralName) -> Option<url::Url> {
    let GeneralName::UniformResourceIdentifier(uri) = name else { return None };
    url::Url::parse(uri.as_str()).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// Reads trust anchors from `path`: a PEM or DER certificate file, or a folder of them
/// (`.pem`, `.crt`, `.cer`, `.der`).
///
/// # Errors
///
/// A file that cannot be read or holds no certificate, naming it.
pub fn load_anchors(path: &Path) -> Result<Vec<Certificate>, String> {
    if !path.is_dir() {
        return read_certificates(path);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "pem" | "crt" | "cer" | "der"))
        })
        .collect();
    files.sort();
    let mut anchors = Vec::new();
    for file in files {
        anchors.extend(read_certificates(&file)?);
    }
    Ok(anchors)
}

fn read_certificates(path: &Path) -> Result<Vec<Certificate>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ders: Vec<Vec<u8>> = if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        CertificateDer::pem_slice_iter(&bytes)
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", path.display()))?
    } else {
        vec![bytes]
    };
    if ders.is_empty() {
        return Err(format!("{}: no certificate in it", path.display()));
    }
    ders.iter()
        .map(|der| Certificate::from_der(der).map_err(|e| format!("{}: not a certificate ({e})", path.display())))
        .collect()
}
