//! What each plugin operation does, on top of the native API's flows: document operations
//! become a signing batch with the PDFs fetched from `FileName` (or `Files[].URL`) and uploaded
//! to `FileUploadHandler`, with the act the operation implies; `GetCertInfo` describes the
//! certificate the calls sign with; `VerifyPDF` verifies a PDF given by URL.

use std::time::SystemTime;

use base64::Engine;
use kyso_protocol::{ErrorCode, PdfDocumentRequest, SignPdfRequest, SigningAct, UrlAuth};
use serde_json::{Value, json};

use super::wire::{Loose, Reply};
use crate::certinfo;
use crate::error::ApiError;
use crate::personal_images::ImageKind;
use crate::server::Api;
use crate::server::pdf::input;
use crate::server::pdf_batch::sign_all;
use crate::server::remote::Remote;

/// The operations Kyso answers, by their path (`wss://127.0.0.1:8987/<Operation>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Ký duyệt: the official's signature image.
    SignApproved,
    /// Ký ban hành: number and date filled in, the seal.
    SignIssued,
    /// Văn bản đến: the receipt stamp.
    SignIncome,
    /// Ý kiến: a comment and the signature.
    Comment,
    /// Phụ lục: the main document's number and the time.
    SignAppendix,
    /// Sao y: the copy mark.
    SignCopy,
    /// A plain visible signature.
    SignPdf,
    /// The same, as older pages call it.
    SignFile,
    /// A raw signature over a hash the page computed.
    SignMsg,
    /// Checks such a signature, and its certificate.
    VerifyMsg,
    /// The certificate the calls sign with.
    GetCertInfo,
    /// Verification of a PDF by URL.
    VerifyPdf,
}

impl Operation {
    /// The operation a request path names.
    pub fn from_path(path: &str) -> Option<Self> {
        Some(match path.trim_start_matches('/') {
            "SignApproved" => Self::SignApproved,
            "SignIssued" => Self::SignIssued,
            "SignIncome" => Self::SignIncome,
            "Comment" => Self::Comment,
            "SignAppendix" => Self::SignAppendix,
            "SignCopy" => Self::SignCopy,
            "SignPDF" => Self::SignPdf,
            "SignFile" => Self::SignFile,
            "SignMsg" => Self::SignMsg,
            "VerifyMsg" => Self::VerifyMsg,
            "GetCertInfo" => Self::GetCertInfo,
            "VerifyPDF" => Self::VerifyPdf,
            _ => return None,
        })
    }

    fn act(self) -> SigningAct {
        match self {
            Self::SignApproved => SigningAct::Approve,
            Self::SignIssued => SigningAct::Issue,
            Self::SignIncome => SigningAct::Incoming,
            Self::Comment => SigningAct::Comment,
            Self::SignAppendix => SigningAct::Appendix,
            Self::SignCopy => SigningAct::Copy,
            _ => SigningAct::Plain,
        }
    }
}

/// Runs `operation` on the message `text` from a page of `origin`, and returns the reply text.
pub async fn run(api: &Api, origin: &str, operation: Operation, text: &str) -> String {
    if operation == Operation::GetCertInfo {
        return cert_info(api, origin).await.unwrap_or_else(|error| Reply::error(&error)).into_text();
    }
    let mut request = match Loose::parse(text) {
        Ok(request) => request,
        Err(error) => return Reply::error(&error).into_text(),
    };
    let outcome = match operation {
        Operation::VerifyPdf => verify(api, origin, &mut request).await,
        Operation::SignMsg => sign_message(api, origin, &mut request).await,
        Operation::VerifyMsg => verify_message(api, &mut request).await,
        _ => documents(api, origin, operation, &mut request).await,
    };
    // What the page sent that was not understood is said in success and failure alike.
    let mut reply = outcome.unwrap_or_else(|error| {
        tracing::info!(%origin, ?operation, %error, "plugin call refused");
        Reply::error(&error)
    });
    reply.notes(std::mem::take(&mut request.ignored));
    reply.into_text()
}

