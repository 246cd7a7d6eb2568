//! `POST /v1/sign/detached`.

use serde::{Deserialize, Serialize};

/// Asks for a detached CMS signature (CAdES-B-B) over content or over a digest of it.
///
/// Exactly one of `content_base64` and `digest_base64` must be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignDetachedRequest {
    /// The content to sign, standard base64. Prefer a raw `application/octet-stream` body for
    /// anything large.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// A digest of the content that the caller computed, standard base64; its algorithm is
    /// `digest_algorithm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_base64: Option<String>,
    /// The digest algorithm (default SHA-256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_algorithm: Option<DigestAlgorithm>,
    /// The SHA-256 thumbprint (hex) of the certificate to sign with, from `/v1/certificates`.
    pub certificate: String,
    /// The signature algorithm; by default RSA-PSS when the key is RSA and the token offers a
    /// PSS mechanism, else PKCS#1 v1.5; ECDSA for EC keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// The document's name, shown to the user in the consent window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_name: Option<String>,
    /// `B-B` or `B-T`: CAdES-T, with an RFC 3161 timestamp over the signature from the TSA the
    /// administrator set (`tsa.url`). Absent: the default level chosen for the certificate in
    /// Settings or by the policy's `[defaults] level` (a PDF-only B-LT or B-LTA gives B-T), else
    /// `B-B`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<SignatureLevel>,
}

/// The options of a raw-body (`application/octet-stream`) detached sign request, from the query
/// string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignDetachedQuery {
    /// See [`SignDetachedRequest::certificate`].
    pub certificate: String,
    /// See [`SignDetachedRequest::digest_algorithm`].
    #[serde(default)]
    pub digest_algorithm: Option<DigestAlgorithm>,
    /// See [`SignDetachedRequest::signature_algorithm`].
    #[serde(default)]
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// See [`SignDetachedRequest::document_name`].
    #[serde(default)]
    pub document_name: Option<String>,
    /// See [`SignDetachedRequest::level`].
    #[serde(default)]
    pub level: Option<SignatureLevel>,
}

/// Returns the detached signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignDetachedResponse {
    /// CMS `ContentInfo` with `SignedData`, DER, standard base64 (a `.p7s` file's bytes).
    pub signature_base64: String,
    /// Thumbprint of the signing certificate.
    pub certificate: String,
    /// The signature algorithm used.
    pub signature_algorithm: SignatureAlgorithm,
    /// The digest algorithm used.
    pub digest_algorithm: DigestAlgorithm,
    /// The digest of the content that was signed, standard base64.
    pub content_digest_base64: String,
    /// The level made.
    #[serde(default)]
    pub level: SignatureLevel,
    /// For `B-T`: the time the TSA vouches for, RFC 3339 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_time: Option<String>,
}

/// How long a signature stays verifiable (ETSI EN 319 122 / 319 142 baseline levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SignatureLevel {
    /// The signature and the signer's certificate: verifiable while the certificate is valid.
    #[default]
    #[serde(rename = "B-B")]
    BB,
    /// Plus an RFC 3161 timestamp over the signature from a trusted TSA, proving it existed
    /// before that time.
    #[serde(rename = "B-T")]
    BT,
    /// Plus, in a later revision of the PDF, the validation data of the signature and its
    /// timestamp (certificates, OCSP responses, CRLs in a `/DSS`): verifiable after the
    /// certificates expire or responders close. PDF only.
    #[serde(rename = "B-LT")]
    BLt,
    /// Plus a document timestamp over all of that, which archives renew before its TSA's
    /// certificate expires. PDF only.
    #[serde(rename = "B-LTA")]
    BLta,
}

impl SignatureLevel {
    /// Every level, lowest first.
    pub const ALL: [Self; 4] = [Self::BB, Self::BT, Self::BLt, Self::BLta];

    /// The level of a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.as_str() == text)
    }

    /// Returns the wire name (`B-B`, `B-T`, `B-LT`, `B-LTA`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BB => "B-B",
            Self::BT => "B-T",
            Self::BLt => "B-LT",
            Self::BLta => "B-LTA",
        }
    }

    /// Whether validation data is embedded (`B-LT` and `B-LTA`).
    pub fn long_term(self) -> bool {
        matches!(self, Self::BLt | Self::BLta)
    }

    /// Whether the signature carries a signature timestamp.
    pub fn timestamped(self) -> bool {
        self != Self::BB
    }
}

/// Signature algorithms (Circular 15/2025: RSA-PSS preferred, PKCS#1 v1.5 still accepted, ECDSA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignatureAlgorithm {
    /// RSASSA-PSS, MGF1 with the same hash, salt length = hash length.
    #[serde(rename = "rsa-pss")]
    RsaPss,
    /// RSASSA-PKCS1-v1_5.
    #[serde(rename = "rsa-pkcs1")]
    RsaPkcs1,
    /// ECDSA.
    #[serde(rename = "ecdsa")]
    Ecdsa,
}

impl SignatureAlgorithm {
    /// Returns the wire name (`rsa-pss`, `rsa-pkcs1`, `ecdsa`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RsaPss => "rsa-pss",
            Self::RsaPkcs1 => "rsa-pkcs1",
            Self::Ecdsa => "ecdsa",
        }
    }
}

/// Digest algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestAlgorithm {
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Returns the digest's length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Returns the wire name (`sha256`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }
}
