//! What `setup` is asked to configure, checked before anything on the machine is touched.

use std::path::PathBuf;

use crate::text::{Failure, failure};

/// The agent's default port (the Government CA plugin's, which portals already call).
pub const DEFAULT_PORT: u16 = 8987;

/// Validated setup options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupOptions {
    /// Portal origins allowed to call the agent, normalised (`https://host[:port]`).
    pub origins: Vec<String>,
    /// PKCS#11 modules the agent may load; empty: the agent probes the known locations.
    pub modules: Vec<PathBuf>,
    /// The agent's port on 127.0.0.1 and ::1.
    pub port: u16,
    /// The agent program that autostart runs.
    pub agent: PathBuf,
    /// Leaf certificate lifetime in days.
    pub leaf_days: u32,
    /// The users whose browsers get the CA and who may read the TLS key (Linux); `None`: every
    /// login user found in the password file.
    pub users: Option<Vec<String>>,
}

/// Parses a comma- or semicolon-separated origin list (what MSI properties and shells carry).
///
/// # Errors
///
/// Names the first entry that is not `https://host[:port]`, and an empty list.
pub fn parse_origins(list: &str) -> Result<Vec<String>, Failure> {
    let mut origins = Vec::new();
    for entry in list.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let origin = normalise_origin(entry)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    if origins.is_empty() {
        return Err(failure(
            "Chưa có cổng thông tin nào được phép",
            "No allowed origin given",
            "--origins https://portal.example.gov.vn[,...]",
        ));
    }
    Ok(origins)
}

/// `https://host[:port]` with nothing else, lower-cased, default port dropped.
fn normalise_origin(entry: &str) -> Result<String, Failure> {
    let bad = |why: &str| failure("Địa chỉ cổng thông tin không hợp lệ", "Invalid origin", format!("{entry:?} {why}"));
    let url = url::Url::parse(entry).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "https" {
        return Err(bad("must use https"));
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("has no host"))?;
    let rest = &entry[entry.find("://").map_or(0, |i| i + 3)..];
    let has_path = rest.find('/').is_some_and(|i| i + 1 < rest.len());
    if has_path || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("must be only scheme, host and port"));
    }
    Ok(match url.port() {
        Some(port) => format!("https://{host}:{port}"),
        None => format!("https://{host}"),
    })
}

/// Parses a comma- or semicolon-separated module list; each must be an absolute path.
///
/// # Errors
///
/// Names a relative path: the agent would resolve it against whatever directory it starts in.
pub fn parse_modules(list: &str) -> Result<Vec<PathBuf>, Failure> {
    let mut modules = Vec::new();
    for entry in list.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let path = PathBuf::from(entry);
        if !path.is_absolute() {
            return Err(failure(
                "Đường dẫn thư viện PKCS#11 phải là đường dẫn tuyệt đối",
                "PKCS#11 module paths must be absolute",
                entry,
            ));
        }
        if !modules.contains(&path) {
            modules.push(path);
        }
    }
    Ok(modules)
}

/// Parses a port number (1-65535).
///
/// # Errors
///
/// Anything else.
pub fn parse_port(text: &str) -> Result<u16, Failure> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| failure("Cổng không hợp lệ", "Invalid port", format!("{text:?}; expected 1-65535")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_deduplicated() {
        let origins =
            parse_origins(" https://QLVB.ninhbinh.gov.vn/ ; https://dvc.example:8443,https://qlvb.ninhbinh.gov.vn:443")
                .expect("valid");
        assert_eq!(origins, ["https://qlvb.ninhbinh.gov.vn", "https://dvc.example:8443"]);
    }

    #[test]
    fn bad_origins_are_refused_with_the_entry_named() {
        for bad in
            ["http://a.example", "https://a.example/path", "https://u@a.example", "a.example", "https://a.example?q"]
        {
            let error = parse_origins(bad).expect_err(bad).to_string();
            assert!(error.contains("Invalid origin"), "{bad}: {error}");
        }
        assert!(parse_origins(" , ").is_err());
    }

    #[test]
    fn modules_must_be_absolute() {
        assert!(parse_modules("libsofthsm2.so").is_err());
        assert_eq!(parse_modules("/usr/lib/a.so;/usr/lib/a.so").expect("valid").len(), 1);
        assert!(parse_modules("").expect("empty is fine").is_empty());
    }
}
