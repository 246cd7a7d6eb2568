//! Detached CAdES signatures through the HTTPS API, checked by OpenSSL and pyHanko.

use base64::Engine;
use kyso_tests::agent::Agent;
use kyso_tests::client::PORTAL;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::verify;
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Writes the signature and content, and checks both verifiers accept it and reject a tampered
/// content.
fn check_independently(agent: &Agent, pki: &Pki, name: &str, signature_b64: &str, content: &[u8]) {
    let signature = agent.path(&format!("{name}.p7s"));
    let data = agent.path(&format!("{name}.bin"));
    std::fs::write(&signature, B64.decode(signature_b64).expect("base64 signature")).expect("write p7s");
    std::fs::write(&data, content).expect("write content");
    verify::openssl_cms(&signature, &data, &pki.path("chain.pem")).expect("openssl cms -verify");
    verify::pyhanko_detached(&signature, &data, &pki.path("root.pem")).expect("pyhanko validate");

    let mut tampered = content.to_vec();
    tampered.push(b'!');
    std::fs::write(&data, tampered).expect("write tampered");
    assert!(
        verify::openssl_cms(&signature, &data, &pki.path("chain.pem")).is_err(),
        "openssl accepted tampered content"
    );
    assert!(
        verify::pyhanko_detached(&signature, &data, &pki.path("root.pem")).is_err(),
        "pyhanko accepted tampered content"
    );
}

#[tokio::test]
async fn json_content_with_each_algorithm() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let content = "Tờ trình về việc phê duyệt kế hoạch năm 2027".as_bytes();
    let cases = [
        ("person-rsa", None, "rsa-pss"),
        ("org-rsa", Some("rsa-pkcs1"), "rsa-pkcs1"),
        ("person-ec", None, "ecdsa"),
        ("person-rsa", Some("rsa-pss"), "rsa-pss"),
    ];
    for (i, (cert, requested, expected)) in cases.into_iter().enumerate() {
        agent.answers(&[&format!("pin {PIN}")]);
        let mut body = json!({
            "content_base64": B64.encode(content),
            "certificate": pki.thumbprint(cert),
            "document_name": "to-trinh.txt",
        });
        if let Some(algorithm) = requested {
            body["signature_algorithm"] = json!(algorithm);
        }
        let reply = agent.client().post_json("/v1/sign/detached", &body).await;
        assert_eq!(reply.status, 200, "{cert}: {}", String::from_utf8_lossy(&reply.body));
        let answer = reply.json();
        assert_eq!(answer["signature_algorithm"], expected);
        assert_eq!(answer["certificate"], pki.thumbprint(cert));
        assert_eq!(reply.header("access-control-allow-origin"), Some(PORTAL));
        check_independently(
            &agent,
            pki,
            &format!("case{i}"),
            answer["signature_base64"].as_str().expect("sig"),
            content,
        );
    }
    // The user saw who asked, what, with which certificate.
    let prompts = agent.prompts();
    assert_eq!(prompts.len(), 4);
    assert!(prompts[0].contains(PORTAL) && prompts[0].contains("to-trinh.txt"), "{}", prompts[0]);
    assert!(prompts[0].contains("Nguyễn Văn An") && prompts[0].contains("kyso-test"), "{}", prompts[0]);
}

#[tokio::test]
async fn cms_structure_is_cades_b_b() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({"content_base64": B64.encode(b"x"), "certificate": pki.thumbprint("org-rsa")});
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let path = agent.path("b-b.p7s");
    std::fs::write(&path, B64.decode(reply.json()["signature_base64"].as_str().expect("sig")).expect("b64"))
        .expect("write");
    let dump = verify::cms_print(&path).expect("openssl parses the CMS");
    for attribute in ["contentType", "messageDigest", "signingTime", "id-smime-aa-signingCertificateV2"] {
        assert!(dump.contains(attribute), "missing {attribute}:\n{dump}");
    }
    assert!(dump.contains("eContent: <ABSENT>"), "not detached:\n{dump}");
    // The issuing CA's certificate is on the token, so it travels with the signature.
    assert!(dump.contains("Test C") && dump.matches("cert_info:").count() == 2, "chain not included:\n{dump}");
}

