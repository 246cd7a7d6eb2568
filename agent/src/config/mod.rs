//! Settings: the user's file, overridden by the administrator's machine policy, validated.
//!
//! Raw files ([`file::ConfigFile`]) are parsed with spans, so that every bad value is reported
//! with its file and line; [`Config`] holds only valid settings.

mod file;
mod origin;
pub mod registry;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::pdf::appearance::{Font, Weight};

pub use file::ConfigFile;
pub use origin::Origin;

/// Environment variable naming the user's config file (like `--config`).
pub const CONFIG_ENV: &str = "KYSO_CONFIG";
/// Environment variable naming the machine policy file, for packaging and tests.
pub const POLICY_ENV: &str = "KYSO_POLICY";
/// The machine policy file on Linux and other Unix systems.
pub const POLICY_PATH: &str = "/etc/kyso/agent.toml";

/// Which origins may call the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// Exactly these.
    List(Vec<Origin>),
    /// Any origin: `danger_allow_any_origin`, for local development only.
    DangerAny,
}

impl AllowedOrigins {
    /// Says whether the `Origin` header value `origin` is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::DangerAny => !origin.is_empty() && origin != "null",
            Self::List(list) => list.iter().any(|o| o.as_str() == origin),
        }
    }

    /// Says whether the agent may fetch or post `url` for a page of `requester`: an `https` URL
    /// on an allowed origin. With `danger_allow_any_origin` only the requester's own origin, so
    /// that the agent never becomes a way into the office network for any website.
    pub fn allows_url(&self, url: &url::Url, requester: &str) -> bool {
        let Some(origin) = Origin::of_url(url) else { return false };
        match self {
            Self::DangerAny => origin.as_str() == requester,
            Self::List(list) => list.contains(&origin),
        }
    }
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP port on 127.0.0.1 and ::1 (0 = any free port, for tests).
    pub port: u16,
    /// Origins allowed to call the API.
    pub allowed_origins: AllowedOrigins,
    /// Server certificate chain (PEM).
    pub tls_cert: PathBuf,
    /// Server private key (PEM).
    pub tls_key: PathBuf,
    /// PKCS#11 modules; empty = probe the known locations.
    pub modules: Vec<PathBuf>,
    /// How consent and PIN are asked.
    pub prompt: PromptKind,
    /// The language of the windows.
    pub language: crate::i18n::Lang,
    /// The administrator's policy sets the language: the user cannot switch it.
    pub language_fixed: bool,
    /// The pinentry-protocol program that asks for consent and PIN (`prompt = "pinentry"`).
    pub prompter: PathBuf,
    /// How long the user has to answer a prompt.
    pub prompt_timeout: Duration,
    /// Largest request body accepted.
    pub max_body_bytes: u64,
    /// Connections served at once.
    pub max_connections: usize,
    /// Signing requests that may wait for the prompt; more get `busy`.
    pub max_queued_requests: usize,
    /// TrueType font for appearance text, instead of Times New Roman / Liberation Serif.
    pub font: Option<PathBuf>,
    /// Its bold face.
    pub bold_font: Option<PathBuf>,
    /// Certificates (PEM files) trusted for the agent's own HTTPS requests, besides the
    /// operating system's roots: e.g. an agency's internal CA.
    pub outbound_tls_roots: Vec<PathBuf>,
    /// How long an outbound request may wait to connect, for an answer, or between two chunks.
    pub outbound_timeout: Duration,
    /// The RFC 3161 timestamp authority (`http` or `https`), for `B-T` and higher levels.
    pub tsa_url: Option<url::Url>,
    /// The certificates a signer's chain must reach, read from `trust.anchors` (PEM or DER
    /// files, or folders of them).
    pub trust_anchors: Vec<x509_cert::Certificate>,
    /// How long an OCSP responder or CRL server may take before the status is unknown.
    pub revocation_timeout: Duration,
    /// Refuse to sign when no revocation status can be had (default: sign, and say so).
    pub refuse_unknown_revocation: bool,
    /// Settings of the Government CA plugin protocol.
    pub compat: Compat,
    /// Where the audit trail goes.
    pub audit: crate::audit::AuditConfig,
    /// What requests that do not say get (`[defaults]`).
    pub defaults: Defaults,
    /// Every value the administrator's policy sets, as `key = value` lines, for Settings to
    /// show read-only.
    pub policy_settings: Vec<(String, String)>,
    /// The files these settings came from, for logs.
    pub sources: Vec<PathBuf>,
}

