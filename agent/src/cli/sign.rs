//! `kyso-agent sign`: a PAdES signature into a PDF, or `--detached` CMS over any file.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use kyso_protocol::{DigestAlgorithm, SignatureAlgorithm, SignatureLevel, SigningAct};
use secrecy::SecretString;
use zeroize::Zeroize;

use crate::config;
use crate::pdf::{Placement, SignatureInfo};
use crate::prompt::Prompter;
use crate::signing::{DetachedInput, Look, PdfBatch, PdfDocument, PdfInput, Signer};
use crate::token::TokenService;

/// Options of `sign`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Makes a detached CMS signature (DER, .p7s) over any file instead of signing a PDF.
    #[arg(long)]
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
    /// Level: B-B, B-T (a timestamp from the TSA, tsa.url or --tsa), B-LT (and validation data)
    /// or B-LTA (and a document timestamp).
    #[arg(long, default_value = "B-B", value_parser = parse_level)]
    level: SignatureLevel,
    /// The timestamp authority's URL, instead of tsa.url.
    #[arg(long, value_name = "URL")]
    tsa: Option<url::Url>,
    /// PDF: sign into this existing empty signature field.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["page", "rect", "detached"])]
    field: Option<String>,
    /// PDF: place the signature under the last occurrence of this text (e.g. the signer's title).
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["rect", "field", "detached"])]
    anchor: Option<String>,
    /// PDF: page of a visible signature (1 = first), with --rect, --anchor or --act.
    #[arg(long, value_name = "N", conflicts_with = "detached")]
    page: Option<u32>,
    /// PDF: rectangle of a visible signature in points from the bottom-left corner of the page
    /// as displayed: x1,y1,x2,y2.
    #[arg(long, value_name = "X1,Y1,X2,Y2", value_parser = parse_rect, conflicts_with = "detached")]
    rect: Option<[f32; 4]>,
    /// PDF: the signing act, which decides what the visible signature shows and where it goes
    /// by default: approve, issue, copy, appendix, incoming, comment, plain.
    #[arg(long, value_parser = parse_act, conflicts_with = "detached")]
    act: Option<SigningAct>,
    /// PDF: the handwritten-signature (approve) or seal (issue) image, PNG or JPEG.
    #[arg(long, value_name = "PNG", conflicts_with = "detached")]
    image: Option<PathBuf>,
    /// PDF, copy: the form of copy shown (default "SAO Y").
    #[arg(long, conflicts_with = "detached")]
    copy_form: Option<String>,
    /// PDF, appendix: the main document's number; incoming: the arrival number.
    #[arg(long, conflicts_with = "detached")]
    reference: Option<String>,
    /// PDF, comment: the comment text.
    #[arg(long, conflicts_with = "detached")]
    comment: Option<String>,
    /// PDF, issue: the document number written after "Số:" on page 1.
    #[arg(long, value_name = "NUMBER", conflicts_with = "detached")]
    doc_number: Option<String>,
    /// PDF, issue: the issue date (YYYY-MM-DD) written into "ngày ... tháng ... năm ...".
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, conflicts_with = "detached")]
    issued_date: Option<time::Date>,
    /// PDF: the reason recorded in the signature (/Reason).
    #[arg(long, conflicts_with = "detached")]
    reason: Option<String>,
    /// PDF: the place recorded in the signature (/Location).
    #[arg(long, conflicts_with = "detached")]
    location: Option<String>,
    /// The file(s) to sign; several PDFs are one batch (one consent, one PIN), with --out-dir.
    #[arg(required = true, num_args = 1..)]
    inputs: Vec<PathBuf>,
    /// Where to write the signed PDF or the signature (DER); replaced atomically.
    #[arg(short = 'o', long = "output", value_name = "OUT", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// PDF batch: write each signed PDF under its own name into this directory.
    #[arg(long, value_name = "DIR", conflicts_with = "detached")]
    out_dir: Option<PathBuf>,
}

fn parse_date(text: &str) -> Result<time::Date, String> {
    crate::pdf::acts::parse_date(text).ok_or_else(|| "expected a date YYYY-MM-DD".into())
}

fn parse_act(text: &str) -> Result<SigningAct, String> {
    serde_json::from_value(serde_json::Value::String(text.into()))
        .map_err(|_| "expected approve, issue, copy, appendix, incoming, comment or plain".into())
}

fn parse_rect(text: &str) -> Result<[f32; 4], String> {
    let numbers: Vec<f32> = text
        .split(',')
        .map(|n| n.trim().parse::<f32>().map_err(|_| format!("{n:?} is not a number")))
        .collect::<Result<_, _>>()?;
    <[f32; 4]>::try_from(numbers).map_err(|_| "expected four numbers: x1,y1,x2,y2".into())
}

