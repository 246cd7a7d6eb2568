//! Token and user outcomes: wrong PIN, cancel, expired certificate, token pulled out.

use base64::Engine;
use kyso_tests::agent::Agent;
use kyso_tests::pki::{PIN, Pki};
use serde_json::json;

fn sign_body(pki: &Pki, cert: &str) -> serde_json::Value {
    json!({
        "content_base64": base64::engine::general_purpose::STANDARD.encode(b"Cong van so 45/SNN"),
        "certificate": pki.thumbprint(cert),
        "document_name": "cong-van.txt",
    })
}

#[tokio::test]
async fn wrong_pin_is_reported_and_never_retried() {
    let pki = Pki::fresh();
    let agent = Agent::start(&pki);
    agent.answers(&["pin 999999", &format!("pin {PIN}")]);
    let client = agent.client();
    let reply = client.post_json("/v1/sign/detached", &sign_body(&pki, "person-rsa")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (403, "pin_incorrect"), "{}", reply.json());
    // SoftHSM raises CKF_USER_PIN_COUNT_LOW after a wrong PIN; the caller learns it.
    assert_eq!(reply.json()["error"]["pin"], json!({"count_low": true, "final_try": false}), "{}", reply.json());
    // One prompt, one login: the agent did not try the second answer on its own.
    assert_eq!(agent.prompts().len(), 1);
    let reply = client.post_json("/v1/sign/detached", &sign_body(&pki, "person-rsa")).await;
    assert_eq!(reply.status, 200, "{}", reply.json());
    assert_eq!(agent.prompts().len(), 2);
    // The second prompt warned that a wrong PIN was entered before.
    assert!(agent.prompts()[1].ends_with("Note: a wrong PIN was entered before."), "{}", agent.prompts()[1]);
}

#[tokio::test]
async fn cancel_is_user_cancelled() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    agent.answers(&["cancel"]);
    let reply = agent.client().post_json("/v1/sign/detached", &sign_body(pki, "org-rsa")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (409, "user_cancelled"));
    assert_eq!(agent.prompts().len(), 1);
}

#[tokio::test]
async fn prompt_timeout_is_a_refusal_not_a_hang() {
    let pki = Pki::shared();
    let agent = Agent::start_with(pki, "prompt_timeout_seconds = 5");
    agent.answers(&["sleep 20", &format!("pin {PIN}")]);
    let started = std::time::Instant::now();
    let reply = agent.client().post_json("/v1/sign/detached", &sign_body(pki, "org-rsa")).await;
    assert_eq!(reply.error_code(), "user_cancelled");
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn expired_certificate_is_refused_before_the_prompt() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let reply = agent.client().post_json("/v1/sign/detached", &sign_body(pki, "expired-rsa")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (403, "certificate_expired"));
    assert_eq!(agent.prompter_starts(), 0);
}

#[tokio::test]
async fn token_pulled_out_while_the_prompt_is_open() {
    let pki = Pki::fresh();
    let agent = Agent::start(&pki);
    let client = agent.client();
    assert_eq!(client.get("/v1/certificates").await.json()["certificates"].as_array().map(Vec::len), Some(7));
    agent.answers(&[&format!("run {}", pki.delete_token_command()), &format!("pin {PIN}")]);
    let reply = client.post_json("/v1/sign/detached", &sign_body(&pki, "person-rsa")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (503, "token_absent"), "{}", reply.json());
    // The agent lives on and reports what is there now.
    let listed = client.get("/v1/certificates").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["certificates"].as_array().map(Vec::len), Some(0));
    let reply = client.post_json("/v1/sign/detached", &sign_body(&pki, "person-rsa")).await;
    assert_eq!(reply.error_code(), "certificate_not_found");
}

#[tokio::test]
async fn missing_prompt_program_is_prompter_unavailable() {
    let pki = Pki::shared();
    let pinentry = format!("prompter = {:?}", kyso_tests::binary("kyso-test-pinentry"));
    let config = kyso_tests::agent::config_text(pki, "").replace(&pinentry, "prompter = \"/nonexistent/pinentry\"");
    let agent = Agent::start_with_config(pki, &config);
    let reply = agent.client().post_json("/v1/sign/detached", &sign_body(pki, "org-rsa")).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (503, "prompter_unavailable"), "{}", reply.json());
}
