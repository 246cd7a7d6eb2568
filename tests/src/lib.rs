//! Helpers for end-to-end tests against real parts: a test PKI on a SoftHSM2 token made by
//! `pki/make-test-pki.sh`, a corpus of PDFs from other producers made by
//! `corpus/make-corpus.sh`, the real `kyso-agent` binary, a TLS client that trusts only the
//! agent's local CA, the scripted pinentry, and the independent verifiers (OpenSSL, qpdf,
//! poppler, pyHanko).

pub mod agent;
pub mod bench;
pub mod browser;
pub mod client;
pub mod corpus;
pub mod desktop;
pub mod images;
pub mod journal;
pub mod notifications;
pub mod pdfs;
pub mod pki;
pub mod portal;
pub mod responders;
pub mod staging;
pub mod tray;
pub mod verify;
pub mod wine;

use std::path::PathBuf;

/// Returns the path of a workspace binary built next to this test binary.
///
/// # Panics
///
/// When the binary has not been built (`cargo build --workspace` first; `.ci/run` does).
pub fn binary(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().expect("test executable path");
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let path = dir.join(name);
    assert!(path.is_file(), "{} is missing: run `cargo build --workspace` before the tests", path.display());
    path
}

/// A fresh temporary directory, kept when `KYSO_KEEP_TEMP` is set (for debugging).
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    let mut dir = tempfile::Builder::new().prefix(prefix).tempdir().expect("temp dir");
    if std::env::var_os("KYSO_KEEP_TEMP").is_some() {
        eprintln!("keeping {}", dir.path().display());
        dir.disable_cleanup(true);
    }
    dir
}
