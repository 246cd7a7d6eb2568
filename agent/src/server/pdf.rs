//! `POST /v1/sign/pdf`: raw `application/pdf` in and out, or JSON with base64 or URLs. Batches
//! are in `pdf_batch.rs`.

use std::ops::Not;

use base64::Engine;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use kyso_protocol::{DigestAlgorithm, ErrorCode, SignPdfRequest, SignPdfResponse, SignatureLevel};

use super::Api;
use super::body;
use super::file_body::{FileBody, ResponseBody};
use super::guard::{self, BodyKind};
use super::remote::{DEFAULT_UPLOAD_FIELD, Remote, name_from_url};
use super::routes::{json, query_map};
use crate::error::ApiError;
use crate::pdf::{Placement, SignatureInfo};
use crate::signing::{Look, PdfInput, rfc3339};

/// Response headers a page may read (CORS hides others).
const EXPOSED: &str =
    "x-kyso-field, x-kyso-certificate, x-kyso-signature-algorithm, x-kyso-level, x-kyso-timestamp-time";

/// Signs one PDF.
pub async fn sign(api: &Api, request: Request<Incoming>, origin: &str) -> Result<Response<ResponseBody>, ApiError> {
    let limit = api.config.max_body_bytes;
    let kind = guard::body_kind(request.headers())?;
    let accept = Accept::of(request.headers());
    let query = request.uri().query().map(str::to_owned);
    let body = request.into_body();
    let disk = |e: std::io::Error| ApiError::with(ErrorCode::Internal, format!("temp file: {e}"));
    // Input, output and the agent's temporary files live in one private directory.
    let work = tempfile::Builder::new().prefix("kyso-pdf-").tempdir().map_err(disk)?;
    let (mut options, input_path, spooled) = match kind {
        BodyKind::Bytes => {
            let options: SignPdfRequest = query_map(query.as_deref().unwrap_or(""), query_value)?;
            let spooled = body::spool(body, limit, DigestAlgorithm::Sha256).await?;
            let spooled = spooled.file.into_temp_path();
            (options, spooled.to_path_buf(), Some(spooled))
        }
        BodyKind::Json => {
            if query.is_some() {
                return Err(ApiError::bad_request(
                    "JSON requests take their options in the body, not the query string",
                ));
            }
            let mut options: SignPdfRequest = body::json(body, limit).await?;
            if let Some(documents) = options.documents.take() {
                return super::pdf_batch::sign(api, options, documents, origin, accept, work).await;
            }
            // Written (or downloaded) below, once every URL has been checked.
            (options, work.path().join("input.pdf"), None)
        }
    };
    if spooled.is_some()
        && (options.pdf_base64.is_some()
            || options.documents.is_some()
            || options.pdf_url.is_some()
            || options.upload_url.is_some()
            || options.upload_field.is_some()
            || options.url_auth.is_some())
    {
        return Err(ApiError::bad_request(
            "pdf_base64, pdf_url, upload_url, upload_field, url_auth and documents belong in a JSON body, not the query string",
        ));
    }
    let remote = Remote::new(api, origin, options.url_auth.as_ref());
    // Checked before the user is asked, so a refused upload never follows a signature.
    let upload = options.upload_url.as_deref().map(|u| remote.check("upload_url", u)).transpose()?;
    if spooled.is_none() {
        let name = input(&remote, options.pdf_base64.take(), options.pdf_url.as_deref(), &input_path, "").await?;
        if options.document_name.is_none() {
            options.document_name = name;
        }
    }
    let placed = options.field.is_some() || options.anchor.is_some() || options.rect.is_some();
    apply_user_defaults(api, origin, &mut options, placed);
    let look = look(&options)?;
    let placement =
        placement(options.field.as_ref(), options.anchor.as_ref(), options.page, options.rect, look.is_some())?;
    let look = look.or_else(|| matches!(placement, Placement::Invisible).not().then(Look::default));
    let destination = work.path().join("signed.pdf");
    let document_name = options.document_name.clone().unwrap_or_else(|| "(không tên / unnamed).pdf".into());
    let level = options.level.unwrap_or_default();
    tracing::info!(%origin, document = %document_name, level = level.as_str(), "pdf sign request");
    let output = api
        .signer
        .sign_pdf(
            origin,
            PdfInput {
                input: input_path,
                destination: destination.clone(),
                document_name: document_name.clone(),
                certificate: options.certificate.clone(),
                algorithm: options.signature_algorithm,
                digest: options.digest_algorithm.unwrap_or_default(),
                level,
                placement,
                field_name: options.field_name.clone(),
                info: SignatureInfo {
                    reason: options.reason.clone(),
                    location: options.location.clone(),
                    ..Default::default()
                },
                time: crate::pdf::local_now(),
                look,
            },
        )
        .await?;
    tracing::info!(%origin, certificate = %output.certificate, field = %output.field_name, "pdf signed");
    let raw = spooled.is_some();
    drop(spooled);
    if !raw {
        let mut response = SignPdfResponse {
            pdf_base64: None,
            upload: None,
            field_name: output.field_name,
            certificate: output.certificate,
            signature_algorithm: output.signature_algorithm,
            level,
            timestamp_time: output.timestamp_time.map(rfc3339),
        };
        match upload {
            Some(url) => {
                let field = options.upload_field.as_deref().unwrap_or(DEFAULT_UPLOAD_FIELD);
                let fields = upload_fields(&options);
                response.upload = Some(remote.upload(&url, field, &document_name, &destination, &fields).await?);
            }
            None => {
                let signed = tokio::fs::read(&destination).await.map_err(disk)?;
                response.pdf_base64 = Some(base64::engine::general_purpose::STANDARD.encode(&signed));
            }
        }
        return Ok(json(StatusCode::OK, &response));
    }
    // Sent from disk as it is read; the private directory goes when the body is dropped.
    let file = tokio::fs::File::open(&destination).await.map_err(disk)?;
    let len = file.metadata().await.map_err(disk)?.len();
    let mut response = Response::new(FileBody::boxed(file, len, work));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED));
    // Field names may be any text: percent-encode them for the header.
    let field: String = url::form_urlencoded::byte_serialize(output.field_name.as_bytes()).collect();
    for (name, value) in [
        ("x-kyso-field", field.as_str()),
        ("x-kyso-certificate", output.certificate.as_str()),
        ("x-kyso-signature-algorithm", output.signature_algorithm.as_str()),
        ("x-kyso-level", level.as_str()),
        ("x-kyso-timestamp-time", &output.timestamp_time.map(rfc3339).unwrap_or_default()),
    ] {
        if value.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

/// The request's `upload_fields` as pairs.
pub fn upload_fields(options: &SignPdfRequest) -> Vec<(String, String)> {
    options.upload_fields.iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Puts one document's PDF at `path`, from base64 or from its URL, and returns the name its URL
/// gives it. `what` prefixes field names in errors (e.g. `documents[2].`).
pub async fn input(
    remote: &Remote<'_>,
    base64: Option<String>,
    url: Option<&str>,
    path: &std::path::Path,
    what: &str,
) -> Result<Option<String>, ApiError> {
    match (base64, url) {
        (Some(pdf), None) => {
            let pdf = base64::engine::general_purpose::STANDARD
                .decode(pdf)
                .map_err(|e| ApiError::bad_request(format!("{what}pdf_base64: {e}")))?;
            tokio::fs::write(path, pdf)
                .await
                .map_err(|e| ApiError::with(ErrorCode::Internal, format!("temp file: {e}")))?;
            Ok(None)
        }
        (None, Some(url)) => {
            let url = remote.check(&format!("{what}pdf_url"), url)?;
            remote.download(&url, path).await?;
            Ok(name_from_url(&url))
        }
        (Some(_), Some(_)) => Err(ApiError::bad_request(format!("give {what}pdf_base64 or {what}pdf_url, not both"))),
        (None, None) => Err(ApiError::bad_request(format!("{what}pdf_base64 or {what}pdf_url is missing"))),
    }
}

/// What a batch's answer may be, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// JSON with base64 documents.
    Json,
    /// `multipart/form-data`: the JSON results, then each signed PDF as a file part.
    Multipart,
}

impl Accept {
    fn of(headers: &hyper::HeaderMap) -> Self {
        let multipart = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data")));
        if multipart { Self::Multipart } else { Self::Json }
    }
}

/// The placement a request asks for: a field, a page and rectangle, the act's default place,
/// or (no act) invisible.
pub fn placement(
    field: Option<&String>,
    anchor: Option<&String>,
    page: Option<u32>,
    rect: Option<[f32; 4]>,
    has_act: bool,
) -> Result<Placement, ApiError> {
    if let Some(text) = anchor {
        if field.is_some() || rect.is_some() {
            return Err(ApiError::bad_request("give one of field, anchor, or page and rect"));
        }
        return Ok(Placement::Anchor { text: text.clone(), page });
    }
    match (field, page, rect) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            Err(ApiError::bad_request("give either field, or page and rect, not both"))
        }
        (Some(field), None, None) => Ok(Placement::Field(field.clone())),
        (None, page, Some(rect)) => Ok(Placement::Rect { page: page.unwrap_or(1), rect }),
        (None, page, None) if has_act => Ok(Placement::Default { page }),
        (None, Some(_), None) => Err(ApiError::bad_request("page needs rect (or an act)")),
        (None, None, None) => Ok(Placement::Invisible),
    }
}