/// The certificate plugin calls sign with: `compat.certificate`, else the only usable one,
/// else the one the user picks in Kyso's chooser (as the plugin itself let them).
async fn certificate(api: &Api, origin: &str) -> Result<(Vec<u8>, x509_cert::Certificate), ApiError> {
    let found = api.signer.tokens().certificates().await?;
    if found.is_empty() {
        return Err(ApiError::new(ErrorCode::TokenAbsent));
    }
    let now = SystemTime::now();
    let usable: Vec<_> = found
        .into_iter()
        .filter_map(|c| certinfo::parse(&c.der).ok().map(|parsed| (c, parsed)))
        .filter(|(c, parsed)| match &api.config.compat.certificate {
            Some(wanted) => hex::encode(c.thumbprint) == *wanted,
            None => certinfo::check_usable(parsed, now).is_ok(),
        })
        .collect();
    match usable.as_slice() {
        [(c, parsed)] => Ok((c.der.clone(), parsed.clone())),
        [] => Err(ApiError::with(
            ErrorCode::CertificateNotFound,
            match &api.config.compat.certificate {
                Some(wanted) => format!("compat.certificate {wanted} is not on any present token"),
                None => "no certificate on the present tokens can sign now".into(),
            },
        )),
        many => {
            let ders: Vec<&[u8]> = many.iter().map(|(c, _)| c.der.as_slice()).collect();
            let tokens: Vec<String> = many.iter().map(|(c, _)| c.token.label.clone()).collect();
            match api.signer.choose_certificate(origin, &ders, &tokens).await? {
                Some(index) => Ok((many[index].0.der.clone(), many[index].1.clone())),
                None => Err(ApiError::with(
                    ErrorCode::CertificateNotFound,
                    format!(
                        "{} certificates can sign; the administrator chooses one for plugin calls (compat.certificate), or prompt = \"window\" lets the user choose",
                        many.len()
                    ),
                )),
            }
        }
    }
}

async fn cert_info(api: &Api, origin: &str) -> Result<Reply, ApiError> {
    let (der, cert) = certificate(api, origin).await?;
    let validity = &cert.tbs_certificate.validity;
    let mut reply = Reply::ok();
    reply.set(
        "CertInfo",
        json!({
            "Subject": cert.tbs_certificate.subject.to_string(),
            "Issuer": cert.tbs_certificate.issuer.to_string(),
            "SerialNumber": hex::encode_upper(cert.tbs_certificate.serial_number.as_bytes()),
            "ValidFrom": crate::signing::rfc3339(validity.not_before.to_system_time()),
            "ValidTo": crate::signing::rfc3339(validity.not_after.to_system_time()),
            "Thumbprint": hex::encode(certinfo::thumbprint(&der)),
            "CertBase64": base64::engine::general_purpose::STANDARD.encode(&der),
        }),
    );
    Ok(reply)
}

