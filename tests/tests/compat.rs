//! Portals built for the Government CA's plugin, unchanged: `wss://127.0.0.1:<port>/<Operation>`,
//! one JSON message in, one out, the PDF downloaded from the portal and the signed one uploaded
//! to its handler as `uploadfile`, over real TLS, checked by pdfsig, qpdf and pyHanko.

use std::path::Path;

use kyso_tests::agent::{Agent, config_text};
use kyso_tests::client::PORTAL;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::portal::Portal;
use kyso_tests::{images, pdfs, verify};
use serde_json::{Value, json};

/// An agent allowing the portal, trusting its CA, signing plugin calls with `certificate`, with
/// the signature and seal images in `dir`.
fn agent_for(pki: &Pki, portal: &Portal, dir: &Path, certificate: &str) -> Agent {
    agent_with_policy(pki, portal, dir, certificate, "", Path::new(""))
}

/// As [`agent_for`], with `extra` configuration and the machine policy file `policy`.
fn agent_with_policy(pki: &Pki, portal: &Portal, dir: &Path, certificate: &str, extra: &str, policy: &Path) -> Agent {
    let (signature, seal) = (dir.join("signature.png"), dir.join("seal.png"));
    images::signature(&signature);
    images::seal(&seal);
    let allowed = format!("allowed_origins = [\"{PORTAL}\"]");
    let mut config = config_text(pki, extra)
        .replace(&allowed, &format!("allowed_origins = [\"{PORTAL}\", \"{}\"]", portal.origin()));
    config.push_str(&format!("[outbound]\ntimeout_seconds = 5\ntls_roots = [{:?}]\n", portal.ca()));
    config.push_str(&format!(
        "[compat]\ncertificate = {:?}\nsignature_image = {signature:?}\nseal_image = {seal:?}\n",
        pki.thumbprint(certificate)
    ));
    Agent::start_with_policy(pki, &config, policy)
}

fn letter(dir: &Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    pdfs::write_simple(&path, 1, "");
    std::fs::read(&path).expect("read letter")
}

/// Checks the signed upload `signed` of `input`: a prefix, sound, every signature valid.
fn check(pki: &Pki, dir: &Path, input: &[u8], signed: &[u8], name: &str, signatures: usize) {
    let (input_path, signed_path) = (dir.join(format!("{name}.in.pdf")), dir.join(format!("{name}.pdf")));
    std::fs::write(&input_path, input).expect("write");
    std::fs::write(&signed_path, signed).expect("write");
    assert!(signed.starts_with(input), "{name}: the input is not a prefix of the output");
    verify::qpdf_check(&signed_path).unwrap_or_else(|e| panic!("qpdf {name}: {e}"));
    assert_eq!(verify::pdfsig(&signed_path).expect("pdfsig"), (signatures, signatures), "{name}");
    let lines = verify::pyhanko_pdf(&signed_path, &pki.path("root.pem")).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(lines.len(), signatures, "{lines:?}");
}

