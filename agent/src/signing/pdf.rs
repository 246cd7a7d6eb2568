//! PAdES signatures (B-B, B-T): prepare the revision (off the async threads), ask the user, sign
//! on the token, timestamp the signatures, fill in the CMS.

use std::path::PathBuf;
use std::sync::Arc;

use kyso_protocol::{DigestAlgorithm, ErrorCode, SignatureAlgorithm, SignatureLevel, SigningAct};
use time::OffsetDateTime;

use super::{Chosen, Signer, Trail};
use crate::cades;
use crate::certinfo;
use crate::error::ApiError;
use crate::ltv::Scope;
use crate::pdf::appearance::{AppearanceError, Font, Image, Weight};
use crate::pdf::{self, PdfError, Placement, Plan, SignatureInfo};
use crate::pdf::{ActContent, Fonts};
use crate::personal_images::ImageKind;
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
    /// B-B, or B-T.
    pub level: SignatureLevel,
    /// Where the signature goes.
    pub placement: Placement,
    /// Name for a new signature field.
    pub field_name: Option<String>,
    /// Reason, location, contact.
    pub info: SignatureInfo,
    /// `/M`, and the time shown in appearances.
    pub time: OffsetDateTime,
    /// What a visible signature shows; `None` draws nothing.
    pub look: Option<Look>,
}

