//! `kyso-agent demo`: the agent plus a demo portal on its own origin, so a newcomer sees the
//! whole flow on one machine: a page signing with each act through `kyso.js`, a page making
//! the Government CA plugin's WebSocket calls, and an upload handler keeping what is signed.

mod site;

use std::path::Path;
use std::sync::Arc;

use hyper::Request;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::config::{self, Origin};
use crate::outbound::Outbound;
use crate::server::{self, Api};

/// Options of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port of the demo page; its origin `https://localhost:PORT` must be in allowed_origins.
    #[arg(long, default_value_t = 8988)]
    page_port: u16,
}

/// Serves the API and the demo page until Ctrl-C or SIGTERM.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let origin = Origin::parse(&format!("https://localhost:{}", args.page_port)).map_err(|e| e.to_string())?;
    if !config.allowed_origins.allows(origin.as_str()) {
        return Err(format!("add \"{origin}\" to allowed_origins in the configuration to use the demo page"));
    }
    let tls = server::server_config(&config.tls_cert, &config.tls_key)?;
    let page_port = args.page_port;
    super::Prompting::of(&config).run(move |prompter| serve(config, tls, origin, page_port, prompter))
}

/// Serves the API and the demo page with `prompter` until Ctrl-C or SIGTERM.
fn serve(
    config: config::Config,
    tls: Arc<rustls::ServerConfig>,
    origin: Origin,
    page_port: u16,
    prompter: crate::prompt::Prompter,
) -> Result<(), String> {
    let ui = prompter.ui_handle();
    let (signer, _worker) = super::daemon_signer(&config, prompter)?;
    super::runtime()?.block_on(async move {
        let signals = super::serve::shutdown_signal();
        let mut listeners =
            server::bind(config.port).await.map_err(|e| format!("cannot listen on port {}: {e}", config.port))?;
        let port = listeners[0].local_addr().map_err(|e| e.to_string())?.port();
        let compat_port = super::bind_compat(&config, &mut listeners).await?;
        let page_listener = TcpListener::bind(("127.0.0.1", page_port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{page_port}: {e}"))?;
        let site = site::Site::new(format!("https://127.0.0.1:{port}"), origin.to_string());
        tokio::spawn(serve_site(page_listener, TlsAcceptor::from(tls.clone()), site));
        let (_tray, shutdown) = super::tray_and_shutdown(&config, port, &signer, ui, signals);
        super::announce(&format!("kyso-agent listening on https://127.0.0.1:{port}"));
        super::announce(&format!("demo page: {origin}/"));
        let outbound = Outbound::new(&config.outbound_tls_roots, config.outbound_timeout)?;
        let api = Arc::new(Api { config, port, compat_port, signer, outbound });
        server::run(listeners, tls, api, shutdown).await.map_err(|e| e.to_string())
    })
}

/// Serves the demo portal over TLS (HTTP/1.1), loopback only.
async fn serve_site(listener: TcpListener, acceptor: TlsAcceptor, site: Arc<site::Site>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (acceptor, site) = (acceptor.clone(), site.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else { return };
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let site = site.clone();
                async move { site.handle(request).await }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}
