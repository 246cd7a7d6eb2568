//! B-T signatures: an RFC 3161 timestamp from the test PKI's TSA (`openssl ts -reply` on
//! loopback), validated by pyHanko with revocation checking on (OCSP and CRLs from the
//! responders named in the certificates) and by OpenSSL.

use base64::Engine;
use kyso_tests::agent::Agent;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{pdfs, verify};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn with_tsa(pki: &Pki) -> String {
    format!("[tsa]\nurl = {:?}\n", pki.responders().tsa_url())
}

#[tokio::test]
async fn pdf_b_t_is_validated_with_revocation_checks() {
    let pki = Pki::shared();
    let agent = Agent::start_with(pki, &with_tsa(pki));
    let input = agent.path("letter.pdf");
    pdfs::write_simple(&input, 1, "");
    let stamps_before = pki.responders().hits("tsa");
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "pdf_base64": B64.encode(std::fs::read(&input).expect("input")),
        "certificate": pki.thumbprint("person-rsa"),
        "act": "approve",
        "level": "B-T",
        "document_name": "Công văn.pdf",
    });
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let answer = reply.json();
    assert_eq!(answer["level"], "B-T");
    let stamped = answer["timestamp_time"].as_str().expect("timestamp_time");
    assert_recent(stamped);
    assert!(pki.responders().hits("tsa") > stamps_before, "the TSA was not asked");

    let signed = agent.path("signed.pdf");
    std::fs::write(&signed, B64.decode(answer["pdf_base64"].as_str().expect("pdf")).expect("base64")).expect("write");
    assert!(verify::is_byte_prefix(&input, &signed).expect("read"));
    verify::qpdf_check(&signed).expect("qpdf");
    assert_eq!(verify::pdfsig(&signed).expect("pdfsig"), (1, 1));
    let report = verify::pyhanko_revocation_checked(&signed, &pki.path("root.pem")).expect("pyhanko, revocation on");
    assert!(report.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{report}");
    let ocsp = pki.responders().hits("ocsp");
    assert!(ocsp > 0, "pyHanko asked no OCSP responder");
}

#[tokio::test]
async fn detached_b_t_carries_a_signature_timestamp() {
    let pki = Pki::shared();
    let agent = Agent::start_with(pki, &with_tsa(pki));
    let content = "Báo cáo tổng hợp quý IV".as_bytes();
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "content_base64": B64.encode(content),
        "certificate": pki.thumbprint("person-ec"),
        "level": "B-T",
    });
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let answer = reply.json();
    assert_eq!(answer["level"], "B-T");
    assert_recent(answer["timestamp_time"].as_str().expect("timestamp_time"));
    let (signature, data) = (agent.path("sig.p7s"), agent.path("content.bin"));
    std::fs::write(&signature, B64.decode(answer["signature_base64"].as_str().expect("sig")).expect("b64"))
        .expect("write");
    std::fs::write(&data, content).expect("write");
    verify::openssl_cms(&signature, &data, &pki.path("chain.pem")).expect("openssl cms -verify");
    let printed = verify::cms_print(&signature).expect("cms print");
    assert!(printed.contains("id-smime-aa-timeStampToken"), "no signature timestamp:\n{printed}");
    let report = verify::pyhanko_detached_revocation_checked(&signature, &data, &pki.path("root.pem"))
        .expect("pyhanko, revocation on");
    assert!(report.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{report}");
}

