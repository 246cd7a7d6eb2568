//! Documents by URL: downloaded from and uploaded to a portal over real TLS (its own CA, trusted
//! through `outbound.tls_roots`), only on allowed origins; batch answers as `multipart/form-data`.
//! Every signed output is checked by pdfsig, qpdf and pyHanko.

use std::path::Path;

use base64::Engine;
use kyso_tests::agent::{Agent, config_text};
use kyso_tests::client::{PORTAL, Reply};
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::portal::{Portal, parse_multipart};
use kyso_tests::{pdfs, verify};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// An agent allowing [`PORTAL`] and `portal`, trusting the portal's CA when `trust` is set.
fn agent_for(pki: &Pki, portal: &Portal, trust: bool) -> Agent {
    let allowed = format!("allowed_origins = [\"{PORTAL}\"]");
    let mut config =
        config_text(pki, "").replace(&allowed, &format!("allowed_origins = [\"{PORTAL}\", \"{}\"]", portal.origin()));
    config.push_str("[outbound]\ntimeout_seconds = 2\n");
    if trust {
        config.push_str(&format!("tls_roots = [{:?}]\n", portal.ca()));
    }
    Agent::start_with_config(pki, &config)
}

/// A one-page letter as bytes.
fn letter(dir: &Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    pdfs::write_simple(&path, 1, "");
    std::fs::read(&path).expect("read letter")
}

async fn post(agent: &Agent, body: &serde_json::Value, accept: Option<&str>) -> Reply {
    let mut headers = vec![("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/json")];
    if let Some(accept) = accept {
        headers.push(("accept", accept));
    }
    agent.client().send("POST", "/v1/sign/pdf", &headers, serde_json::to_vec(body).expect("json")).await
}

/// Checks `signed` (whose input was `input`) with pdfsig, qpdf and pyHanko.
fn check(pki: &Pki, dir: &Path, input: &[u8], signed: &[u8], name: &str) {
    let (input_path, signed_path) = (dir.join(format!("{name}.in.pdf")), dir.join(format!("{name}.pdf")));
    std::fs::write(&input_path, input).expect("write");
    std::fs::write(&signed_path, signed).expect("write");
    assert!(signed.starts_with(input), "{name}: the input is not a prefix of the output");
    verify::qpdf_check(&signed_path).unwrap_or_else(|e| panic!("qpdf {name}: {e}"));
    assert_eq!(verify::pdfsig(&signed_path).expect("pdfsig"), (1, 1), "{name}");
    let lines = verify::pyhanko_pdf(&signed_path, &pki.path("root.pem")).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[tokio::test]
async fn a_pdf_by_url_is_downloaded_signed_and_uploaded_with_the_session() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let agent = agent_for(pki, &portal, true);
    let dir = kyso_tests::temp_dir("kyso-urls-");
    let input = letter(dir.path(), "letter.pdf");
    portal.serve("Công văn 12.pdf", input.clone());
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "certificate": pki.thumbprint("org-rsa"),
        "pdf_url": portal.url("/files/C%C3%B4ng%20v%C4%83n%2012.pdf"),
        "upload_url": portal.url("/upload"),
        "url_auth": { "bearer": "eyJhbGciOi.test", "cookie": "ASP.NET_SessionId=abc123" },
        "act": "plain",
    });
    let reply = post(&agent, &body, None).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let answer = reply.json();
    assert!(answer.get("pdf_base64").is_none(), "uploaded, not returned: {answer}");
    assert_eq!(answer["upload"]["status"], 200);
    assert_eq!(answer["upload"]["url"], portal.url("/upload"));
    assert_eq!(answer["upload"]["response"]["FileServer"], portal.url("/signed/0.pdf"), "the handler's JSON");
    assert_eq!(answer["field_name"], "Signature1");

    let uploads = portal.uploads();
    assert_eq!(uploads.len(), 1);
    let part = &uploads[0][0];
    assert_eq!(part.name, "uploadfile", "the field portals built for the VGCA plugin read");
    assert_eq!(part.filename.as_deref(), Some("Công văn 12.pdf"), "named after the URL");
    assert_eq!(part.content_type.as_deref(), Some("application/pdf"));
    check(pki, dir.path(), &input, &part.data, "by-url");

    let seen = portal.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for request in &seen {
        assert_eq!(request.cookie.as_deref(), Some("ASP.NET_SessionId=abc123"), "{request:?}");
        assert_eq!(request.authorization.as_deref(), Some("Bearer eyJhbGciOi.test"), "{request:?}");
    }
    assert!(agent.prompts()[0].contains("Công văn 12.pdf"), "the consent names the document");
    assert!(!agent.log().contains("abc123"), "credentials stay out of the log");
}

