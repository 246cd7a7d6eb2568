//! The HTTPS server: accept on the loopback listeners, TLS, HTTP/1.1 and HTTP/2, one task per
//! connection, a cap on connections, graceful shutdown.

mod body;
mod compat;
mod file_body;
mod guard;
pub(crate) mod pdf;
pub(crate) mod pdf_batch;
pub(crate) mod remote;
mod routes;
mod tls;
mod verify;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

pub use routes::certificates;
pub use tls::server_config;

use crate::config::Config;
use crate::signing::Signer;

/// A client that has not finished the TLS handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What request handlers share.
#[derive(Debug)]
pub struct Api {
    /// Validated settings.
    pub config: Config,
    /// The port actually bound, for the Host check.
    pub port: u16,
    /// The port the Government CA plugin protocol is served on instead, when `compat.port` is
    /// set (then that port answers only plugin calls, and the main port none).
    pub compat_port: Option<u16>,
    /// The signing flow.
    pub signer: Signer,
    /// The agent's own HTTPS client, for documents given by URL.
    pub outbound: crate::outbound::Outbound,
}

/// Binds 127.0.0.1 and ::1 on `port` (0 = a free port, the same on both when possible).
///
/// A machine without IPv6 loopback still gets the IPv4 listener.
///
/// # Errors
///
/// The bind error of 127.0.0.1.
pub async fn bind(port: u16) -> std::io::Result<Vec<TcpListener>> {
    let v4 = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = v4.local_addr()?.port();
    let mut listeners = vec![v4];
    match TcpListener::bind(("::1", port)).await {
        Ok(v6) => listeners.push(v6),
        Err(error) => tracing::warn!(%error, "not listening on [::1]"),
    }
    Ok(listeners)
}

/// Serves the API on `listeners` until `shutdown` completes, then lets in-flight requests finish.
///
/// # Errors
///
/// Only errors that stop the whole server; a failing connection is logged and dropped.
pub async fn run(
    listeners: Vec<TcpListener>,
    tls: Arc<rustls::ServerConfig>,
    api: Arc<Api>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    let connections = Arc::new(Semaphore::new(api.config.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(30));
    builder.http2().timer(TokioTimer::new()).max_concurrent_streams(32);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        // Wait for a free slot first, so excess clients wait in the kernel's backlog.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = connections.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept_any(&listeners) => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // EMFILE and the like: wait a little instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let api = api.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(error) = serve_connection(stream, peer, acceptor, api, &builder, watcher).await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    tracing::info!("shutting down: waiting for requests in flight");
    drop(listeners);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after {DRAIN_TIMEOUT:?}; stopping anyway");
    }
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    api: Arc<Api>,
    builder: &auto::Builder<TokioExecutor>,
    watcher: hyper_util::server::graceful::Watcher,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Which port the connection came in on decides what it may ask (the API or plugin calls).
    let local_port = stream.local_addr()?.port();
    let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream))
        .await
        .map_err(|_| format!("tls handshake from {peer} timed out"))??;
    let service = service_fn(move |request| {
        let api = api.clone();
        async move { Ok::<_, Infallible>(routes::handle(api, request, local_port).await) }
    });
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(tls), service).into_owned();
    watcher.watch(connection).await
}

/// Accepts from whichever listener has a connection first.
async fn accept_any(listeners: &[TcpListener]) -> std::io::Result<(TcpStream, SocketAddr)> {
    std::future::poll_fn(|cx| {
        for listener in listeners {
            if let Poll::Ready(result) = listener.poll_accept(cx) {
                return Poll::Ready(result);
            }
        }
        Poll::Pending
    })
    .await
}
