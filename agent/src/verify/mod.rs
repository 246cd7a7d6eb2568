//! Verification of signed PDFs and detached CMS signatures (incoming documents must be verified
//! before use): for each signature, integrity, what it covers and what changed after it, the
//! chain to the trust anchors, revocation from the file's own evidence or the responders, its
//! timestamp, the baseline level reached, and a verdict; one verdict for the document.

mod cms;
mod judge;
mod pdf;
mod raw;
pub mod render;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use kyso_protocol::{
    ChainReport, ErrorCode, Integrity, RevocationReport, RevocationStatus, SignatureReport, SignatureType,
    TimestampReport, Verdict, VerifyResponse,
};

use crate::error::ApiError;
use crate::signing::{pdf_error, rfc3339};
use crate::trust::{Trust, ValidationData};
use judge::{DETACHED, Grounds, Judge, Judged, Signer, Surroundings};
use pdf::{Content, SignatureFacts};

/// Verifies with the configured trust anchors.
#[derive(Debug, Clone)]
pub struct Verifier {
    judge: Judge,
}

impl Verifier {
    /// A verifier trusting `trust`'s anchors; `online` lets it ask OCSP responders and CRL
    /// servers about certificates the file holds no evidence for.
    pub fn new(trust: Trust, online: bool) -> Self {
        Self { judge: Judge::new(trust, online) }
    }

    /// Verifies every signature and document timestamp of the PDF at `path`.
    ///
    /// # Errors
    ///
    /// `invalid_pdf` (not a PDF, or a damaged signature dictionary), `pdf_encrypted`.
    pub async fn verify_pdf(&self, path: &Path) -> Result<VerifyResponse, ApiError> {
        let owned: PathBuf = path.to_owned();
        let facts = tokio::task::spawn_blocking(move || pdf::read(&owned))
            .await
            .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?
            .map_err(pdf_error)?;
        // A document timestamp protects the evidence (and the signatures) of the revisions it covers.
        let archive_ends: Vec<u64> = facts
            .signatures
            .iter()
            .filter(|s| s.covers_dss)
            .filter(|s| matches!(&s.content, Content::DocumentTimestamp(t) if t.intact))
            .map(|s| s.coverage.signed_bytes)
            .collect();
        let certification = facts.signatures.iter().find_map(|s| s.certification.map(|p| (s.coverage.signed_bytes, p)));
        let mut reports = Vec::new();
        for signature in &facts.signatures {
            let end = signature.coverage.signed_bytes;
            let around = Surroundings {
                range_problem: signature.range_problem.clone(),
                modifications: signature.modifications.level,
                permission: certification.filter(|(certified, _)| *certified <= end).map(|(_, p)| p),
                signed_later: facts
                    .signatures
                    .iter()
                    .any(|o| matches!(o.content, Content::Signature(_)) && o.coverage.signed_bytes > end),
                new_visible_signature_fields: signature.new_visible_signature_fields,
                archived: archive_ends.iter().any(|later| *later > end),
            };
            reports.push(self.judge_pdf_signature(signature, &facts.dss, &around).await);
        }
        Ok(VerifyResponse {
            verdict: overall(&reports),
            size: facts.size,
            sha256: hex::encode(&facts.sha256),
            signatures: reports,
        })
    }

    /// Verifies the detached CMS `signature` over the file at `content`.
    ///
    /// # Errors
    ///
    /// `bad_request` when `signature` is not a CMS signature; I/O errors.
    pub async fn verify_detached(&self, content: &Path, signature: Vec<u8>) -> Result<VerifyResponse, ApiError> {
        let owned: PathBuf = content.to_owned();
        let (facts, whole) = tokio::task::spawn_blocking(move || {
            // The file's SHA-256 is reported; a SHA-256 signature needs no second read.
            let whole = crate::digest::hash_file(&owned, kyso_protocol::DigestAlgorithm::Sha256);
            let mut digests = |digest| match (&whole, digest) {
                (Ok((known, _)), kyso_protocol::DigestAlgorithm::Sha256) => Ok(known.clone()),
                _ => crate::digest::hash_file(&owned, digest).map(|(value, _)| value).map_err(|e| e.to_string()),
            };
            (cms::examine(&signature, &mut digests), whole)
        })
        .await
        .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?;
        let facts = facts.map_err(|why| ApiError::bad_request(format!("not a CMS signature: {why}")))?;
        let (sha256, size) = whole.map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?;
        let report = self.judge_cms(&facts, &ValidationData::default(), None).await;
        Ok(VerifyResponse {
            verdict: overall(std::slice::from_ref(&report)),
            size,
            sha256: hex::encode(sha256),
            signatures: vec![report],
        })
    }

    /// Verifies a raw `signature` over `hash` (by `digest`) made with the key of the
    /// certificate `cert_der` (the plugin's `SignMsg`), and that certificate's chain and
    /// revocation now.
    ///
    /// # Errors
    ///
    /// `bad_request` when `cert_der` is not a certificate.
    pub async fn verify_raw(
        &self,
        cert_der: &[u8],
        digest: kyso_protocol::DigestAlgorithm,
        hash: &[u8],
        signature: &[u8],
    ) -> Result<SignatureReport, ApiError> {
        let cert = crate::certinfo::parse(cert_der).map_err(|e| ApiError::bad_request(format!("certificate: {e}")))?;
        let integrity = match raw::check(&cert, digest, hash, signature) {
            Ok(()) => Integrity { digest_ok: true, signature_ok: true, detail: None },
            Err(why) => Integrity { digest_ok: true, signature_ok: false, detail: Some(why) },
        };
        let judged =
            self.judge.chain(&Signer { cert: &cert, pool: &[] }, &ValidationData::default(), SystemTime::now()).await;
        Ok(report(SignatureType::Signature, Some(&cert), integrity, judged, None, &DETACHED))
    }