#[tokio::test]
async fn digest_mode_with_sha384() {
    use sha2::Digest;
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    agent.answers(&[&format!("pin {PIN}")]);
    let content = b"Quyet dinh so 123/QD-UBND".repeat(100);
    let digest = sha2::Sha384::digest(&content);
    let body = json!({
        "digest_base64": B64.encode(digest),
        "digest_algorithm": "sha384",
        "certificate": pki.thumbprint("person-rsa"),
        "signature_algorithm": "rsa-pkcs1",
    });
    let reply = agent.client().post_json("/v1/sign/detached", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["digest_algorithm"], "sha384");
    check_independently(&agent, pki, "sha384", reply.json()["signature_base64"].as_str().expect("sig"), &content);
    assert!(agent.prompts()[0].contains("digest only"), "{}", agent.prompts()[0]);
}

#[tokio::test]
async fn raw_body_large_content() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    agent.answers(&[&format!("pin {PIN}")]);
    // 12 MiB: more than a JSON body should carry, streamed to disk by the agent.
    let content: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let path = format!(
        "/v1/sign/detached?certificate={}&document_name=ban-scan.pdf&digest_algorithm=sha512",
        pki.thumbprint("person-ec")
    );
    let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/octet-stream")];
    let reply = agent.client().send("POST", &path, &headers, content.clone()).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    check_independently(&agent, pki, "raw", reply.json()["signature_base64"].as_str().expect("sig"), &content);
    assert!(agent.prompts()[0].contains("ban-scan.pdf (12.0 MiB, SHA512"), "{}", agent.prompts()[0]);
}

#[tokio::test]
async fn over_http2() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    agent.answers(&[&format!("pin {PIN}")]);
    let client = agent.client();
    let authority = format!("127.0.0.1:{}", agent.port());
    let body =
        serde_json::to_vec(&json!({"content_base64": B64.encode(b"h2"), "certificate": pki.thumbprint("org-rsa")}))
            .expect("json");
    let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/json")];
    let reply = client.send_h2("POST", &authority, "/v1/sign/detached", &headers, body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    check_independently(&agent, pki, "h2", reply.json()["signature_base64"].as_str().expect("sig"), b"h2");
    let status = client.send_h2("GET", &authority, "/v1/status", &[("origin", PORTAL)], Vec::new()).await;
    assert_eq!(status.status, 200);
    let rebound = client
        .send_h2("GET", &format!("evil.test:{}", agent.port()), "/v1/status", &[("origin", PORTAL)], Vec::new())
        .await;
    assert_eq!(rebound.error_code(), "host_not_allowed");
}

#[tokio::test]
async fn key_that_asks_for_the_pin_at_every_signature() {
    // CKA_ALWAYS_AUTHENTICATE: the agent logs in again (context-specific) between C_SignInit and
    // the signature, with the PIN the user gave once.
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    for algorithm in ["rsa-pss", "rsa-pkcs1"] {
        agent.answers(&[&format!("pin {PIN}")]);
        let body = json!({
            "content_base64": B64.encode(b"Quyet dinh"),
            "certificate": pki.thumbprint("person-always"),
            "signature_algorithm": algorithm,
        });
        let reply = agent.client().post_json("/v1/sign/detached", &body).await;
        assert_eq!(reply.status, 200, "{algorithm}: {}", String::from_utf8_lossy(&reply.body));
        check_independently(
            &agent,
            pki,
            algorithm,
            reply.json()["signature_base64"].as_str().expect("sig"),
            b"Quyet dinh",
        );
    }
    assert_eq!(agent.prompts().len(), 2, "one prompt per signature");
}
