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

/// `qpdf --check`: the file's structure is sound.
///
/// # Errors
///
/// qpdf's output when it finds errors or warnings.
pub fn qpdf_check(pdf: &Path) -> Result<String, String> {
    let text = run(Command::new("qpdf").arg("--check").arg(pdf))?;
    if text.contains("No syntax or stream encoding errors found") && !text.contains("WARNING") {
        Ok(text)
    } else {
        Err(text)
    }
}

/// poppler's `pdfsig`: how many signatures it finds and how many it calls valid. Its exit code
/// is not trusted (22.12 exits 0 on a digest mismatch); the text is.
///
/// # Errors
///
/// When pdfsig cannot run.
pub fn pdfsig(pdf: &Path) -> Result<(usize, usize), String> {
    let output = Command::new("pdfsig").arg(pdf).output().map_err(|e| format!("cannot run pdfsig: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let total = text.lines().filter(|l| l.starts_with("Signature #")).count();
    let valid = text.matches("Signature is Valid.").count();
    Ok((valid, total))
}

/// `pyhanko sign validate` of every signature in `pdf`, trusting only `root`, without
/// revocation checks (the test PKI has no responders): one `FIELD:THUMBPRINT:VERDICT` line per
/// signature. pyHanko says `VALID` only for an intact, trusted signature whose later changes
/// its modification policy accepts.
///
/// # Errors
///
/// pyHanko's output when a signature is not `VALID`.
pub fn pyhanko_pdf(pdf: &Path, root: &Path) -> Result<Vec<String>, String> {
    let text = run(Command::new("pyhanko")
        .args(["sign", "validate", "--executive-summary", "--no-revocation-check", "--trust-replace", "--trust"])
        .arg(root)
        .arg(pdf))?;
    let lines: Vec<String> = text.lines().filter(|l| l.contains(':')).map(str::to_owned).collect();
    if !lines.is_empty() && lines.iter().all(|l| l.ends_with(":VALID")) { Ok(lines) } else { Err(text) }
}

/// pyHanko's full report of every signature (integrity, trust, what changed after it).
///
/// # Errors
///
/// pyHanko's output when it fails.
pub fn pyhanko_pdf_report(pdf: &Path, root: &Path) -> Result<String, String> {
    run(Command::new("pyhanko")
        .args(["sign", "validate", "--pretty-print", "--no-revocation-check", "--trust-replace", "--trust"])
        .arg(root)
        .arg(pdf))
}

/// Whether `prefix`'s bytes are exactly the start of `whole` (read in chunks, not loaded).
///
/// # Errors
///
/// When either file cannot be read.
pub fn is_byte_prefix(prefix: &Path, whole: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let (mut a, mut b) = (std::fs::File::open(prefix)?, std::fs::File::open(whole)?);
    if a.metadata()?.len() > b.metadata()?.len() {
        return Ok(false);
    }
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok(true);
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            return Ok(false);
        }
    }
}

/// `qpdf --check` for files that may be hostile: at most 1 GiB of address space and 60 s, so a
/// flate bomb or a loop fails instead of taking the machine. Ok means sound, as for [`qpdf_check`].
///
/// # Errors
///
/// qpdf's output when it finds errors or warnings, runs out of memory, or is killed.
pub fn qpdf_check_bounded(pdf: &Path) -> Result<String, String> {
    let text =
        run(Command::new("sh").args(["-c", "ulimit -v 1048576 && exec timeout 60 qpdf --check \"$0\""]).arg(pdf))?;
    if text.contains("No syntax or stream encoding errors found") && !text.contains("WARNING") {
        Ok(text)
    } else {
        Err(text)
    }
}