#[tokio::test]
async fn approve_then_issue_as_a_document_management_system_calls_them() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let dir = kyso_tests::temp_dir("kyso-compat-");
    let agent = agent_for(pki, &portal, dir.path(), "person-rsa");
    let draft = letter(dir.path(), "draft.pdf");
    portal.serve("du-thao.pdf", draft.clone());
    let client = agent.client();

    // The loose values real pages send: DocNumber an object, IssuedDate from `new Date()`.
    agent.answers(&[&format!("pin {PIN}")]);
    let message = json!({
        "FileUploadHandler": portal.url("/upload"),
        "SessionId": "abc123",
        "JWTToken": "eyJhbGciOi.test",
        "FileName": portal.url("/files/du-thao.pdf"),
        "DocNumber": {"0": {}},
        "IssuedDate": "2026-12-02T17:30:00.000Z",
        "MetaData": [{"Key": "DocId", "Value": 42}],
    });
    let reply = client.plugin_call("SignApproved", portal.origin(), &message.to_string()).await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}\n{}", agent.log());
    assert_eq!(reply["FileServer"]["FileServer"], portal.url("/signed/0.pdf"), "the handler's answer: {reply}");
    assert_eq!(reply["FileName"], "du-thao.pdf");
    assert_eq!(reply["DocumentDate"], "2026-12-03", "JavaScript's UTC date, in Vietnam");
    assert!(reply["Message"].as_str().unwrap_or_default().contains("DocNumber ignored"), "{reply}");
    let uploads = portal.uploads();
    let (meta, part) = (&uploads[0][0], &uploads[0][1]);
    assert_eq!((meta.name.as_str(), &meta.data[..]), ("DocId", &b"42"[..]), "MetaData goes to the handler");
    assert_eq!(reply["MetaData"], json!([{"Key": "DocId", "Value": "42"}]));
    assert_eq!(part.name, "uploadfile");
    check(pki, dir.path(), &draft, &part.data, "approved", 1);
    for seen in portal.seen() {
        assert_eq!(seen.cookie.as_deref(), Some("ASP.NET_SessionId=abc123"), "{seen:?}");
        assert_eq!(seen.authorization.as_deref(), Some("Bearer eyJhbGciOi.test"), "{seen:?}");
    }
    assert!(agent.prompts()[0].contains(portal.origin()), "the consent names the portal");

    // The clerk issues it: the seal over the approver's signature, a second revision.
    let approved = part.data.clone();
    portal.serve("da-duyet.pdf", approved.clone());
    agent.answers(&[&format!("pin {PIN}")]);
    let message = json!({
        "FileUploadHandler": portal.url("/upload"),
        "SessionId": "",
        "FileName": portal.url("/files/da-duyet.pdf"),
    });
    let reply = client.plugin_call("SignIssued", portal.origin(), &message.to_string()).await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}");
    let issued = portal.uploads()[1][0].data.clone();
    check(pki, dir.path(), &approved, &issued, "issued", 2);

    // VerifyPDF on what the portal now stores.
    portal.serve("ban-hanh.pdf", issued);
    let message = json!({"FileName": portal.url("/files/ban-hanh.pdf")});
    let reply = client.plugin_call("VerifyPDF", portal.origin(), &message.to_string()).await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}");
    assert_eq!(reply["Verdict"], "valid", "{reply}");
    assert_eq!(reply["Report"]["signatures"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_batch_is_one_consent_and_a_signed_url_per_file() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let dir = kyso_tests::temp_dir("kyso-compat-");
    let agent = agent_for(pki, &portal, dir.path(), "org-rsa");
    let (a, b) = (letter(dir.path(), "a.pdf"), letter(dir.path(), "b.pdf"));
    portal.serve("a.pdf", a.clone());
    portal.serve("b.pdf", b.clone());
    agent.answers(&[&format!("pin {PIN}")]);
    let message = json!({
        "FileUploadHandler": portal.url("/upload"),
        "SessionId": "s1",
        "Files": [
            {"FileID": "101", "FileName": "Công văn A.pdf", "URL": portal.url("/files/a.pdf")},
            {"FileID": 102, "URL": portal.url("/files/b.pdf")},
        ],
    });
    let reply = agent.client().plugin_call("SignCopy", portal.origin(), &message.to_string()).await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}");
    let files = reply["Files"].as_array().expect("Files");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["FileID"], "101");
    assert_eq!(files[1]["FileID"], "102", "a numeric id is written out");
    assert_eq!(files[0]["FileSignedURL"], portal.url("/signed/0.pdf"));
    assert_eq!(files[1]["FileSignedURL"], portal.url("/signed/1.pdf"));
    assert_eq!(agent.prompter_starts(), 1, "one consent for the batch");
    let uploads = portal.uploads();
    check(pki, dir.path(), &a, &uploads[0][0].data, "copy-a", 1);
    check(pki, dir.path(), &b, &uploads[1][0].data, "copy-b", 1);
    assert_eq!(uploads[0][0].filename.as_deref(), Some("Công văn A.pdf"));
}

#[tokio::test]
async fn plugin_calls_are_signed_at_the_default_level() {
    let pki = Pki::shared();
    let portal = Portal::start();
    let dir = kyso_tests::temp_dir("kyso-compat-");
    let policy = dir.path().join("policy.toml");
    // A machine policy sets the allowed origins too.
    let origins = format!("allowed_origins = [\"{PORTAL}\", \"{}\"]", portal.origin());
    std::fs::write(&policy, format!("{origins}\n[defaults]\nlevel = \"B-T\"\n")).expect("policy");
    let tsa = format!("[tsa]\nurl = {:?}\n", pki.responders().tsa_url());
    let agent = agent_with_policy(pki, &portal, dir.path(), "person-rsa", &tsa, &policy);
    let draft = letter(dir.path(), "draft.pdf");
    portal.serve("du-thao.pdf", draft.clone());
    let stamps_before = pki.responders().hits("tsa");
    agent.answers(&[&format!("pin {PIN}")]);
    let message = json!({"FileUploadHandler": portal.url("/upload"), "FileName": portal.url("/files/du-thao.pdf")});
    let reply = agent.client().plugin_call("SignCopy", portal.origin(), &message.to_string()).await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}\n{}", agent.log());
    assert!(pki.responders().hits("tsa") > stamps_before, "the TSA was not asked");
    let signed = portal.uploads()[0][0].data.clone();
    check(pki, dir.path(), &draft, &signed, "copy-b-t", 1);
    let path = dir.path().join("copy-b-t.pdf");
    let report = verify::pyhanko_pdf_report(&path, &pki.path("root.pem")).expect("pyhanko");
    assert!(report.contains("Signature timestamp token:"), "a B-T signature: {report}");
    assert!(report.contains("The TSA certificate is trusted."), "{report}");
}

