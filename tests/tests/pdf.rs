//! PAdES signing through `POST /v1/sign/pdf` and the CLI, every output checked by tools we did
//! not write: `qpdf --check`, poppler's `pdfsig`, pyHanko; the input must be a byte prefix of the
//! output, and a one-byte tamper inside a signed range must be caught by all three.

use std::path::{Path, PathBuf};

use base64::Engine;
use kyso_tests::agent::Agent;
use kyso_tests::agent::{config_text, with_audit_dir};
use kyso_tests::client::{PORTAL, Reply};
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{pdfs, verify};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Posts `pdf` raw with the query `options`, answering the PIN prompt.
async fn sign_raw(agent: &Agent, pdf: &Path, options: &str) -> Reply {
    agent.answers(&[&format!("pin {PIN}")]);
    let body = std::fs::read(pdf).expect("read input");
    let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/pdf")];
    agent.client().send("POST", &format!("/v1/sign/pdf?{options}"), &headers, body).await
}

/// Checks a signed output with every independent tool and returns the pyHanko lines.
fn check_signed(pki: &Pki, input: &Path, output: &Path, signatures: usize) -> Vec<String> {
    verify::qpdf_check(output).unwrap_or_else(|e| panic!("qpdf --check {}: {e}", output.display()));
    assert_eq!(
        verify::pdfsig(output).expect("pdfsig"),
        (signatures, signatures),
        "pdfsig valid/total for {}",
        output.display()
    );
    assert!(verify::is_byte_prefix(input, output).expect("compare"), "input is not a prefix of {}", output.display());
    let lines = verify::pyhanko_pdf(output, &pki.path("root.pem"))
        .unwrap_or_else(|e| panic!("pyhanko on {}: {e}", output.display()));
    assert_eq!(lines.len(), signatures, "{lines:?}");
    lines
}

fn save(agent: &Agent, reply: &Reply, name: &str) -> PathBuf {
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    let path = agent.path(name);
    std::fs::write(&path, &reply.body).expect("write output");
    path
}

#[tokio::test]
async fn signs_every_cross_reference_form_invisibly_and_visibly() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let certificate = pki.thumbprint("org-rsa");
    for input in pdfs::variants(dir.path()) {
        let stem = input.file_stem().expect("stem").to_string_lossy().into_owned();
        let reply = sign_raw(&agent, &input, &format!("certificate={certificate}")).await;
        let invisible = save(&agent, &reply, &format!("{stem}-invisible.pdf"));
        check_signed(pki, &input, &invisible, 1);
        assert_eq!(reply.header("x-kyso-field"), Some("Signature1"));

        let reply =
            sign_raw(&agent, &input, &format!("certificate={certificate}&page=1&rect=300,40,480,120&reason=Duyet"))
                .await;
        let visible = save(&agent, &reply, &format!("{stem}-visible.pdf"));
        check_signed(pki, &input, &visible, 1);
    }
    assert_eq!(agent.prompts().len(), 12, "one consent per signature");
}

#[tokio::test]
async fn stacked_signatures_all_stay_valid() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "");
    let base = pdfs::qpdf(&base, dir.path(), "base-objstm", &["--object-streams=generate"]);
    // The official approves, then the clerk seals: two keys, one after the other.
    let reply =
        sign_raw(&agent, &base, &format!("certificate={}&page=1&rect=350,100,550,180", pki.thumbprint("person-rsa")))
            .await;
    let approved = save(&agent, &reply, "approved.pdf");
    let reply =
        sign_raw(&agent, &approved, &format!("certificate={}&page=1&rect=300,90,420,200", pki.thumbprint("org-rsa")))
            .await;
    let sealed = save(&agent, &reply, "sealed.pdf");
    assert_eq!(reply.header("x-kyso-field"), Some("Signature2"));
    check_signed(pki, &approved, &sealed, 2);
    let report = verify::pyhanko_pdf_report(&sealed, &pki.path("root.pem")).expect("pyhanko report");
    assert!(report.contains("compatible with the current document modification policy"), "{report}");
}

#[tokio::test]
async fn fills_an_existing_empty_field_by_name() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "");
    let with_field = dir.path().join("field.pdf");
    let status = std::process::Command::new("pyhanko")
        .args(["sign", "addfields", "--field", "1/360,80,540,160/ChuKy1"])
        .arg(&base)
        .arg(&with_field)
        .status()
        .expect("pyhanko addfields");
    assert!(status.success());
    let certificate = pki.thumbprint("org-rsa");

    let reply = sign_raw(&agent, &with_field, &format!("certificate={certificate}&field=ChuKy1")).await;
    let signed = save(&agent, &reply, "filled.pdf");
    check_signed(pki, &with_field, &signed, 1);
    assert_eq!(reply.header("x-kyso-field"), Some("ChuKy1"));

    let reply = sign_raw(&agent, &signed, &format!("certificate={certificate}&field=ChuKy1")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (409, "field_already_signed"));
    let reply = sign_raw(&agent, &with_field, &format!("certificate={certificate}&field=Missing")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (404, "field_not_found"));
}