/// Settings for portals that speak the Government CA plugin's protocol (`[compat]`), which
/// names no certificate and sends no images.
#[derive(Debug, Clone, Default)]
pub struct Compat {
    /// A port of their own for plugin calls (127.0.0.1 and ::1), instead of the main port:
    /// where the Government CA's plugin must keep its port. `None`: the main port.
    pub port: Option<u16>,
    /// The certificate (SHA-256 thumbprint) such calls sign with; `None`: the only usable one.
    pub certificate: Option<String>,
    /// The handwritten-signature image (PNG or JPEG) shown by `SignApproved`.
    pub signature_image: Option<PathBuf>,
    /// The agency seal image shown by `SignIssued`.
    pub seal_image: Option<PathBuf>,
    /// The cookie name `SessionId` is sent as to the portal (default `ASP.NET_SessionId`).
    pub session_cookie: String,
}

/// `[defaults]`, validated: the policy's values win over the user's file and are fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    /// The level of requests that name none.
    pub level: Option<kyso_protocol::SignatureLevel>,
    /// The policy sets `level`: Settings shows it read-only.
    pub level_fixed: bool,
    /// Per origin (`https://host[:port]`), the act of PDF requests that name no act or place,
    /// and whether the policy sets it.
    pub acts: std::collections::BTreeMap<String, (kyso_protocol::SigningAct, bool)>,
}

/// An invalid or unreadable configuration, with where and why.
#[derive(Debug)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and what is expected.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// How consent and PIN are asked (`prompt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// Kyso's own window (the default).
    Window,
    /// A pinentry-protocol program (`prompter`), one dialog per request.
    Pinentry,
}

impl PromptKind {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "window" => Some(Self::Window),
            "pinentry" => Some(Self::Pinentry),
            _ => None,
        }
    }
}

/// A parsed file and its text, for turning spans into line numbers.
struct Source {
    path: PathBuf,
    text: String,
    file: ConfigFile,
    /// The text is the user's (a file), not converted from the registry, so lines mean something.
    has_lines: bool,
}

impl Source {
    fn error<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> ConfigError {
        let line = self.has_lines.then(|| line_of(&self.text, value.span().start));
        ConfigError { file: self.path.clone(), line, message: message.into() }
    }
}

/// Returns the 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Returns the user's config file location (`--config`, else `KYSO_CONFIG`, else the OS's
/// per-user config directory).
pub fn user_config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    project_dirs().map(|d| d.config_dir().join("agent.toml"))
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("vn", "Kyso", "Kyso")
}

/// Reads the machine policy: `KYSO_POLICY` when set (empty: none), else the registry key on
/// Windows, else [`POLICY_PATH`].
fn load_policy() -> Result<Option<Source>, ConfigError> {
    if let Some(path) = std::env::var_os(POLICY_ENV) {
        // An empty value means "no policy", which tests use.
        return if path.is_empty() { Ok(None) } else { read(Path::new(&path), false) };
    }
    #[cfg(windows)]
    return registry_policy();
    #[cfg(not(windows))]
    read(Path::new(POLICY_PATH), false)
}

#[cfg(windows)]
fn registry_policy() -> Result<Option<Source>, ConfigError> {
    let path = PathBuf::from(format!(r"HKLM\{}", registry::POLICY_KEY));
    let error = |message: String| ConfigError { file: path.clone(), line: None, message };
    let Some(values) = registry::read().map_err(error)? else { return Ok(None) };
    let text = registry::to_toml(&values).map_err(error)?;
    let file = parse::<ConfigFile>(&text).map_err(|(_, message)| error(message))?;
    Ok(Some(Source { path: path.clone(), text, file, has_lines: false }))
}

fn read(path: &Path, required: bool) -> Result<Option<Source>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => return Err(ConfigError { file: path.to_owned(), line: None, message: format!("cannot read: {e}") }),
    };
    let file =
        parse::<ConfigFile>(&text).map_err(|(line, message)| ConfigError { file: path.to_owned(), line, message })?;
    Ok(Some(Source { path: path.to_owned(), text, file, has_lines: true }))
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, (Option<usize>, String)> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        (line, e.message().to_owned())
    })
}

