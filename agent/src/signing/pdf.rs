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

/// Several PDFs signed with one certificate after one consent and one login.
#[derive(Debug)]
pub struct PdfBatch {
    /// Thumbprint (hex) of the certificate to use.
    pub certificate: String,
    /// Requested algorithm, or `None` for the key's default.
    pub algorithm: Option<SignatureAlgorithm>,
    /// Digest algorithm.
    pub digest: DigestAlgorithm,
    /// Reason, location, contact, for every signature.
    pub info: SignatureInfo,
    /// `/M`.
    pub time: OffsetDateTime,
    /// The documents.
    pub documents: Vec<PdfDocument>,
}

/// One document of a batch.
#[derive(Debug)]
pub struct PdfDocument {
    /// The PDF on disk.
    pub input: PathBuf,
    /// Where the signed PDF goes (replaced atomically).
    pub destination: PathBuf,
    /// Name to show the user.
    pub document_name: String,
    /// Where the signature goes.
    pub placement: Placement,
    /// Name for a new signature field.
    pub field_name: Option<String>,
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
        let batch = PdfBatch {
            certificate: input.certificate,
            algorithm: input.algorithm,
            digest: input.digest,
            info: input.info,
            time: input.time,
            documents: vec![PdfDocument {
                input: input.input,
                destination: input.destination,
                document_name: input.document_name,
                placement: input.placement,
                field_name: input.field_name,
            }],
        };
        self.sign_pdfs(origin, batch)
            .await?
            .pop()
            .unwrap_or_else(|| Err(ApiError::with(ErrorCode::Internal, "no result")))
    }

    /// Signs every document of `batch` after one consent listing them all, with one login.
    /// Documents that cannot be prepared (damaged, encrypted, no such field) get their error and
    /// are left out of the consent; the others are signed.
    ///
    /// # Errors
    ///
    /// For the whole batch: `busy`, certificate and token errors, `user_cancelled`, a wrong PIN;
    /// per document (inside the `Ok`): the PDF errors of [`Signer::sign_pdf`].
    pub async fn sign_pdfs(&self, origin: &str, batch: PdfBatch) -> Result<Vec<Result<PdfOutput, ApiError>>, ApiError> {
        super::parse_thumbprint(&batch.certificate)?;
        let _admission = self.admit().await?;
        let chosen = self.choose(&batch.certificate, batch.algorithm).await?;
        let capacity = cms_size(&chosen, batch.digest)? + CMS_MARGIN;
        let PdfBatch { digest, info, time, documents, .. } = batch;
        let names: Vec<(String, PathBuf)> =
            documents.iter().map(|d| (d.document_name.clone(), d.destination.clone())).collect();
        let prepared = tokio::task::spawn_blocking(move || {
            documents
                .into_iter()
                .map(|document| {
                    let out_dir = document
                        .destination
                        .parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .map_or_else(|| PathBuf::from("."), PathBuf::from);
                    let plan = Plan {
                        placement: document.placement,
                        field_name: document.field_name,
                        appearance: None,
                        time,
                        info: info.clone(),
                        capacity,
                        digest,
                    };
                    pdf::prepare(&document.input, &out_dir, &plan)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?;

        // CMS for every prepared document; a document that failed keeps its error.
        let mut signing = Vec::new();
        let mut results: Vec<Option<Result<PdfOutput, ApiError>>> = Vec::with_capacity(prepared.len());
        for (index, outcome) in prepared.into_iter().enumerate() {
            match outcome {
                Ok(prepared) => {
                    let cms = cades::prepare(&cades::SignerParams {
                        certificate: &chosen.target.certificate.der,
                        chain: &chosen.target.chain,
                        digest,
                        algorithm: chosen.algorithm,
                        content_digest: &prepared.digest,
                        signing_time: None,
                    })?;
                    signing.push((index, prepared, cms));
                    results.push(None);
                }
                Err(error) => results.push(Some(Err(pdf_error(error)))),
            }
        }
        if signing.is_empty() {
            return Ok(results.into_iter().flatten().collect());
        }
        let summaries = signing
            .iter()
            .map(|(index, prepared, _)| DocumentSummary {
                name: names[*index].0.clone(),
                size: Some(prepared.input_len),
                digest: ("SHA-256".into(), hex::encode(&prepared.input_sha256)),
                pages: Some(prepared.pages),
            })
            .collect();
        let to_sign = signing.iter().map(|(_, _, cms)| cms.to_sign().to_vec()).collect();
        let signatures = self.consent_and_sign(origin, &chosen, summaries, digest, to_sign).await?;
        if signatures.len() != signing.len() {
            return Err(ApiError::with(ErrorCode::Internal, "the token returned fewer signatures than asked"));
        }
        let mut finishing = Vec::with_capacity(signing.len());
        for ((index, prepared, cms), signature) in signing.into_iter().zip(signatures) {
            finishing.push((index, prepared, cms.finish(signature)?));
        }
        let certificate = hex::encode(chosen.thumbprint);
        let algorithm = chosen.algorithm;
        let finished = tokio::task::spawn_blocking(move || {
            finishing
                .into_iter()
                .map(|(index, prepared, der)| {
                    let field_name = prepared.field_name.clone();
                    let destination = names[index].1.clone();
                    let outcome = prepared.finish(&der, &destination).map(|()| PdfOutput {
                        field_name,
                        certificate: certificate.clone(),
                        signature_algorithm: algorithm,
                        size: std::fs::metadata(&destination).map(|m| m.len()).unwrap_or(0),
                    });
                    (index, outcome)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?;
        for (index, outcome) in finished {
            results[index] = Some(outcome.map_err(pdf_error));
        }
        Ok(results.into_iter().map(|r| r.unwrap_or_else(|| Err(ApiError::new(ErrorCode::Internal)))).collect())
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