#[tokio::test]
async fn json_request_returns_base64() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 3, "");
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "pdf_base64": B64.encode(std::fs::read(&base).expect("read")),
        "certificate": pki.thumbprint("person-ec"),
        "page": 3,
        "rect": [40.0, 40.0, 240.0, 100.0],
        "field_name": "Ý kiến",
        "document_name": "Tờ trình.pdf",
    });
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let answer = reply.json();
    assert_eq!(answer["field_name"], "Ý kiến");
    assert_eq!(answer["signature_algorithm"], "ecdsa");
    let signed = agent.path("json.pdf");
    std::fs::write(&signed, B64.decode(answer["pdf_base64"].as_str().expect("pdf")).expect("base64")).expect("write");
    check_signed(pki, &base, &signed, 1);
    assert!(agent.prompts()[0].contains("Tờ trình.pdf"), "{:?}", agent.prompts());
    assert!(agent.prompts()[0].contains("3 trang / 3 pages"), "{:?}", agent.prompts());
}

#[tokio::test]
async fn a_one_byte_tamper_is_caught_by_every_validator() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "");
    let reply = sign_raw(&agent, &base, &format!("certificate={}", pki.thumbprint("org-rsa"))).await;
    let signed = save(&agent, &reply, "signed.pdf");
    let mut bytes = std::fs::read(&signed).expect("read");
    // Inside page 1's text, well inside the first signed range.
    let at = bytes.windows(6).position(|w| w == b"QUYET ").expect("text");
    bytes[at] = b'X';
    let tampered = agent.path("tampered.pdf");
    std::fs::write(&tampered, bytes).expect("write");
    let (valid, total) = verify::pdfsig(&tampered).expect("pdfsig");
    assert_eq!((valid, total), (0, 1), "pdfsig missed the tamper");
    assert!(verify::pyhanko_pdf(&tampered, &pki.path("root.pem")).is_err(), "pyhanko missed the tamper");
}

#[tokio::test]
async fn broken_inputs_are_invalid_pdf_before_any_prompt() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "");
    let good = std::fs::read(&base).expect("read");
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not a pdf", b"\x89PNG\r\n\x1a\n not a pdf at all".to_vec()),
        ("truncated", good[..good.len() * 6 / 10].to_vec()),
        ("deep nesting", format!("%PDF-1.7\n1 0 obj\n{}\nendobj\n", "[".repeat(100_000)).into_bytes()),
    ];
    let find = |needle: &[u8]| good.windows(needle.len()).rposition(|w| w == needle).expect("marker");
    let xref_at = find(b"startxref\n") + b"startxref\n".len();
    let mut bad_startxref = good[..xref_at].to_vec();
    bad_startxref.extend_from_slice(b"12\n%%EOF\n");
    cases.push(("startxref to garbage", bad_startxref));
    // The trailer comes after the table, so adding /Prev moves no object.
    let startxref: Vec<u8> = good[xref_at..].iter().copied().take_while(u8::is_ascii_digit).collect();
    let trailer_at = find(b"trailer\n<< ") + b"trailer\n<< ".len();
    let mut prev_loop = good[..trailer_at].to_vec();
    prev_loop.extend_from_slice(b"/Prev ");
    prev_loop.extend_from_slice(&startxref);
    prev_loop.push(b' ');
    prev_loop.extend_from_slice(&good[trailer_at..]);
    cases.push(("xref /Prev loop", prev_loop));
    for (name, bytes) in cases {
        let path = dir.path().join("case.pdf");
        std::fs::write(&path, bytes).expect("write");
        let reply = sign_raw(&agent, &path, &format!("certificate={}", pki.thumbprint("org-rsa"))).await;
        assert_ne!(reply.status, 200, "{name} was signed");
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (422, "invalid_pdf"),
            "{name}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    assert_eq!(agent.prompter_starts(), 0, "a broken file must be refused before the consent window");
}

/// Runs `kyso-agent sign --pin-stdin ARGS PATHS` with the PIN on stdin.
fn cli_sign(pki: &Pki, config: &Path, args: &[&str], paths: &[&Path]) -> std::process::Output {
    cli_sign_with(pki, config, args, paths, &[])
}

