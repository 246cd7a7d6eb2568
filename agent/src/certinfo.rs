//! Reading what the agent needs from X.509 certificates: names, validity, key, key usage.

use base64::Engine;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1, SECP_521_R_1};
use der::{Decode, Encode};
use kyso_protocol::{CertificateInfo, CertificateStatus, KeyInfo, KeyType, SignatureAlgorithm, TokenInfo};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsage;
use x509_cert::ext::pkix::KeyUsages;

/// Parses a DER certificate.
///
/// # Errors
///
/// The DER decoding error, as text.
pub fn parse(der: &[u8]) -> Result<Certificate, String> {
    Certificate::from_der(der).map_err(|e| e.to_string())
}

/// Returns SHA-256 of the certificate's DER.
pub fn thumbprint(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// Returns the key's type and size.
pub fn key_info(cert: &Certificate) -> KeyInfo {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let oid = spki.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        let bits = rsa_modulus(cert).map_or(0, |n| n.len() as u32 * 8);
        return KeyInfo { kind: KeyType::Rsa, bits, curve: None };
    }
    if oid == ID_EC_PUBLIC_KEY {
        let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        let (name, bits) = match curve {
            Some(c) if c == SECP_256_R_1 => ("P-256", 256),
            Some(c) if c == SECP_384_R_1 => ("P-384", 384),
            Some(c) if c == SECP_521_R_1 => ("P-521", 521),
            _ => ("unknown", 0),
        };
        return KeyInfo { kind: KeyType::Ec, bits, curve: Some(name.to_owned()) };
    }
    KeyInfo { kind: KeyType::Other, bits: 0, curve: None }
}

/// Returns the RSA modulus (big-endian, no leading zero), for matching a private key by CKA_MODULUS.
pub fn rsa_modulus(cert: &Certificate) -> Option<Vec<u8>> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        _exponent: der::asn1::UintRef<'a>,
    }
    let bits = cert.tbs_certificate.subject_public_key_info.subject_public_key.as_bytes()?;
    let key = RsaPublicKey::from_der(bits).ok()?;
    Some(key.modulus.as_bytes().to_vec())
}

/// Returns the EC point (uncompressed, as in the certificate), for matching by CKA_EC_POINT.
pub fn ec_point(cert: &Certificate) -> Option<Vec<u8>> {
    Some(cert.tbs_certificate.subject_public_key_info.subject_public_key.as_bytes()?.to_vec())
}

/// Returns the key usage bits, or `None` when the extension is absent (any use allowed).
pub fn key_usage(cert: &Certificate) -> Option<KeyUsage> {
    let exts = cert.tbs_certificate.extensions.as_ref()?;
    let ext = exts.iter().find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_KEY_USAGE)?;
    KeyUsage::from_der(ext.extn_value.as_bytes()).ok()
}

/// Names of the key usage bits that are set.
fn key_usage_names(cert: &Certificate) -> Vec<String> {
    const NAMES: &[(KeyUsages, &str)] = &[
        (KeyUsages::DigitalSignature, "digital_signature"),
        (KeyUsages::NonRepudiation, "non_repudiation"),
        (KeyUsages::KeyEncipherment, "key_encipherment"),
        (KeyUsages::DataEncipherment, "data_encipherment"),
        (KeyUsages::KeyAgreement, "key_agreement"),
        (KeyUsages::KeyCertSign, "key_cert_sign"),
        (KeyUsages::CRLSign, "crl_sign"),
        (KeyUsages::EncipherOnly, "encipher_only"),
        (KeyUsages::DecipherOnly, "decipher_only"),
    ];
    let Some(usage) = key_usage(cert) else { return Vec::new() };
    NAMES.iter().filter(|(bit, _)| usage.0.contains(*bit)).map(|(_, name)| (*name).to_owned()).collect()
}

/// Why a certificate may not sign now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Past `notAfter`.
    Expired,
    /// Before `notBefore`.
    NotYetValid,
    /// Key usage has neither digitalSignature nor nonRepudiation.
    KeyUsage,
}

/// Checks validity at `now` and that key usage allows signing documents.
pub fn check_usable(cert: &Certificate, now: std::time::SystemTime) -> Result<(), Unusable> {
    let validity = &cert.tbs_certificate.validity;
    if now > validity.not_after.to_system_time() {
        return Err(Unusable::Expired);
    }
    if now < validity.not_before.to_system_time() {
        return Err(Unusable::NotYetValid);
    }
    match key_usage(cert) {
        Some(usage) if !usage.digital_signature() && !usage.non_repudiation() => Err(Unusable::KeyUsage),
        _ => Ok(()),
    }
}

