//! The daemon itself: status, certificate listing, listeners, shutdown.

use kyso_tests::agent::Agent;
use kyso_tests::client::PORTAL;
use kyso_tests::pki::Pki;

#[tokio::test]
async fn status_reports_version_tokens_and_origin() {
    let agent = Agent::start(Pki::shared());
    let reply = agent.client().get("/v1/status").await;
    assert_eq!(reply.status, 200);
    let status = reply.json();
    assert_eq!(status["agent"], "kyso");
    assert_eq!(status["api_version"], 1);
    assert_eq!(status["tokens_present"], true);
    assert_eq!(status["origin"], PORTAL);
    assert_eq!(reply.header("access-control-allow-origin"), Some(PORTAL));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn certificates_describe_every_certificate() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let list = agent.client().get("/v1/certificates").await.json();
    let certs = list["certificates"].as_array().expect("list");
    assert_eq!(certs.len(), 7, "{list}");
    let find = |name: &str| {
        let thumbprint = pki.thumbprint(name);
        certs.iter().find(|c| c["thumbprint"] == thumbprint.as_str()).unwrap_or_else(|| panic!("{name} not listed"))
    };
    let person = find("person-rsa");
    assert!(person["subject"].as_str().is_some_and(|s| s.contains("CN=Nguyễn Văn An")), "{person}");
    assert_eq!(person["key"]["type"], "rsa");
    assert_eq!(person["key"]["bits"], 2048);
    assert_eq!(person["key_usage"], serde_json::json!(["digital_signature", "non_repudiation"]));
    assert_eq!(person["signature_algorithms"], serde_json::json!(["rsa-pss", "rsa-pkcs1"]));
    assert_eq!(person["token"]["label"], "kyso-test");
    assert!(person["der_base64"].as_str().is_some_and(|d| d.len() > 500));
    let ec = find("person-ec");
    assert_eq!(ec["key"], serde_json::json!({"type": "ec", "bits": 256, "curve": "P-256"}));
    assert_eq!(ec["signature_algorithms"], serde_json::json!(["ecdsa"]));
    assert_eq!(person["status"], "valid");
    let expired = find("expired-rsa");
    assert!(expired["not_after"].as_str().is_some_and(|t| t.starts_with("2021-01-01")));
    assert_eq!(expired["status"], "expired");
    let issuing =
        certs.iter().find(|c| c["key_usage"] == serde_json::json!(["key_cert_sign", "crl_sign"])).expect("issuing CA");
    assert_eq!(issuing["status"], "not_for_signing");
}

#[tokio::test]
async fn listens_on_both_loopbacks_only() {
    let agent = Agent::start(Pki::shared());
    let port = agent.port();
    assert!(std::net::TcpStream::connect(("::1", port)).is_ok(), "no [::1] listener");
    let mut bound_elsewhere = false;
    if let Ok(addrs) = std::process::Command::new("ss").args(["-ltnH"]).output() {
        for line in String::from_utf8_lossy(&addrs.stdout).lines().filter(|l| l.contains(&format!(":{port} "))) {
            bound_elsewhere |= !(line.contains("127.0.0.1:") || line.contains("[::1]:"));
        }
    }
    assert!(!bound_elsewhere, "listening on a non-loopback address");
}

// Multi-threaded so the client's connection task runs and closes, as a browser's would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_shuts_down_cleanly() {
    // Several rounds: exiting while the token worker finalised its modules used to deadlock
    // inside SoftHSM's destructors, but only now and then.
    for _ in 0..10 {
        let mut agent = Agent::start(Pki::shared());
        assert_eq!(agent.client().get("/v1/status").await.status, 200);
        let Some(status) = agent.stop() else { panic!("still running 20 s after SIGTERM\n{}", agent.log()) };
        assert!(status.success(), "exit status {status:?}\n{}", agent.log());
        assert!(agent.log().contains("shutting down"), "{}", agent.log());
    }
}

#[tokio::test]
async fn demo_serves_the_portal_page_on_its_own_origin() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let pki = Pki::shared();
    let page_port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let dir = kyso_tests::temp_dir("kyso-demo-");
    let config = dir.path().join("agent.toml");
    let text = kyso_tests::agent::config_text(pki, "")
        .replace(&format!("[\"{PORTAL}\"]"), &format!("[\"https://localhost:{page_port}\"]"));
    std::fs::write(&config, kyso_tests::agent::with_audit_dir(&text, &dir.path().join("audit"))).expect("config");
    let mut child = Command::new(kyso_tests::binary("kyso-agent"))
        .arg("--config")
        .arg(&config)
        .args(["demo", "--page-port", &page_port.to_string()])
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .env("KYSO_POLICY", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut line).expect("first line");
    let api_port: u16 = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).expect("api port");
    let page = kyso_tests::client::Client::new(page_port, &kyso_tests::agent::dev_cert().join("ca.pem"));
    let host = format!("localhost:{page_port}");
    let reply = page.send("GET", "/", &[("host", &host)], Vec::new()).await;
    let js = page.send("GET", "/kyso.js", &[("host", &host)], Vec::new()).await;
    let plugin = page.send("GET", "/plugin.html", &[("host", &host)], Vec::new()).await;
    let sample = page.send("GET", "/files/cong-van-mau.pdf", &[("host", &host)], Vec::new()).await;
    let _ = child.kill();
    assert!(js.status == 200 && String::from_utf8_lossy(&js.body).contains("export class Kyso"));
    assert!(plugin.status == 200 && String::from_utf8_lossy(&plugin.body).contains("wss:"));
    assert!(sample.status == 200 && sample.body.starts_with(b"%PDF-1.7"));
    let _ = child.wait();
    assert_eq!(reply.status, 200);
    let html = String::from_utf8_lossy(&reply.body);
    assert!(html.contains(&format!("new Kyso(\"https://127.0.0.1:{api_port}\")")), "{html}");
    assert!(html.contains("act-approve") && html.contains("/plugin.html"), "{html}");
}
