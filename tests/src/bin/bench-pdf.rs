//! Benchmark: sign a large scanned PDF (one ~1 MB JPEG a page) file to file with a SoftHSM key,
//! against the two-pass floor (`openssl dgst -sha256 && cp`) and pyHanko's CLI with the same
//! key, measured in the same run, with each process's peak RSS.
//! Run through `bench/pdf.sh`, which builds release binaries first.

use std::path::Path;
use std::process::Command;

use kyso_tests::agent::config_text;
use kyso_tests::bench::{measure_process, report};
use kyso_tests::pki::{PIN, Pki};

/// Where the visible signature goes (bottom right of an A4 page).
const RECT: &str = "400,40,560,120";

fn main() {
    let mut pages = 200u32;
    let mut letters = 100usize;
    let mut iterations = 3usize;
    let mut json_output = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pages" => pages = args.next().and_then(|n| n.parse().ok()).expect("--pages N"),
            "--iterations" => iterations = args.next().and_then(|n| n.parse().ok()).expect("--iterations N"),
            "--letters" => letters = args.next().and_then(|n| n.parse().ok()).expect("--letters N"),
            "--json" => json_output = true,
            other => {
                panic!("unknown argument {other}; usage: bench-pdf [--pages N] [--letters N] [--iterations N] [--json]")
            }
        }
    }
    let pki = Pki::fresh();
    let work = kyso_tests::temp_dir("kyso-bench-pdf-");
    let input = work.path().join("scanned.pdf");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/make-scanned.py");
    let made = Command::new("python3").arg(&script).arg(pages.to_string()).arg(&input).output().expect("python3");
    assert!(made.status.success(), "make-scanned.py failed: {}", String::from_utf8_lossy(&made.stderr));
    let size = std::fs::metadata(&input).expect("input").len();
    let config = work.path().join("agent.toml");
    std::fs::write(&config, config_text(&pki, "")).expect("config");
    let pin = format!("{PIN}\n");
    let mut results = Vec::new();
    let mut skipped = Vec::new();

    let copy = work.path().join("copy.pdf");
    let floor = format!("openssl dgst -sha256 {0} >/dev/null && cp {0} {1}", input.display(), copy.display());
    results
        .push(measure_process("floor: openssl dgst -sha256 && cp", iterations, 1, || sh(&floor), None).expect("floor"));

    // The clerk's act: the agency seal (a 40 mm PNG with transparency) on page 1.
    let seal = work.path().join("seal.png");
    kyso_tests::images::seal(&seal);
    let kyso_out = work.path().join("kyso.pdf");
    let kyso = || {
        let mut command = Command::new(kyso_tests::binary("kyso-agent"));
        command
            .arg("--config")
            .arg(&config)
            .args(["sign", "--pin-stdin", "--cert", &pki.thumbprint("org-rsa"), "--page", "1", "--rect", RECT])
            .args(["--act", "issue", "--image"])
            .arg(&seal)
            .arg(&input)
            .arg("-o")
            .arg(&kyso_out)
            .env("SOFTHSM2_CONF", pki.softhsm_conf())
            .env("KYSO_POLICY", "")
            .env("KYSO_LOG", "warn");
        command
    };
    let measured =
        measure_process("kyso-agent sign (visible seal, file to file)", iterations, 1, kyso, Some(pin.as_bytes()))
            .expect("kyso-agent sign");
    assert_valid(&kyso_out);
    results.push(measured);

    let pyhanko_out = work.path().join("pyhanko.pdf");
    let pyhanko = || {
        let mut command = Command::new("pyhanko");
        command
            .args(["sign", "addsig", "--field", "1/400,40,560,120/Sig1", "pkcs11", "--lib", pki.module()])
            .args(["--token-label", "kyso-test", "--cert-label", "org-rsa", "--key-label", "org-rsa"])
            .arg(&input)
            .arg(&pyhanko_out)
            .env("SOFTHSM2_CONF", pki.softhsm_conf());
        command
    };
    match measure_process("pyhanko sign addsig pkcs11 (visible)", iterations, 0, pyhanko, Some(pin.as_bytes())) {
        Ok(measured) => {
            assert_valid(&pyhanko_out);
            results.push(measured);
        }
        Err(why) => skipped.push(format!("{why} (pyhanko[pkcs11] missing?)")),
    }
    let title = format!(
        "sign a scanned PDF: {pages} pages, {:.0} MiB, RSA-2048 on SoftHSM2, {iterations} runs each",
        size as f64 / f64::from(1 << 20)
    );
    report(&title, &results, &skipped, json_output);
    verify(&pki, &config, &kyso_out, iterations, json_output);
    batch(&pki, &config, work.path(), letters, iterations, json_output);
}

