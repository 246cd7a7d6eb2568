//! A raw signature over a hash someone else computed (the plugin's `SignMsg` output, checked by
//! `VerifyMsg`): RSA PKCS#1 v1.5, or ECDSA on P-256 / P-384 (DER), with the key of a
//! certificate. ring verifies whole messages only, so RustCrypto verifies prehashed ones.

use der::Encode;
use kyso_protocol::DigestAlgorithm;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use x509_cert::Certificate;

/// Checks `signature` over `hash` (by `digest`) with `cert`'s key.
///
/// # Errors
///
/// Why it does not verify (or the key is of a kind not handled).
pub fn check(cert: &Certificate, digest: DigestAlgorithm, hash: &[u8], signature: &[u8]) -> Result<(), String> {
    if hash.len() != digest.output_len() {
        return Err(format!("the hash is {} bytes, {} needs {}", hash.len(), digest.as_str(), digest.output_len()));
    }
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| e.to_string())?;
    let invalid = |_| "the signature does not verify with the certificate's key".to_owned();
    if let Ok(key) = rsa::RsaPublicKey::from_public_key_der(&spki) {
        let scheme = match digest {
            DigestAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            DigestAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        return key.verify(scheme, hash, signature).map_err(|_| invalid(()));
    }
    if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        let signature =
            p256::ecdsa::Signature::from_der(signature).map_err(|e| format!("not a DER ECDSA signature: {e}"))?;
        return key.verify_prehash(hash, &signature).map_err(|_| invalid(()));
    }
    if let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        let signature =
            p384::ecdsa::Signature::from_der(signature).map_err(|e| format!("not a DER ECDSA signature: {e}"))?;
        return key.verify_prehash(hash, &signature).map_err(|_| invalid(()));
    }
    Err("the certificate's key is neither RSA nor ECDSA P-256/P-384".into())
}
