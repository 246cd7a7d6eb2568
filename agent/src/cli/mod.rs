//! The command line: `serve`, `certificates`, `sign`, `extend`, `verify`, `change-pin`, `images`,
//! `dev-cert`, `demo`.
//!
//! Every subcommand takes `--config FILE` (or `KYSO_CONFIG`), so scripts and tests use the same
//! settings as the daemon.

mod certificates;
mod change_pin;
mod demo;
mod dev_cert;
mod extend;
mod images;
mod serve;
mod settings;
mod sign;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Kyso: ký số tài liệu bằng USB token từ trình duyệt / sign documents with your USB token from
/// the browser.
#[derive(Debug, Parser)]
#[command(name = "kyso-agent", version, about)]
pub struct Cli {
    /// The user's configuration file (TOML).
    #[arg(long, global = true, env = crate::config::CONFIG_ENV, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the agent: HTTPS on 127.0.0.1 and ::1 for the allowed portals.
    Serve,
    /// Lists the certificates on the present tokens.
    Certificates(certificates::Args),
    /// Signs PDFs (PAdES, visible per the Decree 30 acts) or any file (--detached CMS).
    Sign(Box<sign::Args>),
    /// Adds validation data (B-LT) and a document timestamp (B-LTA) to a signed PDF.
    Extend(extend::Args),
    /// Verifies the signatures of a PDF (or a detached signature): integrity, what changed
    /// after each, chain, revocation, timestamps, level. Exit 0: valid; 1: not valid.
    Verify(verify::Args),
    /// Imports or removes your signature and seal images, per certificate, and lists them.
    Images(images::Args),
    /// Changes a token's PIN (the current PIN, then the new one twice).
    ChangePin(change_pin::Args),
    /// Opens Settings (images, defaults, PIN, language), as the tray's Settings… does.
    Settings,
    /// Makes a local CA (its key is never written) and a localhost TLS certificate for testing.
    DevCert(dev_cert::Args),
    /// Runs the agent and a demo portal page (https://localhost:8988) that uses it.
    Demo(demo::Args),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Serve => serve::run(cli.config.as_deref()),
        Command::Certificates(args) => certificates::run(cli.config.as_deref(), &args),
        Command::Sign(args) => sign::run(cli.config.as_deref(), &args),
        Command::Extend(args) => extend::run(cli.config.as_deref(), &args),
        Command::DevCert(args) => dev_cert::run(&args),
        Command::ChangePin(args) => change_pin::run(cli.config.as_deref(), &args),
        Command::Images(args) => images::run(cli.config.as_deref(), &args),
        Command::Settings => settings::run(cli.config.as_deref()),
        Command::Verify(args) => match verify::run(cli.config.as_deref(), &args) {
            Ok(verify::Outcome::Valid) => return ExitCode::SUCCESS,
            Ok(verify::Outcome::NotValid) => return ExitCode::from(1),
            Err(message) => {
                eprintln!("kyso-agent: {message}");
                return ExitCode::from(2);
            }
        },
        Command::Demo(args) => demo::run(cli.config.as_deref(), &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kyso-agent: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let mut directives =
        std::env::var("KYSO_LOG").ok().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| "info".into());
    // cryptoki logs every vendor mechanism number it has no name for as an error: silence it
    // unless the user asks about cryptoki.
    if !directives.contains("cryptoki") {
        directives.push_str(",cryptoki::mechanism=off");
    }
    let filter = tracing_subscriber::EnvFilter::try_new(&directives)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,cryptoki::mechanism=off"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// A multi-threaded runtime for the commands that need one.
/// The TSA at `url`, through an outbound client made from `config`.
fn timestamp_authority(
    config: &crate::config::Config,
    url: Option<url::Url>,
) -> Result<Option<crate::signing::TimestampAuthority>, String> {
    let Some(url) = url else { return Ok(None) };
    let outbound = crate::outbound::Outbound::new(&config.outbound_tls_roots, config.outbound_timeout)?;
    Ok(Some(crate::signing::TimestampAuthority::new(url, outbound)))
}

/// The certificate checker `config` describes: its anchors, and responders asked with the
/// short revocation timeout.
fn trust(config: &crate::config::Config) -> Result<crate::trust::Trust, String> {
    let anchors = config.trust_anchors.clone();
    if anchors.is_empty() {
        tracing::warn!("trust.anchors is empty: every certificate will be refused as untrusted");
    }
    let outbound = crate::outbound::Outbound::new(&config.outbound_tls_roots, config.revocation_timeout)?;
    Ok(crate::trust::Trust::new(anchors, outbound, config.refuse_unknown_revocation))
}

/// How the commands that may prompt ask the user, from `config`.
#[derive(Debug, Clone)]
pub(crate) struct Prompting {
    kind: crate::config::PromptKind,
    program: std::path::PathBuf,
    timeout: std::time::Duration,
    lang: crate::i18n::Language,
}

impl Prompting {
    pub(crate) fn of(config: &crate::config::Config) -> Self {
        let lang = crate::i18n::Language::new(
            config.language,
            config.language_fixed,
            crate::i18n::Language::preferences_file(),
        );
        Self { kind: config.prompt, program: config.prompter.clone(), timeout: config.prompt_timeout, lang }
    }