#[tokio::test]
async fn a_tsa_that_is_down_fails_before_the_user_is_asked() {
    let pki = Pki::fresh();
    let agent = Agent::start_with(&pki, &with_tsa(&pki));
    pki.responders().stop();
    let body = json!({
        "content_base64": B64.encode(b"x"),
        "certificate": pki.thumbprint("person-rsa"),
        "level": "B-T",
    });
    // A detached signature is stamped after the token signs; the PDF reserve is measured on a
    // sample token first, so a PDF request finds the TSA down before the consent.
    let input = agent.path("in.pdf");
    pdfs::write_simple(&input, 1, "");
    let pdf = json!({
        "pdf_base64": B64.encode(std::fs::read(&input).expect("input")),
        "certificate": pki.thumbprint("person-rsa"),
        "level": "B-T",
    });
    let reply = agent.client().post_json("/v1/sign/pdf", &pdf).await;
    assert_eq!(reply.error_code(), "timestamp_failed", "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.status, 502);
    assert_eq!(agent.prompter_starts(), 0, "the user was asked although the TSA is down");

    agent.answers(&[&format!("pin {PIN}")]);
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.error_code(), "timestamp_failed", "{}", String::from_utf8_lossy(&reply.body));
    let detail = reply.json()["error"]["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("/tsa"), "{detail}");

    pki.responders().resume();
    agent.answers(&[&format!("pin {PIN}")]);
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
}

#[tokio::test]
async fn b_t_without_a_tsa_is_refused_before_the_user_is_asked() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let body = json!({
        "content_base64": B64.encode(b"x"),
        "certificate": pki.thumbprint("person-rsa"),
        "level": "B-T",
    });
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.error_code(), "timestamp_failed");
    assert!(String::from_utf8_lossy(&reply.body).contains("tsa.url"));
    let reply = agent.client().post_json("/v1/sign/detached", &json!({"level": "B-X", "certificate": "00"})).await;
    assert_eq!(reply.error_code(), "bad_request");
    assert_eq!(agent.prompter_starts(), 0);
}

/// An RFC 3339 time within a few minutes of now (parsed by `date`, not by our code).
fn assert_recent(rfc3339: &str) {
    let out = std::process::Command::new("date").args(["-u", "-d", rfc3339, "+%s"]).output().expect("date");
    let then: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or_else(|_| panic!("{rfc3339:?}"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    assert!((now - then).abs() < 300, "{rfc3339} is not now");
}

/// The administrator's `[defaults]`: a request that names no level and no act gets B-T and
/// the portal's act (a certified copy), and says so in its answer.
#[tokio::test]
async fn policy_defaults_give_bare_requests_their_level_and_act() {
    let pki = Pki::shared();
    let dir = tempfile::tempdir().expect("temp");
    let policy = dir.path().join("policy.toml");
    let portal = kyso_tests::client::PORTAL;
    std::fs::write(
        &policy,
        format!(
            "allowed_origins = [\"{portal}\"]\n[defaults]\nlevel = \"B-LT\"\nacts = {{ \"{portal}\" = \"copy\" }}\n"
        ),
    )
    .expect("policy");
    let agent = Agent::start_with_policy(pki, &kyso_tests::agent::config_text(pki, &with_tsa(pki)), &policy);
    let input = agent.path("ban-sao.pdf");
    pdfs::write_simple(&input, 1, "");
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "pdf_base64": B64.encode(std::fs::read(&input).expect("input")),
        "certificate": pki.thumbprint("person-rsa"),
        "document_name": "ban-sao.pdf",
    });
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let answer = reply.json();
    assert_eq!(answer["level"], "B-LT", "the default level");
    assert_recent(answer["timestamp_time"].as_str().expect("timestamp_time"));
    let signed = agent.path("signed.pdf");
    std::fs::write(&signed, B64.decode(answer["pdf_base64"].as_str().expect("pdf")).expect("base64")).expect("write");
    assert_eq!(verify::pdfsig(&signed).expect("pdfsig"), (1, 1));
    let text = std::process::Command::new("pdftotext").arg(&signed).arg("-").output().expect("pdftotext");
    assert!(String::from_utf8_lossy(&text.stdout).contains("SAO Y"), "the copy act is drawn");
    assert!(agent.prompts().pop().expect("a prompt").contains("Certified copy"), "and shown in the prompt");

    // A detached request naming no level gets the default level too, as far as CAdES goes.
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({"content_base64": B64.encode(b"to khai"), "certificate": pki.thumbprint("person-rsa")});
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["level"], "B-T", "B-LT is for PDFs: detached, B-T");
    assert_recent(reply.json()["timestamp_time"].as_str().expect("timestamp_time"));
}
