//! CRLs (RFC 5280 §5): signed by the certificate's issuer, current, and whether they list it.

use std::time::SystemTime;

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use super::{Status, signature};

/// What a checked CRL says about one certificate, and until when it may be believed.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: Status,
    pub until: SystemTime,
}

/// Checks the CRL `der` of `issuer` at `now`, and looks `cert` up in it.
///
/// # Errors
///
/// Says why the CRL cannot be believed.
pub fn check(der: &[u8], cert: &Certificate, issuer: &Certificate, now: SystemTime) -> Result<Answer, String> {
    let crl = CertificateList::from_der(der).map_err(|e| format!("not a CRL: {e}"))?;
    let tbs = &crl.tbs_cert_list;
    if tbs.issuer != issuer.tbs_certificate.subject {
        return Err(format!("a CRL of {}, not of {}", tbs.issuer, issuer.tbs_certificate.subject));
    }
    let signed = tbs.to_der().map_err(|e| e.to_string())?;
    let value = crl.signature.as_bytes().ok_or("the CRL's signature is not whole bytes")?;
    signature::verify(&issuer.tbs_certificate.subject_public_key_info, &crl.signature_algorithm, &signed, value)
        .map_err(|e| format!("the CRL's signature: {e}"))?;
    let until = match tbs.next_update {
        Some(next) if next.to_system_time() < now => return Err("the CRL is out of date".into()),
        Some(next) => next.to_system_time(),
        None => return Err("the CRL has no next update".into()),
    };
    let serial = &cert.tbs_certificate.serial_number;
    let status = match tbs.revoked_certificates.iter().flatten().find(|r| &r.serial_number == serial) {
        Some(entry) => Status::Revoked { time: entry.revocation_date.to_system_time(), reason: reason(entry) },
        None => Status::Good,
    };
    Ok(Answer { status, until })
}

fn reason(entry: &x509_cert::crl::RevokedCert) -> Option<String> {
    let extension =
        entry.crl_entry_extensions.iter().flatten().find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_REASONS)?;
    let reason = x509_cert::ext::pkix::CrlReason::from_der(extension.extn_value.as_bytes()).ok()?;
    Some(format!("{reason:?}"))
}
