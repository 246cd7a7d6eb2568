//! CAdES-B-B: CMS `SignedData`, detached, signed on a token.
//!
//! Signing is two steps because the signature comes from the token worker, after the user's
//! consent: [`prepare`] builds the signed attributes whose DER the token signs, then
//! [`Prepared::finish`] assembles the `ContentInfo` around the token's signature.

mod algorithms;
mod attributes;
pub mod timestamp;
pub mod verify;

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{ID_DATA, ID_SIGNED_DATA};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use kyso_protocol::{DigestAlgorithm, SignatureAlgorithm};
use x509_cert::Certificate;

pub use algorithms::{digest_algorithm_id, signature_algorithm_id};
pub use attributes::ID_AA_SIGNATURE_TIME_STAMP_TOKEN;

/// Failure to build a CMS structure (a certificate that does not re-encode, a value too large).
#[derive(Debug)]
pub struct CmsError(der::Error);

impl std::fmt::Display for CmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot encode the cms structure: {}", self.0)
    }
}

impl std::error::Error for CmsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<der::Error> for CmsError {
    fn from(error: der::Error) -> Self {
        Self(error)
    }
}

/// What a signature is made of, before the token signs.
#[derive(Debug, Clone)]
pub struct SignerParams<'a> {
    /// The signer's certificate, DER.
    pub certificate: &'a [u8],
    /// Chain certificates to include (issuer first), DER.
    pub chain: &'a [Vec<u8>],
    /// Digest algorithm of the content and of the signed attributes.
    pub digest: DigestAlgorithm,
    /// Signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Digest of the content.
    pub content_digest: &'a [u8],
    /// The signing-time attribute (CAdES detached); `None` for PAdES, where time goes in `/M`.
    pub signing_time: Option<SystemTime>,
}

/// Signed attributes ready to be signed, and what is needed to finish the `SignedData`.
#[derive(Debug)]
pub struct Prepared {
    signer: Certificate,
    certificates: Vec<Certificate>,
    digest: DigestAlgorithm,
    algorithm: SignatureAlgorithm,
    signed_attributes: SignedAttributes,
    to_sign: Vec<u8>,
}

/// Builds the signed attributes: content-type, signing-time (when given), message-digest and
/// ESS signing-certificate-v2.
///
/// # Errors
///
/// [`CmsError`] when a certificate does not parse or a value does not encode.
pub fn prepare(params: &SignerParams<'_>) -> Result<Prepared, CmsError> {
    let signer = Certificate::from_der(params.certificate)?;
    let mut certificates = vec![signer.clone()];
    for der in params.chain {
        certificates.push(Certificate::from_der(der)?);
    }
    let mut attrs = vec![
        attributes::content_type(ID_DATA)?,
        attributes::message_digest(params.content_digest)?,
        attributes::signing_certificate_v2(&signer, params.certificate)?,
    ];
    if let Some(time) = params.signing_time {
        attrs.push(attributes::signing_time(time)?);
    }
    // SET OF: DER wants the elements sorted by their encoding; try_from sorts.
    let signed_attributes = SetOfVec::try_from(attrs)?;
    let to_sign = signed_attributes.to_der()?;
    Ok(Prepared {
        signer,
        certificates,
        digest: params.digest,
        algorithm: params.algorithm,
        signed_attributes,
        to_sign,
    })
}

impl Prepared {
    /// Returns the DER of the signed attributes (as a SET), the bytes the token signs.
    pub fn to_sign(&self) -> &[u8] {
        &self.to_sign
    }

    /// Assembles the `ContentInfo` around `signature` and returns its DER.
    ///
    /// # Errors
    ///
    /// [`CmsError`] when a value does not encode.
    pub fn finish(self, signature: Vec<u8>) -> Result<Vec<u8>, CmsError> {
        self.finish_timestamped(signature, None)
    }

    /// As [`Prepared::finish`], with a timestamp token over `signature` (from
    /// [`timestamp::check_reply`]) as the signature-time-stamp attribute: CAdES-T, PAdES B-T.
    ///
    /// # Errors
    ///
    /// [`CmsError`] when a value does not encode or the token is not DER.
    pub fn finish_timestamped(self, signature: Vec<u8>, timestamp: Option<&[u8]>) -> Result<Vec<u8>, CmsError> {
        let unsigned_attrs = match timestamp {
            Some(token) => Some(SetOfVec::try_from(vec![attributes::signature_timestamp(token)?])?),
            None => None,
        };
        let digest_id = digest_algorithm_id(self.digest);
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.signer.tbs_certificate.issuer.clone(),
                serial_number: self.signer.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: digest_id.clone(),
            signed_attrs: Some(self.signed_attributes),
            signature_algorithm: signature_algorithm_id(self.algorithm, self.digest)?,
            signature: OctetString::new(signature)?,
            unsigned_attrs,
        };
        let certificates = self.certificates.into_iter().map(CertificateChoices::Certificate).collect::<Vec<_>>();
        let signed_data = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![digest_id])?,
            encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
            certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
        };
        let info = ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&signed_data)? };
        Ok(info.to_der()?)
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    /// A self-signed ECDSA P-256 certificate and its key, made with rcgen.
    fn signer() -> (Vec<u8>, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(rcgen::DnType::CommonName, "Nguyễn Văn An");
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).expect("self-signed");
        (cert.der().to_vec(), key)
    }

    #[test]
    fn a_timestamped_signature_is_valid_cms_that_openssl_and_our_checks_accept() {
        use rcgen::SigningKey;
        let (cert_der, key) = signer();
        let content = "Quyết định số 123".as_bytes();
        let prepared = prepare(&SignerParams {
            certificate: &cert_der,
            chain: &[],
            digest: DigestAlgorithm::Sha256,
            algorithm: SignatureAlgorithm::Ecdsa,
            content_digest: &crate::digest::hash(DigestAlgorithm::Sha256, content),
            signing_time: None,
        })
        .expect("prepare");
        let signature = key.sign(prepared.to_sign()).expect("sign");
        // Any SignedData DER stands in for a token here: the attribute carries it as it is.
        let stand_in = prepare(&SignerParams {
            certificate: &cert_der,
            chain: &[],
            digest: DigestAlgorithm::Sha256,
            algorithm: SignatureAlgorithm::Ecdsa,
            content_digest: &[0; 32],
            signing_time: None,
        })
        .expect("prepare")
        .finish(vec![0x30, 0x00])
        .expect("finish");
        let der = prepared.finish_timestamped(signature, Some(&stand_in)).expect("finish");

        let signed_data = verify::signed_data(&der).expect("SignedData");
        let info = &signed_data.signer_infos.0.as_slice()[0];
        let cert = verify::signer_certificate(&signed_data, info).expect("the signer's certificate");
        verify::verify_signer(info, cert, content).expect("our check");
        assert!(verify::verify_signer(info, cert, b"other content").is_err());
        let attrs = info.unsigned_attrs.as_ref().expect("unsigned attributes");
        assert_eq!(attrs.as_slice()[0].oid, attributes::ID_AA_SIGNATURE_TIME_STAMP_TOKEN);
        assert_eq!(attrs.as_slice()[0].values.as_slice()[0].to_der().expect("der"), stand_in);

        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("sig.der"), &der).expect("write");
        std::fs::write(dir.path().join("content"), content).expect("write");
        let verified = Command::new("openssl")
            .current_dir(dir.path())
            .args(["cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-content", "content"])
            .args(["-noverify", "-out", "/dev/null"])
            .output();
        match verified {
            Ok(out) => assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr)),
            Err(error) => eprintln!("SKIPPED the openssl check: {error}"),
        }
    }
}