#[tokio::test]
async fn urls_off_the_allowed_origins_are_refused_before_anything_is_fetched() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let agent = agent_for(pki, &portal, true);
    portal.serve("a.pdf", b"%PDF-1.7".to_vec());
    let http = portal.url("/files/a.pdf").replace("https://", "http://");
    // The same server under another name is another origin.
    let other_host = portal.url("/files/a.pdf").replace("127.0.0.1", "localhost");
    let with_credentials = portal.url("/files/a.pdf").replace("https://", "https://user:pw@");
    let certificate = pki.thumbprint("org-rsa");
    for url in [http.as_str(), &other_host, &with_credentials, "https://evil.example/a.pdf", "file:///etc/passwd"] {
        let reply = post(&agent, &json!({ "certificate": certificate, "pdf_url": url }), None).await;
        assert_eq!((reply.status, reply.error_code()), (403, "url_not_allowed".into()), "{url}");
        let inline = B64.encode(b"%PDF-1.7");
        let reply =
            post(&agent, &json!({ "certificate": certificate, "pdf_base64": inline, "upload_url": url }), None).await;
        assert_eq!((reply.status, reply.error_code()), (403, "url_not_allowed".into()), "upload to {url}");
        let download_then_upload =
            json!({ "certificate": certificate, "pdf_url": portal.url("/files/a.pdf"), "upload_url": url });
        let reply = post(&agent, &download_then_upload, None).await;
        assert_eq!((reply.status, reply.error_code()), (403, "url_not_allowed".into()), "upload to {url}");
        let batch = json!({ "certificate": certificate, "documents": [
            { "pdf_url": portal.url("/files/a.pdf") }, { "pdf_url": url } ] });
        let reply = post(&agent, &batch, None).await;
        assert_eq!((reply.status, reply.error_code()), (403, "url_not_allowed".into()), "batch with {url}");
    }
    let reply = post(&agent, &json!({ "certificate": certificate, "pdf_url": "not a url" }), None).await;
    assert_eq!(reply.error_code(), "bad_request");
    let both = json!({ "certificate": certificate, "pdf_url": portal.url("/files/a.pdf"), "pdf_base64": "JVBE" });
    assert_eq!(post(&agent, &both, None).await.error_code(), "bad_request");
    assert!(portal.seen().is_empty(), "nothing fetched: {:?}", portal.seen());
    assert_eq!(agent.prompter_starts(), 0, "the user was never asked");
}