/// Formats a certificate time as RFC 3339 UTC.
fn rfc3339(time: x509_cert::time::Time) -> String {
    let dt = time.to_date_time();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minutes(),
        dt.seconds()
    )
}

/// Formats a certificate time as a calendar date (UTC).
pub fn date(time: x509_cert::time::Time) -> String {
    let dt = time.to_date_time();
    format!("{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day())
}

/// Returns the subject as RFC 4514 text.
pub fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate.subject.to_string()
}

/// Returns the subject's common name, or the whole subject when it has none.
pub fn common_name(cert: &Certificate) -> String {
    subject_attribute(cert, const_oid::db::rfc4519::CN).unwrap_or_else(|| subject(cert))
}

/// Returns the issuer's common name, or the whole issuer when it has none.
pub fn issuer_name(cert: &Certificate) -> String {
    name_attribute(&cert.tbs_certificate.issuer, const_oid::db::rfc4519::CN)
        .unwrap_or_else(|| cert.tbs_certificate.issuer.to_string())
}

/// The subject's organisation (O), as appearances show it.
pub fn organization(cert: &Certificate) -> Option<String> {
    subject_attribute(cert, const_oid::db::rfc4519::O)
}

/// The subject's e-mail address (emailAddress in the subject).
pub fn email(cert: &Certificate) -> Option<String> {
    subject_attribute(cert, const_oid::db::rfc3280::EMAIL_ADDRESS)
}

/// The first value of a subject attribute, as text (UTF8String, PrintableString or IA5String).
fn subject_attribute(cert: &Certificate, oid: const_oid::ObjectIdentifier) -> Option<String> {
    name_attribute(&cert.tbs_certificate.subject, oid)
}

/// The first value of an attribute of `name`, as text.
fn name_attribute(name: &x509_cert::name::Name, oid: const_oid::ObjectIdentifier) -> Option<String> {
    name.0.iter().flat_map(|rdn| rdn.0.iter()).find(|atv| atv.oid == oid).and_then(|atv| {
        let any = der::asn1::AnyRef::from(&atv.value);
        der::asn1::Utf8StringRef::try_from(any)
            .map(|s| s.as_str().to_owned())
            .or_else(|_| der::asn1::PrintableStringRef::try_from(any).map(|s| s.as_str().to_owned()))
            .or_else(|_| der::asn1::Ia5StringRef::try_from(any).map(|s| s.as_str().to_owned()))
            .ok()
    })
}

/// Describes a certificate for `GET /v1/certificates`.
pub fn describe(
    der: &[u8],
    cert: &Certificate,
    token: TokenInfo,
    algorithms: Vec<SignatureAlgorithm>,
) -> CertificateInfo {
    let tbs = &cert.tbs_certificate;
    CertificateInfo {
        thumbprint: hex::encode(thumbprint(der)),
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial: hex::encode(tbs.serial_number.as_bytes()),
        not_before: rfc3339(tbs.validity.not_before),
        not_after: rfc3339(tbs.validity.not_after),
        key: key_info(cert),
        key_usage: key_usage_names(cert),
        status: match check_usable(cert, std::time::SystemTime::now()) {
            Ok(()) => CertificateStatus::Valid,
            Err(Unusable::Expired) => CertificateStatus::Expired,
            Err(Unusable::NotYetValid) => CertificateStatus::NotYetValid,
            Err(Unusable::KeyUsage) => CertificateStatus::NotForSigning,
        },
        signature_algorithms: algorithms,
        der_base64: base64::engine::general_purpose::STANDARD.encode(der),
        token,
    }
}

/// Orders the certificates that chain `leaf` to its root, issuer first, out of `pool` (DER).
pub fn chain_of(leaf: &Certificate, pool: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let parsed: Vec<(Vec<u8>, Certificate)> =
        pool.iter().filter_map(|der| parse(der).ok().map(|c| (der.clone(), c))).collect();
    let mut chain = Vec::new();
    let mut current = leaf.clone();
    // Bounded: a chain longer than the pool would be a loop.
    for _ in 0..parsed.len() {
        if current.tbs_certificate.issuer == current.tbs_certificate.subject {
            break;
        }
        let Some((der, issuer)) =
            parsed.iter().find(|(_, c)| c.tbs_certificate.subject == current.tbs_certificate.issuer && c != &current)
        else {
            break;
        };
        if chain.contains(der) {
            break;
        }
        chain.push(der.clone());
        current = issuer.clone();
    }
    chain
}

/// Re-encodes a parsed certificate (used for the CMS certificate set).
pub fn to_der(cert: &Certificate) -> Result<Vec<u8>, String> {
    cert.to_der().map_err(|e| e.to_string())
}