fn cli_sign_with(
    pki: &Pki,
    config: &Path,
    args: &[&str],
    paths: &[&Path],
    env: &[(&str, &str)],
) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(kyso_tests::binary("kyso-agent"))
        .arg("--config")
        .arg(config)
        .args(["sign", "--pin-stdin"])
        .args(args)
        .args(paths)
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .env("KYSO_POLICY", "")
        .env("KYSO_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn kyso-agent sign");
    child.stdin.take().expect("stdin").write_all(format!("{PIN}\n").as_bytes()).expect("pin");
    child.wait_with_output().expect("wait")
}

#[test]
fn cli_signs_a_pdf_file_to_file() {
    let pki = Pki::shared();
    let dir = kyso_tests::temp_dir("kyso-pdf-cli-");
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, with_audit_dir(&config_text(pki, ""), &dir.path().join("audit"))).expect("config");
    let input = dir.path().join("quyết định.pdf");
    pdfs::write_simple(&input, 2, "");
    let output = dir.path().join("quyết định (đã ký).pdf");
    let result = cli_sign(
        pki,
        &config,
        &["--cert", &pki.thumbprint("org-rsa"), "--page", "2", "--rect", "50,50,250,120"],
        &[&input, Path::new("-o"), &output],
    );
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    check_signed(pki, &input, &output, 1);
}

#[test]
fn a_signature_that_does_not_fit_its_reserve_redoes_the_revision() {
    // Debug builds take KYSO_TEST_CMS_SHORTFALL bytes off the measured reserve, as a token with
    // an unusual encoding (or, later, a large timestamp) would overflow it.
    let pki = Pki::shared();
    let dir = kyso_tests::temp_dir("kyso-pdf-redo-");
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, with_audit_dir(&config_text(pki, ""), &dir.path().join("audit"))).expect("config");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out dir");
    let inputs: Vec<_> = (0..2)
        .map(|i| {
            let path = dir.path().join(format!("letter-{i}.pdf"));
            pdfs::write_simple(&path, 1, "");
            path
        })
        .collect();
    let mut paths: Vec<&Path> = vec![Path::new("--out-dir"), &out];
    paths.extend(inputs.iter().map(PathBuf::as_path));
    let args = ["--cert", &pki.thumbprint("org-rsa"), "--act", "plain"];
    let result = cli_sign_with(pki, &config, &args, &paths, &[("KYSO_TEST_CMS_SHORTFALL", "400")]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert_eq!(stderr.matches("redoing the revision").count(), 2, "{stderr}");
    for input in &inputs {
        check_signed(pki, input, &out.join(input.file_name().expect("name")), 1);
    }
}

#[tokio::test]
async fn a_batch_is_one_consent_and_reports_each_document() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let mut documents = Vec::new();
    let mut inputs = Vec::new();
    for i in 0..5 {
        let path = dir.path().join(format!("letter-{i}.pdf"));
        pdfs::write_simple(&path, 1, "");
        let pdf = std::fs::read(&path).expect("read");
        documents.push(json!({
            "pdf_base64": B64.encode(&pdf),
            "document_name": format!("Công văn {i}.pdf"),
            "page": 1,
            "rect": [300.0, 40.0, 480.0, 120.0],
        }));
        inputs.push(path);
    }
    documents.push(json!({"pdf_base64": B64.encode(b"%PDF-1.7 broken"), "document_name": "hỏng.pdf"}));
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({ "certificate": pki.thumbprint("org-rsa"), "reason": "Phát hành", "documents": documents });
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let answer = reply.json();
    let results = answer["results"].as_array().expect("results");
    assert_eq!(results.len(), 6);
    for (i, input) in inputs.iter().enumerate() {
        assert_eq!(results[i]["document_name"], format!("Công văn {i}.pdf"));
        let signed = agent.path(&format!("batch-{i}.pdf"));
        let pdf = B64.decode(results[i]["pdf_base64"].as_str().expect("signed")).expect("base64");
        std::fs::write(&signed, pdf).expect("write");
        check_signed(pki, input, &signed, 1);
    }
    assert_eq!(results[5]["error"]["code"], "invalid_pdf");
    assert_eq!(agent.prompter_starts(), 1, "one consent for the batch");
    let prompt = &agent.prompts()[0];
    assert!(prompt.contains("Công văn 4.pdf") && !prompt.contains("hỏng.pdf"), "{prompt}");
}