/// Loads the user's file (`explicit` or the default location; a missing default file means
/// defaults) and the machine policy, and validates the result.
///
/// # Errors
///
/// [`ConfigError`] naming the file, line and what is expected; an explicitly named file that
/// does not exist is an error too.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let user_path = user_config_path(explicit);
    let explicit_given = explicit.is_some() || std::env::var_os(CONFIG_ENV).is_some_and(|p| !p.is_empty());
    let user = match &user_path {
        Some(path) => read(path, explicit_given)?,
        None => None,
    };
    let policy = load_policy()?;
    validate(user, policy)
}

/// Picks the policy's value when it has one, else the user's.
fn pick<'a, T>(
    policy: Option<&'a Source>,
    user: Option<&'a Source>,
    field: impl Fn(&'a ConfigFile) -> Option<&'a T>,
) -> Option<(&'a Source, &'a T)> {
    policy.and_then(|s| field(&s.file).map(|v| (s, v))).or_else(|| user.and_then(|s| field(&s.file).map(|v| (s, v))))
}

fn validate(user: Option<Source>, policy: Option<Source>) -> Result<Config, ConfigError> {
    let (user, policy) = (user.as_ref(), policy.as_ref());
    // On a managed machine, who may call the agent is the administrator's decision alone.
    let origin_source = if policy.is_some() { policy } else { user };
    if let (Some(_), Some(u)) = (policy, user)
        && (u.file.allowed_origins.is_some() || u.file.danger_allow_any_origin.is_some())
    {
        tracing::warn!(file = %u.path.display(), "allowed_origins and danger_allow_any_origin are set by the machine policy; the user's values are ignored");
    }

    let port = pick(policy, user, |f| f.port.as_ref()).map_or(kyso_protocol::DEFAULT_PORT, |(_, p)| *p.get_ref());

    let danger_any =
        origin_source.and_then(|s| s.file.danger_allow_any_origin.as_ref().map(|v| *v.get_ref())).unwrap_or(false);
    let mut origins = Vec::new();
    if let Some(source) = origin_source {
        for entry in source.file.allowed_origins.iter().flatten() {
            let origin = Origin::parse(entry.get_ref()).map_err(|why| {
                source.error(
                    entry,
                    format!("allowed_origins: {:?} {why}; expected \"https://host[:port]\"", entry.get_ref()),
                )
            })?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    let allowed_origins = if danger_any { AllowedOrigins::DangerAny } else { AllowedOrigins::List(origins) };

    let default_tls = project_dirs().map(|d| d.config_dir().join("tls"));
    let tls_cert = pick(policy, user, |f| f.tls.cert.as_ref())
        .map(|(_, p)| p.get_ref().clone())
        .or_else(|| default_tls.as_ref().map(|d| d.join("cert.pem")));
    let tls_key = pick(policy, user, |f| f.tls.key.as_ref())
        .map(|(_, p)| p.get_ref().clone())
        .or_else(|| default_tls.as_ref().map(|d| d.join("key.pem")));
    let any_file = policy.or(user).map_or_else(|| PathBuf::from("(defaults)"), |s| s.path.clone());
    let missing = |what: &str| ConfigError {
        file: any_file.clone(),
        line: None,
        message: format!(
            "{what} is not set and has no default location; run `kyso-agent dev-cert --out DIR` and set tls.cert and tls.key"
        ),
    };
    let tls_cert = tls_cert.ok_or_else(|| missing("tls.cert"))?;
    let tls_key = tls_key.ok_or_else(|| missing("tls.key"))?;

    let modules = pick(policy, user, |f| f.pkcs11.modules.as_ref())
        .map(|(_, list)| list.iter().map(|p| p.get_ref().clone()).collect())
        .unwrap_or_default();

    let prompter_set = pick(policy, user, |f| f.prompter.as_ref());
    let prompt = match pick(policy, user, |f| f.prompt.as_ref()) {
        Some((source, text)) => PromptKind::parse(text.get_ref())
            .ok_or_else(|| source.error(text, "prompt must be \"window\" or \"pinentry\""))?,
        // A pinentry program named without `prompt` (configurations from before the window)
        // keeps being used.
        None if prompter_set.is_some() => PromptKind::Pinentry,
        None => PromptKind::Window,
    };
    let language = match pick(policy, user, |f| f.language.as_ref()) {
        Some((source, text)) => crate::i18n::Lang::parse(text.get_ref())
            .ok_or_else(|| source.error(text, "language must be \"vi\" or \"en\""))?,
        None => crate::i18n::Lang::Vi,
    };
    let language_fixed = policy.is_some_and(|p| p.file.language.is_some());
    let prompter = prompter_set.map_or_else(|| PathBuf::from("pinentry"), |(_, p)| p.get_ref().clone());

    let prompt_timeout =
        seconds(pick(policy, user, |f| f.prompt_timeout_seconds.as_ref()), "prompt_timeout_seconds", 5..=3600, 120)?;
    let max_body_bytes = bounded(
        pick(policy, user, |f| f.limits.max_body_bytes.as_ref()),
        "limits.max_body_bytes",
        Some(1024),
        None,
        256 * 1024 * 1024,
    )?;
    let max_connections = bounded(
        pick(policy, user, |f| f.limits.max_connections.as_ref()),
        "limits.max_connections",
        Some(1),
        Some(4096),
        64,
    )? as usize;
    let max_queued_requests = bounded(
        pick(policy, user, |f| f.limits.max_queued_requests.as_ref()),
        "limits.max_queued_requests",
        None,
        Some(64),
        4,
    )? as usize;

    // Fonts are checked now, so a bad path stops the agent at start, not a clerk at signing.
    let mut fonts = [None, None];
    for (slot, (key, weight)) in
        fonts.iter_mut().zip([("appearance.font", Weight::Regular), ("appearance.bold_font", Weight::Bold)])
    {
        let chosen = match weight {
            Weight::Regular => pick(policy, user, |f| f.appearance.font.as_ref()),
            Weight::Bold => pick(policy, user, |f| f.appearance.bold_font.as_ref()),
        };
        if let Some((source, path)) = chosen {
            Font::find(Some(path.get_ref()), weight).map_err(|e| source.error(path, format!("{key}: {e}")))?;
            *slot = Some(path.get_ref().clone());
        }
    }
    let [font, bold_font] = fonts;

    // Roots are read now, for the same reason.
    let (outbound_tls_roots, _) = read_files(
        pick(policy, user, |f| f.outbound.tls_roots.as_ref()),
        "outbound.tls_roots",
        crate::outbound::read_roots,
    )?;
    let outbound_timeout =
        seconds(pick(policy, user, |f| f.outbound.timeout_seconds.as_ref()), "outbound.timeout_seconds", 1..=600, 30)?;

    let tsa_url = match pick(policy, user, |f| f.tsa.url.as_ref()) {
        Some((source, text)) => Some(parse_tsa_url(text.get_ref()).map_err(|why| source.error(text, why))?),
        None => None,
    };

    // Anchors are read once, now: a bad path stops the agent at start.
    let (_, trust_anchors) =
        read_files(pick(policy, user, |f| f.trust.anchors.as_ref()), "trust.anchors", crate::trust::load_anchors)?;
    let revocation_timeout = seconds(
        pick(policy, user, |f| f.trust.revocation_timeout_seconds.as_ref()),
        "trust.revocation_timeout_seconds",
        1..=60,
        5,
    )?;
    let refuse_unknown_revocation =
        pick(policy, user, |f| f.trust.refuse_unknown_revocation.as_ref()).is_some_and(|(_, v)| *v.get_ref());

    let compat = compat(policy, user)?;
    let audit = audit(policy, user)?;
    let defaults = defaults(policy, user)?;
    let policy_settings = policy.map(|p| settings_of(&p.text)).unwrap_or_default();

    if danger_any {
        tracing::warn!(
            "DANGER: danger_allow_any_origin is on: ANY website can ask this agent to sign. Use only for local development."
        );
    }
    Ok(Config {
        port,
        allowed_origins,
        tls_cert,
        tls_key,
        modules,
        prompt,
        language,
        language_fixed,
        prompter,
        prompt_timeout,
        max_body_bytes,
        max_connections,
        max_queued_requests,
        font,
        bold_font,
        outbound_tls_roots,
        outbound_timeout,
        tsa_url,
        trust_anchors,
        revocation_timeout,
        refuse_unknown_revocation,
        compat,
        audit,
        defaults,
        policy_settings,
        sources: [policy, user].into_iter().flatten().map(|s| s.path.clone()).collect(),
    })
}

/// `[audit]`: the folder defaults to the user's data folder (`audit` beside the OS's other
/// per-user data); 8 MiB files, 10 kept.
fn audit(policy: Option<&Source>, user: Option<&Source>) -> Result<crate::audit::AuditConfig, ConfigError> {
    let dir = match pick(policy, user, |f| f.audit.dir.as_ref()) {
        Some((_, dir)) => dir.get_ref().clone(),
        None => project_dirs().map(|d| d.data_local_dir().join("audit")).ok_or_else(|| ConfigError {
            file: PathBuf::from("(defaults)"),
            line: None,
            message: "audit.dir is not set and this system has no per-user data folder".into(),
        })?,
    };
    let max_file_bytes = bounded(
        pick(policy, user, |f| f.audit.max_file_bytes.as_ref()),
        "audit.max_file_bytes",
        Some(4096),
        None,
        8 << 20,
    )?;
    let keep_files =
        bounded(pick(policy, user, |f| f.audit.keep_files.as_ref()), "audit.keep_files", None, Some(1000), 10)?;
    Ok(crate::audit::AuditConfig { dir, max_file_bytes, keep_files })
}

/// `[defaults]`: levels and acts checked by name, origins by form; the user's file first, then
/// the policy over it.
fn defaults(policy: Option<&Source>, user: Option<&Source>) -> Result<Defaults, ConfigError> {
    let mut defaults = Defaults::default();
    if let Some((source, text)) = pick(policy, user, |f| f.defaults.level.as_ref()) {
        defaults.level = Some(
            kyso_protocol::SignatureLevel::parse(text.get_ref())
                .ok_or_else(|| source.error(text, "defaults.level must be \"B-B\", \"B-T\", \"B-LT\" or \"B-LTA\""))?,
        );
        defaults.level_fixed = policy.is_some_and(|p| std::ptr::eq(p, source));
    }
    for (source, fixed) in [(user, false), (policy, true)] {
        let Some(source) = source else { continue };
        for (origin, act) in source.file.defaults.acts.iter().flatten() {
            let parsed = Origin::parse(origin).map_err(|why| {
                source.error(act, format!("defaults.acts: {origin:?} {why}; expected \"https://host[:port]\""))
            })?;
            let act_value = kyso_protocol::SigningAct::parse(act.get_ref()).ok_or_else(|| {
                source.error(act, "defaults.acts: an act is approve, issue, copy, appendix, incoming, comment or plain")
            })?;
            defaults.acts.insert(parsed.as_str().to_owned(), (act_value, fixed));
        }
    }
    Ok(defaults)
}

/// The policy's values as `key = value` lines (TOML keys, TOML values), for showing.
fn settings_of(text: &str) -> Vec<(String, String)> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
        for (key, value) in table {
            let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            match value {
                toml::Value::Table(inner) if prefix.is_empty() => walk(&name, inner, out),
                toml::Value::Array(items) => {
                    let items: Vec<String> =
                        items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect();
                    out.push((name, items.join(", ")));
                }
                toml::Value::Table(inner) => {
                    let pairs: Vec<String> = inner
                        .iter()
                        .map(|(k, v)| format!("{k} = {}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                        .collect();
                    out.push((name, pairs.join(", ")));
                }
                toml::Value::String(text) => out.push((name, text.clone())),
                other => out.push((name, other.to_string())),
            }
        }
    }
    let mut out = Vec::new();
    if let Ok(table) = text.parse::<toml::Table>() {
        walk("", &table, &mut out);
    }
    out
}

/// `[compat]`: the thumbprint is checked for form, the images for existence, now.
fn compat(policy: Option<&Source>, user: Option<&Source>) -> Result<Compat, ConfigError> {
    let certificate = match pick(policy, user, |f| f.compat.certificate.as_ref()) {
        Some((source, text)) => {
            let cleaned: String = text.get_ref().chars().filter(|c| !matches!(c, ' ' | ':')).collect();
            if cleaned.len() != 64 || !cleaned.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(source.error(text, "compat.certificate must be a SHA-256 thumbprint (64 hex digits)"));
            }
            Some(cleaned.to_ascii_lowercase())
        }
        None => None,
    };
    let mut images = [None, None];
    for (slot, key) in images.iter_mut().zip(["compat.signature_image", "compat.seal_image"]) {
        let chosen = if key.ends_with("signature_image") {
            pick(policy, user, |f| f.compat.signature_image.as_ref())
        } else {
            pick(policy, user, |f| f.compat.seal_image.as_ref())
        };
        if let Some((source, path)) = chosen {
            if !path.get_ref().is_file() {
                return Err(source.error(path, format!("{key}: {} is not a file", path.get_ref().display())));
            }
            *slot = Some(path.get_ref().clone());
        }
    }
    let [signature_image, seal_image] = images;
    let session_cookie = match pick(policy, user, |f| f.compat.session_cookie.as_ref()) {
        Some((source, name)) => {
            let ok = !name.get_ref().is_empty()
                && name.get_ref().bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if !ok {
                return Err(source.error(name, "compat.session_cookie must be a cookie name (letters, digits, - _ .)"));
            }
            name.get_ref().clone()
        }
        None => "ASP.NET_SessionId".into(),
    };
    let port = pick(policy, user, |f| f.compat.port.as_ref()).map(|(_, port)| *port.get_ref());
    Ok(Compat { port, certificate, signature_image, seal_image, session_cookie })
}

/// A number of seconds within `range` (its `key` named in the error), else `default`.
fn seconds(
    picked: Option<(&Source, &Spanned<u64>)>,
    key: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<Duration, ConfigError> {
    bounded(picked, key, Some(*range.start()), Some(*range.end()), default).map(Duration::from_secs)
}

/// The picked number, else `default`; one outside `min..=max` (either end optional) is an
/// error naming the key and the bound.
fn bounded<T: Copy + PartialOrd + std::fmt::Display>(
    picked: Option<(&Source, &Spanned<T>)>,
    key: &str,
    min: Option<T>,
    max: Option<T>,
    default: T,
) -> Result<T, ConfigError> {
    let Some((source, value)) = picked else { return Ok(default) };
    let number = *value.get_ref();
    let within = min.is_none_or(|min| number >= min) && max.is_none_or(|max| number <= max);
    if within {
        return Ok(number);
    }
    let bound = match (min, max) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => unreachable!("a number without bounds is always within them"),
    };
    Err(source.error(value, format!("{key} must be {bound}")))
}

/// The files a list setting names, each read by `read` now so that a bad one stops the agent at
/// start with its file and line; returns the paths and everything read.
fn read_files<T>(
    picked: Option<(&Source, &Vec<Spanned<PathBuf>>)>,
    key: &str,
    read: impl Fn(&Path) -> Result<Vec<T>, String>,
) -> Result<(Vec<PathBuf>, Vec<T>), ConfigError> {
    let Some((source, list)) = picked else { return Ok((Vec::new(), Vec::new())) };
    let mut all = Vec::new();
    for path in list {
        all.extend(read(path.get_ref()).map_err(|e| source.error(path, format!("{key}: {e}")))?);
    }
    Ok((list.iter().map(|p| p.get_ref().clone()).collect(), all))
}

/// A TSA's URL: `http` (RFC 3161 replies are signed, so most TSAs serve plain HTTP) or
/// `https`, with no credentials in it (they would reach the logs).
fn parse_tsa_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| format!("tsa.url: {text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("tsa.url: {text:?} must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("tsa.url: credentials in the URL are not supported".into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> Result<Source, ConfigError> {
        let file =
            parse::<ConfigFile>(text).map_err(|(line, message)| ConfigError { file: name.into(), line, message })?;
        Ok(Source { path: name.into(), text: text.into(), file, has_lines: true })
    }

    const TLS: &str = "[tls]\ncert = \"/c.pem\"\nkey = \"/k.pem\"\n";

    #[test]
    fn reports_unknown_keys_with_file_and_line() {
        let err = source("user.toml", "port = 1\n\nallowed_orgins = []\n").err().expect("unknown key");
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("user.toml:3: unknown field `allowed_orgins`"), "{err}");
    }

    #[test]
    fn reports_bad_origins_with_line() {
        let user =
            source("u.toml", &format!("allowed_origins = [\n  \"https://ok.vn\",\n  \"http://bad.vn\",\n]\n{TLS}"))
                .expect("parses");
        let err = validate(Some(user), None).expect_err("http refused");
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("scheme must be https"), "{err}");
    }

    #[test]
    fn bad_values_name_the_key_and_what_is_allowed() {
        let cases = [
            ("[limits]\nmax_body_bytes = 10\n", "limits.max_body_bytes must be at least 1024"),
            ("[limits]\nmax_connections = 0\n", "limits.max_connections must be between 1 and 4096"),
            ("[limits]\nmax_queued_requests = 65\n", "limits.max_queued_requests must be at most 64"),
            ("[audit]\ndir = \"/a\"\nmax_file_bytes = 1\n", "audit.max_file_bytes must be at least 4096"),
            ("[audit]\ndir = \"/a\"\nkeep_files = 1001\n", "audit.keep_files must be at most 1000"),
            ("prompt_timeout_seconds = 1\n", "prompt_timeout_seconds must be between 5 and 3600"),
            ("prompt = \"qt\"\n", "prompt must be \"window\" or \"pinentry\""),
            ("language = \"fr\"\n", "language must be \"vi\" or \"en\""),
        ];
        for (text, expected) in cases {
            let text = format!("{text}{TLS}");
            let user = source("u.toml", &text).expect("parses");
            let err = validate(Some(user), None).expect_err(expected);
            assert_eq!(err.message, expected);
            assert!(err.line.is_some(), "{err}");
        }
        let config = validate(Some(source("u.toml", TLS).expect("parses")), None).expect("defaults");
        assert_eq!((config.max_body_bytes, config.max_connections, config.max_queued_requests), (256 << 20, 64, 4));
        assert_eq!((config.audit.max_file_bytes, config.audit.keep_files), (8 << 20, 10));
        assert_eq!((config.prompt, config.language), (PromptKind::Window, crate::i18n::Lang::Vi));
        // A pinentry named on its own, as before the window existed, is still used.
        let older = validate(
            Some(source("u.toml", &format!("prompter = \"/usr/bin/pinentry-qt\"\n{TLS}")).expect("parses")),
            None,
        );
        assert_eq!(older.expect("valid").prompt, PromptKind::Pinentry);
    }

    #[test]
    fn appearance_fonts_are_checked_at_load() {
        let text = format!("{TLS}\n[appearance]\nfont = \"/nonexistent/Times.ttf\"\n");
        let err = validate(Some(source("u.toml", &text).expect("parses")), None).expect_err("missing font");
        assert!(err.message.contains("appearance.font"), "{err}");
        assert!(err.line.is_some(), "{err}");
        let config = validate(Some(source("u.toml", TLS).expect("parses")), None).expect("valid");
        assert_eq!((config.font, config.bold_font), (None, None));
    }

    #[test]
    fn outbound_roots_are_read_at_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").expect("write");
        let text = format!("{TLS}\n[outbound]\ntls_roots = [{junk:?}]\n");
        let err = validate(Some(source("u.toml", &text).expect("parses")), None).expect_err("junk root");
        assert!(err.message.contains("outbound.tls_roots") && err.message.contains("no PEM certificate"), "{err}");
        assert_eq!(err.line, Some(6));
        let text = format!("{TLS}\n[outbound]\ntimeout_seconds = 0\n");
        assert!(validate(Some(source("u.toml", &text).expect("parses")), None).is_err());
        let config = validate(Some(source("u.toml", TLS).expect("parses")), None).expect("valid");
        assert_eq!((config.outbound_tls_roots.len(), config.outbound_timeout.as_secs()), (0, 30));
    }

    #[test]
    fn compat_settings_are_checked_at_load() {
        let load = |section: &str| {
            let text = format!("{TLS}\n[compat]\n{section}\n");
            validate(Some(source("u.toml", &text).expect("parses")), None)
        };
        let config = load("").expect("defaults");
        assert_eq!(config.compat.session_cookie, "ASP.NET_SessionId");
        assert!(config.compat.certificate.is_none() && config.compat.seal_image.is_none());
        let thumbprint = "AB:".repeat(31) + "AB";
        let config = load(&format!("certificate = {thumbprint:?}")).expect("a thumbprint with colons");
        assert_eq!(config.compat.certificate, Some("ab".repeat(32)));
        let err = load("certificate = \"abc\"").expect_err("short");
        assert!(err.message.contains("compat.certificate") && err.line == Some(6), "{err}");
        let err = load("seal_image = \"/no/such/seal.png\"").expect_err("missing file");
        assert!(err.message.contains("compat.seal_image"), "{err}");
        assert!(load("session_cookie = \"a=b\"").is_err());
    }

    #[test]
    fn tsa_url_is_checked_at_load() {
        let text = format!("{TLS}\n[tsa]\nurl = \"ftp://tsa.example\"\n");
        let err = validate(Some(source("u.toml", &text).expect("parses")), None).expect_err("ftp");
        assert!(err.message.contains("tsa.url") && err.line == Some(6), "{err}");
        let text = format!("{TLS}\n[tsa]\nurl = \"http://user:pw@tsa.example/\"\n");
        assert!(validate(Some(source("u.toml", &text).expect("parses")), None).is_err());
        let text = format!("{TLS}\n[tsa]\nurl = \"http://tsa.ca.gov.vn\"\n");
        let config = validate(Some(source("u.toml", &text).expect("parses")), None).expect("valid");
        assert_eq!(config.tsa_url.map(String::from).as_deref(), Some("http://tsa.ca.gov.vn/"));
    }

    #[test]
    fn trust_anchors_are_read_at_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").expect("write");
        let text = format!("{TLS}\n[trust]\nanchors = [\n  {junk:?},\n]\n");
        let err = validate(Some(source("u.toml", &text).expect("parses")), None).expect_err("junk anchor");
        assert!(err.message.contains("trust.anchors"), "{err}");
        assert_eq!(err.line, Some(7));
        let text = format!("{TLS}\n[trust]\nrevocation_timeout_seconds = 0\n");
        assert!(validate(Some(source("u.toml", &text).expect("parses")), None).is_err());
        let config = validate(Some(source("u.toml", TLS).expect("parses")), None).expect("valid");
        assert!(config.trust_anchors.is_empty() && !config.refuse_unknown_revocation);
        assert_eq!(config.revocation_timeout.as_secs(), 5);
    }

    #[test]
    fn reports_wrong_types() {
        let err = source("u.toml", "port = \"8987\"\n").err().expect("type error");
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("u16") || err.message.contains("integer"), "{err}");
    }

    #[test]
    fn policy_wins_and_owns_the_origin_list() {
        let user = source(
            "u.toml",
            &format!("port = 1111\nallowed_origins = [\"https://user.vn\"]\ndanger_allow_any_origin = true\n{TLS}"),
        )
        .expect("user");
        let policy = source("p.toml", "port = 2222\nallowed_origins = [\"https://qlvb.gov.vn\"]\n").expect("policy");
        let config = validate(Some(user), Some(policy)).expect("valid");
        assert_eq!(config.port, 2222);
        assert_eq!(
            config.allowed_origins,
            AllowedOrigins::List(vec![Origin::parse("https://qlvb.gov.vn").expect("origin")])
        );
        assert_eq!(config.tls_cert, PathBuf::from("/c.pem"));
    }

    #[test]
    fn request_defaults_merge_and_the_policy_fixes_its_own() {
        let user = source(
            "u.toml",
            &format!("{TLS}[defaults]\nlevel = \"B-T\"\nacts = {{ \"https://a.gov.vn\" = \"copy\", \"https://b.gov.vn\" = \"approve\" }}\n"),
        )
        .expect("user");
        let policy = source("p.toml", "[defaults.acts]\n\"https://b.gov.vn\" = \"issue\"\n").expect("policy");
        let config = validate(Some(user), Some(policy)).expect("valid");
        assert_eq!(config.defaults.level, Some(kyso_protocol::SignatureLevel::BT));
        assert!(!config.defaults.level_fixed);
        assert_eq!(config.defaults.acts.get("https://a.gov.vn"), Some(&(kyso_protocol::SigningAct::Copy, false)));
        assert_eq!(config.defaults.acts.get("https://b.gov.vn"), Some(&(kyso_protocol::SigningAct::Issue, true)));
        assert_eq!(config.policy_settings, [("defaults.acts".to_owned(), "https://b.gov.vn = issue".to_owned())]);

        let bad = source("u.toml", &format!("{TLS}[defaults.acts]\n\"https://a.gov.vn\" = \"sign\"\n")).expect("user");
        let error = validate(Some(bad), None).expect_err("unknown act").to_string();
        assert!(error.contains("u.toml:") && error.contains("approve, issue"), "{error}");
        let bad = source("u.toml", &format!("{TLS}[defaults]\nlevel = \"LTV\"\n")).expect("user");
        assert!(validate(Some(bad), None).expect_err("level").to_string().contains("B-LTA"));
    }

    #[test]
    fn defaults_are_strict() {
        let config = validate(Some(source("u.toml", TLS).expect("user")), None).expect("valid");
        assert_eq!(config.allowed_origins, AllowedOrigins::List(vec![]));
        assert!(!config.allowed_origins.allows("https://any.vn"));
        assert_eq!(config.port, 8987);
        assert_eq!(config.max_body_bytes, 256 * 1024 * 1024);
    }

    #[test]
    fn danger_any_still_refuses_missing_and_null_origins() {
        assert!(AllowedOrigins::DangerAny.allows("https://x.vn"));
        assert!(!AllowedOrigins::DangerAny.allows("null"));
        assert!(!AllowedOrigins::DangerAny.allows(""));
    }
}