fn parse_algorithm(text: &str) -> Result<SignatureAlgorithm, String> {
    serde_json::from_value(serde_json::Value::String(text.into()))
        .map_err(|_| "expected rsa-pss, rsa-pkcs1 or ecdsa".into())
}

pub(super) fn parse_level(text: &str) -> Result<SignatureLevel, String> {
    serde_json::from_value(serde_json::Value::String(text.to_ascii_uppercase()))
        .map_err(|_| "expected B-B, B-T, B-LT or B-LTA".into())
}

pub(super) fn parse_digest(text: &str) -> Result<DigestAlgorithm, String> {
    serde_json::from_value(serde_json::Value::String(text.into()))
        .map_err(|_| "expected sha256, sha384 or sha512".into())
}

/// Who asks, as the consent window shows it.
const CLI_ORIGIN: &str = "kyso-agent sign (dòng lệnh / command line)";

/// Signs the input file and writes the result atomically.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    if args.pin_stdin {
        let pin = read_pin()?;
        return sign_with(&config, args, Prompter::Given(pin));
    }
    let args = args.clone();
    super::Prompting::of(&config).run(move |prompter| sign_with(&config, &args, prompter))
}

/// Signs as `args` say, asking with `prompter`.
fn sign_with(config: &config::Config, args: &Args, prompter: Prompter) -> Result<(), String> {
    let (tokens, _worker) = TokenService::start(config.modules.clone()).map_err(|e| e.to_string())?;
    let tsa = args.tsa.clone().or_else(|| config.tsa_url.clone());
    let signer = Signer::new(tokens, prompter, 0)
        .with_fonts(config.font.clone(), config.bold_font.clone())
        .with_timestamps(super::timestamp_authority(config, tsa)?)
        .with_trust(super::trust(config)?)
        .with_audit(crate::audit::Audit::open(&config.audit)?)
        .with_pin_ages(crate::pin_age::PinAges::for_this_user())
        .with_personal_images(crate::personal_images::PersonalImages::for_this_user())
        .with_certificate_choices(crate::certificate_choices::CertificateChoices::for_this_user());
    let runtime = super::runtime()?;
    let certificate = match &args.cert {
        Some(thumbprint) => thumbprint.clone(),
        None => runtime.block_on(only_certificate(&signer))?,
    };
    match (&args.output, &args.out_dir, args.inputs.as_slice()) {
        (Some(output), None, [input]) if args.detached => {
            sign_detached(&runtime, &signer, args, input, output, certificate)
        }
        (Some(output), None, [input]) => sign_pdf(&runtime, &signer, args, input, output, certificate),
        (None, Some(dir), inputs) if !args.detached => sign_batch(&runtime, &signer, args, inputs, dir, certificate),
        (None, None, _) => Err("say where the result goes: -o FILE, or --out-dir DIR for several PDFs".into()),
        _ => Err("-o takes one input; several PDFs need --out-dir DIR (not with --detached)".into()),
    }
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn placement(args: &Args) -> Placement {
    match (&args.field, args.page, args.rect) {
        (Some(field), _, _) => Placement::Field(field.clone()),
        (None, page, _) if args.anchor.is_some() => {
            Placement::Anchor { text: args.anchor.clone().unwrap_or_default(), page }
        }
        (None, page, Some(rect)) => Placement::Rect { page: page.unwrap_or(1), rect },
        (None, page, None) if args.act.is_some() => Placement::Default { page },
        (None, _, None) => Placement::Invisible,
    }
}

/// What the visible signature shows: the act (plain when only a place is given), or nothing.
fn look(args: &Args) -> Result<Option<Look>, String> {
    let visible = args.act.is_some() || args.rect.is_some() || args.field.is_some() || args.anchor.is_some();
    if !visible {
        return Ok(None);
    }
    let image = match &args.image {
        Some(path) => Some(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => None,
    };
    Ok(Some(Look {
        act: args.act.unwrap_or_default(),
        image,
        copy_form: args.copy_form.clone(),
        reference: args.reference.clone(),
        comment: args.comment.clone(),
        doc_number: args.doc_number.clone(),
        issued_date: args.issued_date,
    }))
}

fn info(args: &Args) -> SignatureInfo {
    SignatureInfo { reason: args.reason.clone(), location: args.location.clone(), ..Default::default() }
}

fn sign_batch(
    runtime: &tokio::runtime::Runtime,
    signer: &Signer,
    args: &Args,
    inputs: &[PathBuf],
    dir: &Path,
    certificate: String,
) -> Result<(), String> {
    let mut documents = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = input.file_name().ok_or_else(|| format!("{}: not a file name", input.display()))?;
        let destination = dir.join(name);
        if destination.canonicalize().ok() == input.canonicalize().ok() && destination.exists() {
            return Err(format!("{}: --out-dir must not be the inputs' own directory", input.display()));
        }
        documents.push(PdfDocument {
            input: input.clone(),
            destination,
            document_name: display_name(input),
            placement: placement(args),
            field_name: None,
        });
    }
    let destinations: Vec<PathBuf> = documents.iter().map(|d| d.destination.clone()).collect();
    let batch = PdfBatch {
        look: look(args)?,
        certificate,
        algorithm: args.algorithm,
        digest: args.digest,
        level: args.level,
        info: info(args),
        time: crate::pdf::local_now(),
        documents,
    };
    let results = runtime.block_on(signer.sign_pdfs(CLI_ORIGIN, batch)).map_err(|e| super::explain(&e))?;
    let mut failed = 0;
    for ((input, destination), result) in inputs.iter().zip(&destinations).zip(results) {
        match result {
            Ok(output) => {
                eprintln!("signed {} -> {} (field {})", input.display(), destination.display(), output.field_name)
            }
            Err(error) => {
                failed += 1;
                eprintln!("NOT signed {}: {}", input.display(), super::explain(&error));
            }
        }
    }
    if failed > 0 { Err(format!("{failed} of {} documents were not signed", inputs.len())) } else { Ok(()) }
}

fn sign_pdf(
    runtime: &tokio::runtime::Runtime,
    signer: &Signer,
    args: &Args,
    input: &Path,
    output: &Path,
    certificate: String,
) -> Result<(), String> {
    let request = PdfInput {
        input: input.to_path_buf(),
        destination: output.to_path_buf(),
        document_name: display_name(input),
        certificate,
        algorithm: args.algorithm,
        digest: args.digest,
        level: args.level,
        placement: placement(args),
        field_name: None,
        info: info(args),
        time: crate::pdf::local_now(),
        look: look(args)?,
    };
    let signed = runtime.block_on(signer.sign_pdf(CLI_ORIGIN, request)).map_err(|e| super::explain(&e))?;
    eprintln!(
        "signed with {} ({}) in field {}: {}",
        signed.certificate,
        signed.signature_algorithm.as_str(),
        signed.field_name,
        output.display()
    );
    Ok(())
}

fn sign_detached(
    runtime: &tokio::runtime::Runtime,
    signer: &Signer,
    args: &Args,
    input: &Path,
    output: &Path,
    certificate: String,
) -> Result<(), String> {
    let name = display_name(input);
    let (digest, size) = hash_file(input, args.digest)?;
    let input = DetachedInput {
        digest,
        digest_algorithm: args.digest,
        size: Some(size),
        document_name: name,
        certificate,
        algorithm: args.algorithm,
        level: args.level,
        content_file: None,
    };
    let response = runtime.block_on(signer.sign_detached(CLI_ORIGIN, input)).map_err(|e| super::explain(&e))?;
    let der =
        base64::engine::general_purpose::STANDARD.decode(&response.signature_base64).map_err(|e| e.to_string())?;
    write_atomically(output, &der)?;
    eprintln!("signed with {} ({}): {}", response.certificate, response.signature_algorithm.as_str(), output.display());
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
    crate::digest::hash_file(path, algorithm).map_err(|e| format!("{}: {e}", path.display()))
}

/// The thumbprint of the only certificate present, or an error listing the choices.
async fn only_certificate(signer: &Signer) -> Result<String, String> {
    let found = signer.tokens().certificates().await.map_err(|e| e.to_string())?;
    match found.as_slice() {
        [] => Err("no certificate on the present tokens / không có chứng thư số nào".into()),
        [one] => Ok(hex::encode(one.thumbprint)),
        many => {
            // Kyso's window lets the user choose; other prompters need --cert.
            let ders: Vec<&[u8]> = many.iter().map(|c| c.der.as_slice()).collect();
            let tokens: Vec<String> = many.iter().map(|c| c.token.label.clone()).collect();
            match signer.choose_certificate(CLI_ORIGIN, &ders, &tokens).await.map_err(|e| super::explain(&e))? {
                Some(index) => Ok(hex::encode(many[index].thumbprint)),
                None => Err(format!(
                    "several certificates are present; choose one with --cert:\n{}",
                    many.iter()
                        .map(|c| format!("  {} ({})", hex::encode(c.thumbprint), c.token.label))
                        .collect::<Vec<_>>()
                        .join("\n")
                )),
            }
        }
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
