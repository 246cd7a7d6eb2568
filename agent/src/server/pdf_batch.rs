//! A batch of `POST /v1/sign/pdf`: documents inline or by URL, one consent, one PIN login, a
//! result per document, answered as JSON, as `multipart/form-data`, or by uploads.

use base64::Engine;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use kyso_protocol::{
    ErrorCode, MAX_BATCH_DOCUMENTS, PdfDocumentRequest, PdfDocumentResult, SignPdfBatchResponse, SignPdfRequest,
};

use super::Api;
use super::file_body::ResponseBody;
use super::pdf::{Accept, apply_user_defaults, input, look, placement, thumbprint_hex};
use super::remote::{DEFAULT_UPLOAD_FIELD, Remote};
use super::routes::json;
use crate::error::ApiError;
use crate::multipart::Form;
use crate::pdf::SignatureInfo;
use crate::signing::{Look, PdfBatch, PdfDocument, rfc3339};

/// One document on its way through the batch.
struct Slot {
    name: String,
    destination: std::path::PathBuf,
    upload: Option<url::Url>,
    outcome: Outcome,
}

enum Outcome {
    /// Ready to sign: its place in [`PdfBatch::documents`].
    Queued,
    /// Signed, with the field that holds the signature and the timestamp's time.
    Signed(String, Option<String>),
    Failed(ApiError),
}

