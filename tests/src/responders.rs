//! The test PKI's responders, on plain HTTP on loopback as most CAs run them, answering with
//! OpenSSL: OCSP (`openssl ocsp -index`, one run per request, so a revocation made during a
//! test shows at once), an RFC 3161 TSA (`openssl ts -reply`), the CRLs and the issuing CA's
//! certificate. Their URLs are in the certificates (`make-test-pki.sh`, `RESPONDER`); the port
//! is reserved before the certificates are made, so nothing else can take it.
//!
//! Routes: `POST /ocsp` and `GET /ocsp/BASE64` (RFC 6960 A.1), `POST /tsa`,
//! `GET /crl/root.crl`, `GET /crl/issuing.crl`, `GET /certs/issuing.der`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The responders of one test PKI. Stopped, their port refuses connections, as a CA that is down.
#[derive(Debug)]
pub struct Responders {
    dir: PathBuf,
    port: u16,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    ocsp_down: Arc<AtomicBool>,
    running: Mutex<Option<Running>>,
}

#[derive(Debug)]
struct Running {
    shutdown: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Responders {
    /// Serves the PKI in `dir` on `listener` (bound to 127.0.0.1).
    pub(crate) fn start(dir: &Path, listener: std::net::TcpListener) -> Responders {
        let port = listener.local_addr().expect("responder address").port();
        let responders = Responders {
            dir: dir.to_owned(),
            port,
            hits: Arc::default(),
            ocsp_down: Arc::default(),
            running: Mutex::new(None),
        };
        responders.serve(listener);
        responders
    }

    /// `http://127.0.0.1:PORT`, as in the certificates.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The TSA's URL, for the agent's `tsa.url`.
    pub fn tsa_url(&self) -> String {
        format!("{}/tsa", self.url())
    }

    /// How many requests each route (`ocsp`, `tsa`, `crl/issuing.crl`, ...) has answered.
    pub fn hits(&self, route: &str) -> usize {
        self.hits.lock().expect("hits").get(route).copied().unwrap_or(0)
    }

    /// Makes the OCSP responder answer 503 (`true`) or work again, as when only OCSP is down
    /// and the CRLs are still served.
    pub fn set_ocsp_down(&self, down: bool) {
        self.ocsp_down.store(down, Ordering::SeqCst);
    }

    /// Stops answering: the port is closed when this returns.
    pub fn stop(&self) {
        if let Some(running) = self.running.lock().expect("running").take() {
            let _ = running.shutdown.send(());
            let _ = running.thread.join();
        }
    }

    /// Answers again on the same port, after [`Responders::stop`].
    pub fn resume(&self) {
        if self.running.lock().expect("running").is_some() {
            return;
        }
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.port)).expect("bind the responders' port again");
        self.serve(listener);
    }

    fn serve(&self, listener: std::net::TcpListener) {
        listener.set_nonblocking(true).expect("nonblocking");
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let (dir, hits, ocsp_down) = (self.dir.clone(), self.hits.clone(), self.ocsp_down.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("responder runtime");
            runtime.block_on(accept(listener, dir, hits, ocsp_down, stop));
            // Dropping the runtime drops the listener and every connection.
        });
        *self.running.lock().expect("running") = Some(Running { shutdown, thread });
    }
}