/// A document operation, for one file (`FileName`) or several (`Files`).
async fn documents(api: &Api, origin: &str, operation: Operation, request: &mut Loose) -> Result<Reply, ApiError> {
    let handler = request
        .text("FileUploadHandler")
        .ok_or_else(|| ApiError::bad_request("FileUploadHandler (where to upload the signed file) is missing"))?;
    let url_auth = session(api, request);
    let doc_number = request.text("DocNumber");
    let issued_date = request.date("IssuedDate");
    let metadata = request.metadata();
    let files = request.objects("Files");
    let mut ids = Vec::new();
    let documents: Vec<PdfDocumentRequest> = match files {
        Some(files) => files
            .into_iter()
            .map(|mut file| {
                ids.push(file.text("FileID"));
                let url = file.text("URL").or_else(|| file.text("FileName"));
                let name = file.text("FileName").filter(|n| !n.contains("://"));
                request.ignored.append(&mut file.ignored);
                document(url, name)
            })
            .collect(),
        None => vec![document(request.text("FileName"), None)],
    };
    if documents.iter().any(|d| d.pdf_url.is_none()) {
        return Err(ApiError::bad_request("FileName (the document's address) is missing"));
    }
    let act = operation.act();
    let (der, _) = certificate(api, origin).await?;
    let thumbprint = hex::encode(certinfo::thumbprint(&der));
    // The user's own image for this certificate first, then the configured one.
    let own = ImageKind::for_act(act).and_then(|kind| api.signer.personal_image(&thumbprint, kind));
    let mut notes = Vec::new();
    let image = match act {
        _ if own.is_some() => own,
        SigningAct::Approve => {
            image(api.config.compat.signature_image.as_deref(), "compat.signature_image", &mut notes)?
        }
        SigningAct::Issue => image(api.config.compat.seal_image.as_deref(), "compat.seal_image", &mut notes)?,
        _ => None,
    };
    // Without its image, the act is signed with the plain text block rather than refused.
    let act = match (act, &image) {
        (SigningAct::Approve | SigningAct::Issue, None) => SigningAct::Plain,
        (act, _) => act,
    };
    let comment = metadata.iter().find(|(k, _)| k.eq_ignore_ascii_case("comment")).map(|(_, v)| v.clone());
    let mut options = SignPdfRequest {
        certificate: thumbprint,
        act: Some(act),
        image_base64: image.map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes)),
        doc_number: doc_number.clone().filter(|_| act == SigningAct::Issue),
        issued_date: issued_date.filter(|_| act == SigningAct::Issue).map(|d| d.to_string()),
        reference: doc_number.clone().filter(|_| matches!(act, SigningAct::Appendix | SigningAct::Incoming)),
        comment: comment.filter(|_| act == SigningAct::Comment),
        upload_url: Some(handler),
        // MetaData passes through to the portal's handler, as text fields of the upload.
        upload_fields: Some(metadata.iter().cloned().collect())
            .filter(|m: &std::collections::BTreeMap<_, _>| !m.is_empty()),
        url_auth: Some(url_auth),
        ..Default::default()
    };
    // The operation names the act; the level is the user's (or the policy's) default.
    crate::server::pdf::apply_user_defaults(api, origin, &mut options, true);
    let batch = !ids.is_empty();
    let work = work_dir()?;
    let answer = sign_all(api, options, documents, origin, None, &work).await?;
    let mut reply = Reply::ok();
    reply.notes(notes);
    if batch {
        let mut files = Vec::new();
        let mut failed = 0;
        for (result, id) in answer.results.iter().zip(ids) {
            let mut entry = json!({ "FileID": id, "FileName": result.document_name });
            match (&result.upload, &result.error) {
                (Some(upload), None) => entry["FileSignedURL"] = signed_url(&upload.response),
                (_, Some(error)) => {
                    failed += 1;
                    entry["Status"] = json!(super::wire::status_of(error.code));
                    entry["Message"] = json!(format!("{} / {}", error.message_vi, error.message_en));
                }
                _ => {}
            }
            files.push(entry);
        }
        if failed > 0 {
            reply.set("Status", json!(super::wire::status::FAILED));
            reply.note(format!("{failed} of {} documents were not signed", files.len()));
        }
        reply.set("Files", Value::Array(files));
    } else {
        let result = answer.results.into_iter().next().ok_or_else(|| ApiError::new(ErrorCode::Internal))?;
        if let Some(error) = result.error {
            let mut failure = ApiError::new(error.code);
            failure.detail = error.detail;
            return Err(failure);
        }
        reply.set("FileName", json!(result.document_name));
        reply.set("FileServer", result.upload.map(|u| u.response).unwrap_or(Value::Null));
    }
    reply.set("MetaData", Value::Array(metadata.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect()));
    reply.set("DocumentNumber", json!(doc_number.unwrap_or_default()));
    reply.set("DocumentDate", json!(issued_date.map(|d| d.to_string()).unwrap_or_default()));
    Ok(reply)
}

/// The portal session a call carries: `SessionId` as the session cookie (`compat.session_cookie`,
/// unless it is a whole `name=value` already), `JWTToken` as bearer.
fn session(api: &Api, request: &mut Loose) -> UrlAuth {
    let cookie = request
        .text("SessionId")
        .map(|s| if s.contains('=') { s } else { format!("{}={s}", api.config.compat.session_cookie) });
    UrlAuth { bearer: request.text("JWTToken"), cookie }
}

/// A private directory for a call's files, removed when dropped.
fn work_dir() -> Result<tempfile::TempDir, ApiError> {
    tempfile::Builder::new()
        .prefix("kyso-compat-")
        .tempdir()
        .map_err(|e| ApiError::with(ErrorCode::Internal, format!("temp dir: {e}")))
}

fn document(url: Option<String>, name: Option<String>) -> PdfDocumentRequest {
    PdfDocumentRequest {
        pdf_base64: None,
        pdf_url: url,
        upload_url: None,
        document_name: name,
        field: None,
        page: None,
        rect: None,
        anchor: None,
        field_name: None,
    }
}

/// The image at `path`, read; none configured is noted.
fn image(path: Option<&std::path::Path>, key: &str, notes: &mut Vec<String>) -> Result<Option<Vec<u8>>, ApiError> {
    match path {
        Some(path) => std::fs::read(path)
            .map(Some)
            .map_err(|e| ApiError::with(ErrorCode::Internal, format!("{key} {}: {e}", path.display()))),
        None => {
            notes.push(format!("no image is set ({key}): signed with the text block"));
            Ok(None)
        }
    }
}

