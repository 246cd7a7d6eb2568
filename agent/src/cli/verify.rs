//! `kyso-agent verify`: checks the signatures of a PDF, or a detached signature over a file,
//! and says what each proves, in Vietnamese and English (or JSON). Exit status 0 when the
//! document is valid, 1 when a signature is invalid or cannot be trusted, 2 on errors.

use std::path::{Path, PathBuf};

use kyso_protocol::Verdict;

use crate::config;
use crate::verify::{Verifier, render};

/// Options of `verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signed PDF, or the signed file with --detached.
    input: PathBuf,
    /// A detached CMS signature (.p7s, DER) over INPUT.
    #[arg(long, value_name = "SIG")]
    detached: Option<PathBuf>,
    /// Prints the report as JSON (the `POST /v1/verify` answer).
    #[arg(long)]
    json: bool,
    /// Trusts these certificates (PEM or DER files, or folders) instead of trust.anchors.
    #[arg(long, value_name = "PATH")]
    trust: Vec<PathBuf>,
    /// Uses only the evidence in the file: asks no OCSP responder or CRL server.
    #[arg(long)]
    offline: bool,
}

/// The outcome of `verify`, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every signature is valid.
    Valid,
    /// Some signature is invalid or indeterminate, or there is none.
    NotValid,
}

/// Runs `verify`.
///
/// # Errors
///
/// The file cannot be read or is not a PDF / CMS signature.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<Outcome, String> {
    let mut config = config::load(config_path).map_err(|e| e.to_string())?;
    if !args.trust.is_empty() {
        let mut anchors = Vec::new();
        for path in &args.trust {
            anchors.extend(crate::trust::load_anchors(path)?);
        }
        config.trust_anchors = anchors;
    }
    let trust = super::trust(&config)?;
    let verifier = Verifier::new(trust, !args.offline);
    let runtime = super::runtime()?;
    let response = runtime.block_on(async {
        match &args.detached {
            Some(signature) => {
                let bytes = std::fs::read(signature).map_err(|e| format!("{}: {e}", signature.display()))?;
                verifier.verify_detached(&args.input, bytes).await.map_err(|e| super::explain(&e))
            }
            None => verifier.verify_pdf(&args.input).await.map_err(|e| super::explain(&e)),
        }
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response).map_err(|e| e.to_string())?);
    } else {
        print!("{}", render::text(&args.input.display().to_string(), &response));
    }
    Ok(if response.verdict == Verdict::Valid { Outcome::Valid } else { Outcome::NotValid })
}
