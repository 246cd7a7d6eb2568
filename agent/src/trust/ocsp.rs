//! OCSP (RFC 6960): the request for one certificate, and the checks on the answer before its
//! status is believed: signed by the issuer or by a responder the issuer delegated to, about this
//! certificate, and current.

use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::asn1::{Null, OctetString};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request, TbsRequest,
};

use super::{Status, path, signature};

/// id-pkix-ocsp-basic.
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-kp-OCSPSigning.
const ID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// id-sha1: CertIDs use SHA-1 (RFC 5019), which every responder answers; it only names the
/// certificate, it protects nothing.
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// Clocks differ: a response a little from the future is accepted.
const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The CertID of `cert`, issued by `issuer`.
pub fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<CertId, String> {
    let sha1 = |data: &[u8]| ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref().to_vec();
    let name = issuer.tbs_certificate.subject.to_der().map_err(|e| e.to_string())?;
    let key = issuer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    Ok(CertId {
        hash_algorithm: spki::AlgorithmIdentifierOwned { oid: ID_SHA1, parameters: Some(Null.into()) },
        issuer_name_hash: OctetString::new(sha1(&name)).map_err(|e| e.to_string())?,
        issuer_key_hash: OctetString::new(sha1(key)).map_err(|e| e.to_string())?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

/// The CertIDs `cert` may be named by in a response: SHA-1 (what Kyso asks with) and SHA-256
/// (what some clients ask with; a stored response answers the question it was asked).
pub fn cert_ids(cert: &Certificate, issuer: &Certificate) -> Vec<CertId> {
    let mut ids: Vec<CertId> = cert_id(cert, issuer).into_iter().collect();
    let sha256 = |data: &[u8]| ring::digest::digest(&ring::digest::SHA256, data).as_ref().to_vec();
    if let (Ok(name), Some(first)) = (issuer.tbs_certificate.subject.to_der(), ids.first().cloned()) {
        let key = issuer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
        if let (Ok(name_hash), Ok(key_hash)) = (OctetString::new(sha256(&name)), OctetString::new(sha256(key))) {
            ids.push(CertId {
                hash_algorithm: spki::AlgorithmIdentifierOwned {
                    oid: const_oid::db::rfc5912::ID_SHA_256,
                    parameters: first.hash_algorithm.parameters,
                },
                issuer_name_hash: name_hash,
                issuer_key_hash: key_hash,
                serial_number: first.serial_number,
            });
        }
    }
    ids
}

/// The DER request for `id`.
pub fn request(id: &CertId) -> Result<Vec<u8>, String> {
    OcspRequest {
        tbs_request: TbsRequest {
            version: x509_ocsp::Version::V1,
            requestor_name: None,
            request_list: vec![Request { req_cert: id.clone(), single_request_extensions: None }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(|e| e.to_string())
}

/// What a checked response says, and until when it may be believed.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: Status,
    pub until: SystemTime,
}

/// Checks `der`, the answer about `id` (`issuer`'s certificate), at `now`.
///
/// # Errors
///
/// Says why the response cannot be believed (then the CRL is tried).
pub fn check(der: &[u8], id: &CertId, issuer: &Certificate, now: SystemTime) -> Result<Answer, String> {
    let response = OcspResponse::from_der(der).map_err(|e| format!("not an OCSP response: {e}"))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(format!("the responder answered {:?}", response.response_status));
    }
    let bytes = response.response_bytes.ok_or("a successful response without a body")?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(format!("an OCSP response of type {}", bytes.response_type));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(|e| e.to_string())?;
    let tbs = basic.tbs_response_data.to_der().map_err(|e| e.to_string())?;
    let value = basic.signature.as_bytes().ok_or("the response's signature is not whole bytes")?;
    let signed_by_issuer =
        signature::verify(&issuer.tbs_certificate.subject_public_key_info, &basic.signature_algorithm, &tbs, value);
    if signed_by_issuer.is_err() {
        let delegated = basic.certs.iter().flatten().find(|responder| {
            path::issued_by(responder, issuer).is_ok()
                && is_ocsp_signer(responder)
                && path::valid_at(responder, now)
                && signature::verify(
                    &responder.tbs_certificate.subject_public_key_info,
                    &basic.signature_algorithm,
                    &tbs,
                    value,
                )
                .is_ok()
        });
        if delegated.is_none() {
            return Err("the response is signed neither by the issuer nor by a responder it delegated to".into());
        }
    }
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| same_certificate(&r.cert_id, id))
        .ok_or("the response is about another certificate")?;
    let this_update = single.this_update.0.to_system_time();
    if this_update > now + CLOCK_SKEW {
        return Err("the response is from the future (check the computer's clock)".into());
    }
    let until = match &single.next_update {
        Some(next) if next.0.to_system_time() < now => return Err("the response is out of date".into()),
        Some(next) => next.0.to_system_time(),
        // No next update: newer information is always available; believe it briefly.
        None => now + Duration::from_secs(5 * 60),
    };
    let status = match &single.cert_status {
        CertStatus::Good(_) => Status::Good,
        CertStatus::Revoked(info) => Status::Revoked {
            time: info.revocation_time.0.to_system_time(),
            reason: info.revocation_reason.map(|r| format!("{r:?}")),
        },
        CertStatus::Unknown(_) => return Err("the responder does not know the certificate".into()),
    };
    Ok(Answer { status, until })
}

/// The same certificate named: responders may drop the hash algorithm's NULL parameters.
fn same_certificate(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

fn is_ocsp_signer(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .get::<x509_cert::ext::pkix::ExtendedKeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(_, eku)| eku.0.contains(&ID_KP_OCSP_SIGNING))
}

/// The certificates a response carries (a delegated responder's), DER; none when it does not
/// parse (it was checked before it got here).
pub fn responder_certs(der: &[u8]) -> Vec<Vec<u8>> {
    let Ok(response) = OcspResponse::from_der(der) else { return Vec::new() };
    let Some(bytes) = response.response_bytes else { return Vec::new() };
    let Ok(basic) = BasicOcspResponse::from_der(bytes.response.as_bytes()) else { return Vec::new() };
    basic.certs.iter().flatten().filter_map(|cert| cert.to_der().ok()).collect()
}
