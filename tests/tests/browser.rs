//! Browser end-to-end: Debian's chromium (driven by playwright-core, no browser download)
//! loads a portal page over real TLS and signs through `kyso.js` (one PDF, a batch) and through
//! the Government CA plugin's WebSocket calls, trusting the agent's and the portal's CAs only
//! through an NSS database, as the installer sets one up: no certificate-error flags. From an
//! origin Kyso does not allow, nothing reaches the token or the prompt.

use std::path::{Path, PathBuf};
use std::process::Command;

use kyso_tests::agent::{Agent, config_text, dev_cert};
use kyso_tests::client::PORTAL;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::portal::Portal;
use kyso_tests::{images, pdfs, verify};
use serde_json::Value;

fn browser_dir() -> PathBuf {
    kyso_tests::browser::dir()
}

/// A home directory whose NSS database (`~/.pki/nssdb`, where Chromium looks on Linux) trusts
/// `cas` for TLS.
fn nss_home(cas: &[&Path]) -> tempfile::TempDir {
    let home = kyso_tests::temp_dir("kyso-browser-home-");
    let db = home.path().join(".pki/nssdb");
    std::fs::create_dir_all(&db).expect("nssdb dir");
    let db = format!("sql:{}", db.display());
    let run = |args: &[&str]| {
        let out = Command::new("certutil").args(args).output().expect("certutil (libnss3-tools)");
        assert!(out.status.success(), "certutil {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["-d", &db, "-N", "--empty-password"]);
    for (index, ca) in cas.iter().enumerate() {
        let name = format!("kyso-test-ca-{index}");
        run(&["-d", &db, "-A", "-t", "C,,", "-n", &name, "-i", ca.to_str().expect("utf-8 path")]);
    }
    home
}

fn open(url: &str, home: &Path) -> Value {
    kyso_tests::browser::open(url, home).result
}

fn serve_page(portal: &Portal, letter: &[u8]) {
    let js = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/js/kyso.js")).expect("kyso.js");
    portal.serve_page("kyso.js", "text/javascript; charset=utf-8", js);
    let html = std::fs::read(browser_dir().join("portal.html")).expect("portal.html");
    portal.serve_page("portal.html", "text/html; charset=utf-8", html);
    portal.serve("letter.pdf", letter.to_vec());
    portal.serve("b.pdf", letter.to_vec());
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_signs_through_kyso_js_and_the_plugin_protocol() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let stranger = Portal::start();
    let dir = kyso_tests::temp_dir("kyso-browser-");
    let (signature, letter_path) = (dir.path().join("signature.png"), dir.path().join("letter.pdf"));
    images::signature(&signature);
    pdfs::write_simple(&letter_path, 1, "");
    let letter = std::fs::read(&letter_path).expect("letter");
    serve_page(&portal, &letter);
    serve_page(&stranger, &letter);

    let allowed = format!("allowed_origins = [\"{PORTAL}\"]");
    let mut config =
        config_text(pki, "").replace(&allowed, &format!("allowed_origins = [\"{PORTAL}\", \"{}\"]", portal.origin()));
    config.push_str(&format!("[outbound]\ntls_roots = [{:?}]\n", portal.ca()));
    let thumbprint = pki.thumbprint("org-rsa");
    config.push_str(&format!("[compat]\ncertificate = {thumbprint:?}\nsignature_image = {signature:?}\n"));
    let agent = Agent::start_with_config(pki, &config);
    let agent_url = format!("https://127.0.0.1:{}", agent.port());
    let home = nss_home(&[&dev_cert().join("ca.pem"), portal.ca(), stranger.ca()]);

    agent.answers(&[&format!("pin {PIN}"), &format!("pin {PIN}"), &format!("pin {PIN}")]);
    let page = |portal: &Portal, scenario: &str| {
        portal.url(&format!("/page/portal.html?agent={agent_url}&cert={thumbprint}&scenario={scenario}"))
    };
    let result = tokio::task::block_in_place(|| open(&page(&portal, "allowed"), home.path()));
    assert!(result.get("error").is_none(), "{result}\n{}", agent.log());
    assert_eq!(result["origin"], portal.origin(), "{result}");
    assert!(result["certificates"].as_u64().unwrap_or(0) >= 1, "{result}");
    assert_eq!(result["single"]["field"], "Signature1", "{result}");
    assert_eq!(result["batch"].as_array().map(Vec::len), Some(2), "{result}");
    assert_eq!(result["plugin"]["Status"], 0, "{result}");
    assert_eq!(result["verdict"], "valid", "{result}");
    assert_eq!(agent.prompter_starts(), 3, "one consent per call, one for the batch");
    let uploads = portal.uploads();
    assert_eq!(uploads.len(), 4, "single, two of the batch, the plugin call");
    for (index, form) in uploads.iter().enumerate() {
        let path = dir.path().join(format!("upload-{index}.pdf"));
        std::fs::write(&path, &form[0].data).expect("write");
        assert!(form[0].data.starts_with(&letter), "upload {index} is not an incremental update of the letter");
        assert_eq!(verify::pdfsig(&path).expect("pdfsig"), (1, 1), "upload {index}");
        verify::pyhanko_pdf(&path, &pki.path("root.pem")).unwrap_or_else(|e| panic!("upload {index}: {e}"));
    }
    let plugin_seen = portal.seen().into_iter().filter(|s| s.cookie.is_some()).count();
    assert!(plugin_seen >= 2, "the plugin call's download and upload carry the session");

    // Another site: refused before any work, and the page cannot even read why.
    let result = tokio::task::block_in_place(|| open(&page(&stranger, "refused"), home.path()));
    assert_eq!(result["detect"], "agent_unreachable", "{result}");
    assert!(result["plugin"].get("Status").is_none(), "the upgrade was accepted: {result}");
    assert_eq!(agent.prompter_starts(), 3, "the refused page reached the prompt");
    assert!(stranger.uploads().is_empty());
    assert!(agent.log().contains("origin_not_allowed") || agent.log().contains("not allowed"), "{}", agent.log());
}

/// `kyso-agent demo` as a newcomer uses it: chromium approves then issues the sample decision
/// through `kyso.js` (signature and seal drawn by the page), verifies and uploads it, then makes
/// a SignApproved call from the plugin page; the demo's upload handler keeps what was signed.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_walks_through_every_flow() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let pki = Pki::shared();
    let dir = kyso_tests::temp_dir("kyso-demo-");
    let page_port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let origin = format!("https://localhost:{page_port}");
    let ca = dev_cert().join("ca.pem");
    let mut config = config_text(pki, "").replace(&format!("[\"{PORTAL}\"]"), &format!("[\"{origin}\"]"));
    config.push_str(&format!("[outbound]\ntls_roots = [{ca:?}]\n"));
    config.push_str(&format!("[compat]\ncertificate = {:?}\n", pki.thumbprint("person-rsa")));
    let config = kyso_tests::agent::with_audit_dir(&config, &dir.path().join("audit"));
    std::fs::write(dir.path().join("agent.toml"), config).expect("config");
    let pinentry = dir.path().join("pinentry");
    std::fs::create_dir(&pinentry).expect("pinentry dir");
    std::fs::write(pinentry.join("answers"), format!("pin {PIN}\n").repeat(3)).expect("answers");
    let mut child = Command::new(kyso_tests::binary("kyso-agent"))
        .arg("--config")
        .arg(dir.path().join("agent.toml"))
        .args(["demo", "--page-port", &page_port.to_string()])
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .env("KYSO_POLICY", "")
        .env("KYSO_TEST_PINENTRY_DIR", &pinentry)
        .env("KYSO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    // The reader stays open: the demo prints more, and a closed pipe would end it.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    assert!(line.contains("listening"), "{line}");
    let home = nss_home(&[&ca]);
    let out = tokio::task::block_in_place(|| {
        Command::new("node")
            .arg(browser_dir().join("demo.mjs"))
            .arg(&origin)
            .arg(pki.thumbprint("person-rsa"))
            .env("HOME", home.path())
            // KYSO_DEMO_SCREENSHOT and KYSO_DEMO_SIGNED keep the page's screenshot and the issued
            // decision for a person to look at.
            .env("SCREENSHOT", std::env::var_os("KYSO_DEMO_SCREENSHOT").unwrap_or(dir.path().join("demo.png").into()))
            .env("SIGNED", std::env::var_os("KYSO_DEMO_SIGNED").unwrap_or(dir.path().join("issued.pdf").into()))
            .current_dir(browser_dir())
            .output()
            .expect("node")
    });
    let _ = child.kill();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo.mjs:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let steps = &answer["steps"];
    assert!(steps.get("error").is_none(), "{answer}");
    assert!(steps["status"].as_str().unwrap_or_default().contains("đang chạy"), "{steps}");
    for act in ["approve", "issue"] {
        assert!(steps[act].as_str().unwrap_or_default().starts_with("Đã ký"), "{act}: {steps}");
    }
    assert!(steps["verify"].as_str().unwrap_or_default().contains("verdict: valid — 2"), "{steps}");
    assert!(steps["upload"].as_str().unwrap_or_default().contains(&format!("{origin}/files/da-ky-")), "{steps}");
    assert_eq!(steps["plugin"]["Status"], 0, "{steps}");
    assert!(steps["plugin"]["FileServer"]["FileServer"].as_str().unwrap_or_default().starts_with(&origin), "{steps}");
    // The number goes into the form's blank before its printed symbol: written once.
    let issued = std::env::var_os("KYSO_DEMO_SIGNED").map_or(dir.path().join("issued.pdf"), PathBuf::from);
    let text = Command::new("pdftotext").arg(&issued).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("123") && text.matches("QĐ-UBND").count() == 1, "{text}");
    let starts = std::fs::read_to_string(pinentry.join("log")).unwrap_or_default();
    assert_eq!(starts.lines().filter(|l| l.starts_with("START")).count(), 3, "three consents");
}
