//! Validation data for long-term signatures (PAdES B-LT, ETSI EN 319 142-1 5.4): the
//! certificates of a chain and, for each certificate below the anchor, an OCSP response or a
//! CRL that says it is not revoked, kept in the document so the signature can be verified when
//! the certificates have expired and the responders are gone.

use std::time::SystemTime;

use der::Encode;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use super::{Evidence, Found, Status, Trust, ocsp};

/// id-pkix-ocsp-nocheck: the responder's own certificate needs no status (RFC 6960 4.2.2.2.1).
const ID_PKIX_OCSP_NOCHECK: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");

/// Certificates, OCSP responses and CRLs (DER), each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationData {
    /// Certificates: the chain's, and the OCSP responders'.
    pub certs: Vec<Vec<u8>>,
    /// OCSP responses (`OCSPResponse`).
    pub ocsps: Vec<Vec<u8>>,
    /// CRLs (`CertificateList`).
    pub crls: Vec<Vec<u8>>,
}

impl ValidationData {
    /// Adds what `other` has that `self` lacks.
    pub fn merge(&mut self, other: ValidationData) {
        for (mine, theirs) in
            [(&mut self.certs, other.certs), (&mut self.ocsps, other.ocsps), (&mut self.crls, other.crls)]
        {
            for item in theirs {
                push_new(mine, item);
            }
        }
    }

    /// Whether there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty() && self.ocsps.is_empty() && self.crls.is_empty()
    }
}

fn push_new(list: &mut Vec<Vec<u8>>, item: Vec<u8>) {
    let digest = Sha256::digest(&item);
    if !list.iter().any(|existing| Sha256::digest(existing) == digest) {
        list.push(item);
    }
}

impl Trust {
    /// The validation data of `leaf` (a signer's or a TSA's certificate) at `now`: its chain to
    /// an anchor, built with `pool` (the certificates a token or a CMS carries), and a status
    /// for every certificate below the anchor, asked anew so that it postdates the signature;
    /// when a responder does not answer, an answer cached from the check before signing serves.
    ///
    /// # Errors
    ///
    /// Why the data is incomplete: no chain to an anchor, a certificate revoked, no status to
    /// be had.
    pub async fn validation_data(
        &self,
        leaf: &Certificate,
        pool: &[Certificate],
        now: SystemTime,
    ) -> Result<ValidationData, String> {
        let chain = self.chain_fetching_issuers(leaf, pool, now).await?;
        let mut data = ValidationData::default();
        for cert in &chain {
            push_new(&mut data.certs, cert.to_der().map_err(|e| e.to_string())?);
        }
        for pair in chain.windows(2) {
            let [cert, issuer] = pair else { continue };
            if has_ocsp_nocheck(cert) {
                continue;
            }
            let found = match self.fetch_status(cert, issuer, now).await {
                Ok(found) => found,
                Err(why) => self.cached(cert, now).ok_or_else(|| format!("{}: {why}", cert.tbs_certificate.subject))?,
            };
            let Found { status, evidence, der } = found;
            if let Status::Revoked { .. } = status {
                return Err(format!("{} is revoked", cert.tbs_certificate.subject));
            }
            match evidence {
                Evidence::Ocsp => {
                    for responder in ocsp::responder_certs(&der) {
                        push_new(&mut data.certs, responder);
                    }
                    push_new(&mut data.ocsps, der.to_vec());
                }
                Evidence::Crl => push_new(&mut data.crls, der.to_vec()),
            }
        }
        Ok(data)
    }
}

fn has_ocsp_nocheck(cert: &Certificate) -> bool {
    cert.tbs_certificate.extensions.iter().flatten().any(|e| e.extn_id == ID_PKIX_OCSP_NOCHECK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_each_item_once() {
        let mut a = ValidationData { certs: vec![vec![1], vec![2]], ocsps: vec![vec![3]], crls: vec![] };
        a.merge(ValidationData { certs: vec![vec![2], vec![4]], ocsps: vec![vec![3]], crls: vec![vec![5]] });
        assert_eq!(a.certs, vec![vec![1], vec![2], vec![4]]);
        assert_eq!(a.ocsps, vec![vec![3]]);
        assert_eq!(a.crls, vec![vec![5]]);
        assert!(!a.is_empty());
        assert!(ValidationData::default().is_empty());
    }
}
