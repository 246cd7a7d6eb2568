//! Debian's chromium, driven by playwright-core (`tests/browser/run.mjs`), with a home
//! directory of the test's choosing: its NSS database is the only trust the browser gets.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The folder of the browser scripts and their `node_modules`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// What a page left: its `window.__result`, and what it printed to the console.
#[derive(Debug)]
pub struct PageOutcome {
    /// `window.__result`.
    pub result: Value,
    /// Console lines and page errors.
    pub console: Value,
}

/// Opens `url` in chromium with `HOME=home` and waits for `window.__result`.
///
/// # Panics
///
/// When node or the browser fail, or the page sets no result in time.
pub fn open(url: &str, home: &Path) -> PageOutcome {
    let out = Command::new("node")
        .arg(dir().join("run.mjs"))
        .arg(url)
        .env("HOME", home)
        .current_dir(dir())
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "run.mjs failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    eprintln!("browser console: {}", answer["console"]);
    PageOutcome { result: answer["result"].clone(), console: answer["console"].clone() }
}
