//! A TLS client for the agent that trusts only the agent's local CA (no certificate-error
//! shortcuts) and lets tests set any header, including a forged `Host`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::HeaderMap;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The origin the test agents allow.
pub const PORTAL: &str = "https://portal.test:8443";

/// A response.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    ///
    /// # Panics
    ///
    /// When the body is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error code of an error body, or `""`.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_owned()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// HTTPS client for one agent.
#[derive(Debug, Clone)]
pub struct Client {
    address: SocketAddr,
    config: Arc<rustls::ClientConfig>,
}

impl Client {
    /// A client for the agent on `port`, trusting `ca_pem`.
    pub fn new(port: u16, ca_pem: &Path) -> Self {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_pem).expect("ca pem") {
            roots.add(cert.expect("ca cert")).expect("add root");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Self { address: SocketAddr::from(([127, 0, 0, 1], port)), config: Arc::new(config) }
    }

    /// The agent's port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    async fn connect(&self, alpn: &[u8]) -> tokio_rustls::client::TlsStream<TcpStream> {
        let mut config = (*self.config).clone();
        config.alpn_protocols = vec![alpn.to_vec()];
        let tcp = TcpStream::connect(self.address).await.expect("connect to the agent");
        let name = ServerName::try_from("localhost").expect("server name");
        TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("TLS handshake with the agent")
    }

    /// One call of the Government CA plugin protocol, as `vgcaplugin.js` makes it: a WebSocket
    /// to `wss://127.0.0.1:<port>/<operation>` from `origin`, one text message, one reply.
    /// `Err` is the HTTP status when the upgrade is refused.
    pub async fn plugin_call(&self, operation: &str, origin: &str, message: &str) -> Result<serde_json::Value, u16> {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::{Error, Message};
        let tls = self.connect(b"http/1.1").await;
        let url = format!("wss://127.0.0.1:{}/{operation}", self.port());
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert("origin", origin.parse().expect("origin"));
        let mut socket = match tokio_tungstenite::client_async(request, tls).await {
            Ok((socket, _)) => socket,
            Err(Error::Http(response)) => return Err(response.status().as_u16()),
            Err(error) => panic!("WebSocket handshake: {error}"),
        };
        socket.send(Message::text(message)).await.expect("send");
        while let Some(frame) = socket.next().await {
            match frame.expect("frame") {
                Message::Text(text) => return Ok(serde_json::from_str(&text).expect("a JSON reply")),
                Message::Close(_) => break,
                _ => {}
            }
        }
        panic!("the agent closed without a reply")
    }

    /// Opens one HTTP/1.1 connection for several requests, as a browser keeps one alive.
    pub async fn keep_alive(&self) -> KeepAlive {
        let tls = self.connect(b"http/1.1").await;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.expect("http1");
        tokio::spawn(connection);
        KeepAlive { sender, host: format!("127.0.0.1:{}", self.port()) }
    }

    /// Sends one HTTP/1.1 request. `Host` defaults to `127.0.0.1:<port>` unless given.
    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        let tls = self.connect(b"http/1.1").await;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.expect("http1");
        tokio::spawn(connection);
        let mut builder = Request::builder().method(method).uri(path);
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            builder = builder.header("host", format!("127.0.0.1:{}", self.port()));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response =
            sender.send_request(builder.body(Full::new(Bytes::from(body))).expect("request")).await.expect("response");
        collect(response).await
    }

    /// Sends one HTTP/2 request to `https://<authority><path>`.
    pub async fn send_h2(
        &self,
        method: &str,
        authority: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let tls = self.connect(b"h2").await;
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await.expect("h2");
        tokio::spawn(connection);
        let mut builder = Request::builder().method(method).uri(format!("https://{authority}{path}"));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response =
            sender.send_request(builder.body(Full::new(Bytes::from(body))).expect("request")).await.expect("response");
        collect(response).await
    }

    /// `GET` from the allowed portal.
    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[("origin", PORTAL)], Vec::new()).await
    }

    /// `POST` JSON from the allowed portal, with the custom header.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/json")];
        self.send("POST", path, &headers, serde_json::to_vec(body).expect("json")).await
    }
}

/// One HTTP/1.1 connection reused across requests.
#[derive(Debug)]
pub struct KeepAlive {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl KeepAlive {
    /// `POST` JSON from the allowed portal on this connection.
    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Reply {
        self.sender.ready().await.expect("connection ready");
        let request = Request::post(path)
            .header("host", &self.host)
            .header("origin", PORTAL)
            .header("x-kyso-request", "1")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(body).expect("json"))))
            .expect("request");
        collect(self.sender.send_request(request).await.expect("response")).await
    }
}

async fn collect(response: hyper::Response<hyper::body::Incoming>) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    Reply { status, headers, body }
}
