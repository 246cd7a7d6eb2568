//! The operating system's trust store (Debian's ca-certificates): what `curl`, OpenSSL,
//! rustls-native-certs and most programs trust.

use std::path::PathBuf;

use crate::command::run;
use crate::layout::Layout;
use crate::text::Failure;

/// Where the CA goes: local certificates, which `update-ca-certificates` adds to the bundle.
pub fn ca_file(layout: &Layout) -> PathBuf {
    layout.path("/usr/local/share/ca-certificates/kyso-local-ca.crt")
}

/// The bundle everything reads.
pub fn bundle(layout: &Layout) -> PathBuf {
    layout.path("/etc/ssl/certs/ca-certificates.crt")
}

/// Rebuilds the bundle and the hash links from the certificate directories (`fresh` drops
/// links to certificates that are gone, which removal needs).
///
/// # Errors
///
/// `update-ca-certificates` is missing or fails.
pub fn update(layout: &Layout, fresh: bool) -> Result<(), Failure> {
    let dirs = [
        ("--certsconf", layout.path("/etc/ca-certificates.conf")),
        ("--certsdir", layout.path("/usr/share/ca-certificates")),
        ("--localcertsdir", layout.path("/usr/local/share/ca-certificates")),
        ("--etccertsdir", layout.path("/etc/ssl/certs")),
        ("--hooksdir", layout.path("/etc/ca-certificates/update.d")),
    ];
    let texts: Vec<(&str, String)> = dirs.iter().map(|(flag, path)| (*flag, path.display().to_string())).collect();
    let mut args: Vec<&str> = Vec::new();
    if !layout.is_real_root() {
        for (flag, path) in &texts {
            args.extend([*flag, path.as_str()]);
        }
    }
    if fresh {
        args.push("--fresh");
    }
    run("update-ca-certificates", &args)?;
    Ok(())
}
