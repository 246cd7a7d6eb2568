//! Judging what was read: the signer's and TSA's chains to the trust anchors, revocation (from
//! the file's evidence first, then, when allowed, from the responders), the baseline level
//! reached, and a verdict with its findings in both languages.

use std::time::SystemTime;

use kyso_protocol::{
    CertificateSummary, ChainReport, EvidenceSource, Finding, Integrity, ModificationLevel, RevocationReport,
    RevocationStatus, SignatureLevel, TimestampReport, Verdict,
};
use x509_cert::Certificate;

use super::cms::TokenFacts;
use crate::signing::rfc3339;
use crate::trust::{Evidence, Status, Trust, ValidationData, embedded};

/// The certificates to check for one signer: its own, and where its chain may come from.
#[derive(Debug)]
pub struct Signer<'a> {
    /// The signer's (or TSA's) certificate.
    pub cert: &'a Certificate,
    /// The certificates the CMS carries.
    pub pool: &'a [Certificate],
}

/// A chain and its revocation, judged.
#[derive(Debug)]
pub struct Judged {
    /// The chain report.
    pub chain: ChainReport,
    /// The revocation report.
    pub revocation: RevocationReport,
    /// Every certificate below the anchor has a status from the file's own evidence.
    pub embedded_evidence: bool,
}

/// Judges chains and revocation with the configured anchors and, when `online`, responders.
#[derive(Debug, Clone)]
pub struct Judge {
    trust: Trust,
    online: bool,
}

impl Judge {
    /// A judge with `trust`'s anchors; `online` lets it ask responders when the file has no
    /// evidence.
    pub fn new(trust: Trust, online: bool) -> Self {
        Self { trust, online }
    }

    /// Judges `signer`'s chain at `at` (the signature timestamp's time, else now), and its
    /// revocation for a signature made at `at`, with the file's `evidence`.
    pub async fn chain(&self, signer: &Signer<'_>, evidence: &ValidationData, at: SystemTime) -> Judged {
        let mut pool = signer.pool.to_vec();
        pool.extend(evidence.certs.iter().filter_map(|der| crate::certinfo::parse(der).ok()));
        let built = if self.online {
            self.trust.chain_fetching_issuers(signer.cert, &pool, at).await
        } else {
            self.trust.chain(signer.cert, &pool, at)
        };
        let chain = match built {
            Ok(chain) => chain,
            Err(why) => {
                return Judged {
                    chain: ChainReport {
                        trusted: false,
                        certificates: vec![signer.cert.tbs_certificate.subject.to_string()],
                        checked_at: rfc3339(at),
                        detail: Some(why),
                    },
                    revocation: RevocationReport {
                        status: RevocationStatus::NotChecked,
                        sources: Vec::new(),
                        detail: None,
                    },
                    embedded_evidence: false,
                };
            }
        };
        let mut sources = Vec::new();
        let mut unknown = Vec::new();
        let mut revoked = None;
        let mut embedded_evidence = true;
        for pair in chain.windows(2) {
            let [cert, issuer] = pair else { continue };
            let mut found = embedded::status(evidence, cert, issuer, at).map(|(status, kind)| {
                let source = match kind {
                    Evidence::Ocsp => EvidenceSource::EmbeddedOcsp,
                    Evidence::Crl => EvidenceSource::EmbeddedCrl,
                };
                (status, source)
            });
            if found.is_none() {
                embedded_evidence = false;
                if self.online {
                    match self.trust.status_now(cert, issuer).await {
                        Ok((status, kind)) => {
                            let source = match kind {
                                Evidence::Ocsp => EvidenceSource::Ocsp,
                                Evidence::Crl => EvidenceSource::Crl,
                            };
                            found = Some((status, source));
                        }
                        Err(why) => unknown.push(format!("{}: {why}", cert.tbs_certificate.subject)),
                    }
                } else {
                    unknown.push(format!("{}: no evidence in the file", cert.tbs_certificate.subject));
                }
            }
            match found {
                Some((Status::Good, source)) => sources.push(source),
                Some((Status::Revoked { time, reason }, source)) => {
                    sources.push(source);
                    let line = format!(
                        "{} was revoked on {}{}",
                        cert.tbs_certificate.subject,
                        rfc3339(time),
                        reason.map(|r| format!(" ({r})")).unwrap_or_default()
                    );
                    // Revoked after the time the signature is proven to exist: it stands.
                    if time <= at {
                        revoked.get_or_insert(line);
                    }
                }
                None => {}
            }
        }
        let revocation = match (revoked, unknown.is_empty()) {
            (Some(line), _) => RevocationReport { status: RevocationStatus::Revoked, sources, detail: Some(line) },
            (None, true) => RevocationReport { status: RevocationStatus::Good, sources, detail: None },
            (None, false) => {
                RevocationReport { status: RevocationStatus::Unknown, sources, detail: Some(unknown.join("; ")) }
            }
        };
        Judged {
            chain: ChainReport {
                trusted: true,
                certificates: chain.iter().map(|c| c.tbs_certificate.subject.to_string()).collect(),
                checked_at: rfc3339(at),
                detail: None,
            },
            revocation,
            embedded_evidence,
        }
    }