impl Drop for Responders {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept(
    listener: std::net::TcpListener,
    dir: PathBuf,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    ocsp_down: Arc<AtomicBool>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    // `openssl ts -reply` increments a serial file: one at a time.
    let tsa = Arc::new(tokio::sync::Mutex::new(()));
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
        };
        let (dir, hits, tsa, ocsp_down) = (dir.clone(), hits.clone(), tsa.clone(), ocsp_down.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let (dir, hits, tsa, ocsp_down) = (dir.clone(), hits.clone(), tsa.clone(), ocsp_down.clone());
                async move {
                    if ocsp_down.load(Ordering::SeqCst) && request.uri().path().starts_with("/ocsp") {
                        return Ok::<_, Infallible>(answer(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "down"));
                    }
                    Ok::<_, Infallible>(handle(&dir, &hits, &tsa, request).await)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

type Body = Full<Bytes>;

fn answer(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .expect("response")
}

async fn handle(
    dir: &Path,
    hits: &Mutex<HashMap<String, usize>>,
    tsa: &tokio::sync::Mutex<()>,
    request: Request<Incoming>,
) -> Response<Body> {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().trim_start_matches('/').to_owned();
    let route = if path.starts_with("ocsp") { "ocsp".to_owned() } else { path.clone() };
    *hits.lock().expect("hits").entry(route.clone()).or_default() += 1;
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return answer(StatusCode::BAD_REQUEST, "text/plain", "broken body"),
    };
    let file = |name: &str, content_type: &str| match std::fs::read(dir.join(name)) {
        Ok(bytes) => answer(StatusCode::OK, content_type, bytes),
        Err(_) => answer(StatusCode::NOT_FOUND, "text/plain", "not found"),
    };
    match (method.as_str(), route.as_str()) {
        ("GET", "crl/root.crl" | "crl/issuing.crl") => file(&path, "application/pkix-crl"),
        ("GET", "certs/issuing.der") => match CertificateDer::from_pem_file(dir.join("issuing.pem")) {
            Ok(der) => answer(StatusCode::OK, "application/pkix-cert", der.to_vec()),
            Err(_) => answer(StatusCode::NOT_FOUND, "text/plain", "not found"),
        },
        ("POST", "ocsp") => ocsp(dir, body.to_vec()).await,
        ("GET", "ocsp") => {
            let encoded = crate::portal::percent_decode(path.trim_start_matches("ocsp/"));
            match base64::engine::general_purpose::STANDARD.decode(encoded) {
                Ok(der) => ocsp(dir, der).await,
                Err(_) => answer(StatusCode::BAD_REQUEST, "text/plain", "not base64"),
            }
        }
        ("POST", "tsa") => {
            let _one_at_a_time = tsa.lock().await;
            timestamp(dir, body.to_vec()).await
        }
        _ => answer(StatusCode::NOT_FOUND, "text/plain", "not found"),
    }
}

/// Runs `openssl` in the PKI's `ca` directory with `args`, where `IN` stands for a file holding
/// `input` and `OUT` for the file whose bytes are returned.
async fn openssl(dir: &Path, input: Vec<u8>, args: Vec<String>) -> Result<Vec<u8>, String> {
    let dir = dir.join("ca");
    tokio::task::spawn_blocking(move || {
        let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (input_path, output_path) = (scratch.path().join("in.der"), scratch.path().join("out.der"));
        std::fs::write(&input_path, input).map_err(|e| e.to_string())?;
        let args = args.iter().map(|a| match a.as_str() {
            "IN" => input_path.as_os_str(),
            "OUT" => output_path.as_os_str(),
            _ => a.as_ref(),
        });
        let output = Command::new("openssl").current_dir(&dir).args(args).output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        std::fs::read(&output_path).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|&a| a.to_owned()).collect()
}

async fn ocsp(dir: &Path, request: Vec<u8>) -> Response<Body> {
    let args = strings(&[
        "ocsp",
        "-index",
        "issuing/index.txt",
        "-CA",
        "../issuing.pem",
        "-rsigner",
        "../ocsp.pem",
        "-rkey",
        "ocsp.key",
        "-ndays",
        "1",
        "-reqin",
        "IN",
        "-respout",
        "OUT",
    ]);
    match openssl(dir, request, args).await {
        Ok(response) => answer(StatusCode::OK, "application/ocsp-response", response),
        Err(why) => answer(StatusCode::BAD_REQUEST, "text/plain", why),
    }
}

async fn timestamp(dir: &Path, query: Vec<u8>) -> Response<Body> {
    let args = strings(&[
        "ts",
        "-reply",
        "-config",
        "tsa.cnf",
        "-queryfile",
        "IN",
        "-inkey",
        "tsa.key",
        "-signer",
        "../tsa.pem",
        "-chain",
        "../chain.pem",
        "-out",
        "OUT",
    ]);
    match openssl(dir, query, args).await {
        Ok(reply) => answer(StatusCode::OK, "application/timestamp-reply", reply),
        Err(why) => answer(StatusCode::BAD_REQUEST, "text/plain", why),
    }
}
