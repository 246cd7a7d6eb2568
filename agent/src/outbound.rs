//! The agent's own HTTP requests: documents downloaded from and uploaded to the portal (HTTPS
//! only), and queries to timestamp authorities and revocation services (which sign their
//! answers, so plain HTTP is what most of them serve).
//!
//! Strict by default: TLS verified against the operating system's roots plus the configured
//! ones, no redirects followed (a redirect could lead off the allowed origin), a timeout on
//! connecting, on the answer and between two chunks, and a size limit on every answer. Which
//! URLs may be fetched at all is the caller's decision ([`crate::config::AllowedOrigins`]).

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio::io::AsyncWriteExt;

use crate::multipart::{Form, StreamedBody};

/// The most of a portal's answer to an upload that is kept.
const MAX_REPLY_BYTES: u64 = 1024 * 1024;

/// Why an outbound request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The answer is larger than the limit (in bytes).
    TooLarge(u64),
    /// Anything else, said for logs and support.
    Failed(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge(limit) => write!(f, "the answer is larger than {limit} bytes"),
            Self::Failed(why) => f.write_str(why),
        }
    }
}

/// Headers sent with a request: the portal session's credentials.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// `Authorization: Bearer ...`.
    pub bearer: Option<String>,
    /// `Cookie`.
    pub cookie: Option<String>,
}

/// A portal's answer to an upload.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Always a success status.
    pub status: StatusCode,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body, at most 1 MiB.
    pub body: Bytes,
}

/// The outbound client, shared by every request (it keeps connections for reuse).
#[derive(Clone)]
pub struct Outbound {
    client: Client<HttpsConnector<HttpConnector>, StreamedBody>,
    timeout: Duration,
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

/// Reads the certificates of a PEM file.
///
/// # Errors
///
/// The file is unreadable or holds no certificate.
pub fn read_roots(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certificates)
}