/// What the visible signature shows: the act and what it needs.
#[derive(Debug, Clone, Default)]
pub struct Look {
    /// The act.
    pub act: SigningAct,
    /// The signature or seal image (PNG or JPEG bytes).
    pub image: Option<Vec<u8>>,
    /// For copy: the form of copy.
    pub copy_form: Option<String>,
    /// For appendix and incoming: the reference number.
    pub reference: Option<String>,
    /// For comment: the text.
    pub comment: Option<String>,
    /// For issue: the document number.
    pub doc_number: Option<String>,
    /// For issue: the issue date.
    pub issued_date: Option<time::Date>,
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
    /// B-B, or B-T, for every signature.
    pub level: SignatureLevel,
    /// Reason, location, contact, for every signature.
    pub info: SignatureInfo,
    /// `/M`.
    pub time: OffsetDateTime,
    /// What every visible signature shows.
    pub look: Option<Look>,
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
    /// For B-T: the time the TSA vouches for.
    pub timestamp_time: Option<std::time::SystemTime>,
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
            level: input.level,
            info: input.info,
            time: input.time,
            look: input.look,
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
        let names: Vec<String> = batch.documents.iter().map(|d| d.document_name.clone()).collect();
        let act = batch.look.as_ref().map(|look| look.act.as_str());
        let operation = if names.len() == 1 { "sign_pdf" } else { "sign_pdfs" };
        let trail = Trail::begin(
            &self.audit,
            origin,
            operation,
            act,
            Some(batch.level.as_str()),
            &batch.certificate,
            names.clone(),
        );
        let result = self.sign_pdfs_for(&trail, batch).await;
        trail.finish_batch(&names, &result);
        result
    }

    async fn sign_pdfs_for(
        &self,
        trail: &Trail<'_>,
        batch: PdfBatch,
    ) -> Result<Vec<Result<PdfOutput, ApiError>>, ApiError> {
        super::parse_thumbprint(&batch.certificate)?;
        let tsa = self.timestamps_for(batch.level)?;
        let _admission = self.admit().await?;
        let chosen = self.choose(&batch.certificate, batch.algorithm).await?;
        // A timestamp goes inside the reserve too: one of this TSA's tokens stands in for it.
        let sample_token = match tsa {
            Some(tsa) => Some(tsa.sample(batch.digest).await?),
            None => None,
        };
        let archiver = match (batch.level.long_term(), &sample_token) {
            (true, Some(token)) => {
                let archiver = self.archiver()?;
                archiver.check_ready(&chosen.verdict, token).await?;
                Some(archiver)
            }
            _ => None,
        };
        let capacity = reserve(cms_size(&chosen, batch.digest, sample_token.as_deref())?);
        let PdfBatch { digest, info, time, documents, look, level, .. } = batch;
        let mut preview_image = None;
        let content = match look {
            Some(mut look) => {
                // An act that draws an image, asked without one: the signer's own, if imported.
                if look.image.is_none()
                    && let Some(kind) = ImageKind::for_act(look.act)
                {
                    look.image = self.personal_image(&hex::encode(chosen.thumbprint), kind);
                }
                preview_image = look.image.clone().map(Arc::new);
                Some(act_content(look, &chosen, time)?)
            }
            None => None,
        };
        let [regular, bold] = self.fonts.clone();
        let fonts = match content {
            // The faces are found and read once for the batch.
            Some(_) => Some(
                tokio::task::spawn_blocking(move || load_fonts(regular.as_deref(), bold.as_deref()))
                    .await
                    .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?,
            ),
            None => None,
        };
        let names: Vec<(String, PathBuf)> =
            documents.iter().map(|d| (d.document_name.clone(), d.destination.clone())).collect();
        let revision = Arc::new(Revision { documents, content, fonts, info, time, digest });
        let mut results: Vec<Option<Result<PdfOutput, ApiError>>> = names.iter().map(|_| None).collect();

        // The first round prepares every document; a document that failed keeps its error and is
        // left out of the consent.
        let all = (0..names.len()).map(|index| (index, capacity)).collect();
        let mut pending = self.start_round(&revision, &chosen, all, &mut results).await?;
        if pending.is_empty() {
            return Ok(results.into_iter().flatten().collect());
        }
        let summaries = pending
            .iter()
            .map(|(index, prepared, _)| DocumentSummary {
                name: names[*index].0.clone(),
                size: Some(prepared.input_len),
                digest: ("SHA-256".into(), hex::encode(&prepared.input_sha256)),
                pages: Some(prepared.pages),
                file: Some(revision.documents[*index].input.clone()),
                preview: prepared.placed.map(|placed| crate::prompt::Preview { placed, image: preview_image.clone() }),
            })
            .collect();
        let mut pin = self.consent(trail, &chosen, summaries).await?;
        let certificate = hex::encode(chosen.thumbprint);
        let algorithm = chosen.algorithm;
        for round in 0..2 {
            let to_sign = pending.iter().map(|(_, _, cms)| cms.to_sign().to_vec()).collect::<Vec<_>>();
            let signatures = self.sign_on_token(trail, &chosen, &mut pin, digest, super::Input::Whole(to_sign)).await?;
            if signatures.len() > pending.len() {
                return Err(ApiError::with(ErrorCode::Internal, "the token returned more signatures than asked"));
            }
            // The user stopped the batch: the documents not reached stay unsigned, untouched.
            for (index, prepared, _) in pending.drain(signatures.len()..) {
                drop(prepared);
                results[index] = Some(Err(ApiError::new(ErrorCode::UserCancelled)));
            }
            let tokens = match tsa {
                Some(tsa) => tsa.stamp_all(digest, &signatures).await?.into_iter().map(Some).collect(),
                None => vec![None; signatures.len()],
            };
            let mut finishing = Vec::with_capacity(pending.len());
            let mut redo = Vec::new();
            for (((index, prepared, cms), signature), token) in pending.into_iter().zip(signatures).zip(tokens) {
                let der = cms.finish_timestamped(signature, token.as_ref().map(|t| t.der.as_slice()))?;
                let stamped = token.map(|t| t.time);
                if der.len() <= prepared.capacity() {
                    finishing.push((index, prepared, der, stamped));
                } else if round == 0 {
                    // The reserve was too small (a token's unusual encoding): the revision is
                    // written again with room for this CMS and signed again, with the PIN the
                    // user gave for this request. The input, and so the consent, is the same.
                    tracing::warn!(document = %names[index].0, cms = der.len(), reserved = prepared.capacity(), "the signature does not fit its reserve; redoing the revision");
                    redo.push((index, der.len() + CMS_MARGIN));
                } else {
                    results[index] = Some(Err(ApiError::with(
                        ErrorCode::Internal,
                        format!("the signature ({} bytes) did not fit even a revision redone for it", der.len()),
                    )));
                }
            }
            let (certificate, shared_names) = (certificate.clone(), names.clone());
            let finished = tokio::task::spawn_blocking(move || {
                finishing
                    .into_iter()
                    .map(|(index, prepared, der, stamped)| {
                        let field_name = prepared.field_name.clone();
                        let destination = &shared_names[index].1;
                        let outcome = prepared.finish(&der, destination).map(|()| PdfOutput {
                            field_name,
                            certificate: certificate.clone(),
                            signature_algorithm: algorithm,
                            size: std::fs::metadata(destination).map(|m| m.len()).unwrap_or(0),
                            timestamp_time: stamped,
                        });
                        (index, outcome)
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?;
            for (index, outcome) in finished {
                let outcome = match (outcome, &archiver) {
                    (Ok(output), Some(archiver)) => {
                        let destination = &names[index].1;
                        let scope = Scope::Field(output.field_name.clone());
                        archiver.extend(destination, destination, level, scope, digest).await.map(|_| output)
                    }
                    (outcome, _) => outcome.map_err(pdf_error),
                };
                results[index] = Some(outcome);
            }
            if redo.is_empty() {
                break;
            }
            pending = self.start_round(&revision, &chosen, redo, &mut results).await?;
        }
        Ok(results.into_iter().map(|r| r.unwrap_or_else(|| Err(ApiError::new(ErrorCode::Internal)))).collect())
    }

    /// Prepares the revisions of the documents `wanted` (index, bytes reserved for the CMS) and
    /// their CMS, ready for the token's signatures; a document that fails gets its error in
    /// `results`.
    async fn start_round(
        &self,
        revision: &Arc<Revision>,
        chosen: &Chosen,
        wanted: Vec<(usize, usize)>,
        results: &mut [Option<Result<PdfOutput, ApiError>>],
    ) -> Result<Vec<(usize, pdf::Prepared, cades::Prepared)>, ApiError> {
        let shared = revision.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            wanted.into_iter().map(|(index, capacity)| (index, shared.prepare(index, capacity))).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?;
        let mut pending = Vec::with_capacity(prepared.len());
        for (index, outcome) in prepared {
            match outcome {
                Ok(prepared) => {
                    let cms = chosen.cms(revision.digest, &prepared.digest, None)?;
                    pending.push((index, prepared, cms));
                }
                Err(error) => results[index] = Some(Err(pdf_error(error))),
            }
        }
        Ok(pending)
    }
}

/// What every revision of a batch is made from, shared by the rounds.
struct Revision {
    documents: Vec<PdfDocument>,
    content: Option<ActContent>,
    fonts: Option<Result<Fonts, AppearanceError>>,
    info: SignatureInfo,
    time: OffsetDateTime,
    digest: DigestAlgorithm,
}

impl Revision {
    /// Writes document `index`'s new revision to a temporary file beside its destination.
    fn prepare(&self, index: usize, capacity: usize) -> Result<pdf::Prepared, PdfError> {
        let document = &self.documents[index];
        let out_dir = document
            .destination
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let fonts = match &self.fonts {
            Some(Ok(fonts)) => Some(fonts),
            Some(Err(error)) => return Err(PdfError::Appearance(error.clone())),
            None => None,
        };
        let visible = self.content.as_ref().zip(fonts).map(|(content, fonts)| pdf::Visible { content, fonts });
        let plan = Plan {
            placement: document.placement.clone(),
            field_name: document.field_name.clone(),
            visible,
            time: self.time,
            info: self.info.clone(),
            capacity,
            digest: self.digest,
            kind: pdf::SignatureKind::Signature,
        };
        pdf::prepare(&document.input, &out_dir, &plan)
    }
}

/// The bytes reserved for a CMS whose dry run measured `measured`.
///
/// Debug builds (the test suite's) read `KYSO_TEST_CMS_SHORTFALL`, bytes taken off the reserve,
/// so that end-to-end tests can drive the redo path with a real token; release builds have no
/// such knob.
fn reserve(measured: usize) -> usize {
    let reserve = measured + CMS_MARGIN;
    #[cfg(debug_assertions)]
    if let Some(shortfall) = std::env::var("KYSO_TEST_CMS_SHORTFALL").ok().and_then(|v| v.parse::<usize>().ok()) {
        return reserve.saturating_sub(shortfall).max(1);
    }
    reserve
}

/// The signer's details and the request's texts and image, for the appearance.
fn act_content(look: Look, chosen: &Chosen, time: OffsetDateTime) -> Result<ActContent, ApiError> {
    let image = match &look.image {
        Some(bytes) => Some(Image::decode(bytes).map_err(|e| pdf_error(PdfError::Appearance(e)))?),
        None => None,
    };
    Ok(ActContent {
        act: look.act,
        signer: certinfo::common_name(&chosen.cert),
        organisation: certinfo::organization(&chosen.cert),
        email: certinfo::email(&chosen.cert),
        time,
        image,
        copy_form: look.copy_form,
        reference: look.reference,
        comment: look.comment,
        doc_number: look.doc_number,
        issued_date: look.issued_date,
    })
}

/// The configured faces, else Times New Roman, else Liberation Serif, regular and bold.
fn load_fonts(regular: Option<&std::path::Path>, bold: Option<&std::path::Path>) -> Result<Fonts, AppearanceError> {
    Ok(Fonts { regular: Font::find(regular, Weight::Regular)?, bold: Font::find(bold.or(regular), Weight::Bold)? })
}

/// The size of the CMS this key makes, from a dry run of the real shape with the largest
/// signature value and, for B-T, a token of the TSA's.
fn cms_size(chosen: &Chosen, digest: DigestAlgorithm, token: Option<&[u8]>) -> Result<usize, ApiError> {
    let dry = chosen.cms(digest, &vec![0; digest.output_len()], None)?;
    Ok(dry.finish_timestamped(vec![0xff; chosen.max_signature_len()], token)?.len())
}

/// Maps a PDF failure to what the caller sees.
pub fn pdf_error(error: PdfError) -> ApiError {
    let code = match &error {
        PdfError::Invalid(_) => ErrorCode::InvalidPdf,
        PdfError::Encrypted(_) => ErrorCode::PdfEncrypted,
        PdfError::FieldNotFound(_) => ErrorCode::FieldNotFound,
        PdfError::FieldSigned(_) => ErrorCode::FieldAlreadySigned,
        PdfError::Placement(_) => ErrorCode::BadRequest,
        PdfError::Certified(_) => ErrorCode::DocumentCertified,
        PdfError::Appearance(AppearanceError::Font(_)) => ErrorCode::Internal,
        PdfError::Appearance(_) => ErrorCode::BadRequest,
        PdfError::Io(_) => ErrorCode::Internal,
    };
    ApiError::with(code, error.to_string())
}
