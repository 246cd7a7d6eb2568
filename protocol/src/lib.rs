//! Wire types of the Kyso agent's HTTP API, version 1.
//!
//! The agent listens on `https://127.0.0.1:8987` (and `[::1]`). Every request must come from an
//! origin the administrator allowed, and every `POST` must carry `X-Kyso-Request: 1` with a JSON
//! or `application/octet-stream` body, so browsers send a CORS preflight first. Responses are JSON.
//!
//! Entry types: [`StatusResponse`] (`GET /v1/status`), [`CertificateList`]
//! (`GET /v1/certificates`), [`SignDetachedRequest`] / [`SignDetachedResponse`]
//! (`POST /v1/sign/detached`), [`SignPdfRequest`] / [`SignPdfResponse`] /
//! [`SignPdfBatchResponse`] (`POST /v1/sign/pdf`), [`VerifyRequest`] / [`VerifyResponse`]
//! (`POST /v1/verify`), and [`ErrorResponse`] with its stable
//! [`ErrorCode`] for every failure. The worked examples below are parsed by this crate's tests, so they stay true.
//!
//! # `GET /v1/status`
//!
//! ```json
//! {
//!   "agent": "kyso",
//!   "version": "0.1.0",
//!   "api_version": 1,
//!   "tokens_present": true,
//!   "origin": "https://qlvb.ninhbinh.gov.vn"
//! }
//! ```
//!
//! # `GET /v1/certificates`
//!
//! ```json
//! {
//!   "certificates": [{
//!     "thumbprint": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!     "subject": "CN=Nguyễn Văn An,O=Sở Nông nghiệp và Môi trường,ST=Ninh Bình,C=VN",
//!     "issuer": "CN=Test Cục Chứng thực số,O=Ban Cơ yếu Chính phủ,C=VN",
//!     "serial": "3c8a1f",
//!     "not_before": "2026-01-01T00:00:00Z",
//!     "not_after": "2028-01-01T00:00:00Z",
//!     "key": { "type": "rsa", "bits": 2048 },
//!     "key_usage": ["digital_signature", "non_repudiation"],
//!     "status": "valid",
//!     "signature_algorithms": ["rsa-pss", "rsa-pkcs1"],
//!     "der_base64": "MIIC...",
//!     "token": { "label": "kyso-test", "serial": "7d3e2a1b", "manufacturer": "SoftHSM project",
//!                "model": "SoftHSM v2", "slot_id": 1, "slot_description": "SoftHSM slot ID 0x1",
//!                "protected_authentication_path": false }
//!   }]
//! }
//! ```
//!
//! # `POST /v1/sign/detached`
//!
//! A JSON body carries the content (`content_base64`) or a digest the portal computed
//! (`digest_base64` with `digest_algorithm`):
//!
//! ```json
//! {
//!   "content_base64": "SOG7jyBjaMOgbyE=",
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "signature_algorithm": "rsa-pss",
//!   "digest_algorithm": "sha256",
//!   "document_name": "to-trinh.txt"
//! }
//! ```
//!
//! JSON bodies are limited to 64 MiB (and to `limits.max_body_bytes`). Large content is sent raw
//! instead (`Content-Type: application/octet-stream`, streamed to disk, up to
//! `limits.max_body_bytes`, 256 MiB by default), with the same options in the query string:
//! `POST /v1/sign/detached?certificate=5f0c…&document_name=bao-cao.pdf&digest_algorithm=sha384`.
//!
//! `"level": "B-T"` adds an RFC 3161 timestamp over the signature from the administrator's TSA
//! (`tsa.url`), as the signature-time-stamp unsigned attribute (CAdES-B-T); without a TSA, or
//! when it does not answer, the request fails with `timestamp_failed`. Detached signatures go
//! up to B-T; `B-LT` and `B-LTA` are for PDFs (`bad_request` here).
//!
//! The agent shows the user who asks, what is signed and with which certificate, asks for the
//! PIN in its own window, and answers with a CMS `SignedData` (CAdES-B-B or B-T, detached):
//!
//! ```json
//! {
//!   "signature_base64": "MIIH...",
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "signature_algorithm": "rsa-pss",
//!   "digest_algorithm": "sha256",
//!   "content_digest_base64": "q1Yr...=",
//!   "level": "B-T",
//!   "timestamp_time": "2026-11-23T04:43:45Z"
//! }
//! ```
//!
//! # `POST /v1/sign/pdf`
//!
//! Adds a PAdES signature (`ETSI.CAdES.detached`) by incremental update: the input's bytes are
//! an exact prefix of the output, so earlier signatures stay valid. `level` is the PAdES
//! baseline level:
//!
//! - `B-B` (the default): the signature;
//! - `B-T`: with an RFC 3161 timestamp over it from the administrator's TSA (`tsa.url`);
//! - `B-LT`: then a revision with a `/DSS` holding the validation data of the signature and its
//!   timestamp (the certificates of both chains, an OCSP response or CRL for each certificate
//!   below the anchor, asked for after signing, and a `/VRI` entry for the signature), so that
//!   it can be verified after the certificates expire and the responders close;
//! - `B-LTA`: then a document timestamp revision (`/Type /DocTimeStamp`, `ETSI.RFC3161`) over
//!   all of it, which archives renew (`kyso-agent extend`) before its TSA certificate expires.
//!
//! For `B-LT` and `B-LTA` the signer's revocation status must have been found (not only "could
//! not be checked") and the TSA's chain must validate, before the user is asked; otherwise the
//! request fails with `validation_data_failed`, as it does if the data cannot be had after
//! signing (then nothing is returned). Validation data for earlier signatures in the file is
//! added when it can be had, and skipped (logged) when not.
//! The `act`
//! (Decree 30/2020) decides what the visible signature shows and, without `field`, `anchor` (a
//! text under which to sign, such as the signer's title) or `rect`, where it goes: `approve` (handwritten-signature image), `issue` (seal image at real size over
//! the left third of the approver's signature), `copy`, `appendix`, `incoming`, `comment`,
//! `plain`. Without `act`, `field`, `anchor` or `rect`, the signature is invisible, unless the
//! user chose an act for the calling portal in Settings (or the administrator's policy set one
//! in `[defaults] acts`): then that act, at its default place. Likewise a PDF request without
//! `level` gets the user's default level for the certificate, or the policy's, else `B-B`; the
//! answer's `level` says which was made.
//!
//! ```json
//! {
//!   "pdf_base64": "JVBERi0xLjcK...",
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "act": "approve",
//!   "image_base64": "iVBORw0KGgo...",
//!   "page": 2,
//!   "rect": [330.0, 120.0, 530.0, 190.0],
//!   "reason": "Phê duyệt",
//!   "document_name": "Quyết định 123.pdf"
//! }
//! ```
//!
//! ```json
//! {
//!   "pdf_base64": "JVBERi0xLjcK...",
//!   "field_name": "Signature1",
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "signature_algorithm": "rsa-pss",
//!   "level": "B-T"
//! }
//! ```
//!
//! The answer holds the signed PDF and what was made; `timestamp_time` is the time the TSA
//! vouches for, for `B-T`:
//!
//! ```json
//! {
//!   "pdf_base64": "JVBERi0xLjcK...",
//!   "field_name": "Signature1",
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "signature_algorithm": "rsa-pss",
//!   "level": "B-T",
//!   "timestamp_time": "2026-11-23T04:43:45Z"
//! }
//! ```
//!
//! For large files, send the PDF raw (`Content-Type: application/pdf`, streamed to disk) with the
//! options in the query string, e.g. `POST /v1/sign/pdf?certificate=5f0c…&act=copy&level=B-T`;
//! the answer is then the signed PDF itself, with `X-Kyso-Field`, `X-Kyso-Certificate`,
//! `X-Kyso-Signature-Algorithm`, `X-Kyso-Level` and (for B-T) `X-Kyso-Timestamp-Time` headers
//! readable by the page.
//!
//! A batch signs up to 500 documents after one consent and one PIN entry; each document has its
//! own placement, and each gets its own result (a damaged one does not stop the others):
//!
//! ```json
//! {
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "act": "copy",
//!   "copy_form": "SAO Y",
//!   "documents": [
//!     { "pdf_base64": "JVBERi0xLjcK...", "document_name": "Công văn 15.pdf" },
//!     { "pdf_base64": "JVBERi0xLjcK...", "document_name": "Công văn 16.pdf", "page": 1,
//!       "rect": [400.0, 760.0, 580.0, 810.0] }
//!   ]
//! }
//! ```
//!
//! ```json
//! {
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "signature_algorithm": "rsa-pss",
//!   "level": "B-B",
//!   "results": [
//!     { "document_name": "Công văn 15.pdf", "pdf_base64": "JVBERi0xLjcK...", "field_name": "Signature1" },
//!     { "document_name": "Công văn 16.pdf", "error": { "code": "invalid_pdf",
//!       "message_vi": "Tệp không phải PDF hợp lệ hoặc đã bị hỏng. Hãy mở lại tài liệu trên cổng thông tin và thử lại.",
//!       "message_en": "The file is not a valid PDF, or it is damaged. Reopen the document from the portal and try again.",
//!       "detail": "not a valid PDF: no startxref at the end of the file (truncated?)" } }
//!   ]
//! }
//! ```
//!
//! Documents may also be given by URL and the signed ones uploaded, as document-management
//! systems keep them on their own servers. `pdf_url` and `upload_url` must be `https` on an
//! allowed origin (else `url_not_allowed`, before anything is fetched or the user is asked); the
//! agent verifies TLS against the system's roots and `outbound.tls_roots`, follows no
//! redirect, and sends `url_auth` (the portal session) only there. The upload is a
//! `multipart/form-data` POST with the file in `upload_field` (default `uploadfile`); the
//! handler's answer comes back in `upload`. Failures are `download_failed` or `upload_failed`
//! (per document in a batch):
//!
//! ```json
//! {
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "act": "issue",
//!   "doc_number": "123/QĐ-UBND",
//!   "pdf_url": "https://qlvb.ninhbinh.gov.vn/files/du-thao-123.pdf",
//!   "upload_url": "https://qlvb.ninhbinh.gov.vn/api/upload",
//!   "url_auth": { "bearer": "eyJhbGciOi...", "cookie": "ASP.NET_SessionId=x1y2z3" }
//! }
//! ```
//!
//! ```json
//! {
//!   "upload": { "url": "https://qlvb.ninhbinh.gov.vn/api/upload", "status": 200,
//!               "response": { "Status": 0, "FileServer": "https://qlvb.ninhbinh.gov.vn/files/123.pdf" } },
//!   "field_name": "Signature1",
//!   "certificate": "5f0c7d1e9a0b4c3d2e1f00112233445566778899aabbccddeeff001122334455",
//!   "signature_algorithm": "rsa-pkcs1"
//! }
//! ```
//!
//! A batch asked with `Accept: multipart/form-data` is answered as a form, which
//! `Response.formData()` reads in a browser: first the part `results` (the JSON above, with
//! `part` instead of `pdf_base64`), then each signed PDF as a file part named `document-N`, with
//! no base64 overhead.
//!
//! # `POST /v1/verify`
//!
//! Verifies a PDF's signatures and document timestamps (a raw `application/pdf` body, or
//! `pdf_base64` in JSON), or a detached signature over its content (`signature_base64` and
//! `content_base64`). Nothing is asked of the user and no token is touched. For each signature:
//! the signer's certificate, the time it claims and its timestamp, integrity (the digest of the
//! signed bytes and the signature over it), the revision it covers and what changed after it
//! (each object added or changed, classed `signatures` (later signatures, document timestamps,
//! the DSS), `form_filling`, `annotations` or `other`), the chain to the configured
//! `trust.anchors` (at the signature timestamp's time when there is a trusted one, else now),
//! revocation (from the file's DSS first, else asked of the responders now), the PAdES/CAdES
//! level reached, a `verdict` (`valid`, `invalid`, `indeterminate`) and `findings` in both
//! languages. The document's `verdict` is `invalid` if any signature is, `valid` if all are.
//!
//! ```json
//! { "pdf_base64": "JVBERi0xLjcK..." }
//! ```
//!
//! ```json
//! {
//!   "verdict": "valid",
//!   "size": 53756,
//!   "sha256": "0b038d16ada70b825e3066ebd72022bd6ea7f89bcca101a8b642861e18945fbb",
//!   "signatures": [{
//!     "field_name": "Signature1",
//!     "type": "signature",
//!     "sub_filter": "ETSI.CAdES.detached",
//!     "signer": { "subject": "CN=Nguyễn Văn An,O=Sở Nông nghiệp và Môi trường,ST=Ninh Bình,C=VN",
//!                 "issuer": "CN=Test Cục Chứng thực số,O=Ban Cơ yếu Chính phủ,C=VN",
//!                 "serial": "5183cd329ef0ce303e268a54f1d04e0ef51e308f",
//!                 "thumbprint": "b47b85ebc568bc720af5c5a430decff36e6c6f9c51b38e4997a0b45cc2d010c2",
//!                 "not_before": "2026-12-02T12:06:58Z", "not_after": "2028-12-02T12:06:58Z" },
//!     "claimed_time": "2026-12-03T12:07:00Z",
//!     "timestamp": { "time": "2026-12-03T12:07:00Z", "intact": true, "trusted": true,
//!                    "tsa": "CN=Test TSA Cục Chứng thực số,O=Ban Cơ yếu Chính phủ,C=VN" },
//!     "integrity": { "digest_ok": true, "signature_ok": true },
//!     "coverage": { "whole_file": false, "revision": 2, "revisions": 4, "signed_bytes": 32423 },
//!     "modifications": { "level": "signatures", "objects": [
//!       { "object": "28 0", "what": "validation data (DSS) / dữ liệu kiểm tra (DSS)", "level": "signatures" },
//!       { "object": "29 0", "what": "signature value / giá trị chữ ký", "level": "signatures" } ] },
//!     "chain": { "trusted": true, "checked_at": "2026-12-03T12:07:00Z", "certificates": [
//!       "CN=Nguyễn Văn An,O=Sở Nông nghiệp và Môi trường,ST=Ninh Bình,C=VN",
//!       "CN=Test Cục Chứng thực số,O=Ban Cơ yếu Chính phủ,C=VN",
//!       "CN=Test Root CA chuyên dùng Chính phủ,O=Ban Cơ yếu Chính phủ,C=VN" ] },
//!     "revocation": { "status": "good", "sources": ["embedded_ocsp", "embedded_crl"] },
//!     "level": "B-LTA",
//!     "verdict": "valid",
//!     "findings": []
//!   }]
//! }
//! ```
//!
//! # Errors
//!
//! Every failure has an HTTP status, a stable `code` and a message in Vietnamese and English that
//! says what went wrong and what to do:
//!
//! ```json
//! {
//!   "error": {
//!     "code": "pin_incorrect",
//!     "message_vi": "Mã PIN không đúng. Hãy kiểm tra lại và thử lại; thiết bị sẽ bị khóa nếu nhập sai nhiều lần.",
//!     "message_en": "The PIN is incorrect. Check it and try again; the token locks after too many wrong PINs.",
//!     "pin": { "count_low": true, "final_try": false }
//!   }
//! }
//! ```