impl Outbound {
    /// A client trusting the operating system's roots and those in `extra_roots` (PEM files).
    ///
    /// # Errors
    ///
    /// A file in `extra_roots` is unreadable or not a certificate, or no root at all is known.
    pub fn new(extra_roots: &[std::path::PathBuf], timeout: Duration) -> Result<Self, String> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::debug!(%error, "an operating-system root store could not be read");
        }
        let (added, ignored) = roots.add_parsable_certificates(native.certs);
        tracing::debug!(added, ignored, "operating-system roots for outbound HTTPS");
        for path in extra_roots {
            for certificate in read_roots(path)? {
                roots.add(certificate).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        if roots.is_empty() {
            tracing::warn!("no trusted root certificates: every outbound HTTPS request will fail");
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            // `download` and `upload` refuse plain HTTP themselves; `post` allows it.
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector);
        Ok(Self { client, timeout })
    }

    /// Downloads `url` into `destination` (created, or truncated), at most `limit` bytes.
    ///
    /// # Errors
    ///
    /// [`FetchError::TooLarge`] past the limit; anything else (network, TLS, a status other than
    /// 200, a redirect, a timeout, the disk) as [`FetchError::Failed`]. A partial file may remain.
    pub async fn download(
        &self,
        url: &url::Url,
        credentials: &Credentials,
        destination: &Path,
        limit: u64,
    ) -> Result<u64, FetchError> {
        require_https(url)?;
        let request = self.request(Method::GET, url, credentials, empty())?;
        let response = self.send(request).await?;
        if response.status() != StatusCode::OK {
            return Err(status_error(&response));
        }
        if let Some(declared) = content_length(response.headers())
            && declared > limit
        {
            return Err(FetchError::TooLarge(limit));
        }
        let disk = |e: std::io::Error| FetchError::Failed(format!("{}: {e}", destination.display()));
        let mut file = tokio::fs::File::create(destination).await.map_err(disk)?;
        let mut body = response.into_body();
        let mut written = 0u64;
        while let Some(chunk) = self.next_chunk(&mut body).await? {
            written += chunk.len() as u64;
            if written > limit {
                return Err(FetchError::TooLarge(limit));
            }
            file.write_all(&chunk).await.map_err(disk)?;
        }
        file.flush().await.map_err(disk)?;
        Ok(written)
    }

    /// Posts `path` to `url` as the file of a `multipart/form-data` form, in the part `field`
    /// with the file name `filename`, and returns the answer.
    ///
    /// # Errors
    ///
    /// [`FetchError::Failed`] for the network, TLS, a timeout, any status but 2xx (with the start
    /// of the answer, which usually says why), and an answer over 1 MiB.
    pub async fn upload(
        &self,
        url: &url::Url,
        credentials: &Credentials,
        field: &str,
        filename: &str,
        path: &Path,
        fields: &[(String, String)],
    ) -> Result<Reply, FetchError> {
        require_https(url)?;
        let mut form = Form::new();
        for (name, value) in fields {
            form.bytes(name, "text/plain; charset=utf-8", value.clone().into_bytes());
        }
        form.file(field, filename, "application/pdf", path)
            .map_err(|e| FetchError::Failed(format!("{}: {e}", path.display())))?;
        let content_type = form.content_type();
        let (body, len) = form.finish();
        let mut request = self.request(Method::POST, url, credentials, body)?;
        let headers = request.headers_mut();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type).map_err(|e| FetchError::Failed(e.to_string()))?,
        );
        let response = self.send(request).await?;
        if !response.status().is_success() {
            let status = status_error(&response);
            let text = self.read_reply(response).await.unwrap_or_default();
            let start: String = String::from_utf8_lossy(&text).chars().take(200).collect();
            return Err(FetchError::Failed(format!("{status}: {start}")));
        }
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = self.read_reply(response).await?;
        Ok(Reply { status, content_type, body })
    }

    /// Posts `body` as `content_type` to `url` (`http` or `https`: for services whose answers are
    /// signed, such as a TSA) and returns the answer's body, at most `limit` bytes, when the
    /// status is 200 and its type is `accept`.
    ///
    /// # Errors
    ///
    /// [`FetchError::TooLarge`] past the limit; the network, TLS, a timeout, another status or
    /// content type as [`FetchError::Failed`].
    pub async fn post(
        &self,
        url: &url::Url,
        content_type: &'static str,
        body: Vec<u8>,
        accept: &'static str,
        limit: u64,
    ) -> Result<Bytes, FetchError> {
        let len = body.len() as u64;
        let body = http_body_util::Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed_unsync();
        let mut request = self.request(Method::POST, url, &Credentials::default(), body)?;
        let headers = request.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
        let response = self.send(request).await?;
        if response.status() != StatusCode::OK {
            return Err(status_error(&response));
        }
        let answered = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !answered.trim().to_ascii_lowercase().starts_with(accept) {
            return Err(FetchError::Failed(format!("the answer is {answered:?}, not {accept}")));
        }
        self.read_limited(response, limit).await
    }

    /// Gets `url` (`http` or `https`: for signed objects such as CRLs) and returns the body, at
    /// most `limit` bytes, when the status is 200.
    ///
    /// # Errors
    ///
    /// As for [`Outbound::post`].
    pub async fn get(&self, url: &url::Url, limit: u64) -> Result<Bytes, FetchError> {
        let request = self.request(Method::GET, url, &Credentials::default(), empty())?;
        let response = self.send(request).await?;
        if response.status() != StatusCode::OK {
            return Err(status_error(&response));
        }
        self.read_limited(response, limit).await
    }

    fn request(
        &self,
        method: Method,
        url: &url::Url,
        credentials: &Credentials,
        body: StreamedBody,
    ) -> Result<Request<StreamedBody>, FetchError> {
        let mut request = Request::builder()
            .method(method)
            .uri(url.as_str())
            .header(header::USER_AGENT, concat!("Kyso/", env!("CARGO_PKG_VERSION")))
            .body(body)
            .map_err(|e| FetchError::Failed(format!("{url}: {e}")))?;
        let headers = request.headers_mut();
        let value = |text: String| {
            HeaderValue::from_str(&text)
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                })
                .map_err(|_| FetchError::Failed("url_auth holds characters a header cannot carry".into()))
        };
        if let Some(bearer) = &credentials.bearer {
            headers.insert(header::AUTHORIZATION, value(format!("Bearer {bearer}"))?);
        }
        if let Some(cookie) = &credentials.cookie {
            headers.insert(header::COOKIE, value(cookie.clone())?);
        }
        Ok(request)
    }

    /// Sends and waits for the answer's head, within the timeout.
    async fn send(&self, request: Request<StreamedBody>) -> Result<Response<Incoming>, FetchError> {
        let url = request.uri().to_string();
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => Err(FetchError::Failed(format!("{url}: no answer within {} s", self.timeout.as_secs()))),
            Ok(Err(error)) => Err(FetchError::Failed(format!("{url}: {}", error_chain(&error)))),
            Ok(Ok(response)) => Ok(response),
        }
    }

    async fn next_chunk(&self, body: &mut Incoming) -> Result<Option<Bytes>, FetchError> {
        loop {
            let frame = match tokio::time::timeout(self.timeout, body.frame()).await {
                Err(_) => {
                    return Err(FetchError::Failed(format!("the answer stalled for {} s", self.timeout.as_secs())));
                }
                Ok(None) => return Ok(None),
                Ok(Some(Err(error))) => return Err(FetchError::Failed(format!("the answer broke off: {error}"))),
                Ok(Some(Ok(frame))) => frame,
            };
            if let Ok(data) = frame.into_data() {
                return Ok(Some(data));
            }
        }
    }

    async fn read_reply(&self, response: Response<Incoming>) -> Result<Bytes, FetchError> {
        self.read_limited(response, MAX_REPLY_BYTES).await.map_err(|e| match e {
            FetchError::TooLarge(_) => FetchError::Failed("the portal's answer is larger than 1 MiB".into()),
            other => other,
        })
    }

    /// The whole body, at most `limit` bytes.
    async fn read_limited(&self, response: Response<Incoming>, limit: u64) -> Result<Bytes, FetchError> {
        if content_length(response.headers()).is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge(limit));
        }
        let mut body = response.into_body();
        let mut all = Vec::new();
        while let Some(chunk) = self.next_chunk(&mut body).await? {
            if (all.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge(limit));
            }
            all.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(all))
    }
}

/// Documents and the portal's session never travel in clear, whatever the caller checked.
fn require_https(url: &url::Url) -> Result<(), FetchError> {
    if url.scheme() == "https" {
        Ok(())
    } else {
        Err(FetchError::Failed(format!("{}: only https is used for documents", url.scheme())))
    }
}

fn empty() -> StreamedBody {
    http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync()
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// A status that is not the expected one; redirects name where they lead, as they are not
/// followed.
fn status_error(response: &Response<Incoming>) -> FetchError {
    let status = response.status();
    if status.is_redirection() {
        let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("?");
        return FetchError::Failed(format!("HTTP {status}: a redirect to {location}, which is not followed"));
    }
    FetchError::Failed(format!("HTTP {status}"))
}

/// An error and its causes, which is where hyper keeps what actually happened (e.g. the TLS
/// alert or "connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
