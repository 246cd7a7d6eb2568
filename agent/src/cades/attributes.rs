//! The CAdES-B-B signed attributes.

use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

/// ESS `SigningCertificateV2` (RFC 5035): binds the signature to the signer's certificate.
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// ESS `ESSCertIDv2`; hashAlgorithm is omitted because SHA-256 is its DER default.
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

/// ESS `IssuerSerial`.
#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

fn attribute(oid: ObjectIdentifier, value: Any) -> der::Result<Attribute> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value])? })
}

/// content-type.
pub fn content_type(content: ObjectIdentifier) -> der::Result<Attribute> {
    attribute(ID_CONTENT_TYPE, Any::encode_from(&content)?)
}

/// message-digest.
pub fn message_digest(digest: &[u8]) -> der::Result<Attribute> {
    attribute(ID_MESSAGE_DIGEST, Any::encode_from(&OctetString::new(digest)?)?)
}

/// signing-time (UTCTime until 2049, GeneralizedTime after, as RFC 5652 requires).
pub fn signing_time(time: SystemTime) -> der::Result<Attribute> {
    let dt = der::DateTime::from_system_time(time)?;
    let time = if dt.year() < 2050 {
        Time::UtcTime(der::asn1::UtcTime::from_date_time(dt)?)
    } else {
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))
    };
    attribute(ID_SIGNING_TIME, Any::encode_from(&time)?)
}

/// ESS signing-certificate-v2 for `cert` (whose DER is `der`).
pub fn signing_certificate_v2(cert: &Certificate, der: &[u8]) -> der::Result<Attribute> {
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(der).to_vec())?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(cert.tbs_certificate.issuer.clone())],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    attribute(ID_AA_SIGNING_CERTIFICATE_V_2, Any::encode_from(&value)?)
}

/// id-aa-signatureTimeStampToken (RFC 3161 appendix A): an unsigned attribute holding a
/// timestamp token over the signature value.
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// signature-time-stamp, from the token's DER.
pub fn signature_timestamp(token: &[u8]) -> der::Result<Attribute> {
    attribute(ID_AA_SIGNATURE_TIME_STAMP_TOKEN, <Any as der::Decode>::from_der(token)?)
}