/// Signs `documents`; `work` is the request's private directory.
pub async fn sign(
    api: &Api,
    options: SignPdfRequest,
    documents: Vec<PdfDocumentRequest>,
    origin: &str,
    accept: Accept,
    work: tempfile::TempDir,
) -> Result<Response<ResponseBody>, ApiError> {
    let mut form = (accept == Accept::Multipart).then(Form::new);
    let answer = sign_all(api, options, documents, origin, form.as_mut(), &work).await?;
    let Some(mut form) = form else { return Ok(json(StatusCode::OK, &answer)) };
    form.bytes_first("results", "application/json", serde_json::to_vec(&answer).unwrap_or_default());
    // The files are read as the answer is sent; their directory goes with the body.
    form.keep(work);
    let content_type = form.content_type();
    let (body, len) = form.finish();
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// Signs `documents` in `work` (the request's private directory) and delivers each: uploaded,
/// into `form`, or in base64; the answer lists a result per document.
///
/// # Errors
///
/// For the whole batch: a malformed request, a refused URL, and the signer's errors.
pub async fn sign_all(
    api: &Api,
    mut options: SignPdfRequest,
    documents: Vec<PdfDocumentRequest>,
    origin: &str,
    mut form: Option<&mut Form>,
    work: &tempfile::TempDir,
) -> Result<SignPdfBatchResponse, ApiError> {
    if options.pdf_base64.is_some()
        || options.pdf_url.is_some()
        || options.field.is_some()
        || options.anchor.is_some()
        || options.page.is_some()
        || options.rect.is_some()
    {
        return Err(ApiError::bad_request("in a batch, the PDF and its placement go in each document"));
    }
    if documents.is_empty() || documents.len() > MAX_BATCH_DOCUMENTS {
        return Err(ApiError::bad_request(format!("a batch holds 1 to {MAX_BATCH_DOCUMENTS} documents")));
    }
    let remote = Remote::new(api, origin, options.url_auth.as_ref());
    // Every URL is checked before anything is fetched or the user is asked.
    let default_upload = options.upload_url.as_deref().map(|u| remote.check("upload_url", u)).transpose()?;
    let mut uploads = Vec::with_capacity(documents.len());
    for (index, document) in documents.iter().enumerate() {
        if let Some(url) = &document.pdf_url {
            remote.check(&format!("documents[{index}].pdf_url"), url)?;
        }
        uploads.push(match &document.upload_url {
            Some(url) => Some(remote.check(&format!("documents[{index}].upload_url"), url)?),
            None => default_upload.clone(),
        });
    }

    let placed = documents.iter().any(|d| d.rect.is_some() || d.field.is_some() || d.anchor.is_some());
    apply_user_defaults(api, origin, &mut options, placed);
    let look = look(&options)?;
    let has_act = look.is_some();
    // As for one document: a place without an act shows the plain text block.
    let look = look.or_else(|| placed.then(Look::default));
    let level = options.level.unwrap_or_default();
    let mut batch = PdfBatch {
        look,
        certificate: options.certificate.clone(),
        algorithm: options.signature_algorithm,
        digest: options.digest_algorithm.unwrap_or_default(),
        level,
        info: SignatureInfo {
            reason: options.reason.clone(),
            location: options.location.clone(),
            ..Default::default()
        },
        time: crate::pdf::local_now(),
        documents: Vec::with_capacity(documents.len()),
    };
    let mut slots = Vec::with_capacity(documents.len());
    for ((index, document), upload) in documents.into_iter().enumerate().zip(uploads) {
        let input_path = work.path().join(format!("{index}.pdf"));
        let destination = work.path().join(format!("{index}.signed.pdf"));
        let what = format!("documents[{index}].");
        let place =
            placement(document.field.as_ref(), document.anchor.as_ref(), document.page, document.rect, has_act)?;
        // A document that cannot be fetched is reported as such; the others are still signed.
        let fetched = input(&remote, document.pdf_base64, document.pdf_url.as_deref(), &input_path, &what).await;
        let name = match (&document.document_name, &fetched) {
            (Some(name), _) => name.clone(),
            (None, Ok(Some(from_url))) => from_url.clone(),
            _ => format!("{}.pdf", index + 1),
        };
        let outcome = match fetched {
            Ok(_) => {
                batch.documents.push(PdfDocument {
                    input: input_path,
                    destination: destination.clone(),
                    document_name: name.clone(),
                    placement: place,
                    field_name: document.field_name,
                });
                Outcome::Queued
            }
            // A malformed request is the portal's bug: the whole batch says so.
            Err(error) if error.code == ErrorCode::BadRequest => return Err(error),
            Err(error) => Outcome::Failed(error),
        };
        slots.push(Slot { name, destination, upload, outcome });
    }

    tracing::info!(%origin, documents = slots.len(), to_sign = batch.documents.len(), "pdf batch sign request");
    let certificate = thumbprint_hex(&batch.certificate);
    let mut algorithm = None;
    if !batch.documents.is_empty() {
        let mut outcomes = api.signer.sign_pdfs(origin, batch).await?.into_iter();
        for slot in slots.iter_mut().filter(|s| matches!(s.outcome, Outcome::Queued)) {
            slot.outcome = match outcomes.next() {
                Some(Ok(output)) => {
                    algorithm = Some(output.signature_algorithm);
                    Outcome::Signed(output.field_name, output.timestamp_time.map(rfc3339))
                }
                Some(Err(error)) => Outcome::Failed(error),
                None => Outcome::Failed(ApiError::with(ErrorCode::Internal, "no outcome for this document")),
            };
        }
    }

    let field = options.upload_field.as_deref().unwrap_or(DEFAULT_UPLOAD_FIELD);
    let fields = super::pdf::upload_fields(&options);
    let mut results = Vec::with_capacity(slots.len());
    for (index, slot) in slots.into_iter().enumerate() {
        let mut result = PdfDocumentResult {
            document_name: slot.name.clone(),
            pdf_base64: None,
            part: None,
            upload: None,
            field_name: None,
            timestamp_time: None,
            error: None,
        };
        match &slot.outcome {
            Outcome::Signed(field_name, time) => {
                let delivered =
                    deliver(&remote, &slot, (field, &fields), form.as_deref_mut(), index, &mut result).await;
                match delivered {
                    Ok(()) => (result.field_name, result.timestamp_time) = (Some(field_name.clone()), time.clone()),
                    Err(error) => result.error = Some(error.to_response().error),
                }
            }
            Outcome::Failed(error) => result.error = Some(error.to_response().error),
            Outcome::Queued => unreachable!("every queued document has an outcome"),
        }
        results.push(result);
    }
    let signed = results.iter().filter(|r| r.error.is_none()).count();
    tracing::info!(%origin, signed, failed = results.len() - signed, "pdf batch done");
    Ok(SignPdfBatchResponse { certificate, signature_algorithm: algorithm, level, results })
}

/// Hands one signed document over: uploaded, as a part of the multipart answer, or in base64.
async fn deliver(
    remote: &Remote<'_>,
    slot: &Slot,
    (field, fields): (&str, &[(String, String)]),
    form: Option<&mut Form>,
    index: usize,
    result: &mut PdfDocumentResult,
) -> Result<(), ApiError> {
    let disk = |e: std::io::Error| ApiError::with(ErrorCode::Internal, format!("temp file: {e}"));
    if let Some(url) = &slot.upload {
        result.upload = Some(remote.upload(url, field, &slot.name, &slot.destination, fields).await?);
    } else if let Some(form) = form {
        let part = format!("document-{index}");
        form.file(&part, &slot.name, "application/pdf", &slot.destination).map_err(disk)?;
        result.part = Some(part);
    } else {
        let signed = tokio::fs::read(&slot.destination).await.map_err(disk)?;
        result.pdf_base64 = Some(base64::engine::general_purpose::STANDARD.encode(signed));
    }
    Ok(())
}
