//! What must be validated for each signature of a PDF: the signer's certificate and those of
//! the TSAs whose tokens it carries (signature timestamps), or, for a document timestamp, its
//! TSA's; each with the certificates the CMS carries to build its chain.

use cms::signed_data::SignedData;
use der::Encode;
use x509_cert::Certificate;

use crate::cades::{ID_AA_SIGNATURE_TIME_STAMP_TOKEN, verify};
use crate::pdf::{EmbeddedSignature, SignatureKind};

/// A certificate to validate, and the certificates that came with it.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The signer's or TSA's certificate.
    pub cert: Certificate,
    /// The certificates of the CMS it came in (chain candidates).
    pub pool: Vec<Certificate>,
}

/// One signature and the certificates its validation needs.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The field's name.
    pub field_name: String,
    /// The DSS `/VRI` key.
    pub vri_key: String,
    /// Signature or document timestamp.
    pub kind: SignatureKind,
    /// Whether a signature carries a signature timestamp (B-T).
    pub timestamped: bool,
    /// The signer first, then the TSAs.
    pub leaves: Vec<Leaf>,
}

/// The subject of `signature`.
///
/// # Errors
///
/// Why its CMS cannot be read.
pub fn of(signature: &EmbeddedSignature) -> Result<Subject, String> {
    let signed_data = verify::signed_data(signature.der())?;
    let mut leaves = vec![signer(&signed_data)?];
    let mut timestamped = false;
    if signature.kind == SignatureKind::Signature {
        for info in signed_data.signer_infos.0.iter() {
            let tokens = info
                .unsigned_attrs
                .iter()
                .flat_map(|set| set.iter())
                .filter(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN);
            for value in tokens.flat_map(|a| a.values.iter()) {
                let der = value.to_der().map_err(|e| e.to_string())?;
                leaves.push(signer(&verify::signed_data(&der).map_err(|e| format!("signature timestamp: {e}"))?)?);
                timestamped = true;
            }
        }
    }
    Ok(Subject {
        field_name: signature.field_name.clone(),
        vri_key: signature.vri_key(),
        kind: signature.kind,
        timestamped,
        leaves,
    })
}

/// The first signer's certificate and the certificates `signed_data` carries.
pub fn signer(signed_data: &SignedData) -> Result<Leaf, String> {
    let info = signed_data.signer_infos.0.iter().next().ok_or("the CMS has no signer")?;
    let cert = verify::signer_certificate(signed_data, info).ok_or("the CMS lacks its signer's certificate")?.clone();
    Ok(Leaf { cert, pool: verify::certificates(signed_data) })
}