/// Verifying the signed scan (an incoming document): Kyso against pyHanko's validator, both
/// checking revocation with the test PKI's responders, and the one-pass floor of hashing it.
fn verify(pki: &Pki, config: &Path, signed: &Path, iterations: usize, json_output: bool) {
    let root = pki.path("root.pem");
    let mut results = Vec::new();
    let floor = format!("openssl dgst -sha256 {} >/dev/null", signed.display());
    results.push(measure_process("floor: openssl dgst -sha256", iterations, 1, || sh(&floor), None).expect("floor"));
    let kyso = || {
        let mut command = Command::new(kyso_tests::binary("kyso-agent"));
        command
            .arg("--config")
            .arg(config)
            .args(["verify", "--json", "--trust"])
            .arg(&root)
            .arg(signed)
            .env("KYSO_POLICY", "")
            .env("KYSO_LOG", "warn");
        command
    };
    results.push(measure_process("kyso-agent verify", iterations, 1, kyso, None).expect("kyso-agent verify"));
    let mut skipped = Vec::new();
    let pyhanko = || {
        let mut command = Command::new("pyhanko");
        command.args(["sign", "validate", "--trust-replace", "--trust"]).arg(&root).arg(signed);
        command
    };
    match measure_process("pyhanko sign validate", iterations, 0, pyhanko, None) {
        Ok(measured) => results.push(measured),
        Err(why) => skipped.push(why),
    }
    let size = std::fs::metadata(signed).map(|m| m.len()).unwrap_or(0);
    let title = format!(
        "verify the signed scan ({:.0} MiB, one signature, revocation by OCSP), {iterations} runs each",
        size as f64 / f64::from(1 << 20)
    );
    report(&title, &results, &skipped, json_output);
}

/// A batch of one-page letters: one Kyso process, one consent, one login, against pyHanko run
/// once per letter (it has no batch mode).
fn batch(pki: &Pki, config: &Path, work: &Path, letters: usize, iterations: usize, json_output: bool) {
    let inputs = work.join("letters");
    let outputs = work.join("signed-letters");
    std::fs::create_dir_all(&inputs).expect("letters dir");
    std::fs::create_dir_all(&outputs).expect("output dir");
    let files: Vec<_> = (1..=letters)
        .map(|i| {
            let path = inputs.join(format!("letter-{i:03}.pdf"));
            kyso_tests::pdfs::write_simple(&path, 1, "");
            path
        })
        .collect();
    let pin = format!("{PIN}\n");
    let mut results = Vec::new();
    let kyso = || {
        let mut command = Command::new(kyso_tests::binary("kyso-agent"));
        command
            .arg("--config")
            .arg(config)
            .args(["sign", "--pin-stdin", "--cert", &pki.thumbprint("org-rsa"), "--page", "1", "--rect", RECT])
            .arg("--out-dir")
            .arg(&outputs)
            .args(&files)
            .env("SOFTHSM2_CONF", pki.softhsm_conf())
            .env("KYSO_POLICY", "")
            .env("KYSO_LOG", "warn");
        command
    };
    let measured =
        measure_process(&format!("kyso-agent sign, batch of {letters}"), iterations, 1, kyso, Some(pin.as_bytes()))
            .expect("kyso batch");
    assert_valid(&outputs.join("letter-001.pdf"));
    results.push(measured);
    let mut skipped = Vec::new();
    let loop_script = files
        .iter()
        .map(|f| {
            format!(
                "printf '%s\\n' {PIN} | pyhanko sign addsig --field 1/400,40,560,120/Sig1 pkcs11 --lib {} \
                 --token-label kyso-test --cert-label org-rsa --key-label org-rsa {} {} || exit 1",
                pki.module(),
                f.display(),
                outputs.join(format!("py-{}", f.file_name().expect("name").to_string_lossy())).display()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let looped = || {
        let mut command = sh(&loop_script);
        command.env("SOFTHSM2_CONF", pki.softhsm_conf());
        command
    };
    match measure_process(&format!("pyhanko sign addsig pkcs11, looped {letters} times"), 1, 0, looped, None) {
        Ok(measured) => {
            assert_valid(&outputs.join("py-letter-001.pdf"));
            results.push(measured);
        }
        Err(why) => skipped.push(why),
    }
    let per_second = letters as f64 / (results[0].stat(0.5) / 1000.0);
    let title = format!(
        "batch of {letters} one-page letters, one consent and one PIN login, visible signature: \
         Kyso {per_second:.0} documents/s"
    );
    report(&title, &results, &skipped, json_output);
}

fn sh(script: &str) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", script]);
    command
}

/// Every peer's output is checked once by poppler, so nobody is timed making a broken file.
fn assert_valid(pdf: &Path) {
    let out = Command::new("pdfsig").arg(pdf).output().expect("pdfsig");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Signature is Valid."), "{} does not validate:\n{text}", pdf.display());
}