#[tokio::test]
async fn refusals_and_failures_keep_the_plugin_protocol() {
    // A token of its own: a wrong PIN is entered.
    let pki = &Pki::fresh();
    let portal = Portal::start();
    let dir = kyso_tests::temp_dir("kyso-compat-");
    let agent = agent_for(pki, &portal, dir.path(), "person-rsa");
    portal.serve("a.pdf", letter(dir.path(), "a.pdf"));
    let client = agent.client();
    let call = |operation: &'static str, origin: &'static str, message: Value| {
        let client = client.clone();
        async move { client.plugin_call(operation, origin, &message.to_string()).await }
    };
    let handler = portal.url("/upload");
    let sign = |file: String| json!({"FileUploadHandler": handler, "FileName": file});

    // The upgrade itself is refused for other sites, before anything else.
    let refused = call("SignApproved", "https://evil.test", sign(portal.url("/files/a.pdf"))).await;
    assert_eq!(refused, Err(403));
    assert_eq!(call("NoSuchOperation", PORTAL, json!({})).await, Err(404));

    // Messages that cannot be used get a Status, never a hang or a crash.
    let reply = client.plugin_call("SignApproved", PORTAL, "{not json").await.expect("upgrade");
    assert_eq!(reply["Status"], 4, "{reply}");
    let reply = call("SignApproved", PORTAL, json!({"FileName": 7, "FileUploadHandler": ["x"]})).await.expect("up");
    assert_eq!(reply["Status"], 4, "{reply}");
    assert!(reply["Message"].as_str().unwrap_or_default().contains("FileUploadHandler ignored"), "{reply}");
    // Documents and handlers off the allowed origins are refused before anything is fetched.
    let reply = call("SignApproved", PORTAL, sign("https://evil.test/a.pdf".into())).await.expect("upgrade");
    assert_eq!(reply["Status"], 7, "{reply}");
    assert_eq!(reply["ErrorCode"], "url_not_allowed");
    assert!(portal.seen().is_empty());
    assert_eq!(agent.prompter_starts(), 0, "the user was never asked");

    // The user cancels; a wrong PIN.
    let message = sign(portal.url("/files/a.pdf"));
    agent.answers(&["cancel"]);
    let reply = call("SignApproved", PORTAL, message.clone()).await.expect("upgrade");
    assert_eq!(reply["Status"], 1, "{reply}");
    agent.answers(&["pin 000000"]);
    let reply = call("SignApproved", PORTAL, message).await.expect("upgrade");
    assert_eq!(reply["Status"], 2, "{reply}");
    assert!(portal.uploads().is_empty(), "nothing uploaded");

    // GetCertInfo sends a bare word, not JSON.
    let reply = client.plugin_call("GetCertInfo", PORTAL, "get_cert_info").await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}");
    assert_eq!(reply["CertInfo"]["Thumbprint"], pki.thumbprint("person-rsa"));
    assert!(reply["CertInfo"]["Subject"].as_str().unwrap_or_default().contains("Nguyễn Văn An"), "{reply}");
}

#[tokio::test]
async fn plugin_calls_can_have_a_port_of_their_own() {
    let pki = Pki::shared();
    let mut config = config_text(pki, "");
    config.push_str(&format!("[compat]\nport = 0\ncertificate = {:?}\n", pki.thumbprint("org-rsa")));
    let agent = Agent::start_with_config(pki, &config);
    let plugin = kyso_tests::client::Client::new(agent.plugin_port(), &kyso_tests::agent::dev_cert().join("ca.pem"));
    assert_ne!(plugin.port(), agent.port());
    // Plugin calls on their port, and only there; the API only on the main port.
    let reply = plugin.plugin_call("GetCertInfo", PORTAL, "get_cert_info").await.expect("upgrade");
    assert_eq!(reply["CertInfo"]["Thumbprint"], pki.thumbprint("org-rsa"), "{reply}");
    assert_eq!(agent.client().plugin_call("GetCertInfo", PORTAL, "get_cert_info").await, Err(404));
    assert_eq!(plugin.get("/v1/status").await.status, 404);
    assert_eq!(agent.client().get("/v1/status").await.status, 200);
    // The Host must name the port the request came in on.
    let wrong_host = format!("127.0.0.1:{}", agent.port());
    let reply = plugin.send("GET", "/v1/status", &[("origin", PORTAL), ("host", &wrong_host)], Vec::new()).await;
    assert_eq!(reply.status, 421);
}

