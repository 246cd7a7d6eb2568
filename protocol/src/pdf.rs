//! `POST /v1/sign/pdf`: a PAdES signature added to a PDF by incremental update.

use serde::{Deserialize, Serialize};

use crate::{DigestAlgorithm, ErrorDetail, SignatureAlgorithm, SignatureLevel};

/// The signing acts of Decree 30/2020 (Appendix I), which decide what the visible signature
/// shows and where it goes by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SigningAct {
    /// Ký duyệt: the official's handwritten-signature image (`image_base64`).
    Approve,
    /// Ký ban hành: the agency seal image, at real size, over the left third of the approver's
    /// signature when the document has one.
    Issue,
    /// Ký sao y: "SAO Y" (or `copy_form`), the copying agency and the signing time, top right
    /// of page 1, Times 10 pt.
    Copy,
    /// Phụ lục: the main document's number (`reference`) and the signing time, top right of page 1.
    Appendix,
    /// Văn bản đến: a receipt stamp "ĐẾN" with the arrival number (`reference`) and date.
    Incoming,
    /// Ý kiến: the comment text (`comment`) and the signer.
    Comment,
    /// A text block: signer, organisation, e-mail, time. The default.
    #[default]
    Plain,
}

impl SigningAct {
    /// Every act, in the order Decree 30/2020 lists them, the plain block last.
    pub const ALL: [Self; 7] =
        [Self::Approve, Self::Issue, Self::Copy, Self::Appendix, Self::Incoming, Self::Comment, Self::Plain];

    /// The act of a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|act| act.as_str() == text)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Issue => "issue",
            Self::Copy => "copy",
            Self::Appendix => "appendix",
            Self::Incoming => "incoming",
            Self::Comment => "comment",
            Self::Plain => "plain",
        }
    }
}

/// The most documents one batch may hold.
pub const MAX_BATCH_DOCUMENTS: usize = 500;

/// Asks for a PAdES signature: a JSON body with the PDF in `pdf_base64`, or a raw
/// `application/pdf` body with these options in the query string (then the response is the
/// signed PDF itself; prefer it for anything large). Without `act`, `field`, `anchor` or `rect`
/// the signature is invisible, unless the user's or the administrator's default act for the
/// calling portal says otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SignPdfRequest {
    /// The PDF, standard base64: required in a JSON body for one document, absent from a query
    /// string and from a batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_base64: Option<String>,
    /// The PDF's address instead (JSON only): an `https` URL on one of the allowed origins, which
    /// the agent downloads with TLS verified, no redirects followed, within the size limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_url: Option<String>,
    /// Upload the signed PDF to this `https` URL on an allowed origin instead of returning it
    /// (JSON only): a `multipart/form-data` POST with the file in the field `upload_field`. The
    /// handler's answer is returned in [`SignPdfResponse::upload`]. In a batch, for every
    /// document without its own `upload_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    /// The multipart field that carries the uploaded file (default `uploadfile`, as portals
    /// built for the Government CA plugin expect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_field: Option<String>,
    /// Text fields posted with the upload, before the file (e.g. the portal's document id):
    /// name to value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_fields: Option<std::collections::BTreeMap<String, String>>,
    /// Credentials for `pdf_url` and `upload_url` (never sent anywhere else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_auth: Option<UrlAuth>,
    /// A batch (JSON only): several PDFs signed after one consent and one PIN entry, each with
    /// its own placement; `certificate`, `reason`, `location` and the algorithms apply to all.
    /// The answer is a [`SignPdfBatchResponse`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<PdfDocumentRequest>>,
    /// The SHA-256 thumbprint (hex) of the certificate to sign with.
    pub certificate: String,
    /// Sign into this existing, empty signature field (full or unique partial name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Page of a new visible signature, 1 = first (default 1 when `rect` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Rectangle of a new visible signature, `[x1, y1, x2, y2]` in points from the bottom-left
    /// corner of the page as displayed (after its crop box and rotation). In a query string:
    /// `rect=x1,y1,x2,y2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rect: Option<[f32; 4]>,
    /// Place the signature under the last occurrence of this text (case and spaces ignored),
    /// e.g. the signer's title "CHỦ TỊCH" or a marker the portal put in the document; searched
    /// on `page` only when given, else from the last page back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// The signing act; with `act` and no `field` or `rect`, the signature is visible at the
    /// act's default place. Without `act`, `field`, `anchor` or `rect`: the default act chosen
    /// for the calling portal (Settings, or the policy's `[defaults] acts`), else invisible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<SigningAct>,
    /// The handwritten-signature (approve) or seal (issue) image, PNG with transparency or JPEG,
    /// standard base64. JSON only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_base64: Option<String>,
    /// For `copy`: the form of copy shown (default "SAO Y").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_form: Option<String>,
    /// For `appendix`: the main document's number; for `incoming`: the arrival number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// For `comment`: the comment text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// For `issue`: the document number, written after "Số:" on page 1 (e.g. "123/QĐ-UBND").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_number: Option<String>,
    /// For `issue`: the issue date `YYYY-MM-DD`, written into "ngày ... tháng ... năm ..." on
    /// page 1 (default: the signing date when `doc_number` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_date: Option<String>,
    /// Name of the new signature field (default `Signature1`, `Signature2`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// `/Reason` of the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `/Location` of the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The document's name, shown to the user in the consent window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_name: Option<String>,
    /// As for detached signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// Digest of the signed byte ranges (default SHA-256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_algorithm: Option<DigestAlgorithm>,
    /// PAdES baseline level (absent: the default level chosen for the certificate in Settings
    /// or by the policy's `[defaults] level`, else `B-B`): `B-B`, `B-T` (an RFC 3161 timestamp over the
    /// signature from the administrator's TSA, `tsa.url`, inside the signature), `B-LT` (then a
    /// DSS revision with the validation data) or `B-LTA` (then a document timestamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<SignatureLevel>,
}