    /// Runs `work` with its prompter: for Kyso's window, on a thread beside the UI thread (this
    /// one), which shows the windows until `work` returns.
    pub(crate) fn run<R: Send + 'static>(self, work: impl FnOnce(crate::prompt::Prompter) -> R + Send + 'static) -> R {
        use crate::prompt::Prompter;
        match self.kind {
            crate::config::PromptKind::Window => {
                crate::ui::run_beside(move |ui| work(Prompter::Window { ui, timeout: self.timeout, lang: self.lang }))
            }
            crate::config::PromptKind::Pinentry => {
                work(Prompter::Pinentry { program: self.program, timeout: self.timeout })
            }
        }
    }
}

/// The signer of the daemons (`serve`, `demo`): the configured tokens, fonts, TSA and trust
/// anchors, asking with `prompter`. The worker must be kept for as long as the signer is used.
fn daemon_signer(
    config: &crate::config::Config,
    prompter: crate::prompt::Prompter,
) -> Result<(crate::signing::Signer, crate::token::TokenWorker), String> {
    let (tokens, worker) = crate::token::TokenService::start(config.modules.clone())
        .map_err(|e| format!("cannot start the token worker: {e}"))?;
    let signer = crate::signing::Signer::new(tokens, prompter, config.max_queued_requests)
        .with_fonts(config.font.clone(), config.bold_font.clone())
        .with_timestamps(timestamp_authority(config, config.tsa_url.clone())?)
        .with_trust(trust(config)?)
        .with_audit(crate::audit::Audit::open(&config.audit)?)
        .with_pin_ages(crate::pin_age::PinAges::for_this_user())
        .with_personal_images(crate::personal_images::PersonalImages::for_this_user())
        .with_user_defaults(crate::user_defaults::UserDefaults::for_this_user(config.defaults.clone()))
        .with_certificate_choices(crate::certificate_choices::CertificateChoices::for_this_user());
    Ok((signer, worker))
}

/// A daemon's tray, when it asks in Kyso's window (there is a desktop), and the future that
/// completes on `signals` (SIGTERM, Ctrl-C) or the tray's Quit. Keep the tray until the server
/// stops.
fn tray_and_shutdown<F: std::future::Future<Output = ()>>(
    config: &crate::config::Config,
    port: u16,
    signer: &crate::signing::Signer,
    ui: Option<(crate::ui::UiHandle, crate::i18n::Language)>,
    signals: F,
) -> (Option<crate::ui::tray::Tray>, impl std::future::Future<Output = ()> + use<F>) {
    let quit = std::sync::Arc::new(tokio::sync::Notify::new());
    let origins = match &config.allowed_origins {
        crate::config::AllowedOrigins::List(list) => Some(list.iter().map(|o| o.as_str().to_owned()).collect()),
        crate::config::AllowedOrigins::DangerAny => None,
    };
    let tray = ui.map(|(ui, lang)| {
        let settings = settings_parts(config, signer, lang.clone(), tokio::runtime::Handle::current());
        crate::ui::tray::start(crate::ui::tray::TrayParts {
            settings,
            signer: signer.clone(),
            ui,
            about: crate::ui::AboutInfo {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                port,
                origins,
                log_dir: config.audit.dir.display().to_string(),
            },
            log_dir: config.audit.dir.clone(),
            quit: quit.clone(),
            runtime: tokio::runtime::Handle::current(),
            lang,
        })
    });
    let shutdown = async move {
        tokio::select! {
            () = signals => {}
            () = quit.notified() => {}
        }
    };
    (tray, shutdown)
}

/// What the Settings window works with: `signer`'s tokens, images and defaults, the allowed
/// portals, and the values the policy sets.
fn settings_parts(
    config: &crate::config::Config,
    signer: &crate::signing::Signer,
    lang: crate::i18n::Language,
    runtime: tokio::runtime::Handle,
) -> std::sync::Arc<crate::ui::SettingsParts> {
    let origins = match &config.allowed_origins {
        crate::config::AllowedOrigins::List(list) => list.iter().map(|o| o.as_str().to_owned()).collect(),
        crate::config::AllowedOrigins::DangerAny => Vec::new(),
    };
    std::sync::Arc::new(crate::ui::SettingsParts {
        signer: signer.clone(),
        runtime,
        lang,
        origins,
        policy: config.policy_settings.clone(),
    })
}

/// Binds `compat.port` when set, adding its listeners to `listeners`; returns the port bound.
async fn bind_compat(
    config: &crate::config::Config,
    listeners: &mut Vec<tokio::net::TcpListener>,
) -> Result<Option<u16>, String> {
    let Some(wanted) = config.compat.port else { return Ok(None) };
    let more = crate::server::bind(wanted).await.map_err(|e| format!("cannot listen on 127.0.0.1:{wanted}: {e}"))?;
    let port = more[0].local_addr().map_err(|e| e.to_string())?.port();
    listeners.extend(more);
    Ok(Some(port))
}

/// Says where the daemon listens on standard output (scripts and tests read it). A reader that
/// went away must not stop a running agent, so write errors are ignored.
fn announce(line: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Formats an API error for a terminal: code, both languages, detail.
fn explain(error: &crate::error::ApiError) -> String {
    let mut text = format!("{}\n  {}\n  {}", error.code, error.code.message_vi(), error.code.message_en());
    if let Some(detail) = &error.detail {
        text.push_str(&format!("\n  ({detail})"));
    }
    text
}
