//! The audit trail: every signing request, and every request refused at the door, leaves one
//! line with time, origin, act, document names and digests, certificate, result and error
//! code, in the user's append-only file and in the systemd journal; never the PIN, never the
//! content.

use base64::Engine;
use kyso_tests::agent::Agent;
use kyso_tests::client::PORTAL;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{journal, pdfs};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn sign_body(pki: &Pki, pdf: &[u8], name: &str) -> Value {
    json!({
        "pdf_base64": B64.encode(pdf),
        "certificate": pki.thumbprint("person-rsa"),
        "document_name": name,
        "act": "approve",
    })
}

#[tokio::test]
async fn each_request_leaves_one_line_in_the_file_and_the_journal() {
    journal::ensure_running();
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-audit-");
    let path = dir.path().join("letter.pdf");
    pdfs::write_simple(&path, 2, "");
    let pdf = std::fs::read(&path).expect("read");
    let name = format!("Quyết định {}.pdf", agent.port());

    // Signed.
    agent.answers(&[&format!("pin {PIN}")]);
    let reply = agent.client().post_json("/v1/sign/pdf", &sign_body(pki, &pdf, &name)).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    // Cancelled in the consent window.
    agent.answers(&["cancel"]);
    let reply = agent.client().post_json("/v1/sign/pdf", &sign_body(pki, &pdf, &name)).await;
    assert_eq!(reply.error_code(), "user_cancelled");
    // A wrong PIN.
    agent.answers(&["pin 000000"]);
    let secret = "Nội dung mật: kế hoạch 2027";
    let body = json!({
        "content_base64": B64.encode(secret),
        "certificate": pki.thumbprint("person-ec"),
        "document_name": "to-trinh.txt",
    });
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.error_code(), "pin_incorrect");
    // A site that is not allowed, turned away before anything.
    let evil = format!("https://evil-{}.example", agent.port());
    let headers = [("origin", evil.as_str()), ("x-kyso-request", "1"), ("content-type", "application/json")];
    let reply = agent.client().send("POST", "/v1/sign/pdf", &headers, b"{}".to_vec()).await;
    assert_eq!(reply.error_code(), "origin_not_allowed");

    let entries = agent.audit();
    assert_eq!(entries.len(), 4, "{entries:#?}");
    let [signed, cancelled, wrong_pin, refused] = [&entries[0], &entries[1], &entries[2], &entries[3]];
    assert_eq!(signed["origin"], PORTAL);
    assert_eq!(signed["operation"], "sign_pdf");
    assert_eq!(signed["act"], "approve");
    assert_eq!(signed["result"], "signed");
    assert_eq!(signed["error"], Value::Null);
    assert_eq!(signed["certificate"]["thumbprint"], pki.thumbprint("person-rsa"));
    assert!(signed["certificate"]["subject"].as_str().is_some_and(|s| s.contains("CN=")), "{signed}");
    let document = &signed["documents"][0];
    assert_eq!(document["name"], name);
    assert_eq!(document["pages"], 2);
    assert_eq!(document["size"], pdf.len());
    assert_eq!(
        document["digest"],
        json!(["SHA-256", hex::encode(Sha256::digest(&pdf))]),
        "the digest of the bytes consented to"
    );
    assert!(signed["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(
        (cancelled["result"].as_str(), cancelled["error"].as_str()),
        (Some("cancelled"), Some("user_cancelled"))
    );
    assert_eq!((wrong_pin["result"].as_str(), wrong_pin["error"].as_str()), (Some("failed"), Some("pin_incorrect")));
    assert_eq!(wrong_pin["operation"], "sign_detached");
    assert_eq!((refused["result"].as_str(), refused["error"].as_str()), (Some("refused"), Some("origin_not_allowed")));
    assert_eq!(refused["origin"], evil);

    let text = agent.audit_text();
    for never in [PIN, "000000", secret, &B64.encode(secret)] {
        assert!(!text.contains(never), "the trail holds {never:?}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(agent.path("audit/audit.log")).expect("file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the user's own");
    }

    // The same entries, as fields in the systemd journal.
    let journal = journal::entries("KYSO_ORIGIN", &evil);
    assert_eq!(journal.len(), 1, "{journal:#?}");
    assert_eq!(journal[0]["KYSO_RESULT"], "refused");
    assert_eq!(journal[0]["SYSLOG_IDENTIFIER"], "kyso-agent");
    assert_eq!(journal[0]["PRIORITY"], "4");
    let ours: Vec<Value> = journal::entries("KYSO_ORIGIN", PORTAL)
        .into_iter()
        .filter(|e| e["MESSAGE"].as_str().is_some_and(|m| m.contains(&name)))
        .collect();
    assert!(ours.iter().any(|e| e["KYSO_RESULT"] == "signed" && e["KYSO_ACT"] == "approve"), "{ours:#?}");
}

#[test]
fn a_batch_records_each_documents_outcome() {
    let pki = Pki::shared();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-audit-");
    let path = dir.path().join("a.pdf");
    pdfs::write_simple(&path, 1, "");
    let pdf = std::fs::read(&path).expect("read");
    let documents = json!([
        {"pdf_base64": B64.encode(&pdf), "document_name": "Công văn 1.pdf"},
        {"pdf_base64": B64.encode(b"%PDF-1.7 broken"), "document_name": "hỏng.pdf"},
    ]);
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({"certificate": pki.thumbprint("org-rsa"), "documents": documents, "act": "copy"});
    let reply = runtime.block_on(agent.client().post_json("/v1/sign/pdf", &body));
    assert_eq!(reply.status, 200);
    let results = reply.json()["results"].clone();
    assert!(results[0]["pdf_base64"].is_string() && results[1]["error"]["code"] == "invalid_pdf", "{results:#}");
    let entries = agent.audit();
    assert_eq!(entries.len(), 1, "one request, one line: {entries:#?}");
    let entry = &entries[0];
    assert_eq!((entry["operation"].as_str(), entry["result"].as_str()), (Some("sign_pdfs"), Some("partial")));
    assert_eq!(entry["error"], "invalid_pdf");
    let names: Vec<&str> =
        entry["documents"].as_array().expect("documents").iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["Công văn 1.pdf", "hỏng.pdf"]);
    assert_eq!(entry["documents"][0]["error"], Value::Null);
    assert_eq!(entry["documents"][1]["error"], "invalid_pdf");
}
