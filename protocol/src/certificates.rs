//! `GET /v1/certificates`.

use serde::{Deserialize, Serialize};

use crate::SignatureAlgorithm;

/// Lists every certificate on every present token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateList {
    /// The certificates, in token then object order.
    pub certificates: Vec<CertificateInfo>,
}

/// Describes one certificate found on a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// SHA-256 of the certificate's DER, lowercase hex: the identifier sign requests use.
    pub thumbprint: String,
    /// Subject distinguished name (RFC 4514 form).
    pub subject: String,
    /// Issuer distinguished name (RFC 4514 form).
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// The public key's type and size.
    pub key: KeyInfo,
    /// Key usage bits set in the certificate, snake_case names (`digital_signature`, ...).
    pub key_usage: Vec<String>,
    /// Whether the certificate can sign documents now; portals should offer only `valid` ones.
    pub status: CertificateStatus,
    /// The signature algorithms the agent can use with this key on this token, preferred first.
    pub signature_algorithms: Vec<SignatureAlgorithm>,
    /// The certificate, DER, standard base64.
    pub der_base64: String,
    /// The token (and slot) that holds it.
    pub token: TokenInfo,
}

/// Whether a certificate can sign documents now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Within its validity period, with a key usage that allows signing documents.
    Valid,
    /// Past its validity period (signing is refused with `certificate_expired`).
    Expired,
    /// Before its validity period (`certificate_not_yet_valid`).
    NotYetValid,
    /// Its key usage has neither digitalSignature nor nonRepudiation, e.g. a CA certificate
    /// (`certificate_key_usage`).
    NotForSigning,
}

/// Describes a public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Key type.
    #[serde(rename = "type")]
    pub kind: KeyType,
    /// Modulus size for RSA, field size for EC.
    pub bits: u32,
    /// The named curve for EC keys (`P-256`, `P-384`, `P-521`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

/// Public key types the agent signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// RSA.
    Rsa,
    /// Elliptic curve (ECDSA).
    Ec,
    /// Anything else; listed but not usable for signing.
    Other,
}

/// Describes the token (and its slot) that holds a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Token label.
    pub label: String,
    /// Token serial number.
    pub serial: String,
    /// Token manufacturer.
    pub manufacturer: String,
    /// Token model.
    pub model: String,
    /// PKCS#11 slot id.
    pub slot_id: u64,
    /// PKCS#11 slot description.
    pub slot_description: String,
    /// The token has its own PIN pad: the user types the PIN there, not on the computer.
    pub protected_authentication_path: bool,
}
