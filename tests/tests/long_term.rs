//! B-LT and B-LTA: the DSS revision (certificates, OCSP responses, CRLs of the signer's and the
//! TSA's chains) and the document timestamp, made when signing or later by `kyso-agent extend`;
//! validated by pyHanko with revocation checking on, then again with the responders stopped
//! (the evidence is in the file).

use base64::Engine;
use kyso_tests::agent::{Agent, configured, kyso_command};
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{pdfs, verify};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn with_tsa(pki: &Pki) -> String {
    format!("[tsa]\nurl = {:?}\n", pki.responders().tsa_url())
}

/// Signs a one-page letter at `level` through the API and returns the signed file.
async fn sign_at(agent: &Agent, pki: &Pki, level: &str, name: &str) -> std::path::PathBuf {
    let input = agent.path(&format!("{name}.in.pdf"));
    pdfs::write_simple(&input, 1, "");
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "pdf_base64": B64.encode(std::fs::read(&input).expect("input")),
        "certificate": pki.thumbprint("person-rsa"),
        "act": "approve",
        "level": level,
        "document_name": "Quyết định.pdf",
    });
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let answer = reply.json();
    assert_eq!(answer["level"], level);
    let signed = agent.path(&format!("{name}.pdf"));
    std::fs::write(&signed, B64.decode(answer["pdf_base64"].as_str().expect("pdf")).expect("base64")).expect("write");
    assert!(verify::is_byte_prefix(&input, &signed).expect("read"));
    signed
}

/// pdfsig finds the signature valid (poppler does not check document timestamps: it lists them
/// as "not yet verified").
fn pdfsig_signature_valid(file: &std::path::Path) {
    let (valid, total) = verify::pdfsig(file).expect("pdfsig");
    assert!(valid >= 1 && total >= valid, "pdfsig: {valid} of {total} valid");
}

#[tokio::test]
async fn b_lt_and_b_lta_validate_with_the_responders_stopped() {
    let pki = Pki::fresh();
    let agent = Agent::start_with(&pki, &with_tsa(&pki));
    let root = pki.path("root.pem");
    let lt = sign_at(&agent, &pki, "B-LT", "lt").await;
    let lta = sign_at(&agent, &pki, "B-LTA", "lta").await;
    for file in [&lt, &lta] {
        verify::qpdf_check(file).expect("qpdf");
        pdfsig_signature_valid(file);
        // Online, the way pyHanko validates by default (revocation required), and ETSI-style:
        // the DSS and document timestamp are signature maintenance, which the signature allows.
        let report = verify::pyhanko_revocation_checked(file, &root).expect("pyhanko, revocation on");
        assert!(report.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES"), "{report}");
        let ades = verify::pyhanko_ades(file, &root).expect("pyhanko adesverify");
        assert!(ades.contains("The signature is judged VALID."), "{ades}");
    }
    let fields = verify::pyhanko_fields(&lta).expect("fields");
    assert_eq!(fields, ["Signature1:FILLED", "DocTimeStamp1:FILLED"]);

    // The CAs are gone: the evidence in the file is all there is.
    pki.responders().stop();
    for file in [&lt, &lta] {
        let report = verify::pyhanko_offline(file, &root).expect("pyhanko with the embedded evidence only");
        assert!(report.contains("Signature1:INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{report}");
    }
    let report = verify::pyhanko_offline(&lta, &root).expect("offline");
    assert!(report.contains("DocTimeStamp1:INTACT:TRUSTED"), "{report}");
    // And a B-T file has none: the same check fails on it.
    pki.responders().resume();
    let bt = sign_at(&agent, &pki, "B-T", "bt").await;
    pki.responders().stop();
    assert!(verify::pyhanko_offline(&bt, &root).is_err(), "a B-T file validated without responders");
}

#[tokio::test]
async fn extend_raises_b_t_to_b_lta_and_renews_it() {
    let pki = Pki::fresh();
    let agent = Agent::start_with(&pki, &with_tsa(&pki));
    let root = pki.path("root.pem");
    let bt = sign_at(&agent, &pki, "B-T", "bt").await;
    let (dir, config) = configured(&pki, &with_tsa(&pki));
    let extend = |input: &std::path::Path, output: &std::path::Path, level: &str| {
        let result = kyso_command(&pki, &config)
            .args(["extend", "--level", level])
            .arg(input)
            .arg("-o")
            .arg(output)
            .output()
            .expect("run");
        (result.status.success(), String::from_utf8_lossy(&result.stderr).into_owned())
    };

    let lta = dir.path().join("lta.pdf");
    let (ok, said) = extend(&bt, &lta, "B-LTA");
    assert!(ok, "{said}");
    assert!(said.contains("Signature1") && said.contains("DocTimeStamp1"), "{said}");
    assert!(verify::is_byte_prefix(&bt, &lta).expect("read"), "earlier revisions changed");
    verify::qpdf_check(&lta).expect("qpdf");

    // Renewal, in place: the first document timestamp gets its validation data, then a second
    // timestamp covers everything.
    let renewed = dir.path().join("renewed.pdf");
    std::fs::copy(&lta, &renewed).expect("copy");
    let (ok, said) = extend(&renewed, &renewed, "B-LTA");
    assert!(ok, "{said}");
    assert!(said.contains("DocTimeStamp1") && said.contains("DocTimeStamp2"), "{said}");
    assert!(verify::is_byte_prefix(&lta, &renewed).expect("read"));
    let fields = verify::pyhanko_fields(&renewed).expect("fields");
    assert_eq!(fields, ["Signature1:FILLED", "DocTimeStamp1:FILLED", "DocTimeStamp2:FILLED"]);
    let ades = verify::pyhanko_ades(&renewed, &root).expect("adesverify");
    assert!(ades.contains("The signature is judged VALID."), "{ades}");

    pki.responders().stop();
    for file in [&lta, &renewed] {
        let report = verify::pyhanko_offline(file, &root).expect("offline");
        assert!(report.contains("Signature1:INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{report}");
    }
    let report = verify::pyhanko_offline(&renewed, &root).expect("offline");
    assert!(
        report.contains("DocTimeStamp1:INTACT:TRUSTED") && report.contains("DocTimeStamp2:INTACT:TRUSTED"),
        "{report}"
    );

    // With the responders down nothing can be added: the command fails and writes nothing.
    let failed = dir.path().join("failed.pdf");
    let (ok, said) = extend(&bt, &failed, "B-LT");
    assert!(!ok && said.contains("validation_data_failed"), "{said}");
    assert!(!failed.exists(), "a file was written although extending failed");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[tokio::test]
async fn what_cannot_be_extended_is_refused() {
    let pki = Pki::shared();
    let agent = Agent::start_with(pki, &with_tsa(pki));
    let (dir, config) = configured(pki, &with_tsa(pki));
    // Not signed at all.
    let plain = dir.path().join("plain.pdf");
    pdfs::write_simple(&plain, 1, "");
    let result = kyso_command(pki, &config)
        .args(["extend", "--level", "B-LT"])
        .arg(&plain)
        .arg("-o")
        .arg(dir.path().join("out.pdf"))
        .output()
        .expect("run");
    let said = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success() && said.contains("bad_request") && said.contains("no signature"), "{said}");
    // Detached signatures stop at B-T.
    let body =
        json!({"content_base64": B64.encode(b"x"), "certificate": pki.thumbprint("person-rsa"), "level": "B-LT"});
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.error_code(), "bad_request", "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(agent.prompter_starts(), 0);
}
