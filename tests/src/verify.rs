//! Independent verifiers of our signatures: OpenSSL and pyHanko. A signature that only our own
//! code accepts is a bug.

use std::path::Path;
use std::process::Command;

fn run(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if output.status.success() { Ok(text) } else { Err(text) }
}

/// `openssl cms -verify` of a detached DER signature over `content`, trusting `ca_file`.
///
/// # Errors
///
/// OpenSSL's output when verification fails.
pub fn openssl_cms(signature: &Path, content: &Path, ca_file: &Path) -> Result<String, String> {
    run(Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-out", "/dev/null", "-in"])
        .arg(signature)
        .arg("-content")
        .arg(content)
        .arg("-CAfile")
        .arg(ca_file))
}

/// `pyhanko sign validate --detached`, trusting only `root`; success means `INTACT:TRUSTED`.
///
/// # Errors
///
/// pyHanko's output when the signature is not intact and trusted.
pub fn pyhanko_detached(signature: &Path, content: &Path, root: &Path) -> Result<String, String> {
    let text = run(Command::new("pyhanko")
        .args(["sign", "validate", "--trust-replace", "--trust"])
        .arg(root)
        .arg("--detached")
        .arg(signature)
        .arg(content))?;
    if text.contains("INTACT:TRUSTED") { Ok(text) } else { Err(text) }
}

/// Decodes a `.p7s` and returns OpenSSL's structure dump (`openssl cms -cmsout -print`).
///
/// # Errors
///
/// OpenSSL's output when the structure does not parse.
pub fn cms_print(signature: &Path) -> Result<String, String> {
    run(Command::new("openssl").args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"]).arg(signature))
}