    async fn judge_pdf_signature(
        &self,
        facts: &SignatureFacts,
        dss: &ValidationData,
        around: &Surroundings,
    ) -> SignatureReport {
        let mut report = match &facts.content {
            Content::Signature(examined) => match examined.as_ref() {
                Ok(cms) => {
                    let mut report = self.judge_cms(cms, dss, Some(around)).await;
                    if facts.sub_filter != "ETSI.CAdES.detached" {
                        // adbe.pkcs7.detached and the like: a valid signature, but not PAdES.
                        report.level = None;
                    }
                    report.claimed_time = facts.claimed_time.map(rfc3339).or(report.claimed_time);
                    report
                }
                Err(why) => unreadable(why),
            },
            Content::DocumentTimestamp(token) => self.judge_document_timestamp(token, dss, around).await,
        };
        report.field_name = Some(facts.field_name.clone());
        report.sub_filter = Some(facts.sub_filter.clone());
        report.coverage = Some(facts.coverage.clone());
        report.modifications = Some(facts.modifications.clone());
        report
    }

    /// Judges a CMS signature; `around` is `None` for a detached one.
    async fn judge_cms(
        &self,
        cms: &cms::CmsFacts,
        dss: &ValidationData,
        around: Option<&Surroundings>,
    ) -> SignatureReport {
        let (timestamp, tsa_judged) = match &cms.timestamp {
            Some(token) => {
                let (report, judged) = self.judge.timestamp(token, dss).await;
                (Some((report, token.time)), judged)
            }
            None => (None, None),
        };
        let proven_at = timestamp.as_ref().filter(|(t, _)| t.intact && t.trusted).map(|(_, time)| *time);
        let at = proven_at.unwrap_or_else(SystemTime::now);
        let timestamp = timestamp.map(|(report, _)| report);
        let Some(cert) = &cms.signer else {
            return SignatureReport { timestamp, ..unreadable(cms.integrity.detail.as_deref().unwrap_or("no signer")) };
        };
        let judged = self.judge.chain(&Signer { cert, pool: &cms.pool }, dss, at).await;
        let long_term = judged.embedded_evidence && tsa_judged.as_ref().is_some_and(|t| t.embedded_evidence);
        let in_pdf = around.is_some();
        let around = around.unwrap_or(&DETACHED);
        let level =
            judge::level(cms.signing_certificate_attribute, timestamp.as_ref(), long_term && in_pdf, around.archived);
        let mut report = report(SignatureType::Signature, Some(cert), cms.integrity.clone(), judged, timestamp, around);
        report.claimed_time = cms.claimed_time.map(rfc3339);
        report.level = level;
        report
    }

    /// Judges a document timestamp: its token is the signature, over the revision.
    async fn judge_document_timestamp(
        &self,
        token: &cms::TokenFacts,
        dss: &ValidationData,
        around: &Surroundings,
    ) -> SignatureReport {
        let (timestamp, judged) = self.judge.timestamp(token, dss).await;
        let integrity =
            Integrity { digest_ok: token.intact, signature_ok: token.tsa.is_some(), detail: token.detail.clone() };
        let judged = judged.unwrap_or_else(|| not_checked(token.time));
        report(SignatureType::DocumentTimestamp, token.tsa.as_ref(), integrity, judged, Some(timestamp), around)
    }
}

/// `invalid` if any is, `valid` if all are (and there is one), else `indeterminate`.
fn overall(reports: &[SignatureReport]) -> Verdict {
    if reports.iter().any(|r| r.verdict == Verdict::Invalid) {
        Verdict::Invalid
    } else if !reports.is_empty() && reports.iter().all(|r| r.verdict == Verdict::Valid) {
        Verdict::Valid
    } else {
        Verdict::Indeterminate
    }
}

fn not_checked(at: SystemTime) -> Judged {
    Judged {
        chain: ChainReport { trusted: false, certificates: Vec::new(), checked_at: rfc3339(at), detail: None },
        revocation: RevocationReport { status: RevocationStatus::NotChecked, sources: Vec::new(), detail: None },
        embedded_evidence: false,
    }
}

/// The report of a signature whose CMS cannot be read: invalid.
fn unreadable(why: &str) -> SignatureReport {
    let integrity = Integrity { digest_ok: false, signature_ok: false, detail: Some(why.to_owned()) };
    report(SignatureType::Signature, None, integrity, not_checked(SystemTime::now()), None, &DETACHED)
}

/// A signature's report, its verdict judged on `integrity`, `judged`, a signature's
/// `timestamp` and what is `around` it (the PDF's parts are filled in by the caller; a document
/// timestamp's own token is shown, not judged twice).
fn report(
    kind: SignatureType,
    signer: Option<&x509_cert::Certificate>,
    integrity: Integrity,
    judged: Judged,
    timestamp: Option<TimestampReport>,
    around: &Surroundings,
) -> SignatureReport {
    let judged_timestamp = timestamp.as_ref().filter(|_| kind == SignatureType::Signature);
    let grounds = Grounds { integrity: &integrity, judged: &judged, timestamp: judged_timestamp, around };
    let (verdict, findings) = judge::verdict(&grounds);
    SignatureReport {
        field_name: None,
        signature_type: kind,
        sub_filter: None,
        signer: signer.map(judge::summary),
        claimed_time: None,
        timestamp,
        integrity,
        coverage: None,
        modifications: None,
        chain: judged.chain,
        revocation: judged.revocation,
        level: None,
        verdict,
        findings,
    }
}
