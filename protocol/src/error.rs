//! Error codes and the error body every failed request returns.

use serde::{Deserialize, Serialize};

/// The body of every failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// A stable code, the user-facing message in both languages, and details for some codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code; portals branch on it.
    pub code: ErrorCode,
    /// What happened and what to do, in Vietnamese.
    pub message_vi: String,
    /// What happened and what to do, in English.
    pub message_en: String,
    /// Technical detail for logs and support (e.g. the offending value), English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The token's PIN counters, for `pin_incorrect` and `pin_locked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinState>,
}

/// What the token says of its PIN retry counter. PKCS#11 gives flags, not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PinState {
    /// A wrong PIN was entered since the last successful login (CKF_USER_PIN_COUNT_LOW).
    pub count_low: bool,
    /// One more wrong PIN locks the token (CKF_USER_PIN_FINAL_TRY).
    pub final_try: bool,
}

impl ErrorResponse {
    /// Builds the body for `code` with its catalogue messages.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message_vi: code.message_vi().to_owned(),
                message_en: code.message_en().to_owned(),
                detail: None,
                pin: None,
            },
        }
    }

    /// Adds a technical detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.error.detail = Some(detail.into());
        self
    }

    /// Adds the PIN counters.
    pub fn with_pin(mut self, pin: PinState) -> Self {
        self.error.pin = Some(pin);
        self
    }
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, $status:literal,
        vi: $vi:literal, en: $en:literal; )*) => {
        /// Stable error codes. New codes may be added; existing ones keep their meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* #[serde(rename = $wire)] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// Returns the wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $wire,)* }
            }

            /// Returns the HTTP status the agent answers with.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// Returns the message for users, in Vietnamese: the problem, then what to do.
            pub fn message_vi(self) -> &'static str {
                match self { $(ErrorCode::$variant => $vi,)* }
            }

            /// Returns the message for users, in English: the problem, then what to do.
            pub fn message_en(self) -> &'static str {
                match self { $(ErrorCode::$variant => $en,)* }
            }
        }
    };
}