#[test]
fn cli_batch_writes_every_file_into_out_dir() {
    let pki = Pki::shared();
    let dir = kyso_tests::temp_dir("kyso-pdf-cli-");
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, with_audit_dir(&config_text(pki, ""), &dir.path().join("audit"))).expect("config");
    let out = dir.path().join("đã ký");
    std::fs::create_dir(&out).expect("out dir");
    let inputs: Vec<_> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("tờ trình {i}.pdf"));
            pdfs::write_simple(&path, 1, "");
            path
        })
        .collect();
    let mut paths: Vec<&Path> = vec![Path::new("--out-dir"), &out];
    paths.extend(inputs.iter().map(PathBuf::as_path));
    let result = cli_sign(pki, &config, &["--cert", &pki.thumbprint("person-rsa")], &paths);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    for input in &inputs {
        check_signed(pki, input, &out.join(input.file_name().expect("name")), 1);
    }
}

#[tokio::test]
async fn files_from_other_producers_sign_and_stay_valid() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-producers-");
    let ghostscript = pdfs::ghostscript(dir.path());
    let pdfa = pdfs::ghostscript_pdfa(dir.path(), 2);
    let reportlab = pdfs::reportlab(dir.path());
    let signed_by_pyhanko = pdfs::pyhanko_signed(&reportlab, dir.path(), pki, "person-rsa");
    let certificate = pki.thumbprint("org-rsa");
    for (input, earlier) in [(ghostscript, 0), (pdfa, 0), (reportlab, 0), (signed_by_pyhanko, 1)] {
        let stem = input.file_stem().expect("stem").to_string_lossy().into_owned();
        let reply = sign_raw(&agent, &input, &format!("certificate={certificate}&act=copy")).await;
        let signed = save(&agent, &reply, &format!("{stem}-copy.pdf"));
        check_signed(pki, &input, &signed, earlier + 1);
    }
    // The PDF/A-2b stays PDF/A: its XMP still claims part 2 and the new font is embedded.
    let fonts = std::process::Command::new("pdffonts").arg(agent.path("pdfa-2b-copy.pdf")).output().expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.lines().skip(2).all(|l| l.contains(" yes ")), "a font is not embedded:\n{fonts}");
}

#[tokio::test]
async fn encrypted_files_are_refused_with_pdf_encrypted() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-pdf-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "");
    let cases = [
        ("owner-aes256", ["--encrypt", "", "owner-secret", "256", "--"].as_slice()),
        ("owner-rc4", &["--allow-weak-crypto", "--encrypt", "", "owner-secret", "128", "--use-aes=n", "--"]),
        ("user-password", &["--encrypt", "user-secret", "owner-secret", "256", "--"]),
    ];
    for (name, args) in cases {
        let input = pdfs::qpdf(&base, dir.path(), name, args);
        let reply = sign_raw(&agent, &input, &format!("certificate={}", pki.thumbprint("org-rsa"))).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (422, "pdf_encrypted"), "{name}");
    }
    assert_eq!(agent.prompter_starts(), 0, "refused before the consent window");
}

#[tokio::test]
async fn every_file_of_the_producer_corpus_signs_or_is_refused_cleanly() {
    use kyso_tests::corpus::Corpus;
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let corpus = Corpus::shared();
    let certificate = pki.thumbprint("org-rsa");
    for entry in corpus.entries() {
        let input = corpus.path(&entry.file);
        let field = entry.empty_fields.first().map(|f| format!("&field={f}")).unwrap_or_default();
        let reply = sign_raw(&agent, &input, &format!("certificate={certificate}&act=copy{field}")).await;
        if entry.encrypted {
            assert_eq!((reply.status, reply.error_code().as_str()), (422, "pdf_encrypted"), "{}", entry.file);
            continue;
        }
        if !entry.valid {
            // Hostile files are refused, or (like a flate bomb we never inflate) signed as they are.
            assert!(
                reply.status == 200 || (reply.status, reply.error_code().as_str()) == (422, "invalid_pdf"),
                "{}: {} {}",
                entry.file,
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
            continue;
        }
        let signed = save(&agent, &reply, &format!("corpus-{}", entry.file));
        verify::qpdf_check(&signed).unwrap_or_else(|e| panic!("{}: qpdf {e}", entry.file));
        let total = entry.signatures + 1;
        // pdfsig also lists the empty fields left unsigned.
        let listed = total + entry.empty_fields.len().saturating_sub(1);
        assert_eq!(verify::pdfsig(&signed).expect("pdfsig"), (total, listed), "{}", entry.file);
        assert!(verify::is_byte_prefix(&input, &signed).expect("compare"), "{}", entry.file);
        let mut roots = corpus.trust_roots(entry);
        roots.push(pki.path("root.pem"));
        let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
        let lines = verify::pyhanko_validate_pdf(&signed, &roots).unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        assert_eq!(lines.len(), total, "{}: {lines:?}", entry.file);
        for line in &lines {
            assert!(line.contains("INTACT:TRUSTED") && !line.ends_with("INVALID"), "{}: {line}", entry.file);
        }
    }
}
