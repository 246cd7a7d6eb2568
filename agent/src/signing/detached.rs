//! Detached CAdES signatures (B-B, or B-T with a signature timestamp) over content or a digest
//! the portal computed.

use std::time::SystemTime;

use base64::Engine;
use kyso_protocol::{DigestAlgorithm, SignDetachedResponse, SignatureAlgorithm, SignatureLevel};

use super::{Signer, Trail};
use crate::error::ApiError;
use crate::prompt::DocumentSummary;

/// What a detached signature covers, once the content has been read and hashed.
#[derive(Debug)]
pub struct DetachedInput {
    /// The digest of the content.
    pub digest: Vec<u8>,
    /// Its algorithm.
    pub digest_algorithm: DigestAlgorithm,
    /// Content size, when the content (not only its digest) was sent.
    pub size: Option<u64>,
    /// Name to show the user.
    pub document_name: String,
    /// Thumbprint (hex) of the certificate to use.
    pub certificate: String,
    /// Requested algorithm, or `None` for the key's default.
    pub algorithm: Option<SignatureAlgorithm>,
    /// B-B, or B-T.
    pub level: SignatureLevel,
    /// The exact bytes that were hashed, on disk, kept until the request ends so that the
    /// consent window can show them; `None` for digest-only and small in-memory requests.
    pub content_file: Option<tempfile::NamedTempFile>,
}

impl Signer {
    /// Makes a detached CAdES signature over `input` for `origin`, after the user's consent.
    ///
    /// # Errors
    ///
    /// [`ApiError`] with the code the caller should see: `busy`, `certificate_not_found`,
    /// `certificate_expired`, `user_cancelled`, `pin_incorrect`, `token_absent`, ...
    pub async fn sign_detached(&self, origin: &str, input: DetachedInput) -> Result<SignDetachedResponse, ApiError> {
        let level = input.level.as_str();
        let names = [input.document_name.clone()];
        let trail = Trail::begin(&self.audit, origin, "sign_detached", None, Some(level), &input.certificate, names);
        let result = self.sign_detached_for(&trail, input).await;
        trail.finish(&result);
        result
    }

    async fn sign_detached_for(
        &self,
        trail: &Trail<'_>,
        input: DetachedInput,
    ) -> Result<SignDetachedResponse, ApiError> {
        if input.digest.len() != input.digest_algorithm.output_len() {
            return Err(ApiError::bad_request(format!(
                "digest is {} bytes, {} needs {}",
                input.digest.len(),
                input.digest_algorithm.as_str(),
                input.digest_algorithm.output_len()
            )));
        }
        if input.level.long_term() {
            return Err(ApiError::bad_request(format!(
                "level {} is for PDFs; detached signatures go up to B-T (CAdES-B-T)",
                input.level.as_str()
            )));
        }
        super::parse_thumbprint(&input.certificate)?;
        let tsa = self.timestamps_for(input.level)?;
        let _admission = self.admit().await?;
        let chosen = self.choose(&input.certificate, input.algorithm).await?;
        let prepared = chosen.cms(input.digest_algorithm, &input.digest, Some(SystemTime::now()))?;
        let documents = vec![DocumentSummary {
            name: input.document_name.clone(),
            size: input.size,
            digest: (input.digest_algorithm.as_str().to_uppercase(), hex::encode(&input.digest)),
            pages: None,
            file: input.content_file.as_ref().map(|f| f.path().to_owned()),
            preview: None,
        }];
        let signature = self
            .consent_and_sign(trail, &chosen, documents, input.digest_algorithm, vec![prepared.to_sign().to_vec()])
            .await?
            .pop()
            .ok_or_else(|| ApiError::with(kyso_protocol::ErrorCode::Internal, "the token returned no signature"))?;
        let token = match tsa {
            Some(tsa) => Some(tsa.stamp(input.digest_algorithm, &signature).await?),
            None => None,
        };
        let cms = prepared.finish_timestamped(signature, token.as_ref().map(|t| t.der.as_slice()))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        Ok(SignDetachedResponse {
            signature_base64: b64.encode(cms),
            certificate: hex::encode(chosen.thumbprint),
            signature_algorithm: chosen.algorithm,
            digest_algorithm: input.digest_algorithm,
            content_digest_base64: b64.encode(&input.digest),
            level: input.level,
            timestamp_time: token.map(|t| super::rfc3339(t.time)),
        })
    }
}
