//! `kyso-agent sign --detached`.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use kyso_protocol::{DigestAlgorithm, SignatureAlgorithm};
use secrecy::SecretString;
use zeroize::Zeroize;

use crate::config;
use crate::digest::Hasher;
use crate::prompt::Prompter;
use crate::signing::{DetachedInput, Signer};
use crate::token::TokenService;

/// Options of `sign`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Makes a detached CMS signature (.p7s) next to the file (the only mode for now; PDF
    /// signing comes with PAdES).
    #[arg(long, required = true)]
    detached: bool,
    /// Reads the PIN from the first line of standard input instead of prompting.
    #[arg(long)]
    pin_stdin: bool,
    /// SHA-256 thumbprint of the certificate; may be left out when only one certificate is present.
    #[arg(long, value_name = "THUMBPRINT")]
    cert: Option<String>,
    /// Signature algorithm: rsa-pss, rsa-pkcs1 or ecdsa (default: the token's preferred).
    #[arg(long, value_parser = parse_algorithm)]
    algorithm: Option<SignatureAlgorithm>,
    /// Digest algorithm: sha256, sha384 or sha512.
    #[arg(long, default_value = "sha256", value_parser = parse_digest)]
    digest: DigestAlgorithm,
    /// The file to sign.
    input: PathBuf,
    /// Where to write the signature (DER).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,
}

fn parse_algorithm(text: &str) -> Result<SignatureAlgorithm, String> {
    serde_json::from_value(serde_json::Value::String(text.into()))
        .map_err(|_| "expected rsa-pss, rsa-pkcs1 or ecdsa".into())
}

fn parse_digest(text: &str) -> Result<DigestAlgorithm, String> {
    serde_json::from_value(serde_json::Value::String(text.into()))
        .map_err(|_| "expected sha256, sha384 or sha512".into())
}

/// Signs the input file and writes the signature atomically.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let prompter = if args.pin_stdin {
        Prompter::Given(read_pin()?)
    } else {
        Prompter::Pinentry { program: config.prompter.clone(), timeout: config.prompt_timeout }
    };
    let (digest, size) = hash_file(&args.input, args.digest)?;
    let (tokens, _worker) = TokenService::start(config.modules.clone()).map_err(|e| e.to_string())?;
    let signer = Signer::new(tokens, prompter, 0);
    let runtime = super::runtime()?;
    let certificate = match &args.cert {
        Some(thumbprint) => thumbprint.clone(),
        None => runtime.block_on(only_certificate(&signer))?,
    };
    let name =
        args.input.file_name().map_or_else(|| args.input.display().to_string(), |n| n.to_string_lossy().into_owned());
    let input = DetachedInput {
        digest,
        digest_algorithm: args.digest,
        size: Some(size),
        document_name: name,
        certificate,
        algorithm: args.algorithm,
        content_file: None,
    };
    let response = runtime
        .block_on(signer.sign_detached("kyso-agent sign (dòng lệnh / command line)", input))
        .map_err(|e| super::explain(&e))?;
    let der =
        base64::engine::general_purpose::STANDARD.decode(&response.signature_base64).map_err(|e| e.to_string())?;
    write_atomically(&args.output, &der)?;
    eprintln!(
        "signed with {} ({}): {}",
        response.certificate,
        response.signature_algorithm.as_str(),
        args.output.display()
    );
    Ok(())
}

/// Reads one line from stdin as the PIN, wiping the buffer.
fn read_pin() -> Result<SecretString, String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the PIN from stdin: {e}"))?;
    let pin = SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned());
    line.zeroize();
    Ok(pin)
}

fn hash_file(path: &Path, algorithm: DigestAlgorithm) -> Result<(Vec<u8>, u64), String> {
    let mut file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut hasher = Hasher::new(algorithm);
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((hasher.finish(), size))
}

/// The thumbprint of the only certificate present, or an error listing the choices.
async fn only_certificate(signer: &Signer) -> Result<String, String> {
    let found = signer.tokens().certificates().await.map_err(|e| e.to_string())?;
    match found.as_slice() {
        [] => Err("no certificate on the present tokens / không có chứng thư số nào".into()),
        [one] => Ok(hex::encode(one.thumbprint)),
        many => Err(format!(
            "several certificates are present; choose one with --cert:\n{}",
            many.iter()
                .map(|c| format!("  {} ({})", hex::encode(c.thumbprint), c.token.label))
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}

/// Writes `bytes` to a temp file beside `path`, syncs, and renames over it: never half-written.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    file.write_all(bytes).and_then(|()| file.as_file().sync_all()).map_err(|e| format!("{}: {e}", path.display()))?;
    file.persist(path).map_err(|e| format!("{}: {}", path.display(), e.error))?;
    Ok(())
}
