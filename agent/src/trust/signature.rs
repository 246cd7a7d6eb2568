//! Checking an X.509-style signature (certificates, CRLs, OCSP responses) with the issuer's key:
//! RSA PKCS#1 v1.5 and PSS with SHA-256/384/512, ECDSA on P-256 and P-384. SHA-1 is refused.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_RSASSA_PSS, ID_SHA_256, ID_SHA_384, ID_SHA_512,
    SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// RSASSA-PSS-params (RFC 4055); only the hash matters here, the MGF uses the same one.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    mask: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", optional = "true", tag_mode = "EXPLICIT")]
    salt: Option<u32>,
    #[asn1(context_specific = "3", optional = "true", tag_mode = "EXPLICIT")]
    trailer: Option<u32>,
}

/// Checks `signature` over `message` by `algorithm` with the key `key`.
///
/// # Errors
///
/// Says why: an algorithm Kyso does not accept, or a signature that does not verify.
pub fn verify(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let chosen: &dyn VerificationAlgorithm = match algorithm.oid {
        SHA_256_WITH_RSA_ENCRYPTION => &signature::RSA_PKCS1_2048_8192_SHA256,
        SHA_384_WITH_RSA_ENCRYPTION => &signature::RSA_PKCS1_2048_8192_SHA384,
        SHA_512_WITH_RSA_ENCRYPTION => &signature::RSA_PKCS1_2048_8192_SHA512,
        ID_RSASSA_PSS => {
            let params: PssParams = algorithm
                .parameters
                .as_ref()
                .ok_or("RSASSA-PSS without parameters")?
                .decode_as()
                .map_err(|e| format!("RSASSA-PSS parameters: {e}"))?;
            // The MGF hash and salt length are the hash's, as ring checks them.
            let _ = (&params.mask, params.salt, params.trailer);
            match params.hash.map(|h| h.oid) {
                Some(ID_SHA_256) => &signature::RSA_PSS_2048_8192_SHA256,
                Some(ID_SHA_384) => &signature::RSA_PSS_2048_8192_SHA384,
                Some(ID_SHA_512) => &signature::RSA_PSS_2048_8192_SHA512,
                other => return Err(format!("RSASSA-PSS with an unsupported hash {other:?}")),
            }
        }
        ECDSA_WITH_SHA_256 => ecdsa(key, &signature::ECDSA_P256_SHA256_ASN1, &signature::ECDSA_P384_SHA256_ASN1)?,
        ECDSA_WITH_SHA_384 => ecdsa(key, &signature::ECDSA_P256_SHA384_ASN1, &signature::ECDSA_P384_SHA384_ASN1)?,
        ECDSA_WITH_SHA_512 => return Err("ECDSA with SHA-512 is not supported".into()),
        other => return Err(format!("unsupported signature algorithm {other}")),
    };
    UnparsedPublicKey::new(chosen, key.subject_public_key.raw_bytes())
        .verify(message, signature)
        .map_err(|_| "the signature does not verify".into())
}

/// The ECDSA verification for `key`'s curve: `p256` or `p384`.
///
/// # Errors
///
/// A key without a named curve, or on another curve.
pub(crate) fn ecdsa(
    key: &SubjectPublicKeyInfoOwned,
    p256: &'static signature::EcdsaVerificationAlgorithm,
    p384: &'static signature::EcdsaVerificationAlgorithm,
) -> Result<&'static signature::EcdsaVerificationAlgorithm, String> {
    const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    let curve = key
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or("an EC key without a named curve")?;
    match curve {
        P256 => Ok(p256),
        P384 => Ok(p384),
        other => Err(format!("unsupported curve {other}")),
    }
}
