//! Missing intermediate certificates, fetched from the URL their subjects name (AIA
//! caIssuers, RFC 5280 4.2.2.1): signatures made by software that leaves the issuing CA out of
//! the CMS still chain, as with other verifiers. Answers are cached by URL.

use std::time::SystemTime;

use der::Decode;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use x509_cert::Certificate;
use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;

use super::{Trust, web_url};

/// id-ad-caIssuers.
const ID_AD_CA_ISSUERS: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
/// A certificate, or a few in a PKCS#7 bundle.
const MAX_ISSUER_BYTES: u64 = 256 * 1024;
/// Intermediates fetched for one chain at most.
const MAX_FETCHES: usize = 4;

impl Trust {
    /// As [`Trust::chain`], fetching the issuers the certificates name (caIssuers) when no chain
    /// can be built from `pool` and the anchors alone.
    ///
    /// # Errors
    ///
    /// Why no chain reaches an anchor, even with what was fetched.
    pub async fn chain_fetching_issuers(
        &self,
        leaf: &Certificate,
        pool: &[Certificate],
        at: SystemTime,
    ) -> Result<Vec<Certificate>, String> {
        let mut pool = pool.to_vec();
        let mut tried = Vec::new();
        loop {
            let error = match self.chain(leaf, &pool, at) {
                Ok(chain) => return Ok(chain),
                Err(error) => error,
            };
            // The certificates whose issuer is nowhere to be seen name where to find it.
            let orphans: Vec<Certificate> = std::iter::once(leaf)
                .chain(pool.iter())
                .filter(|c| {
                    !pool
                        .iter()
                        .chain(self.anchors.iter())
                        .any(|i| i.tbs_certificate.subject == c.tbs_certificate.issuer)
                })
                .cloned()
                .collect();
            let urls: Vec<url::Url> = orphans.iter().flat_map(ca_issuer_urls).filter(|u| !tried.contains(u)).collect();
            if urls.is_empty() || tried.len() >= MAX_FETCHES {
                return Err(error);
            }
            for url in urls.into_iter().take(MAX_FETCHES - tried.len()) {
                tried.push(url.clone());
                match self.fetch_issuers(&url).await {
                    Ok(found) => pool.extend(found),
                    Err(why) => tracing::info!(%url, %why, "issuer certificate not fetched"),
                }
            }
        }
    }

    async fn fetch_issuers(&self, url: &url::Url) -> Result<Vec<Certificate>, String> {
        if let Some(known) = self.issuers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(url.as_str()) {
            return Ok(known.clone());
        }
        let bytes = self.outbound.get(url, MAX_ISSUER_BYTES).await.map_err(|e| e.to_string())?;
        let found = parse_certificates(&bytes)?;
        self.issuers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(url.to_string(), found.clone());
        Ok(found)
    }
}

/// The caIssuers URLs in `cert`'s AIA (http and https).
fn ca_issuer_urls(cert: &Certificate) -> Vec<url::Url> {
    let Ok(Some((_, aia))) = cert.tbs_certificate.get::<AuthorityInfoAccessSyntax>() else { return Vec::new() };
    aia.0.iter().filter(|d| d.access_method == ID_AD_CA_ISSUERS).filter_map(|d| web_url(&d.access_location)).collect()
}

/// A DER or PEM certificate, or a PKCS#7 certs-only bundle (`.p7c`).
fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if let Ok(cert) = Certificate::from_der(bytes) {
        return Ok(vec![cert]);
    }
    if let Ok(signed_data) = crate::cades::verify::signed_data(bytes) {
        return Ok(crate::cades::verify::certificates(&signed_data));
    }
    let pem: Vec<Certificate> = CertificateDer::pem_slice_iter(bytes)
        .filter_map(Result::ok)
        .filter_map(|der| Certificate::from_der(&der).ok())
        .collect();
    if pem.is_empty() { Err("not a certificate".into()) } else { Ok(pem) }
}