/// Where the handler says it stored the file: its text answer, or a URL-like field of its JSON.
fn signed_url(answer: &Value) -> Value {
    match answer {
        Value::String(_) => answer.clone(),
        Value::Object(fields) => ["FileSignedURL", "FileServer", "url", "Url", "URL", "FileName"]
            .iter()
            .find_map(|key| fields.get(*key).filter(|v| v.is_string()).cloned())
            .unwrap_or_else(|| json!(answer.to_string())),
        other => json!(other.to_string()),
    }
}

/// `SignMsg`: `{HashAlg, HashValue (base64), Encode}` signed raw (PKCS#1 v1.5 for an RSA key),
/// answered as `{Signature, CertBase64}`.
async fn sign_message(api: &Api, origin: &str, request: &mut Loose) -> Result<Reply, ApiError> {
    let digest = hash_algorithm(request)?;
    let value = base64_field(request, "HashValue")?;
    let b64 = base64::engine::general_purpose::STANDARD;
    if let Some(encode) = request.text("Encode").filter(|e| !e.eq_ignore_ascii_case("RSA")) {
        request.ignored.push(format!("Encode {encode:?} ignored: the key's own scheme is used"));
    }
    let (der, _) = certificate(api, origin).await?;
    let thumbprint = hex::encode(certinfo::thumbprint(&der));
    let (signature, der) = api.signer.sign_digest(origin, &thumbprint, digest, value).await?;
    let mut reply = Reply::ok();
    reply.set("Signature", json!(b64.encode(signature)));
    reply.set("CertBase64", json!(b64.encode(der)));
    Ok(reply)
}

/// `VerifyMsg`: `{HashAlg, HashValue, Signature, CertBase64}` (what `SignMsg` gave): the
/// signature over the hash, and the certificate's chain and revocation now. `Status` 0 means
/// the check ran; `Verdict` and `Report` say what it found.
async fn verify_message(api: &Api, request: &mut Loose) -> Result<Reply, ApiError> {
    let digest = hash_algorithm(request)?;
    let hash = base64_field(request, "HashValue")?;
    let signature = base64_field(request, "Signature")?;
    let certificate = base64_field(request, "CertBase64")?;
    let report = api.signer.verifier()?.verify_raw(&certificate, digest, &hash, &signature).await?;
    let mut reply = Reply::ok();
    reply.set("Verdict", json!(report.verdict));
    reply.set("Report", serde_json::to_value(&report).unwrap_or(Value::Null));
    Ok(reply)
}

/// `HashAlg` (default SHA256).
fn hash_algorithm(request: &mut Loose) -> Result<kyso_protocol::DigestAlgorithm, ApiError> {
    let algorithm = request.text("HashAlg").unwrap_or_else(|| "SHA256".into());
    match algorithm.to_ascii_uppercase().replace('-', "").as_str() {
        "SHA256" => Ok(kyso_protocol::DigestAlgorithm::Sha256),
        "SHA384" => Ok(kyso_protocol::DigestAlgorithm::Sha384),
        "SHA512" => Ok(kyso_protocol::DigestAlgorithm::Sha512),
        _ => Err(ApiError::bad_request(format!("HashAlg {algorithm:?}: SHA256, SHA384 or SHA512"))),
    }
}

/// A required base64 field, decoded.
fn base64_field(request: &mut Loose, key: &str) -> Result<Vec<u8>, ApiError> {
    let text = request.text(key).ok_or_else(|| ApiError::bad_request(format!("{key} is missing")))?;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|e| ApiError::bad_request(format!("{key}: {e}")))
}

/// `VerifyPDF`: the PDF at `FileName` (an allowed origin), verified; the report as `Report`.
async fn verify(api: &Api, origin: &str, request: &mut Loose) -> Result<Reply, ApiError> {
    let url = request.text("FileName").ok_or_else(|| ApiError::bad_request("FileName is missing"))?;
    let auth = session(api, request);
    let remote = Remote::new(api, origin, Some(&auth));
    let work = work_dir()?;
    let path = work.path().join("input.pdf");
    input(&remote, None, Some(&url), &path, "").await?;
    let report = api.signer.verifier()?.verify_pdf(&path).await?;
    let mut reply = Reply::ok();
    reply.set("Verdict", json!(report.verdict));
    reply.set("Report", serde_json::to_value(&report).unwrap_or(Value::Null));
    Ok(reply)
}