/// Fills in what the request leaves to the user's defaults (Settings, or the `[defaults]`
/// policy): the level, and the portal's act when the request names no act and no place.
pub fn apply_user_defaults(api: &Api, origin: &str, options: &mut SignPdfRequest, placed: bool) {
    if options.level.is_none() {
        options.level = default_level(api, &options.certificate);
    }
    if options.act.is_none()
        && !placed
        && let Some(defaults) = api.signer.user_defaults()
    {
        options.act = defaults.act(&thumbprint_hex(&options.certificate), origin).0;
    }
}

/// The level chosen for `certificate` (Settings, or the `[defaults]` policy), for a request
/// that names none; `None` leaves the protocol's default (B-B).
pub fn default_level(api: &Api, certificate: &str) -> Option<SignatureLevel> {
    let (level, source) = api.signer.user_defaults()?.level(&thumbprint_hex(certificate));
    let level = level?;
    if level.timestamped() && !api.signer.can_timestamp() {
        // Without a TSA the default cannot be made; the request's own default stands.
        tracing::warn!(level = level.as_str(), ?source, "the default level needs tsa.url; signing at B-B");
        return None;
    }
    Some(level)
}

/// What the visible signature shows, when the request names an act.
pub fn look(options: &SignPdfRequest) -> Result<Option<Look>, ApiError> {
    let image = match &options.image_base64 {
        Some(image) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(image)
                .map_err(|e| ApiError::bad_request(format!("image_base64: {e}")))?,
        ),
        None => None,
    };
    let issued_date = options.issued_date.as_deref().map(parse_date).transpose()?;
    Ok(options.act.map(|act| Look {
        act,
        image,
        copy_form: options.copy_form.clone(),
        reference: options.reference.clone(),
        comment: options.comment.clone(),
        doc_number: options.doc_number.clone(),
        issued_date,
    }))
}

