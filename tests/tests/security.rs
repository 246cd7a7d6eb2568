//! The guard: every request that is not from an allowed origin, to our loopback name, in a form
//! that forces a browser preflight, is refused before any work, and the prompt never opens.

use base64::Engine;
use kyso_tests::agent::Agent;
use kyso_tests::client::PORTAL;
use kyso_tests::pki::{PIN, Pki};
use serde_json::json;

/// What is sent, what must come back: (what, method, path, headers, status, code).
type Case<'a> = (&'a str, &'a str, &'a str, Vec<(&'a str, &'a str)>, u16, &'a str);

#[tokio::test]
async fn refused_requests_never_reach_the_prompt() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let pin = format!("pin {PIN}");
    agent.answers(&[pin.as_str(); 8]);
    let client = agent.client();
    let port = agent.port();
    let body = serde_json::to_vec(&json!({
        "content_base64": base64::engine::general_purpose::STANDARD.encode(b"x"),
        "certificate": pki.thumbprint("person-rsa"),
    }))
    .expect("json");
    let ok_host = format!("127.0.0.1:{port}");
    let other_port = format!("localhost:{}", port.wrapping_add(1));
    let evil_host = format!("evil.test:{port}");
    let json_type = ("content-type", "application/json");
    let custom = ("x-kyso-request", "1");
    let cases: Vec<Case> = vec![
        ("no Origin", "POST", "/v1/sign/detached", vec![json_type, custom], 403, "origin_not_allowed"),
        (
            "verify from another site",
            "POST",
            "/v1/verify",
            vec![("origin", "https://evil.test"), json_type, custom],
            403,
            "origin_not_allowed",
        ),
        (
            "verify by form",
            "POST",
            "/v1/verify",
            vec![("origin", PORTAL), ("content-type", "text/plain"), custom],
            415,
            "unsupported_media_type",
        ),
        (
            "Origin null",
            "POST",
            "/v1/sign/detached",
            vec![("origin", "null"), json_type, custom],
            403,
            "origin_not_allowed",
        ),
        (
            "other site",
            "POST",
            "/v1/sign/detached",
            vec![("origin", "https://evil.test"), json_type, custom],
            403,
            "origin_not_allowed",
        ),
        (
            "other scheme",
            "POST",
            "/v1/sign/detached",
            vec![("origin", "http://portal.test:8443"), json_type, custom],
            403,
            "origin_not_allowed",
        ),
        (
            "other port",
            "POST",
            "/v1/sign/detached",
            vec![("origin", "https://portal.test:8444"), json_type, custom],
            403,
            "origin_not_allowed",
        ),
        (
            "default port",
            "POST",
            "/v1/sign/detached",
            vec![("origin", "https://portal.test"), json_type, custom],
            403,
            "origin_not_allowed",
        ),
        (
            "suffix site",
            "POST",
            "/v1/sign/detached",
            vec![("origin", "https://portal.test:8443.evil.test"), json_type, custom],
            403,
            "origin_not_allowed",
        ),
        (
            "rebinding Host",
            "POST",
            "/v1/sign/detached",
            vec![("host", &evil_host), ("origin", PORTAL), json_type, custom],
            421,
            "host_not_allowed",
        ),
        (
            "Host without port",
            "POST",
            "/v1/sign/detached",
            vec![("host", "127.0.0.1"), ("origin", PORTAL), json_type, custom],
            421,
            "host_not_allowed",
        ),
        (
            "Host other port",
            "POST",
            "/v1/sign/detached",
            vec![("host", &other_port), ("origin", PORTAL), json_type, custom],
            421,
            "host_not_allowed",
        ),
        (
            "Host portal name",
            "POST",
            "/v1/sign/detached",
            vec![("host", "portal.test:8443"), ("origin", PORTAL), json_type, custom],
            421,
            "host_not_allowed",
        ),
        (
            "form POST",
            "POST",
            "/v1/sign/detached",
            vec![("origin", PORTAL), ("content-type", "application/x-www-form-urlencoded"), custom],
            415,
            "unsupported_media_type",
        ),
        (
            "text/plain POST",
            "POST",
            "/v1/sign/detached",
            vec![("origin", PORTAL), ("content-type", "text/plain"), custom],
            415,
            "unsupported_media_type",
        ),
        (
            "no custom header",
            "POST",
            "/v1/sign/detached",
            vec![("origin", PORTAL), json_type],
            403,
            "missing_request_header",
        ),
        (
            "custom header 0",
            "POST",
            "/v1/sign/detached",
            vec![("origin", PORTAL), json_type, ("x-kyso-request", "0")],
            403,
            "missing_request_header",
        ),
        ("GET with query", "GET", "/v1/certificates?sign=1", vec![("origin", PORTAL)], 400, "bad_request"),
        ("GET sign", "GET", "/v1/sign/detached", vec![("origin", PORTAL)], 405, "method_not_allowed"),
        ("PUT", "PUT", "/v1/sign/detached", vec![("origin", PORTAL), json_type, custom], 405, "method_not_allowed"),
        ("unknown path", "POST", "/v1/sign/everything", vec![("origin", PORTAL), json_type, custom], 404, "not_found"),
        (
            "preflight other site",
            "OPTIONS",
            "/v1/sign/detached",
            vec![("origin", "https://evil.test"), ("access-control-request-method", "POST")],
            403,
            "origin_not_allowed",
        ),
    ];
    for (what, method, path, headers, status, code) in cases {
        let mut headers = headers;
        if !headers.iter().any(|(k, _)| *k == "host") {
            headers.push(("host", &ok_host));
        }
        let reply = client.send(method, path, &headers, body.clone()).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (status, code), "{what}");
        let leaks_cors = reply.header("access-control-allow-origin").is_some();
        assert!(!leaks_cors || headers.contains(&("origin", PORTAL)), "{what}: CORS header for a refused origin");
        assert!(
            reply.json()["error"]["message_vi"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: no Vietnamese message"
        );
    }
    assert_eq!(agent.prompter_starts(), 0, "the prompt opened for a refused request");
}

