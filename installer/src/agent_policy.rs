//! The machine policy setup writes for the agent: allowed origins, modules, port and the TLS
//! files. The agent reads it from `/etc/kyso/agent.toml` on Unix and from
//! `HKLM\Software\Policies\Kyso\Agent` on Windows, where it beats the user's own settings.

use crate::layout::Layout;
use crate::options::SetupOptions;

/// The policy as TOML (Unix).
pub fn toml_text(options: &SetupOptions, layout: &Layout) -> String {
    let mut root = toml::Table::new();
    root.insert("port".into(), toml::Value::Integer(i64::from(options.port)));
    root.insert("allowed_origins".into(), strings(options.origins.iter().map(String::as_str)));
    let mut tls = toml::Table::new();
    tls.insert("cert".into(), toml::Value::String(layout.cert().display().to_string()));
    tls.insert("key".into(), toml::Value::String(layout.key().display().to_string()));
    root.insert("tls".into(), toml::Value::Table(tls));
    if !options.modules.is_empty() {
        let mut pkcs11 = toml::Table::new();
        let modules: Vec<String> = options.modules.iter().map(|m| m.display().to_string()).collect();
        pkcs11.insert("modules".into(), strings(modules.iter().map(String::as_str)));
        root.insert("pkcs11".into(), toml::Value::Table(pkcs11));
    }
    format!(
        "# Kyso machine policy, written by `kyso-install setup`; it beats each user's settings.\n\
         # Change it by running setup again (or uninstall), not by hand: setup replaces this file.\n\n{root}"
    )
}

/// The policy as registry values (Windows): value name and text, or list of texts.
pub fn registry_values(options: &SetupOptions, layout: &Layout) -> Vec<(&'static str, RegistryData)> {
    let mut values = vec![
        ("port", RegistryData::Number(u32::from(options.port))),
        ("allowed_origins", RegistryData::Texts(options.origins.clone())),
        ("tls.cert", RegistryData::Text(layout.cert().display().to_string())),
        ("tls.key", RegistryData::Text(layout.key().display().to_string())),
    ];
    if !options.modules.is_empty() {
        values.push((
            "pkcs11.modules",
            RegistryData::Texts(options.modules.iter().map(|m| m.display().to_string()).collect()),
        ));
    }
    values
}

/// A registry value's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryData {
    /// REG_DWORD.
    Number(u32),
    /// REG_SZ.
    Text(String),
    /// REG_MULTI_SZ.
    Texts(Vec<String>),
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> toml::Value {
    toml::Value::Array(items.map(|s| toml::Value::String(s.to_owned())).collect())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    #[test]
    fn policy_file_parses_back_to_what_was_asked() {
        let options = SetupOptions {
            origins: vec!["https://qlvb.example.gov.vn".into()],
            modules: vec![PathBuf::from("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")],
            port: 9443,
            agent: PathBuf::from("/usr/bin/kyso-agent"),
            leaf_days: 825,
            users: None,
        };
        let text = toml_text(&options, &Layout::unix(Path::new("/")));
        let parsed: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(parsed["port"].as_integer(), Some(9443));
        assert_eq!(parsed["allowed_origins"][0].as_str(), Some("https://qlvb.example.gov.vn"));
        assert_eq!(parsed["tls"]["key"].as_str(), Some("/etc/kyso/tls/key.pem"));
        assert_eq!(parsed["pkcs11"]["modules"][0].as_str(), Some("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"));
    }
}