/// `pyhanko sign validate` of every signature in `pdf`, trusting only `trust_roots`, without
/// revocation checks (the test PKIs have no responders): pyHanko's summary line for each
/// signature, `FIELD:CERT-SHA256:VERDICT`, in the file's order. The verdict is `INVALID` (digest
/// or signature mismatch), or `INTACT:` then, comma-separated: `TRUSTED` / `UNTRUSTED` /
/// `REVOKED`, timestamp verdicts if any, what follows the signature (`UNTOUCHED`: it covers the
/// whole file; `EXTENDED_WITH_` and the modification level `NONE`, `LTA_UPDATES`,
/// `FORM_FILLING`, `ANNOTATIONS` or `OTHER`; `NONSTANDARD_COVERAGE`), and when something follows,
/// `ACCEPTABLE_MODIFICATIONS` or `ILLEGAL_MODIFICATIONS`. For example
/// `Signature1:61a8...:INTACT:TRUSTED,UNTOUCHED`. Empty signature fields have no line; a file
/// without signatures gives none.
///
/// # Errors
///
/// pyHanko's output when it cannot read the file or gives no verdict on a signature.
pub fn pyhanko_validate_pdf(pdf: &Path, trust_roots: &[&Path]) -> Result<Vec<String>, String> {
    let mut command = Command::new("pyhanko");
    command.args(["sign", "validate", "--no-revocation-check", "--trust-replace"]);
    for root in trust_roots {
        command.arg("--trust").arg(root);
    }
    let output = command.arg(pdf).output().map_err(|e| format!("cannot run pyhanko: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<String> = stdout.lines().filter(|l| is_status_line(l)).map(str::to_owned).collect();
    // pyHanko exits 1 when a signature is not valid, with a status line for it; with no line at
    // all, it failed before any verdict.
    if output.status.success() || !lines.is_empty() {
        Ok(lines)
    } else {
        Err(format!("{stdout}{}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// `FIELD:64 hex digits:VERDICT`.
fn is_status_line(line: &str) -> bool {
    let mut parts = line.splitn(3, ':');
    let (_, thumbprint, verdict) = (parts.next(), parts.next(), parts.next());
    thumbprint.is_some_and(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        && verdict.is_some_and(|v| !v.is_empty())
}

/// `pyhanko sign list`: every signature field of `pdf` as `NAME:EMPTY` or `NAME:FILLED`.
///
/// # Errors
///
/// pyHanko's output when it cannot read the file.
pub fn pyhanko_fields(pdf: &Path) -> Result<Vec<String>, String> {
    let text = run(Command::new("pyhanko").args(["sign", "list"]).arg(pdf))?;
    Ok(text.lines().filter(|l| l.ends_with(":EMPTY") || l.ends_with(":FILLED")).map(str::to_owned).collect())
}

/// `pyhanko sign validate` of every signature in `pdf`, trusting only `root`, with revocation
/// checking on and hard (`--force-revinfo`: every certificate needs OCSP or CRL evidence, fetched
/// from the responders its certificates name or embedded in the file). Ok is pyHanko's report
/// when every signature is valid: one status line each, e.g.
/// `Signature1:61a8...:INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED`.
///
/// # Errors
///
/// pyHanko's output when a signature is not valid.
pub fn pyhanko_revocation_checked(pdf: &Path, root: &Path) -> Result<String, String> {
    run(Command::new("pyhanko")
        .args(["sign", "validate", "--force-revinfo", "--trust-replace", "--trust"])
        .arg(root)
        .arg(pdf))
}

/// As [`pyhanko_revocation_checked`], for a detached signature over `content`.
///
/// # Errors
///
/// pyHanko's output when the signature is not valid.
pub fn pyhanko_detached_revocation_checked(signature: &Path, content: &Path, root: &Path) -> Result<String, String> {
    run(Command::new("pyhanko")
        .args(["sign", "validate", "--force-revinfo", "--trust-replace", "--trust"])
        .arg(root)
        .arg("--detached")
        .arg(signature)
        .arg(content))
}

/// pyHanko's validation of every signature in `pdf` from the evidence embedded in it alone
/// (`tests/pyhanko/validate_offline.py`: the DSS as validation context, no fetching, revocation
/// information required for every certificate below `root`). Ok is one `FIELD:SUMMARY` line per
/// signature when all are valid.
///
/// # Errors
///
/// pyHanko's output when a signature is not valid or the file has no DSS.
pub fn pyhanko_offline(pdf: &Path, root: &Path) -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("pyhanko/validate_offline.py");
    run(Command::new("python3").arg(script).arg(pdf).arg(root))
}

/// `pyhanko sign adesverify` (ETSI EN 319 102-1 validation, PAdES levels) of every signature in
/// `pdf`, trusting only `root`, with revocation checks.
///
/// # Errors
///
/// pyHanko's output when a signature does not pass.
pub fn pyhanko_ades(pdf: &Path, root: &Path) -> Result<String, String> {
    run(Command::new("pyhanko")
        .args(["sign", "adesverify", "--pretty-print", "--trust-replace", "--trust"])
        .arg(root)
        .arg(pdf))
}

/// How many images poppler's `pdfimages -list` finds in `pdf` (their alpha masks not counted).
pub fn image_count(pdf: &Path) -> usize {
    let out = Command::new("pdfimages").arg("-list").arg(pdf).output().expect("pdfimages (poppler-utils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter(|l| l.split_whitespace().nth(2) == Some("image"))
        .count()
}