#[tokio::test]
async fn download_and_upload_failures_are_clear_errors() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let agent = agent_for(pki, &portal, true);
    let dir = kyso_tests::temp_dir("kyso-urls-");
    portal.serve("letter.pdf", letter(dir.path(), "letter.pdf"));
    let certificate = pki.thumbprint("org-rsa");
    let fetch = |path: &str| json!({ "certificate": certificate, "pdf_url": portal.url(path) });

    let reply = post(&agent, &fetch("/redirect"), None).await;
    assert_eq!((reply.status, reply.error_code()), (502, "download_failed".into()));
    let detail = reply.json()["error"]["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("redirect") && detail.contains("not followed"), "{detail}");
    assert!(reply.json()["error"]["message_vi"].as_str().is_some_and(|m| m.contains("Không tải được")));

    let reply = post(&agent, &fetch("/files/absent.pdf"), None).await;
    assert_eq!(reply.error_code(), "download_failed");
    assert!(reply.json()["error"]["detail"].as_str().is_some_and(|d| d.contains("404")), "{:?}", reply.json());

    let started = std::time::Instant::now();
    let reply = post(&agent, &fetch("/stall"), None).await;
    assert_eq!(reply.error_code(), "download_failed");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "the 2 s timeout held: {:?}", started.elapsed());

    let reply = post(&agent, &fetch("/big"), None).await;
    assert_eq!((reply.status, reply.error_code()), (413, "too_large".into()));
    assert_eq!(agent.prompter_starts(), 0, "nothing to sign, nobody asked");

    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({ "certificate": certificate, "pdf_url": portal.url("/files/letter.pdf"),
                       "upload_url": portal.url("/upload-fail") });
    let reply = post(&agent, &body, None).await;
    assert_eq!((reply.status, reply.error_code()), (502, "upload_failed".into()));
    assert!(reply.json()["error"]["detail"].as_str().is_some_and(|d| d.contains("500") && d.contains("disk is full")));

    // A portal whose certificate the agent does not trust.
    let untrusting = agent_for(pki, &portal, false);
    let reply = post(&untrusting, &fetch("/files/letter.pdf"), None).await;
    assert_eq!(reply.error_code(), "download_failed");
    let detail = reply.json()["error"]["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.to_lowercase().contains("certificate"), "a TLS verification failure: {detail}");
}

#[tokio::test]
async fn a_batch_mixes_sources_and_answers_multipart() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let agent = agent_for(pki, &portal, true);
    let dir = kyso_tests::temp_dir("kyso-urls-");
    let inline = letter(dir.path(), "inline.pdf");
    let remote = letter(dir.path(), "remote.pdf");
    portal.serve("remote.pdf", remote.clone());
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "certificate": pki.thumbprint("org-rsa"),
        "act": "copy",
        "documents": [
            { "pdf_base64": B64.encode(&inline), "document_name": "Tờ trình.pdf" },
            { "pdf_url": portal.url("/files/remote.pdf") },
            { "pdf_url": portal.url("/files/absent.pdf") },
            { "pdf_url": portal.url("/files/remote.pdf"), "upload_url": portal.url("/upload") },
        ],
    });
    let reply = post(&agent, &body, Some("multipart/form-data")).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let content_type = reply.header("content-type").expect("content type").to_owned();
    let parts = parse_multipart(&content_type, &reply.body).expect("a multipart/form-data answer");
    assert_eq!(parts[0].name, "results", "the results come first");
    let answer: serde_json::Value = serde_json::from_slice(&parts[0].data).expect("results JSON");
    let results = answer["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["part"], "document-0");
    assert_eq!(results[1]["part"], "document-1");
    assert_eq!(results[1]["document_name"], "remote.pdf");
    assert_eq!(results[2]["error"]["code"], "download_failed");
    assert_eq!(results[3]["upload"]["status"], 200);
    assert!(results.iter().all(|r| r.get("pdf_base64").is_none()), "{answer}");
    assert_eq!(parts.len(), 3, "results and two documents");
    for (part, input, name) in [(&parts[1], &inline, "Tờ trình.pdf"), (&parts[2], &remote, "remote.pdf")] {
        assert_eq!(part.filename.as_deref(), Some(name));
        check(pki, dir.path(), input, &part.data, &part.name);
    }
    check(pki, dir.path(), &remote, &portal.uploads()[0][0].data, "uploaded");
    assert_eq!(agent.prompter_starts(), 1, "one consent for the batch");
    let prompt = &agent.prompts()[0];
    assert!(prompt.contains("Tờ trình.pdf") && !prompt.contains("absent.pdf"), "{prompt}");
}