#[tokio::test]
async fn sign_msg_signs_the_pages_hash_and_openssl_verifies_it() {
    use base64::Engine;
    use sha2::Digest;
    let b64 = base64::engine::general_purpose::STANDARD;
    let pki = Pki::shared();
    let portal = Portal::start();
    let dir = kyso_tests::temp_dir("kyso-compat-");
    let agent = agent_for(pki, &portal, dir.path(), "person-rsa");
    let digest = sha2::Sha256::digest("Hồ sơ số 123/HS".as_bytes());
    agent.answers(&[&format!("pin {PIN}")]);
    let message = json!({"HashAlg": "SHA256", "HashValue": b64.encode(digest), "Encode": "RSA"});
    let reply = agent.client().plugin_call("SignMsg", PORTAL, &message.to_string()).await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}");
    assert!(agent.prompts()[0].contains(&hex::encode(digest)[..16]), "the consent shows the hash");
    let (signature, cert) = (dir.path().join("sig.bin"), dir.path().join("cert.der"));
    let (public, data) = (dir.path().join("public.pem"), dir.path().join("digest.bin"));
    std::fs::write(&signature, b64.decode(reply["Signature"].as_str().expect("Signature")).expect("b64")).expect("w");
    std::fs::write(&cert, b64.decode(reply["CertBase64"].as_str().expect("CertBase64")).expect("b64")).expect("w");
    std::fs::write(&data, digest).expect("write");
    assert_eq!(std::fs::read(&cert).expect("read"), std::fs::read(pki.path("person-rsa.der")).expect("read"));
    let out = std::process::Command::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(&cert)
        .output()
        .expect("openssl x509");
    std::fs::write(&public, out.stdout).expect("write");
    let out = std::process::Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(&public)
        .arg("-in")
        .arg(&data)
        .arg("-sigfile")
        .arg(&signature)
        .args(["-pkeyopt", "digest:sha256"])
        .output()
        .expect("openssl pkeyutl");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("Signature Verified Successfully"), "{said}");

    for bad in [json!({"HashAlg": "MD5", "HashValue": "AAAA"}), json!({"HashAlg": "SHA256", "HashValue": "AAAA"})] {
        let reply = agent.client().plugin_call("SignMsg", PORTAL, &bad.to_string()).await.expect("upgrade");
        assert_eq!(reply["Status"], 4, "{reply}");
    }
    assert_eq!(agent.prompter_starts(), 1);

    // VerifyMsg checks what SignMsg gave, and the certificate's chain and status.
    let mut check = json!({"HashAlg": "SHA256", "HashValue": b64.encode(digest),
                          "Signature": reply["Signature"], "CertBase64": reply["CertBase64"]});
    let verified = agent.client().plugin_call("VerifyMsg", PORTAL, &check.to_string()).await.expect("upgrade");
    assert_eq!((verified["Status"].clone(), verified["Verdict"].clone()), (json!(0), json!("valid")), "{verified}");
    assert_eq!(verified["Report"]["chain"]["trusted"], true);
    check["HashValue"] = json!(b64.encode(sha2::Sha256::digest(b"another")));
    let verified = agent.client().plugin_call("VerifyMsg", PORTAL, &check.to_string()).await.expect("upgrade");
    assert_eq!(verified["Verdict"], "invalid", "{verified}");
    assert_eq!(verified["Report"]["findings"][0]["code"], "signature_invalid");

    // An ECDSA key signs and verifies the same way (raw CKM_ECDSA on the token).
    let ec = agent_for(pki, &portal, dir.path(), "person-ec");
    ec.answers(&[&format!("pin {PIN}")]);
    let reply = ec.client().plugin_call("SignMsg", PORTAL, &message.to_string()).await.expect("upgrade");
    assert_eq!(reply["Status"], 0, "{reply}");
    let check =
        json!({"HashValue": b64.encode(digest), "Signature": reply["Signature"], "CertBase64": reply["CertBase64"]});
    let verified = ec.client().plugin_call("VerifyMsg", PORTAL, &check.to_string()).await.expect("upgrade");
    assert_eq!(verified["Verdict"], "valid", "{verified}");
}
