//! What a CMS signature (or an RFC 3161 token) says about itself: whether it is intact over the
//! content whose digests the caller computes, who made it, when it claims, and its signature
//! timestamp. Trust and revocation are judged afterwards.

use std::time::SystemTime;

use cms::signed_data::SignerInfo;
use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V_2, ID_SIGNING_TIME};
use der::Encode;
use kyso_protocol::{DigestAlgorithm, Integrity};
use x509_cert::Certificate;
use x509_cert::time::Time;

use crate::cades::{ID_AA_SIGNATURE_TIME_STAMP_TOKEN, timestamp, verify};

/// Computes the digest of the signed content by an algorithm (read again for each).
pub type Digests<'a> = dyn FnMut(DigestAlgorithm) -> Result<Vec<u8>, String> + 'a;

/// A CMS signature, examined.
#[derive(Debug, Clone)]
pub struct CmsFacts {
    /// The signer's certificate, when the CMS carries it.
    pub signer: Option<Certificate>,
    /// The certificates the CMS carries.
    pub pool: Vec<Certificate>,
    /// Digest and signature checks.
    pub integrity: Integrity,
    /// The signing-time attribute.
    pub claimed_time: Option<SystemTime>,
    /// The ESS signing-certificate(-v2) attribute is there (CAdES/PAdES baseline).
    pub signing_certificate_attribute: bool,
    /// The signature timestamp, when there is one.
    pub timestamp: Option<TokenFacts>,
}

/// An RFC 3161 token, examined.
#[derive(Debug, Clone)]
pub struct TokenFacts {
    /// The time it vouches for (the epoch when it cannot be read).
    pub time: SystemTime,
    /// The TSA's certificate.
    pub tsa: Option<Certificate>,
    /// The certificates the token carries.
    pub pool: Vec<Certificate>,
    /// Signed by its TSA and over the right data.
    pub intact: bool,
    /// What is wrong.
    pub detail: Option<String>,
}

/// The digest algorithm `der` (a signature's CMS, or a document timestamp's token) needs the
/// signed content hashed with.
pub fn digest_algorithm(der: &[u8], kind: crate::pdf::SignatureKind) -> Option<DigestAlgorithm> {
    let signed_data = verify::signed_data(der).ok()?;
    match kind {
        crate::pdf::SignatureKind::Signature => {
            verify::digest_of(signed_data.signer_infos.0.iter().next()?.digest_alg.oid)
        }
        crate::pdf::SignatureKind::DocTimeStamp => {
            let content = signed_data.encap_content_info.econtent.as_ref()?;
            let content = content.decode_as::<der::asn1::OctetString>().ok()?;
            let info = <x509_tsp::TstInfo as der::Decode>::from_der(content.as_bytes()).ok()?;
            verify::digest_of(info.message_imprint.hash_algorithm.oid)
        }
    }
}

/// Examines the CMS `der` over content whose digests `digests` computes.
///
/// # Errors
///
/// When `der` is not a CMS SignedData with a signer.
pub fn examine(der: &[u8], digests: &mut Digests<'_>) -> Result<CmsFacts, String> {
    let signed_data = verify::signed_data(der)?;
    let info = signed_data.signer_infos.0.iter().next().ok_or("the signature has no signer")?;
    let pool = verify::certificates(&signed_data);
    let signer = verify::signer_certificate(&signed_data, info).cloned();
    let integrity = match (&signer, verify::digest_of(info.digest_alg.oid)) {
        (None, _) => broken(true, "the signature does not carry its signer's certificate"),
        (_, None) => broken(false, &format!("unknown digest algorithm {}", info.digest_alg.oid)),
        (Some(cert), Some(digest)) => match digests(digest) {
            Err(why) => broken(false, &why),
            Ok(actual) => match verify::verify_signer_digest(info, cert, &actual) {
                Ok(()) => Integrity { digest_ok: true, signature_ok: true, detail: None },
                Err(why) if why.contains("does not match") || why.contains("message-digest") => broken(false, &why),
                Err(why) => Integrity { digest_ok: true, signature_ok: false, detail: Some(why) },
            },
        },
    };
    let timestamp = signature_timestamp(info);
    Ok(CmsFacts {
        signer,
        pool,
        integrity,
        claimed_time: signing_time(info),
        signing_certificate_attribute: has_signed_attribute(
            info,
            &[ID_AA_SIGNING_CERTIFICATE_V_2, ID_AA_SIGNING_CERTIFICATE],
        ),
        timestamp,
    })
}

/// Examines the RFC 3161 token `der` (a document timestamp) over content whose digests
/// `digests` computes.
pub fn examine_token(der: &[u8], digests: &mut Digests<'_>) -> TokenFacts {
    let opened = match timestamp::open_token(der) {
        Ok(opened) => opened,
        Err(why) => return unreadable_token(why),
    };
    let mut failure = None;
    let covers = opened.covers(|digest| {
        digests(digest).unwrap_or_else(|why| {
            failure = Some(why);
            Vec::new()
        })
    });
    TokenFacts {
        time: opened.info.gen_time.to_system_time(),
        tsa: Some(opened.tsa),
        pool: opened.pool,
        intact: covers,
        detail: (!covers).then(|| failure.unwrap_or_else(|| "the timestamp is over other data".into())),
    }
}

fn broken(signature_ok: bool, why: &str) -> Integrity {
    Integrity { digest_ok: false, signature_ok, detail: Some(why.to_owned()) }
}

fn unreadable_token(why: String) -> TokenFacts {
    TokenFacts { time: SystemTime::UNIX_EPOCH, tsa: None, pool: Vec::new(), intact: false, detail: Some(why) }
}

/// The first signature-time-stamp attribute, checked against the signature value.
fn signature_timestamp(info: &SignerInfo) -> Option<TokenFacts> {
    let attribute =
        info.unsigned_attrs.iter().flat_map(|set| set.iter()).find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)?;
    let value = attribute.values.iter().next()?;
    let der = match value.to_der() {
        Ok(der) => der,
        Err(e) => return Some(unreadable_token(e.to_string())),
    };
    let signature = info.signature.as_bytes().to_vec();
    Some(examine_token(&der, &mut |digest| Ok(crate::digest::hash(digest, &signature))))
}

fn signing_time(info: &SignerInfo) -> Option<SystemTime> {
    let attribute = info.signed_attrs.iter().flat_map(|set| set.iter()).find(|a| a.oid == ID_SIGNING_TIME)?;
    let der = attribute.values.iter().next()?.to_der().ok()?;
    let time = <Time as der::Decode>::from_der(&der).ok()?;
    Some(time.to_system_time())
}

fn has_signed_attribute(info: &SignerInfo, oids: &[const_oid::ObjectIdentifier]) -> bool {
    info.signed_attrs.iter().flat_map(|set| set.iter()).any(|a| oids.contains(&a.oid))
}
