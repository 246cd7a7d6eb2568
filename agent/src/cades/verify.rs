//! Checking a CMS `SignerInfo` against its certificate: the message-digest attribute against
//! the content, and the signature over the signed attributes (RFC 5652 §5.4) with ring.
//!
//! Used for the timestamp tokens the agent receives now, and for the verifier later.

use cms::cert::x509::Certificate;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::ID_MESSAGE_DIGEST;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_EC_PUBLIC_KEY, ID_RSASSA_PSS, ID_SHA_256, ID_SHA_384, ID_SHA_512,
    RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use der::asn1::OctetString;
use der::{Decode, Encode};
use kyso_protocol::DigestAlgorithm;
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

/// The digest algorithm an OID names, when it is one Kyso knows.
pub fn digest_of(oid: ObjectIdentifier) -> Option<DigestAlgorithm> {
    match oid {
        ID_SHA_256 => Some(DigestAlgorithm::Sha256),
        ID_SHA_384 => Some(DigestAlgorithm::Sha384),
        ID_SHA_512 => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

/// The certificate in `signed_data` that `info` names.
pub fn signer_certificate<'a>(signed_data: &'a SignedData, info: &SignerInfo) -> Option<&'a Certificate> {
    signed_data.certificates.as_ref()?.0.iter().find_map(|choice| {
        let cms::cert::CertificateChoices::Certificate(cert) = choice else { return None };
        let matches = match &info.sid {
            SignerIdentifier::IssuerAndSerialNumber(id) => {
                cert.tbs_certificate.issuer == id.issuer && cert.tbs_certificate.serial_number == id.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => cert
                .tbs_certificate
                .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, own)| own.0 == ski.0),
        };
        matches.then_some(cert)
    })
}

/// Checks that `info`'s signed attributes carry `content`'s digest and that `cert` signed them.
///
/// # Errors
///
/// Says which check failed.
pub fn verify_signer(info: &SignerInfo, cert: &Certificate, content: &[u8]) -> Result<(), String> {
    let digest = digest_of(info.digest_alg.oid).ok_or_else(|| format!("unknown digest {}", info.digest_alg.oid))?;
    verify_signer_digest(info, cert, &crate::digest::hash(digest, content))
}

/// As [`verify_signer`], for content whose digest (by the SignerInfo's algorithm) is `actual`
/// (a PDF's byte ranges, hashed as they were read).
///
/// # Errors
///
/// Says which check failed: the message digest ("does not match"), or the signature.
pub fn verify_signer_digest(info: &SignerInfo, cert: &Certificate, actual: &[u8]) -> Result<(), String> {
    let digest = digest_of(info.digest_alg.oid).ok_or_else(|| format!("unknown digest {}", info.digest_alg.oid))?;
    let attrs = info.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let claimed = attrs
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.get(0))
        .ok_or("no message-digest attribute")?
        .decode_as::<OctetString>()
        .map_err(|e| format!("message-digest: {e}"))?;
    if claimed.as_bytes() != actual {
        return Err("the message digest does not match the content".into());
    }
    let signed = attrs.to_der().map_err(|e| e.to_string())?;
    verify_signature(cert, info, digest, &signed, info.signature.as_bytes())
}

/// Checks `signature` over `message` with `cert`'s key, by the SignerInfo's algorithm.
fn verify_signature(
    cert: &Certificate,
    info: &SignerInfo,
    digest: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let key = spki.subject_public_key.raw_bytes();
    let algorithm: &dyn VerificationAlgorithm = match (info.signature_algorithm.oid, digest) {
        (RSA_ENCRYPTION | SHA_256_WITH_RSA_ENCRYPTION, DigestAlgorithm::Sha256) => {
            &signature::RSA_PKCS1_2048_8192_SHA256
        }
        (RSA_ENCRYPTION | SHA_384_WITH_RSA_ENCRYPTION, DigestAlgorithm::Sha384) => {
            &signature::RSA_PKCS1_2048_8192_SHA384
        }
        (RSA_ENCRYPTION | SHA_512_WITH_RSA_ENCRYPTION, DigestAlgorithm::Sha512) => {
            &signature::RSA_PKCS1_2048_8192_SHA512
        }
        // The salt length is the digest's, as RFC 4055 profiles and Kyso and OpenSSL write.
        (ID_RSASSA_PSS, DigestAlgorithm::Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
        (ID_RSASSA_PSS, DigestAlgorithm::Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
        (ID_RSASSA_PSS, DigestAlgorithm::Sha512) => &signature::RSA_PSS_2048_8192_SHA512,
        (ECDSA_WITH_SHA_256, _) => crate::trust::signature::ecdsa(
            spki,
            &signature::ECDSA_P256_SHA256_ASN1,
            &signature::ECDSA_P384_SHA256_ASN1,
        )?,
        (ECDSA_WITH_SHA_384, _) => crate::trust::signature::ecdsa(
            spki,
            &signature::ECDSA_P256_SHA384_ASN1,
            &signature::ECDSA_P384_SHA384_ASN1,
        )?,
        // A bare id-ecPublicKey as the signature algorithm (some signers write it): the
        // digest algorithm says which hash.
        (ID_EC_PUBLIC_KEY, DigestAlgorithm::Sha256) => crate::trust::signature::ecdsa(
            spki,
            &signature::ECDSA_P256_SHA256_ASN1,
            &signature::ECDSA_P384_SHA256_ASN1,
        )?,
        (ID_EC_PUBLIC_KEY, DigestAlgorithm::Sha384) => crate::trust::signature::ecdsa(
            spki,
            &signature::ECDSA_P256_SHA384_ASN1,
            &signature::ECDSA_P384_SHA384_ASN1,
        )?,
        (oid, _) => return Err(format!("unsupported signature algorithm {oid} with {}", digest.as_str())),
    };
    UnparsedPublicKey::new(algorithm, key).verify(message, signature).map_err(|_| "the signature is not valid".into())
}

/// The certificates `signed_data` carries.
pub fn certificates(signed_data: &SignedData) -> Vec<Certificate> {
    signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            cms::cert::CertificateChoices::Certificate(cert) => Some(cert.clone()),
            _ => None,
        })
        .collect()
}

/// Parses a `ContentInfo` holding `SignedData`.
///
/// # Errors
///
/// It is not DER, or not SignedData.
pub fn signed_data(content_info_der: &[u8]) -> Result<SignedData, String> {
    let info = cms::content_info::ContentInfo::from_der(content_info_der).map_err(|e| e.to_string())?;
    if info.content_type != const_oid::db::rfc5911::ID_SIGNED_DATA {
        return Err(format!("not SignedData but {}", info.content_type));
    }
    info.content.decode_as::<SignedData>().map_err(|e| e.to_string())
}
