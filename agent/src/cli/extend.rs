//! `kyso-agent extend`: raises the signatures of a signed PDF to B-LT (a DSS with their
//! validation data) or B-LTA (then a document timestamp), as archives need, without touching
//! earlier revisions. Run again before the last document timestamp's TSA certificate expires.

use std::path::{Path, PathBuf};

use kyso_protocol::{DigestAlgorithm, SignatureLevel};

use crate::config;
use crate::ltv::{Archiver, Scope};

/// Options of `extend`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// B-LT (validation data), or B-LTA (validation data and a document timestamp).
    #[arg(long, default_value = "B-LTA", value_parser = super::sign::parse_level)]
    level: SignatureLevel,
    /// The timestamp authority's URL, instead of tsa.url (B-LTA).
    #[arg(long, value_name = "URL")]
    tsa: Option<url::Url>,
    /// Digest algorithm of the document timestamp: sha256, sha384 or sha512.
    #[arg(long, default_value = "sha256", value_parser = super::sign::parse_digest)]
    digest: DigestAlgorithm,
    /// The signed PDF.
    input: PathBuf,
    /// Where to write the extended PDF (may be the input: it is replaced atomically).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,
}

/// Runs `extend`.
///
/// # Errors
///
/// The API error, explained in both languages.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let tsa = args.tsa.clone().or_else(|| config.tsa_url.clone());
    let archiver = Archiver::new(super::trust(&config)?, super::timestamp_authority(&config, tsa)?);
    let runtime = super::runtime()?;
    let extended = runtime
        .block_on(archiver.extend(&args.input, &args.output, args.level, Scope::All, args.digest))
        .map_err(|e| super::explain(&e))?;
    let [certs, ocsps, crls] = extended.counts;
    eprintln!(
        "extended {} -> {} to {}: validation data for {} ({certs} certificates, {ocsps} OCSP responses, {crls} CRLs)",
        args.input.display(),
        args.output.display(),
        args.level.as_str(),
        extended.covered.join(", "),
    );
    if let Some((field, time)) = extended.document_timestamp {
        eprintln!("document timestamp {field} at {}", crate::signing::rfc3339(time));
    }
    Ok(())
}
