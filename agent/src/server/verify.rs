//! `POST /v1/verify`: a PDF (raw `application/pdf`, or `pdf_base64` in JSON) or a detached
//! signature with its content (JSON), verified with the configured trust anchors. Verifying
//! asks the user nothing and touches no token, so it is not queued behind signing prompts.

use base64::Engine;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use kyso_protocol::{DigestAlgorithm, ErrorCode, VerifyRequest};

use super::Api;
use super::body;
use super::file_body::ResponseBody;
use super::guard::{self, BodyKind};
use crate::error::ApiError;

/// Answers a verify request.
///
/// # Errors
///
/// `bad_request` for a body that is neither a PDF nor a signature with its content,
/// `too_large`, `invalid_pdf`, `pdf_encrypted`.
pub async fn verify(api: &Api, request: Request<Incoming>, origin: &str) -> Result<Response<ResponseBody>, ApiError> {
    let limit = api.config.max_body_bytes;
    let kind = guard::body_kind(request.headers())?;
    if request.uri().query().is_some() {
        return Err(ApiError::bad_request("verify takes no options in the query string"));
    }
    let verifier = api.signer.verifier()?;
    let body = request.into_body();
    let disk = |e: std::io::Error| ApiError::with(ErrorCode::Internal, format!("temp file: {e}"));
    let response = match kind {
        BodyKind::Bytes => {
            let spooled = body::spool(body, limit, DigestAlgorithm::Sha256).await?;
            tracing::info!(%origin, size = spooled.size, "verify request");
            verifier.verify_pdf(spooled.file.path()).await?
        }
        BodyKind::Json => {
            let req: VerifyRequest = body::json(body, limit).await?;
            let b64 = base64::engine::general_purpose::STANDARD;
            let decode =
                |field: &str, text: &str| b64.decode(text).map_err(|e| ApiError::bad_request(format!("{field}: {e}")));
            let work = tempfile::Builder::new().prefix("kyso-verify-").tempdir().map_err(disk)?;
            match (req.pdf_base64, req.signature_base64, req.content_base64) {
                (Some(pdf), None, None) => {
                    let path = work.path().join("input.pdf");
                    std::fs::write(&path, decode("pdf_base64", &pdf)?).map_err(disk)?;
                    tracing::info!(%origin, "verify request (pdf)");
                    verifier.verify_pdf(&path).await?
                }
                (None, Some(signature), Some(content)) => {
                    let path = work.path().join("content");
                    std::fs::write(&path, decode("content_base64", &content)?).map_err(disk)?;
                    tracing::info!(%origin, "verify request (detached)");
                    verifier.verify_detached(&path, decode("signature_base64", &signature)?).await?
                }
                _ => {
                    return Err(ApiError::bad_request("send pdf_base64, or signature_base64 with content_base64"));
                }
            }
        }
    };
    tracing::info!(%origin, verdict = ?response.verdict, signatures = response.signatures.len(), "verified");
    Ok(super::routes::json(StatusCode::OK, &response))
}
