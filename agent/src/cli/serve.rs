//! `kyso-agent serve`.

use std::path::Path;
use std::sync::Arc;

use crate::config;
use crate::outbound::Outbound;
use crate::server::{self, Api};

/// Loads settings, binds, and serves until Ctrl-C or SIGTERM.
pub fn run(config_path: Option<&Path>) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let tls = server::server_config(&config.tls_cert, &config.tls_key)?;
    super::Prompting::of(&config).run(move |prompter| serve(config, tls, prompter))
}

/// Serves with `prompter` until Ctrl-C or SIGTERM.
fn serve(
    config: config::Config,
    tls: Arc<rustls::ServerConfig>,
    prompter: crate::prompt::Prompter,
) -> Result<(), String> {
    let ui = prompter.ui_handle();
    let (signer, _worker) = super::daemon_signer(&config, prompter)?;
    super::runtime()?.block_on(async move {
        let signals = shutdown_signal();
        let mut listeners = server::bind(config.port).await.map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", config.port))?;
        let port = listeners[0].local_addr().map_err(|e| e.to_string())?.port();
        let compat_port = super::bind_compat(&config, &mut listeners).await?;
        for listener in &listeners {
            if let Ok(address) = listener.local_addr() {
                tracing::info!(%address, "listening");
            }
        }
        match &config.allowed_origins {
            config::AllowedOrigins::List(list) if list.is_empty() => {
                tracing::warn!("allowed_origins is empty: every request will be refused");
            }
            config::AllowedOrigins::List(list) => {
                tracing::info!(origins = %list.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(" "), "allowed origins");
            }
            config::AllowedOrigins::DangerAny => {}
        }
        // With Kyso's window there is a desktop: the tray shows the agent and can stop it.
        let (_tray, shutdown) = super::tray_and_shutdown(&config, port, &signer, ui, signals);
        // Scripts and tests wait for this line to know the port.
        super::announce(&format!("kyso-agent listening on https://127.0.0.1:{port}"));
        if let Some(compat_port) = compat_port {
            super::announce(&format!("kyso-agent plugin calls on wss://127.0.0.1:{compat_port}"));
        }
        let outbound = Outbound::new(&config.outbound_tls_roots, config.outbound_timeout)?;
        let api = Arc::new(Api { config, port, compat_port, signer, outbound });
        server::run(listeners, tls, api, shutdown).await.map_err(|e| e.to_string())
    })
}

/// Completes on Ctrl-C, or SIGTERM on Unix. The handlers are installed by this call, not when
/// the future is first polled: callers make it before announcing that they listen, so a
/// SIGTERM sent right after the announcement (or the first answer) is a graceful stop, never
/// the default action that kills the process.
pub(super) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (term, interrupt) {
                (Ok(mut term), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                (term, interrupt) => {
                    for error in [term.err(), interrupt.err()].into_iter().flatten() {
                        tracing::warn!(%error, "cannot watch SIGTERM/SIGINT");
                    }
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