mod certificates;
mod error;
mod pdf;
mod sign;
mod status;
mod verify;

pub use certificates::{CertificateInfo, CertificateList, CertificateStatus, KeyInfo, KeyType, TokenInfo};
pub use error::{ErrorCode, ErrorDetail, ErrorResponse, PinState};
pub use pdf::{
    MAX_BATCH_DOCUMENTS, PdfDocumentRequest, PdfDocumentResult, SignPdfBatchResponse, SignPdfRequest, SignPdfResponse,
    SigningAct, UploadResult, UrlAuth,
};
pub use sign::{
    DigestAlgorithm, SignDetachedQuery, SignDetachedRequest, SignDetachedResponse, SignatureAlgorithm, SignatureLevel,
};
pub use status::StatusResponse;
pub use verify::{
    CertificateSummary, ChainReport, ChangedObject, Coverage, EvidenceSource, Finding, Integrity, ModificationLevel,
    Modifications, RevocationReport, RevocationStatus, SignatureReport, SignatureType, TimestampReport, Verdict,
    VerifyRequest, VerifyResponse,
};

/// The API version this crate describes; it is the `v1` in every path.
pub const API_VERSION: u32 = 1;

/// The header every `POST` must carry (value `1`), so that browsers must send a preflight.
pub const REQUEST_HEADER: &str = "x-kyso-request";

/// The agent's default port, the one the Government CA plugin's portals already call.
pub const DEFAULT_PORT: u16 = 8987;