/// What the portal's session needs for the agent to download and upload on the user's behalf,
/// sent only to `pdf_url` and `upload_url`, which must be on an allowed origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UrlAuth {
    /// Sent as `Authorization: Bearer <bearer>` (e.g. the portal's JWT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer: Option<String>,
    /// Sent as the `Cookie` header verbatim (e.g. `ASP.NET_SessionId=...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<String>,
}

/// How the portal's upload handler answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadResult {
    /// The URL the signed PDF was posted to.
    pub url: String,
    /// The handler's HTTP status (always 2xx: anything else is `upload_failed`).
    pub status: u16,
    /// The handler's answer: its JSON when it answered JSON, else its text (at most 1 MiB).
    pub response: serde_json::Value,
}

/// The answer to a JSON request. A raw request gets the signed PDF as the body instead, and
/// these values in `X-Kyso-Field`, `X-Kyso-Certificate` and `X-Kyso-Signature-Algorithm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignPdfResponse {
    /// The signed PDF, standard base64: the input's bytes followed by the new revision. Absent
    /// when it was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_base64: Option<String>,
    /// Where the signed PDF was uploaded, and the answer, for requests with `upload_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadResult>,
    /// The signature field that holds the new signature.
    pub field_name: String,
    /// Thumbprint of the signing certificate.
    pub certificate: String,
    /// The signature algorithm used.
    pub signature_algorithm: SignatureAlgorithm,
    /// The level made.
    #[serde(default)]
    pub level: SignatureLevel,
    /// For `B-T` and higher: the time the TSA vouches for, RFC 3339 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_time: Option<String>,
}

/// One document of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfDocumentRequest {
    /// The PDF, standard base64; or give `pdf_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_base64: Option<String>,
    /// As in [`SignPdfRequest::pdf_url`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_url: Option<String>,
    /// As in [`SignPdfRequest::upload_url`], for this document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    /// Shown to the user and echoed in the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_name: Option<String>,
    /// As in [`SignPdfRequest::field`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// As in [`SignPdfRequest::page`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// As in [`SignPdfRequest::rect`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rect: Option<[f32; 4]>,
    /// As in [`SignPdfRequest::anchor`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// As in [`SignPdfRequest::field_name`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
}

/// The answer to a batch: one result per document, in the request's order. The batch as a whole
/// fails (an error response) only for what concerns every document: a refused consent, a wrong
/// PIN, a missing token or certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignPdfBatchResponse {
    /// Thumbprint of the signing certificate.
    pub certificate: String,
    /// The signature algorithm used; absent when no document could be signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// The level of every signed document.
    #[serde(default)]
    pub level: SignatureLevel,
    /// Per document.
    pub results: Vec<PdfDocumentResult>,
}

/// What became of one document of a batch: `field_name` and the signed PDF (`pdf_base64`, or
/// the `part` of a multipart answer, or `upload`), or `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PdfDocumentResult {
    /// The document's name, as given (or taken from its URL).
    pub document_name: String,
    /// The signed PDF, standard base64, in a JSON answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_base64: Option<String>,
    /// In a `multipart/form-data` answer (asked for with `Accept: multipart/form-data`): the name
    /// of the part that holds the signed PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// Where the signed PDF was uploaded, and the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadResult>,
    /// The field that holds the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// For `B-T`: the time the TSA vouches for, RFC 3339 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_time: Option<String>,
    /// Why this document was not signed (e.g. `invalid_pdf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}