    /// Judges a timestamp token: intact and from a TSA that chains to an anchor (at its own
    /// time) and is not revoked.
    pub async fn timestamp(&self, token: &TokenFacts, evidence: &ValidationData) -> (TimestampReport, Option<Judged>) {
        let Some(tsa) = &token.tsa else {
            let report = TimestampReport {
                time: rfc3339(token.time),
                intact: false,
                trusted: false,
                tsa: String::new(),
                detail: token.detail.clone(),
            };
            return (report, None);
        };
        let judged = self.chain(&Signer { cert: tsa, pool: &token.pool }, evidence, token.time).await;
        let trusted = judged.chain.trusted && judged.revocation.status != RevocationStatus::Revoked;
        let detail =
            token.detail.clone().or_else(|| judged.chain.detail.clone()).or_else(|| judged.revocation.detail.clone());
        let report = TimestampReport {
            time: rfc3339(token.time),
            intact: token.intact,
            trusted,
            tsa: tsa.tbs_certificate.subject.to_string(),
            detail,
        };
        (report, Some(judged))
    }
}

/// A certificate as the report shows it.
pub fn summary(cert: &Certificate) -> CertificateSummary {
    let der = der::Encode::to_der(cert).unwrap_or_default();
    CertificateSummary {
        subject: cert.tbs_certificate.subject.to_string(),
        issuer: cert.tbs_certificate.issuer.to_string(),
        serial: hex::encode(cert.tbs_certificate.serial_number.as_bytes()),
        thumbprint: hex::encode(crate::certinfo::thumbprint(&der)),
        not_before: rfc3339(cert.tbs_certificate.validity.not_before.to_system_time()),
        not_after: rfc3339(cert.tbs_certificate.validity.not_after.to_system_time()),
    }
}

/// Where a signature stands in its PDF, as far as its verdict and level go. [`DETACHED`]: a
/// signature with no PDF around it.
#[derive(Debug)]
pub struct Surroundings {
    /// Byte ranges that leave room for unseen changes.
    pub range_problem: Option<String>,
    /// The furthest-reaching change after it.
    pub modifications: ModificationLevel,
    /// The DocMDP permission of a certification signature at or before it, if any.
    pub permission: Option<u8>,
    /// A signature (not a document timestamp) was added after it.
    pub signed_later: bool,
    /// New visible signature fields were added after it.
    pub new_visible_signature_fields: usize,
    /// A later document timestamp protects its validation data (B-LTA).
    pub archived: bool,
}

/// A detached signature, or a raw one: nothing around it.
pub const DETACHED: Surroundings = Surroundings {
    range_problem: None,
    modifications: ModificationLevel::None,
    permission: None,
    signed_later: false,
    new_visible_signature_fields: 0,
    archived: false,
};

/// What decides a signature's verdict.
#[derive(Debug)]
pub struct Grounds<'a> {
    /// Digest and signature.
    pub integrity: &'a Integrity,
    /// The signer's chain and revocation.
    pub judged: &'a Judged,
    /// Its timestamp, if any.
    pub timestamp: Option<&'a TimestampReport>,
    /// Where it stands in its PDF.
    pub around: &'a Surroundings,
}

