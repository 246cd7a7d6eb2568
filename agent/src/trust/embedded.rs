//! Revocation status from evidence a file keeps (a PDF's DSS): the OCSP responses and CRLs are
//! checked as when they were issued (signed by the issuer or its responder, about this
//! certificate), and count when they were current at the signature's time or issued after it.

use std::time::{Duration, SystemTime};

use der::Decode;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_ocsp::{BasicOcspResponse, OcspResponse};

use super::{Evidence, Status, ValidationData, crl, ocsp};

/// The status of `cert` (issued by `issuer`) according to `data`, for a signature made at
/// `signed_at`: the first OCSP response, else CRL, that says something about it and was
/// current then or issued later.
pub fn status(
    data: &ValidationData,
    cert: &Certificate,
    issuer: &Certificate,
    signed_at: SystemTime,
) -> Option<(Status, Evidence)> {
    for der in &data.ocsps {
        let Some(produced) = ocsp_this_update(der) else { continue };
        for id in ocsp::cert_ids(cert, issuer) {
            if let Ok(answer) = ocsp::check(der, &id, issuer, produced)
                && answer.until.max(produced) >= signed_at
            {
                return Some((answer.status, Evidence::Ocsp));
            }
        }
    }
    for der in &data.crls {
        let Some(issued) = crl_this_update(der) else { continue };
        if let Ok(answer) = crl::check(der, cert, issuer, issued)
            && answer.until.max(issued) >= signed_at
        {
            return Some((answer.status, Evidence::Crl));
        }
    }
    None
}

/// The newest thisUpdate of an OCSP response's answers: the time to check it at.
fn ocsp_this_update(der: &[u8]) -> Option<SystemTime> {
    let response = OcspResponse::from_der(der).ok()?;
    let basic = BasicOcspResponse::from_der(response.response_bytes?.response.as_bytes()).ok()?;
    let newest = basic.tbs_response_data.responses.iter().map(|r| r.this_update.0.to_system_time()).max()?;
    // Checked a moment later, so that the responder's own clock skew does not matter.
    Some(newest + Duration::from_secs(1))
}

fn crl_this_update(der: &[u8]) -> Option<SystemTime> {
    Some(CertificateList::from_der(der).ok()?.tbs_cert_list.this_update.to_system_time() + Duration::from_secs(1))
}
