//! PAdES-B-B signatures: prepare the revision (off the async threads), ask the user, sign on
//! the token, fill in the CMS.

use std::path::PathBuf;

use kyso_protocol::{DigestAlgorithm, ErrorCode, SignatureAlgorithm};
use time::OffsetDateTime;

use super::{Chosen, Signer};
use crate::cades;
use crate::error::ApiError;
use crate::pdf::{self, PdfError, Placement, Plan, SignatureInfo};
use crate::prompt::DocumentSummary;

/// Room left beyond the dry-run size: DER lengths may grow by a byte or two.
const CMS_MARGIN: usize = 64;

/// A PDF to sign.
#[derive(Debug)]
pub struct PdfInput {
    /// The PDF on disk.
    pub input: PathBuf,
    /// Where the signed PDF goes (replaced atomically).
    pub destination: PathBuf,
    /// Name to show the user.
    pub document_name: String,
    /// Thumbprint (hex) of the certificate to use.
    pub certificate: String,
    /// Requested algorithm, or `None` for the key's default.
    pub algorithm: Option<SignatureAlgorithm>,
    /// Digest algorithm.
    pub digest: DigestAlgorithm,
    /// Where the signature goes.
    pub placement: Placement,
    /// Name for a new signature field.
    pub field_name: Option<String>,
    /// Reason, location, contact.
    pub info: SignatureInfo,
    /// `/M`, and the time shown in appearances.
    pub time: OffsetDateTime,
}

/// What was signed.
#[derive(Debug, Clone)]
pub struct PdfOutput {
    /// The signature field that holds the signature.
    pub field_name: String,
    /// Thumbprint (hex) of the signing certificate.
    pub certificate: String,
    /// The algorithm used.
    pub signature_algorithm: SignatureAlgorithm,
    /// Size of the signed file.
    pub size: u64,
}

impl Signer {
    /// Signs the PDF `input.input` into `input.destination` for `origin`, after the user's
    /// consent.
    ///
    /// # Errors
    ///
    /// [`ApiError`]: `invalid_pdf`, `pdf_encrypted`, `field_not_found`, and those of
    /// [`Signer::sign_detached`].
    pub async fn sign_pdf(&self, origin: &str, input: PdfInput) -> Result<PdfOutput, ApiError> {
        super::parse_thumbprint(&input.certificate)?;
        let _admission = self.admit().await?;
        let chosen = self.choose(&input.certificate, input.algorithm).await?;
        let capacity = cms_size(&chosen, input.digest)? + CMS_MARGIN;
        let out_dir = input
            .destination
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let (path, placement, field_name, info, time, digest) = (
            input.input.clone(),
            input.placement.clone(),
            input.field_name.clone(),
            input.info.clone(),
            input.time,
            input.digest,
        );
        let prepared = tokio::task::spawn_blocking(move || {
            let plan = Plan { placement, field_name, appearance: None, time, info, capacity, digest };
            pdf::prepare(&path, &out_dir, &plan)
        })
        .await
        .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?
        .map_err(pdf_error)?;

        let cms = cades::prepare(&cades::SignerParams {
            certificate: &chosen.target.certificate.der,
            chain: &chosen.target.chain,
            digest: input.digest,
            algorithm: chosen.algorithm,
            content_digest: &prepared.digest,
            signing_time: None,
        })?;
        let documents = vec![DocumentSummary {
            name: input.document_name.clone(),
            size: Some(prepared.input_len),
            digest: ("SHA-256".into(), hex::encode(&prepared.input_sha256)),
            pages: Some(prepared.pages),
        }];
        let signature = self.consent_and_sign(origin, &chosen, documents, input.digest, cms.to_sign().to_vec()).await?;
        let der = cms.finish(signature)?;
        let field_name = prepared.field_name.clone();
        let destination = input.destination.clone();
        tokio::task::spawn_blocking(move || prepared.finish(&der, &destination))
            .await
            .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?
            .map_err(pdf_error)?;
        let size = std::fs::metadata(&input.destination).map(|m| m.len()).unwrap_or(0);
        Ok(PdfOutput {
            field_name,
            certificate: hex::encode(chosen.thumbprint),
            signature_algorithm: chosen.algorithm,
            size,
        })
    }
}

/// The size of the CMS this key makes, from a dry run of the real shape with the largest
/// signature value.
fn cms_size(chosen: &Chosen, digest: DigestAlgorithm) -> Result<usize, ApiError> {
    let dry = cades::prepare(&cades::SignerParams {
        certificate: &chosen.target.certificate.der,
        chain: &chosen.target.chain,
        digest,
        algorithm: chosen.algorithm,
        content_digest: &vec![0; digest.output_len()],
        signing_time: None,
    })?;
    Ok(dry.finish(vec![0xff; chosen.max_signature_len()])?.len())
}

/// Maps a PDF failure to what the caller sees.
pub fn pdf_error(error: PdfError) -> ApiError {
    let code = match &error {
        PdfError::Invalid(_) => ErrorCode::InvalidPdf,
        PdfError::Encrypted(_) => ErrorCode::PdfEncrypted,
        PdfError::FieldNotFound(_) => ErrorCode::FieldNotFound,
        PdfError::FieldSigned(_) => ErrorCode::FieldAlreadySigned,
        PdfError::Placement(_) => ErrorCode::BadRequest,
        PdfError::Io(_) => ErrorCode::Internal,
    };
    ApiError::with(code, error.to_string())
}