/// The verdict and its findings.
pub fn verdict(facts: &Grounds<'_>) -> (Verdict, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut verdict = Verdict::Valid;
    let mut worse = |now: Verdict, finding: Finding, findings: &mut Vec<Finding>| {
        findings.push(finding);
        verdict = match (verdict, now) {
            (Verdict::Invalid, _) | (_, Verdict::Invalid) => Verdict::Invalid,
            (Verdict::Indeterminate, _) | (_, Verdict::Indeterminate) => Verdict::Indeterminate,
            _ => Verdict::Valid,
        };
    };
    if !facts.integrity.digest_ok {
        worse(
            Verdict::Invalid,
            finding(
                "digest_mismatch",
                "Nội dung đã bị thay đổi sau khi ký (mã băm không khớp).",
                "The content was changed after signing (the digest does not match).",
            ),
            &mut findings,
        );
    } else if !facts.integrity.signature_ok {
        worse(
            Verdict::Invalid,
            finding(
                "signature_invalid",
                "Chữ ký số không hợp lệ với chứng thư của người ký.",
                "The signature does not verify with the signer's certificate.",
            ),
            &mut findings,
        );
    }
    if facts.around.range_problem.is_some() {
        worse(
            Verdict::Invalid,
            finding(
                "byte_range_invalid",
                "Phạm vi ký không bao trọn tệp: có phần có thể bị sửa mà không bị phát hiện.",
                "The signed byte ranges do not cover the file properly: parts could change unnoticed.",
            ),
            &mut findings,
        );
    }
    let around = facts.around;
    let forbidden = match around.permission {
        Some(1) => around.modifications > ModificationLevel::Signatures || around.signed_later,
        Some(2) => around.modifications > ModificationLevel::FormFilling || around.new_visible_signature_fields > 0,
        _ => false,
    };
    if forbidden && around.modifications < ModificationLevel::Other {
        worse(
            Verdict::Invalid,
            finding(
                "certification_violated",
                "Tài liệu đã được chứng nhận (DocMDP) và thay đổi sau đó vượt quá mức người chứng nhận cho phép.",
                "The document was certified (DocMDP), and later changes go beyond what the certifier allowed.",
            ),
            &mut findings,
        );
    }
    match around.modifications {
        ModificationLevel::Other => worse(
            Verdict::Invalid,
            finding(
                "modified_after_signing",
                "Nội dung tài liệu đã bị sửa sau khi ký.",
                "The document's content was changed after it was signed.",
            ),
            &mut findings,
        ),
        ModificationLevel::Annotations | ModificationLevel::FormFilling => worse(
            Verdict::Valid,
            finding(
                "annotated_after_signing",
                "Sau khi ký, tài liệu có thêm chú thích hoặc điền biểu mẫu (nội dung đã ký không đổi).",
                "After signing, annotations were added or form fields filled in (the signed content is unchanged).",
            ),
            &mut findings,
        ),
        _ => {}
    }
    if let Some(timestamp) = facts.timestamp
        && !(timestamp.intact && timestamp.trusted)
    {
        worse(
            Verdict::Indeterminate,
            finding(
                "timestamp_invalid",
                "Dấu thời gian không hợp lệ hoặc không đáng tin cậy.",
                "The timestamp is not valid or not trusted.",
            ),
            &mut findings,
        );
    }
    let judged = facts.judged;
    if !judged.chain.trusted {
        worse(
            Verdict::Indeterminate,
            finding(
                "untrusted",
                "Chứng thư của người ký không thuộc chuỗi tin cậy đã cấu hình (hoặc đã hết hạn khi ký).",
                "The signer's certificate does not chain to a configured trust anchor (or had expired when signing).",
            ),
            &mut findings,
        );
    }
    match judged.revocation.status {
        RevocationStatus::Revoked => worse(
            Verdict::Invalid,
            finding(
                "revoked",
                "Chứng thư đã bị thu hồi trước thời điểm ký.",
                "The certificate was revoked before the signature was made.",
            ),
            &mut findings,
        ),
        RevocationStatus::Unknown => worse(
            Verdict::Indeterminate,
            finding(
                "revocation_unknown",
                "Không xác định được tình trạng thu hồi của chứng thư.",
                "The certificate's revocation status could not be determined.",
            ),
            &mut findings,
        ),
        _ => {}
    }
    (verdict, findings)
}

/// The baseline level a signature reaches: B-B (the ESS signing-certificate attribute), B-T
/// (a trusted signature timestamp), B-LT (the file's evidence covers the signer's and the TSA's
/// chains), B-LTA (a later document timestamp protects that evidence).
pub fn level(
    signing_certificate_attribute: bool,
    timestamp: Option<&TimestampReport>,
    long_term: bool,
    archived: bool,
) -> Option<SignatureLevel> {
    if !signing_certificate_attribute {
        return None;
    }
    if !timestamp.is_some_and(|t| t.intact && t.trusted) {
        return Some(SignatureLevel::BB);
    }
    Some(match (long_term, archived) {
        (true, true) => SignatureLevel::BLta,
        (true, false) => SignatureLevel::BLt,
        _ => SignatureLevel::BT,
    })
}

fn finding(code: &str, vi: &str, en: &str) -> Finding {
    Finding { code: code.into(), message_vi: vi.into(), message_en: en.into() }
}