/// A `YYYY-MM-DD` date.
fn parse_date(text: &str) -> Result<time::Date, ApiError> {
    crate::pdf::acts::parse_date(text)
        .ok_or_else(|| ApiError::bad_request(format!("issued_date: {text:?} is not a YYYY-MM-DD date")))
}

/// The thumbprint as lowercase hex without separators, as responses give it.
pub fn thumbprint_hex(text: &str) -> String {
    text.chars().filter(char::is_ascii_hexdigit).collect::<String>().to_ascii_lowercase()
}

/// Query values as the JSON types of [`SignPdfRequest`]: `page` a number, `rect` four numbers.
fn query_value(key: &str, value: &str) -> Result<serde_json::Value, ApiError> {
    let number = |text: &str| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(serde_json::Value::Number)
            .ok_or_else(|| ApiError::bad_request(format!("query {key}: {text:?} is not a number")))
    };
    match key {
        "page" => value
            .trim()
            .parse::<u32>()
            .map(serde_json::Value::from)
            .map_err(|_| ApiError::bad_request(format!("query page: {value:?} is not a page number"))),
        "rect" => Ok(serde_json::Value::Array(value.split(',').map(number).collect::<Result<_, _>>()?)),
        _ => Ok(serde_json::Value::String(value.to_owned())),
    }
}
