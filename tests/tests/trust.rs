//! Checking the signer's certificate before signing: the chain to `trust.anchors`, and its
//! revocation status from the test PKI's OCSP responder and CRLs (OpenSSL, on loopback).

use base64::Engine;
use kyso_tests::agent::{Agent, config_text};
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::verify;
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn detached(pki: &Pki, cert: &str) -> serde_json::Value {
    json!({
        "content_base64": B64.encode("Quyết định phê duyệt".as_bytes()),
        "certificate": pki.thumbprint(cert),
        "document_name": "quyet-dinh.txt",
    })
}

#[tokio::test]
async fn a_good_certificate_is_checked_by_ocsp_once_and_the_user_is_told() {
    let pki = Pki::fresh();
    let agent = Agent::start(&pki);
    for round in 0..2 {
        agent.answers(&[&format!("pin {PIN}")]);
        let reply = agent.client().post_json("/v1/sign/detached", &detached(&pki, "person-rsa")).await;
        assert_eq!(reply.status, 200, "round {round}: {}", String::from_utf8_lossy(&reply.body));
    }
    // The person's status by OCSP, the issuing CA's by the root's CRL; the second request used
    // the answers cached until their next update.
    assert_eq!(pki.responders().hits("ocsp"), 1);
    assert_eq!(pki.responders().hits("crl/root.crl"), 1);
    let prompts = agent.prompts();
    assert!(prompts[0].contains("not revoked (OCSP)"), "{}", prompts[0]);
}

#[tokio::test]
async fn a_revoked_certificate_is_refused_before_the_user_is_asked() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let reply = agent.client().post_json("/v1/sign/detached", &detached(pki, "revoked-rsa")).await;
    assert_eq!(reply.status, 403, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.error_code(), "certificate_revoked");
    let detail = reply.json()["error"]["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("Hoàng Văn Dũng") && detail.contains("KeyCompromise"), "{detail}");
    assert_eq!(agent.prompter_starts(), 0);

    // pyHanko agrees that the certificate is revoked.
    let dir = agent.path("pyhanko");
    std::fs::create_dir_all(&dir).expect("dir");
    let signed = kyso_tests::pdfs::pyhanko_signed(&pdf(&agent), &dir, pki, "revoked-rsa");
    let report = verify::pyhanko_revocation_checked(&signed, &pki.path("root.pem")).expect_err("revoked");
    assert!(report.contains("REVOKED"), "{report}");
}

#[tokio::test]
async fn the_crl_is_used_when_ocsp_is_down() {
    let pki = Pki::fresh();
    pki.responders().set_ocsp_down(true);
    let agent = Agent::start(&pki);
    let reply = agent.client().post_json("/v1/sign/detached", &detached(&pki, "revoked-rsa")).await;
    assert_eq!(reply.error_code(), "certificate_revoked", "{}", String::from_utf8_lossy(&reply.body));
    assert!(String::from_utf8_lossy(&reply.body).contains("Crl"));
    agent.answers(&[&format!("pin {PIN}")]);
    let reply = agent.client().post_json("/v1/sign/detached", &detached(&pki, "person-rsa")).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    assert!(agent.prompts()[0].contains("not revoked (CRL)"), "{}", agent.prompts()[0]);
    assert!(pki.responders().hits("crl/issuing.crl") >= 1);
}

#[tokio::test]
async fn with_the_responders_down_signing_goes_on_and_says_so_unless_refused_by_policy() {
    let pki = Pki::fresh();
    pki.responders().stop();
    let agent = Agent::start(&pki);
    agent.answers(&[&format!("pin {PIN}")]);
    let reply = agent.client().post_json("/v1/sign/detached", &detached(&pki, "person-rsa")).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let prompt = &agent.prompts()[0];
    assert!(prompt.contains("could not be checked") && prompt.contains("không kiểm tra được"), "{prompt}");

    let strict = config_text(&pki, "").replace("[trust]\n", "[trust]\nrefuse_unknown_revocation = true\n");
    let agent = Agent::start_with_config(&pki, &strict);
    let reply = agent.client().post_json("/v1/sign/detached", &detached(&pki, "person-rsa")).await;
    assert_eq!(reply.status, 503, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.error_code(), "certificate_status_unknown");
    assert_eq!(agent.prompter_starts(), 0);
}

#[tokio::test]
async fn a_certificate_outside_the_anchors_is_untrusted() {
    let pki = Pki::shared();
    // Another PKI's root: the token's certificates do not chain to it.
    let other = kyso_tests::agent::dev_cert().join("ca.pem");
    let config = config_text(pki, "").replace(&format!("{:?}", pki.path("root.pem")), &format!("{other:?}"));
    let agent = Agent::start_with_config(pki, &config);
    let reply = agent.client().post_json("/v1/sign/detached", &detached(pki, "person-rsa")).await;
    assert_eq!(reply.status, 403, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.error_code(), "certificate_untrusted");
    assert_eq!(agent.prompter_starts(), 0);

    // Trusting the issuing CA itself is enough.
    let config = config_text(pki, "").replace("root.pem", "issuing.pem");
    let agent = Agent::start_with_config(pki, &config);
    agent.answers(&[&format!("pin {PIN}")]);
    let reply = agent.client().post_json("/v1/sign/detached", &detached(pki, "person-ec")).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
}

fn pdf(agent: &Agent) -> std::path::PathBuf {
    let path = agent.path("letter.pdf");
    kyso_tests::pdfs::write_simple(&path, 1, "");
    path
}
