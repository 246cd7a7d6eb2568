//! A portal on loopback over real TLS (its own CA, made by `kyso-agent dev-cert`), as a
//! document-management system is to the agent: it serves PDFs, takes signed ones in a
//! `multipart/form-data` upload handler, and records what it was sent.
//!
//! Routes: `GET /files/NAME` (a file given to [`Portal::serve`]), `GET /page/NAME` (a page or
//! script given to [`Portal::serve_page`]), `POST /upload` (answers JSON
//! with the stored file's URL), `POST /upload-fail` (500), `GET /redirect` (302 to a file),
//! `GET /stall` (headers, then silence), `GET /big` (declares 1 GiB).

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// One request the portal received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET /files/a.pdf`.
    pub line: String,
    /// The `Cookie` header.
    pub cookie: Option<String>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    /// `name` of its Content-Disposition.
    pub name: String,
    /// `filename`, for files.
    pub filename: Option<String>,
    /// Its Content-Type.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    pages: HashMap<String, (String, Vec<u8>)>,
    seen: Vec<Seen>,
    uploads: Vec<Vec<Part>>,
}

/// A running portal; stops when dropped (its runtime thread ends with the test process).
#[derive(Debug)]
pub struct Portal {
    origin: String,
    ca: PathBuf,
    state: Arc<Mutex<State>>,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Portal {
    /// Starts a portal at `https://127.0.0.1:<free port>`.
    pub fn start() -> Portal {
        let dir = crate::temp_dir("kyso-portal-");
        crate::agent::make_dev_cert(dir.path());
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.path().join("cert.pem"))
            .expect("portal cert")
            .collect::<Result<_, _>>()
            .expect("portal cert pem");
        let key = PrivateKeyDer::from_pem_file(dir.path().join("key.pem")).expect("portal key");
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("portal TLS config");
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind portal");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let port = std_listener.local_addr().expect("address").port();
        let origin = format!("https://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(State::default()));
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let serving = (state.clone(), origin.clone(), TlsAcceptor::from(Arc::new(tls)));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("portal runtime");
            runtime.block_on(serve(std_listener, serving, stop));
        });
        Portal { origin, ca: dir.path().join("ca.pem"), state, _dir: dir, shutdown: Some(shutdown) }
    }

    /// `https://127.0.0.1:<port>`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A URL on the portal.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// The portal's CA certificate (PEM), for the agent's `outbound.tls_roots`.
    pub fn ca(&self) -> &Path {
        &self.ca
    }

    /// Serves `content` at `/files/<name>`.
    pub fn serve(&self, name: &str, content: Vec<u8>) {
        self.state.lock().expect("state").files.insert(name.to_owned(), content);
    }

    /// Serves `content` at `/page/<name>` as `content_type` (the portal's own pages and scripts).
    pub fn serve_page(&self, name: &str, content_type: &str, content: Vec<u8>) {
        self.state.lock().expect("state").pages.insert(name.to_owned(), (content_type.to_owned(), content));
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("state").seen.clone()
    }

    /// The forms posted to `/upload` so far.
    pub fn uploads(&self) -> Vec<Vec<Part>> {
        self.state.lock().expect("state").uploads.clone()
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    (state, origin, acceptor): (Arc<Mutex<State>>, String, TlsAcceptor),
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
        };
        let (state, origin, acceptor) = (state.clone(), origin.clone(), acceptor.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else { return };
            let service = service_fn(move |request| {
                let (state, origin) = (state.clone(), origin.clone());
                async move { Ok::<_, Infallible>(handle(&state, &origin, request).await) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

fn full(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body.into()).boxed())
        .expect("response")
}

async fn handle(state: &Mutex<State>, origin: &str, request: Request<Incoming>) -> Response<Body> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let seen = Seen {
        line: format!("{} {}", request.method(), request.uri().path()),
        cookie: header("cookie"),
        authorization: header("authorization"),
    };
    let content_type = header("content-type").unwrap_or_default();
    state.lock().expect("state").seen.push(seen);
    let path = request.uri().path().to_owned();
    match (request.method().as_str(), path.as_str()) {
        ("GET", "/redirect") => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", format!("{origin}/files/letter.pdf"))
            .body(Full::new(Bytes::new()).boxed())
            .expect("response"),
        ("GET", "/stall") => {
            // Headers, then a body that never comes.
            Response::builder().status(StatusCode::OK).body(Silence.boxed()).expect("response")
        }
        ("GET", "/big") => Response::builder()
            .status(StatusCode::OK)
            .header("content-length", "1073741824")
            .body(Silence.boxed())
            .expect("response"),
        ("GET", page) if page.starts_with("/page/") => {
            let name = percent_decode(&page["/page/".len()..]);
            match state.lock().expect("state").pages.get(&name) {
                Some((content_type, content)) => full(StatusCode::OK, content_type, content.clone()),
                None => full(StatusCode::NOT_FOUND, "text/plain", "no such page"),
            }
        }
        ("GET", file) if file.starts_with("/files/") => {
            let name = percent_decode(&file["/files/".len()..]);
            match state.lock().expect("state").files.get(&name) {
                Some(content) => full(StatusCode::OK, "application/pdf", content.clone()),
                None => full(StatusCode::NOT_FOUND, "text/plain", "no such file"),
            }
        }
        ("POST", "/upload-fail") => full(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "the disk is full"),
        ("POST", "/upload") => {
            let body = match request.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(_) => return full(StatusCode::BAD_REQUEST, "text/plain", "broken body"),
            };
            let Some(parts) = parse_multipart(&content_type, &body) else {
                return full(StatusCode::BAD_REQUEST, "text/plain", "not multipart/form-data");
            };
            let mut state = state.lock().expect("state");
            let number = state.uploads.len();
            state.uploads.push(parts);
            let answer = serde_json::json!({ "Status": 0, "FileServer": format!("{origin}/signed/{number}.pdf") });
            full(StatusCode::OK, "application/json; charset=utf-8", answer.to_string())
        }
        _ => full(StatusCode::NOT_FOUND, "text/plain", "not found"),
    }
}

/// A body that never yields a byte.
struct Silence;

impl hyper::body::Body for Silence {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        std::task::Poll::Pending
    }
}

/// The parts of a `multipart/form-data` body, or `None` when it is not one.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body.strip_prefix(delimiter.as_bytes())?;
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        let after = &rest[head_end + 4..];
        let end = find(after, format!("\r\n{delimiter}").as_bytes())?;
        let mut part = Part { name: String::new(), filename: None, content_type: None, data: after[..end].to_vec() };
        for line in head.split("\r\n") {
            let (name, value) = line.split_once(':')?;
            if name.eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_owned());
            } else if name.eq_ignore_ascii_case("content-disposition") {
                for param in value.split(';').skip(1) {
                    let (key, value) = param.trim().split_once('=')?;
                    let value = value.trim_matches('"').to_owned();
                    match key {
                        "name" => part.name = value,
                        "filename" => part.filename = Some(value),
                        _ => {}
                    }
                }
            }
        }
        parts.push(part);
        rest = &after[end + 2 + delimiter.len()..];
    }
}

/// Decodes `%XX` escapes (invalid ones are kept as they are).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