error_codes! {
    /// The request's `Origin` is missing or not in the administrator's allowed list.
    OriginNotAllowed = "origin_not_allowed", 403,
        vi: "Trang web này không được phép yêu cầu ký số. Hãy liên hệ quản trị viên nếu đây là cổng thông tin của cơ quan.",
        en: "This website is not allowed to request signatures. Contact your administrator if it is your agency's portal.";
    /// The `Host` header is not the agent's loopback address and port (DNS rebinding).
    HostNotAllowed = "host_not_allowed", 421,
        vi: "Yêu cầu không gửi tới đúng địa chỉ của Kyso (127.0.0.1). Hãy dùng địa chỉ do cổng thông tin cung cấp.",
        en: "The request was not addressed to Kyso's loopback address. Use the address your portal provides.";
    /// The request is malformed: bad JSON, missing or conflicting fields, bad base64.
    BadRequest = "bad_request", 400,
        vi: "Yêu cầu không hợp lệ. Hãy báo cho đơn vị quản lý cổng thông tin.",
        en: "The request is invalid. Report this to the portal's maintainers.";
    /// A `POST` without the `X-Kyso-Request: 1` header.
    MissingRequestHeader = "missing_request_header", 403,
        vi: "Yêu cầu thiếu tiêu đề X-Kyso-Request. Hãy báo cho đơn vị quản lý cổng thông tin.",
        en: "The request lacks the X-Kyso-Request header. Report this to the portal's maintainers.";
    /// The body's media type is not JSON or octet-stream.
    UnsupportedMediaType = "unsupported_media_type", 415,
        vi: "Định dạng dữ liệu gửi lên không được hỗ trợ (chỉ nhận JSON hoặc dữ liệu nhị phân).",
        en: "The body's media type is not supported (only JSON or application/octet-stream).";
    /// No such endpoint.
    NotFound = "not_found", 404,
        vi: "Không có chức năng này. Hãy cập nhật Kyso hoặc báo cho đơn vị quản lý cổng thông tin.",
        en: "No such endpoint. Update Kyso or report this to the portal's maintainers.";
    /// The endpoint exists but not with this method.
    MethodNotAllowed = "method_not_allowed", 405,
        vi: "Phương thức không được hỗ trợ cho chức năng này.",
        en: "This method is not supported for this endpoint.";
    /// The body is larger than the configured limit.
    TooLarge = "too_large", 413,
        vi: "Tài liệu quá lớn. Hãy chia nhỏ tài liệu hoặc nhờ quản trị viên tăng giới hạn.",
        en: "The document is too large. Split it, or ask your administrator to raise the limit.";
    /// Too many requests wait for the user already.
    Busy = "busy", 429,
        vi: "Kyso đang chờ bạn xử lý một yêu cầu ký khác. Hãy hoàn tất yêu cầu đó rồi thử lại.",
        en: "Kyso is waiting for you on another signing request. Finish that one, then try again.";
    /// The user paused signing from Kyso's tray icon.
    SigningPaused = "signing_paused", 503,
        vi: "Kyso đang tạm dừng ký số. Nhấn vào biểu tượng Kyso ở khay hệ thống và chọn «Tiếp tục ký».",
        en: "Signing is paused in Kyso. Click the Kyso icon in the system tray and choose “Resume signing”.";
    /// The user cancelled the consent or PIN window.
    UserCancelled = "user_cancelled", 409,
        vi: "Bạn đã hủy yêu cầu ký.",
        en: "You cancelled the signing request.";
    /// The PIN was wrong (pinentry prompter); never retried automatically. Kyso's own window
    /// asks again instead, so with it a wrong PIN ends as a signature or `user_cancelled`.
    PinIncorrect = "pin_incorrect", 403,
        vi: "Mã PIN không đúng. Hãy kiểm tra lại và thử lại; thiết bị sẽ bị khóa nếu nhập sai nhiều lần.",
        en: "The PIN is incorrect. Check it and try again; the token locks after too many wrong PINs.";
    /// The token's PIN is locked.
    PinLocked = "pin_locked", 403,
        vi: "Thiết bị ký số đã bị khóa do nhập sai PIN quá nhiều lần. Hãy liên hệ tổ chức cung cấp chứng thư số để mở khóa.",
        en: "The token is locked after too many wrong PINs. Ask your certificate authority's office to unlock it.";
    /// No token is present, or it was removed during the operation.
    TokenAbsent = "token_absent", 503,
        vi: "Không tìm thấy thiết bị ký số (USB token). Hãy cắm thiết bị và thử lại.",
        en: "No signing token was found. Plug in your USB token and try again.";
    /// No certificate with the requested thumbprint on a present token.
    CertificateNotFound = "certificate_not_found", 404,
        vi: "Không tìm thấy chứng thư số đã chọn trên thiết bị. Hãy cắm đúng thiết bị hoặc chọn chứng thư khác.",
        en: "The chosen certificate is not on any present token. Plug in the right token or choose another certificate.";
    /// The certificate's validity has ended.
    CertificateExpired = "certificate_expired", 403,
        vi: "Chứng thư số đã hết hạn. Hãy liên hệ tổ chức cung cấp chứng thư số để gia hạn.",
        en: "The certificate has expired. Ask your certificate authority to renew it.";
    /// The certificate's validity has not begun.
    CertificateNotYetValid = "certificate_not_yet_valid", 403,
        vi: "Chứng thư số chưa đến thời hạn sử dụng. Hãy kiểm tra đồng hồ máy tính.",
        en: "The certificate is not valid yet. Check the computer's clock.";
    /// The certificate has been revoked by its certificate authority.
    CertificateRevoked = "certificate_revoked", 403,
        vi: "Chứng thư số đã bị thu hồi nên không thể dùng để ký. Hãy liên hệ tổ chức cung cấp chứng thư số.",
        en: "The certificate has been revoked and cannot be used to sign. Contact your certificate authority.";
    /// The certificate does not chain to a trust anchor the administrator set.
    CertificateUntrusted = "certificate_untrusted", 403,
        vi: "Chứng thư số không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy trên máy này. Hãy báo cho quản trị viên.",
        en: "The certificate was not issued by a certificate authority trusted on this computer. Tell your administrator.";
    /// The certificate's revocation status could not be checked, and the policy requires it.
    CertificateStatusUnknown = "certificate_status_unknown", 503,
        vi: "Không kiểm tra được tình trạng thu hồi của chứng thư số (máy chủ OCSP/CRL không phản hồi). Hãy kiểm tra kết nối mạng và thử lại.",
        en: "The certificate's revocation status could not be checked (the OCSP/CRL servers did not answer). Check the network and retry.";
    /// The certificate's key usage does not allow signing documents.
    CertificateKeyUsage = "certificate_key_usage", 403,
        vi: "Chứng thư số này không được phép dùng để ký văn bản. Hãy chọn chứng thư khác.",
        en: "This certificate may not be used to sign documents. Choose another certificate.";
    /// The private key that matches the certificate was not found on the token.
    KeyNotFound = "key_not_found", 404,
        vi: "Không tìm thấy khóa bí mật của chứng thư số trên thiết bị. Hãy liên hệ bộ phận hỗ trợ.",
        en: "The certificate's private key is not on the token. Contact your support desk.";
    /// The token offers no mechanism for the requested algorithm.
    AlgorithmUnsupported = "algorithm_unsupported", 422,
        vi: "Thiết bị ký số không hỗ trợ thuật toán được yêu cầu. Hãy chọn thuật toán khác.",
        en: "The token does not support the requested algorithm. Choose another algorithm.";
    /// The PIN window could not be shown.
    PrompterUnavailable = "prompter_unavailable", 503,
        vi: "Kyso không mở được cửa sổ nhập PIN. Hãy khởi động lại Kyso hoặc liên hệ bộ phận hỗ trợ.",
        en: "Kyso could not open its PIN window. Restart Kyso or contact your support desk.";
    /// The token or its PKCS#11 module failed.
    TokenError = "token_error", 502,
        vi: "Thiết bị ký số báo lỗi. Hãy rút ra, cắm lại và thử lại.",
        en: "The token reported an error. Unplug it, plug it in again and retry.";
    /// The document is not a PDF, or is damaged beyond what can be signed safely.
    InvalidPdf = "invalid_pdf", 422,
        vi: "Tệp không phải PDF hợp lệ hoặc đã bị hỏng. Hãy mở lại tài liệu trên cổng thông tin và thử lại.",
        en: "The file is not a valid PDF, or it is damaged. Reopen the document from the portal and try again.";
    /// The PDF is encrypted in a way Kyso does not sign (a password to open it, for one).
    PdfEncrypted = "pdf_encrypted", 422,
        vi: "Tài liệu PDF được mã hóa nên không thể ký. Hãy gỡ mật khẩu của tài liệu rồi thử lại.",
        en: "The PDF is encrypted and cannot be signed. Remove the document's password, then try again.";
    /// The named signature field does not exist in the document.
    FieldNotFound = "field_not_found", 404,
        vi: "Không tìm thấy ô chữ ký được chỉ định trong tài liệu.",
        en: "The requested signature field is not in the document.";
    /// The named signature field already holds a signature.
    FieldAlreadySigned = "field_already_signed", 409,
        vi: "Ô chữ ký được chỉ định đã có chữ ký. Hãy chọn ô khác.",
        en: "The requested signature field is already signed. Choose another field.";
    /// A `pdf_url` or `upload_url` is not an `https` URL on an allowed origin.
    UrlNotAllowed = "url_not_allowed", 403,
        vi: "Địa chỉ tải tài liệu không thuộc cổng thông tin được phép. Hãy báo cho đơn vị quản lý cổng thông tin.",
        en: "The document's address is not on an allowed portal. Report this to the portal's maintainers.";
    /// The document could not be downloaded from `pdf_url`.
    DownloadFailed = "download_failed", 502,
        vi: "Không tải được tài liệu từ cổng thông tin. Hãy kiểm tra kết nối mạng, đăng nhập lại cổng thông tin và thử lại.",
        en: "The document could not be downloaded from the portal. Check the network, sign in to the portal again and retry.";
    /// The signed document could not be uploaded to `upload_url`, or the handler refused it.
    UploadFailed = "upload_failed", 502,
        vi: "Đã ký nhưng không gửi được tài liệu lên cổng thông tin. Hãy kiểm tra kết nối mạng, đăng nhập lại và ký lại.",
        en: "The document was signed but could not be sent to the portal. Check the network, sign in again and sign again.";
    /// A timestamp was asked for (`level` `B-T` or higher) but none could be had: no TSA is
    /// set, it did not answer, or its answer failed the checks. Nothing was signed into the
    /// document.
    TimestampFailed = "timestamp_failed", 502,
        vi: "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA). Hãy kiểm tra kết nối mạng và thử lại, hoặc báo cho quản trị viên.",
        en: "No timestamp could be obtained from the timestamp authority (TSA). Check the network and retry, or tell your administrator.";
    /// The document is certified (DocMDP) against the change signing would make: no changes at
    /// all, or only signing into its existing signature fields.
    DocumentCertified = "document_certified", 409,
        vi: "Tài liệu đã được chứng nhận và không cho phép thay đổi này; ký thêm sẽ làm mất hiệu lực chứng nhận. Hãy ký vào ô chữ ký có sẵn hoặc liên hệ người đã chứng nhận tài liệu.",
        en: "The document is certified and does not allow this change; another signature would void the certification. Sign into an existing signature field, or contact whoever certified the document.";
    /// Level `B-LT` or `B-LTA` was asked for, but the validation data (an OCSP response or CRL
    /// for each certificate of the signer's and the TSA's chains) could not be had, or the
    /// document timestamp failed. Nothing was returned.
    ValidationDataFailed = "validation_data_failed", 502,
        vi: "Không thu thập được dữ liệu kiểm tra chứng thư (OCSP/CRL) để lưu trữ dài hạn. Hãy kiểm tra kết nối mạng và ký lại, hoặc báo cho quản trị viên.",
        en: "The certificate status data (OCSP/CRL) needed for long-term archiving could not be obtained. Check the network and sign again, or tell your administrator.";
    /// An unexpected failure inside the agent.
    Internal = "internal_error", 500,
        vi: "Kyso gặp lỗi không mong muốn. Hãy thử lại hoặc liên hệ bộ phận hỗ trợ.",
        en: "Kyso hit an unexpected error. Try again or contact your support desk.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_wire_names() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(!code.message_vi().is_empty() && !code.message_en().is_empty());
            assert!((400..600).contains(&code.http_status()));
        }
    }
}