#[tokio::test]
async fn preflight_from_the_portal_is_answered() {
    let agent = Agent::start(Pki::shared());
    let headers = [
        ("origin", PORTAL),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "content-type,x-kyso-request"),
        ("access-control-request-private-network", "true"),
    ];
    let reply = agent.client().send("OPTIONS", "/v1/sign/detached", &headers, Vec::new()).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some(PORTAL));
    assert_eq!(reply.header("access-control-allow-private-network"), Some("true"));
    assert!(reply.header("access-control-allow-headers").is_some_and(|h| h.contains("x-kyso-request")));
    assert_eq!(reply.header("vary"), Some("Origin"));
}

#[tokio::test]
async fn bad_bodies_get_clear_errors() {
    let pki = Pki::shared();
    let agent = Agent::start_with(pki, "[limits]\nmax_body_bytes = 4096");
    let client = agent.client();
    let thumbprint = pki.thumbprint("person-rsa");
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let cases = [
        (json!({"certificate": thumbprint}), "bad_request"),
        (
            json!({"content_base64": b64(b"x"), "digest_base64": b64(&[0; 32]), "certificate": thumbprint}),
            "bad_request",
        ),
        (json!({"content_base64": "%%%", "certificate": thumbprint}), "bad_request"),
        (json!({"content_base64": b64(b"x"), "certificate": "abc"}), "bad_request"),
        (json!({"content_base64": b64(b"x"), "certificate": thumbprint, "surprise": 1}), "bad_request"),
        (json!({"content_base64": 12, "certificate": thumbprint}), "bad_request"),
        (json!({"digest_base64": b64(&[0; 20]), "certificate": thumbprint}), "bad_request"),
        (json!({"content_base64": b64(b"x"), "certificate": "00".repeat(32)}), "certificate_not_found"),
        (json!({"content_base64": b64(&[7; 4000]), "certificate": thumbprint}), "too_large"),
    ];
    for (body, code) in cases {
        let reply = client.post_json("/v1/sign/detached", &body).await;
        assert_eq!(reply.error_code(), code, "{body}");
    }
    let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/json")];
    let reply = client.send("POST", "/v1/sign/detached", &headers, b"{not json".to_vec()).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (400, "bad_request"));
    let raw = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/octet-stream")];
    let path = format!("/v1/sign/detached?certificate={thumbprint}");
    let reply = client.send("POST", &path, &raw, vec![0; 5000]).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (413, "too_large"));
    let reply = client.send("POST", &format!("{path}&certificate=x"), &raw, vec![0; 10]).await;
    assert_eq!(reply.error_code(), "bad_request");
    let reply = client.send("POST", "/v1/sign/detached?document_name=x", &raw, vec![0; 10]).await;
    assert_eq!(reply.error_code(), "bad_request");
    assert_eq!(agent.prompter_starts(), 0);
    // Still serving.
    assert_eq!(client.get("/v1/status").await.status, 200);
}

#[tokio::test]
async fn one_prompt_at_a_time_then_busy() {
    let pki = Pki::shared();
    let agent = Agent::start_with(pki, "[limits]\nmax_queued_requests = 0");
    agent.answers(&["sleep 3", &format!("pin {PIN}")]);
    let body = json!({
        "content_base64": base64::engine::general_purpose::STANDARD.encode(b"x"),
        "certificate": pki.thumbprint("person-rsa"),
    });
    let client = agent.client();
    let first = {
        let (client, body) = (client.clone(), body.clone());
        tokio::spawn(async move { client.post_json("/v1/sign/detached", &body).await })
    };
    for _ in 0..200 {
        if !agent.prompts().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(agent.prompts().len(), 1, "first prompt not shown");
    let second = client.post_json("/v1/sign/detached", &body).await;
    assert_eq!((second.status, second.error_code().as_str()), (429, "busy"));
    let first = first.await.expect("first request");
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
    assert_eq!(agent.prompter_starts(), 1);
}
