//! `POST /v1/verify`: what each signature of a PDF (or a detached CMS signature) proves.

use serde::{Deserialize, Serialize};

use crate::SignatureLevel;

/// Asks for a verification: a JSON body with a PDF (`pdf_base64`), or with a detached signature
/// and the content it signs (`signature_base64` and `content_base64`). A raw `application/pdf`
/// body works too (no options).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The PDF, standard base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_base64: Option<String>,
    /// A detached CMS signature (DER, a `.p7s`), standard base64; with `content_base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_base64: Option<String>,
    /// The content the detached signature signs, standard base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
}

/// One word for a signature, or for the whole document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Intact, made with a certificate that chains to a trust anchor, not revoked when it was
    /// made, and nothing changed after it beyond what signatures allow.
    Valid,
    /// Broken (the document or the signature was altered), revoked before it was made, or the
    /// document's content changed after it.
    Invalid,
    /// Intact, but what is needed to trust it is missing: no chain to a trust anchor, the
    /// certificate expired without a timestamp, or its revocation status could not be had.
    Indeterminate,
}

/// What a signature dictionary holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureType {
    /// A signature (CMS).
    Signature,
    /// A document timestamp (RFC 3161 token over the revision).
    DocumentTimestamp,
}

/// How far what changed after a signature goes, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModificationLevel {
    /// Nothing: the signature covers the whole file.
    None,
    /// Later signatures, document timestamps and validation data (DSS) only.
    Signatures,
    /// Form fields filled in.
    FormFilling,
    /// Annotations added or changed (comments, highlights, stamps).
    Annotations,
    /// Anything else: the document's content or structure changed.
    Other,
}

/// A certificate, as a person checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// Subject (RFC 4514).
    pub subject: String,
    /// Issuer (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// SHA-256 of the DER, hex.
    pub thumbprint: String,
    /// Validity start, RFC 3339.
    pub not_before: String,
    /// Validity end, RFC 3339.
    pub not_after: String,
}

/// Whether the bytes and the signature are what the signer made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    /// The digest of what is signed matches the one in the signature.
    pub digest_ok: bool,
    /// The signature over it verifies with the signer's key.
    pub signature_ok: bool,
    /// What is wrong, when something is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What part of the file a PDF signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// It covers every byte but its own `/Contents`.
    pub whole_file: bool,
    /// The revision it covers (1 = the first), of `revisions`.
    pub revision: u32,
    /// Revisions in the file.
    pub revisions: u32,
    /// Bytes up to the end of the covered revision.
    pub signed_bytes: u64,
}

/// One object added or changed after a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedObject {
    /// `N G`.
    pub object: String,
    /// What it is and what changed, in words.
    pub what: String,
    /// How far the change goes.
    pub level: ModificationLevel,
}

/// What changed after a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modifications {
    /// The furthest-reaching change.
    pub level: ModificationLevel,
    /// Every object added or changed (structure-only objects, such as cross-reference streams,
    /// left out).
    pub objects: Vec<ChangedObject>,
}

/// The signer's chain to a trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// It reaches a configured trust anchor, every link checked at `checked_at`.
    pub trusted: bool,
    /// Subjects from the signer up to the anchor (as far as it was built).
    pub certificates: Vec<String>,
    /// The time the chain was checked at: the signature timestamp's, else now (RFC 3339).
    pub checked_at: String,
    /// Why it is not trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A revocation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationStatus {
    /// No certificate of the chain was revoked (when the signature was made).
    Good,
    /// A certificate was revoked before the signature was made (or, with no timestamp, at all).
    Revoked,
    /// Some status could not be had.
    Unknown,
    /// Not checked: the chain is not trusted.
    NotChecked,
}

/// Where a status came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// An OCSP response kept in the file (DSS).
    EmbeddedOcsp,
    /// A CRL kept in the file (DSS).
    EmbeddedCrl,
    /// An OCSP responder asked now.
    Ocsp,
    /// A CRL downloaded now.
    Crl,
}

/// The revocation status of the signer's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationReport {
    /// The chain's status.
    pub status: RevocationStatus,
    /// Where each certificate's status came from, signer first.
    pub sources: Vec<EvidenceSource>,
    /// Revocation date and reason, or why no status was had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A timestamp inside a signature (or a document timestamp itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampReport {
    /// The time the TSA vouches for, RFC 3339.
    pub time: String,
    /// The token is intact and over this signature (or revision).
    pub intact: bool,
    /// The TSA's certificate chains to a trust anchor.
    pub trusted: bool,
    /// The TSA's certificate subject.
    pub tsa: String,
    /// What is wrong, when something is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One problem, as a stable code and a sentence in each language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `digest_mismatch`, `signature_invalid`, `untrusted`, `revoked`, `revocation_unknown`,
    /// `modified_after_signing`, `timestamp_invalid`, `not_pades`.
    pub code: String,
    /// Vietnamese.
    pub message_vi: String,
    /// English.
    pub message_en: String,
}

/// Everything about one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureReport {
    /// The signature field's name (PDF only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// Signature or document timestamp.
    #[serde(rename = "type")]
    pub signature_type: SignatureType,
    /// `/SubFilter` (PDF only), e.g. `ETSI.CAdES.detached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_filter: Option<String>,
    /// The signer's (or, for a document timestamp, the TSA's) certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<CertificateSummary>,
    /// The time the signer's computer claimed (`/M`, or the signing-time attribute), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_time: Option<String>,
    /// The signature timestamp (B-T), or the document timestamp's own token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimestampReport>,
    /// Digest and signature.
    pub integrity: Integrity,
    /// What it covers (PDF only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// What changed after it (PDF only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modifications: Option<Modifications>,
    /// The chain to a trust anchor.
    pub chain: ChainReport,
    /// Revocation.
    pub revocation: RevocationReport,
    /// The PAdES (or CAdES) baseline level it reaches, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<SignatureLevel>,
    /// The verdict on this signature.
    pub verdict: Verdict,
    /// What led to a verdict other than `valid`, and warnings.
    pub findings: Vec<Finding>,
}

/// The answer of `POST /v1/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResponse {
    /// `valid` when every signature is; `invalid` when any is; else `indeterminate` (also for
    /// a document without signatures).
    pub verdict: Verdict,
    /// Size of the file verified.
    pub size: u64,
    /// SHA-256 of the file verified, hex.
    pub sha256: String,
    /// Each signature and document timestamp, in the file's order.
    pub signatures: Vec<SignatureReport>,
}
