//! Documents given by URL: downloaded before the consent, uploaded after signing, only to
//! allowed origins and with the portal session's credentials.

use std::path::Path;

use kyso_protocol::{ErrorCode, UploadResult, UrlAuth};

use super::Api;
use crate::error::ApiError;
use crate::outbound::{Credentials, FetchError};

/// The multipart field portals built for the Government CA plugin read the file from.
pub const DEFAULT_UPLOAD_FIELD: &str = "uploadfile";

/// The URLs of one request, checked against the allowed origins, and the credentials for them.
#[derive(Debug)]
pub struct Remote<'a> {
    api: &'a Api,
    origin: &'a str,
    credentials: Credentials,
}

impl<'a> Remote<'a> {
    /// URLs for a request from a page of `origin`.
    pub fn new(api: &'a Api, origin: &'a str, auth: Option<&UrlAuth>) -> Self {
        let credentials =
            auth.map(|a| Credentials { bearer: a.bearer.clone(), cookie: a.cookie.clone() }).unwrap_or_default();
        Self { api, origin, credentials }
    }

    /// Parses `text` (named `what` in errors) and checks that it may be fetched or posted.
    ///
    /// # Errors
    ///
    /// `bad_request` when it is not a URL, `url_not_allowed` when it is not `https` on an
    /// allowed origin.
    pub fn check(&self, what: &str, text: &str) -> Result<url::Url, ApiError> {
        let url = url::Url::parse(text).map_err(|e| ApiError::bad_request(format!("{what}: not a URL ({e})")))?;
        if !self.api.config.allowed_origins.allows_url(&url, self.origin) {
            return Err(ApiError::with(
                ErrorCode::UrlNotAllowed,
                format!("{what}: {} is not https on an allowed origin", redact(&url)),
            ));
        }
        Ok(url)
    }

    /// Downloads `url` to `destination`, within the body size limit.
    ///
    /// # Errors
    ///
    /// `too_large` past the limit, `download_failed` otherwise.
    pub async fn download(&self, url: &url::Url, destination: &Path) -> Result<(), ApiError> {
        let limit = self.api.config.max_body_bytes;
        match self.api.outbound.download(url, &self.credentials, destination, limit).await {
            Ok(bytes) => {
                tracing::info!(origin = %self.origin, url = %redact(url), bytes, "document downloaded");
                Ok(())
            }
            Err(FetchError::TooLarge(limit)) => {
                Err(ApiError::with(ErrorCode::TooLarge, format!("{}: larger than {limit} bytes", redact(url))))
            }
            Err(FetchError::Failed(why)) => {
                tracing::warn!(origin = %self.origin, url = %redact(url), %why, "download failed");
                Err(ApiError::with(ErrorCode::DownloadFailed, why))
            }
        }
    }

    /// Uploads the signed file `path` to `url` as `filename` in the form field `field`.
    ///
    /// # Errors
    ///
    /// `upload_failed`, with the portal's status and the start of its answer.
    pub async fn upload(
        &self,
        url: &url::Url,
        field: &str,
        filename: &str,
        path: &Path,
        fields: &[(String, String)],
    ) -> Result<UploadResult, ApiError> {
        let reply =
            self.api.outbound.upload(url, &self.credentials, field, filename, path, fields).await.map_err(|e| {
                tracing::warn!(origin = %self.origin, url = %redact(url), error = %e, "upload failed");
                ApiError::with(ErrorCode::UploadFailed, e.to_string())
            })?;
        tracing::info!(origin = %self.origin, url = %redact(url), status = %reply.status, "signed document uploaded");
        let is_json = reply.content_type.as_deref().is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.starts_with("application/json") || t.contains("+json")
        });
        let response = match is_json.then(|| serde_json::from_slice(&reply.body)) {
            Some(Ok(value)) => value,
            _ => serde_json::Value::String(String::from_utf8_lossy(&reply.body).into_owned()),
        };
        Ok(UploadResult { url: url.to_string(), status: reply.status.as_u16(), response })
    }
}

/// A document's name from its URL: the last path segment, percent-decoded, when there is one.
pub fn name_from_url(url: &url::Url) -> Option<String> {
    let last = url.path_segments()?.next_back().filter(|s| !s.is_empty())?;
    Some(percent_decode(last))
}

fn percent_decode(text: &str) -> String {
    let bytes: Vec<u8> = url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The URL without its query, which often carries a session token, for logs and errors.
fn redact(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.query().is_some() {
        shown.set_query(Some("redacted"));
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_last_segment() {
        let name = |text: &str| name_from_url(&url::Url::parse(text).expect("url"));
        assert_eq!(name("https://a.vn/files/Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf?t=1"), Some("Quyết định.pdf".into()));
        assert_eq!(name("https://a.vn/files/a+b.pdf"), Some("a+b.pdf".into()));
        assert_eq!(name("https://a.vn/"), None);
        assert_eq!(
            redact(&url::Url::parse("https://a.vn/f.pdf?token=secret").expect("url")),
            "https://a.vn/f.pdf?redacted"
        );
    }
}
