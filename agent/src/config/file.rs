//! The configuration file as written (TOML), before validation.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

/// One configuration file: the user's, or the administrator's machine policy. Every key is
/// optional so that the two can be merged; unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub port: Option<Spanned<u16>>,
    pub allowed_origins: Option<Vec<Spanned<String>>>,
    pub danger_allow_any_origin: Option<Spanned<bool>>,
    pub prompt: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub prompter: Option<Spanned<PathBuf>>,
    pub prompt_timeout_seconds: Option<Spanned<u64>>,
    #[serde(default)]
    pub tls: TlsSection,
    #[serde(default)]
    pub pkcs11: Pkcs11Section,
    #[serde(default)]
    pub limits: LimitsSection,
    #[serde(default)]
    pub appearance: AppearanceSection,
    #[serde(default)]
    pub outbound: OutboundSection,
    #[serde(default)]
    pub tsa: TsaSection,
    #[serde(default)]
    pub trust: TrustSection,
    #[serde(default)]
    pub compat: CompatSection,
    #[serde(default)]
    pub audit: AuditSection,
    #[serde(default)]
    pub defaults: DefaultsSection,
}

/// `[defaults]`: what a request that does not say gets. Set by the administrator's policy, the
/// user cannot change them in Settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSection {
    /// The level of requests that name none (`B-B` when unset).
    pub level: Option<Spanned<String>>,
    /// Per origin, the act of a PDF request that names no act, field or place.
    pub acts: Option<std::collections::BTreeMap<String, Spanned<String>>>,
}

/// `[audit]`: the audit trail of signing requests.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    pub dir: Option<Spanned<PathBuf>>,
    pub max_file_bytes: Option<Spanned<u64>>,
    pub keep_files: Option<Spanned<u32>>,
}

/// `[compat]`: calls from portals built for the Government CA's signing plugin.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompatSection {
    pub port: Option<Spanned<u16>>,
    pub certificate: Option<Spanned<String>>,
    pub signature_image: Option<Spanned<PathBuf>>,
    pub seal_image: Option<Spanned<PathBuf>>,
    pub session_cookie: Option<Spanned<String>>,
}

/// `[trust]`: checking the signer's certificate before signing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSection {
    pub anchors: Option<Vec<Spanned<PathBuf>>>,
    pub revocation_timeout_seconds: Option<Spanned<u64>>,
    pub refuse_unknown_revocation: Option<Spanned<bool>>,
}

/// `[tsa]`: the RFC 3161 timestamp authority for `B-T` and higher levels.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsaSection {
    pub url: Option<Spanned<String>>,
}

/// `[outbound]`: the agent's own HTTPS requests (document URLs).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundSection {
    pub tls_roots: Option<Vec<Spanned<PathBuf>>>,
    pub timeout_seconds: Option<Spanned<u64>>,
}

/// `[appearance]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppearanceSection {
    pub font: Option<Spanned<PathBuf>>,
    pub bold_font: Option<Spanned<PathBuf>>,
}

/// `[tls]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    pub cert: Option<Spanned<PathBuf>>,
    pub key: Option<Spanned<PathBuf>>,
}

/// `[pkcs11]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11Section {
    pub modules: Option<Vec<Spanned<PathBuf>>>,
}

/// `[limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    pub max_body_bytes: Option<Spanned<u64>>,
    pub max_connections: Option<Spanned<u32>>,
    pub max_queued_requests: Option<Spanned<u32>>,
}
