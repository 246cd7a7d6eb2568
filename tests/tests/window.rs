//! Kyso's own consent window, for real: the agent runs with `prompt = "window"` on an Xvfb
//! display, requests come over HTTPS as from a portal, and the test acts as the clerk with
//! xdotool (types the PIN, presses Enter or Escape). Screenshots go to
//! `target/test-artifacts/windows/`; Tesseract reads them back so the test checks what the
//! window says, Vietnamese diacritics included. Outputs are validated by pdfsig and pyHanko.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use kyso_tests::agent::{Agent, config_text};
use kyso_tests::client::{PORTAL, Reply};
use kyso_tests::desktop::Desktop;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{pdfs, verify};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const TITLE: &str = "Kyso";
const WAIT: Duration = Duration::from_secs(30);
/// How long a window may take to show: more than [`WAIT`], for a loaded 2-core CI machine
/// rendering several tests' windows in software at once.
const SHOWN: Duration = Duration::from_secs(60);

fn window_agent(pki: &Pki, desktop: &Desktop, extra: &str) -> Agent {
    Agent::start_on_display(pki, &config_text(pki, &format!("prompt = \"window\"\n{extra}")), desktop.display())
}

/// Posts a batch of the PDFs `names` (one page each), approve act, in the background.
fn post_batch(agent: &Agent, pki: &Pki, names: &[&str]) -> tokio::task::JoinHandle<Reply> {
    let dir = agent.path("inputs");
    std::fs::create_dir_all(&dir).expect("inputs");
    let documents: Vec<_> = names
        .iter()
        .map(|name| {
            let path = dir.join(name);
            pdfs::write_simple(&path, 1, "");
            json!({"pdf_base64": B64.encode(std::fs::read(&path).expect("read")), "document_name": name})
        })
        .collect();
    let body = json!({"certificate": pki.thumbprint("person-rsa"), "documents": documents, "level": "B-B"});
    let client = agent.client();
    tokio::spawn(async move { client.post_json("/v1/sign/pdf", &body).await })
}

/// Posts one PDF, raw, in the background.
fn post_one(agent: &Agent, pki: &Pki, name: &str) -> (std::path::PathBuf, tokio::task::JoinHandle<Reply>) {
    let input = agent.path(name);
    pdfs::write_simple(&input, 2, "");
    let body = std::fs::read(&input).expect("read");
    let client = agent.client();
    let query = format!("/v1/sign/pdf?certificate={}&document_name={name}", pki.thumbprint("person-rsa"));
    let task = tokio::spawn(async move {
        let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/pdf")];
        client.send("POST", &query, &headers, body).await
    });
    (input, task)
}

/// The agent's window, once shown; when it never is, the agent's log says why.
fn shown(desktop: &Desktop, agent: &Agent) -> String {
    let deadline = std::time::Instant::now() + SHOWN;
    loop {
        if let Some(window) = desktop.windows(TITLE).pop() {
            return window;
        }
        assert!(std::time::Instant::now() < deadline, "no window within {SHOWN:?}; the agent said:\n{}", agent.log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn check_signed(pki: &Pki, input: &Path, output: &Path) {
    verify::qpdf_check(output).unwrap_or_else(|e| panic!("qpdf --check {}: {e}", output.display()));
    assert_eq!(verify::pdfsig(output).expect("pdfsig"), (1, 1), "pdfsig valid/total for {}", output.display());
    assert!(verify::is_byte_prefix(input, output).expect("compare"));
    let lines = verify::pyhanko_pdf(output, &pki.path("root.pem")).expect("pyhanko");
    assert_eq!(lines.len(), 1, "{lines:?}");
}

async fn finished(task: tokio::task::JoinHandle<Reply>) -> Reply {
    tokio::time::timeout(WAIT, task).await.expect("the request ends").expect("request task")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clerk_types_the_pin_and_the_signed_pdf_validates() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let agent = window_agent(pki, &desktop, "");
    let (input, task) = post_one(&agent, pki, "quyet-dinh.pdf");
    let window = shown(&desktop, &agent);

    // Enter with no PIN does not sign.
    desktop.key(&window, "Return");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!task.is_finished(), "Enter without a PIN must not answer");

    assert_eq!(desktop.window_name(&window), "Kyso – Yêu cầu ký số");
    let seen = desktop.wait_for_text("consent-vi", &window, "Người ký", WAIT);
    // Words Tesseract reads reliably at this size; each has Vietnamese diacritics but the file name.
    for expected in [
        "Hình thức ký",
        "Mức chữ ký",
        "Tài liệu (1)",
        "quyet-dinh.pdf",
        "2 trang",
        "Chứng thư số",
        "Người ký",
        "Nguyễn Văn An",
        "Chứng thư hợp lệ, chưa bị thu hồi",
        "Kyso không bao giờ hỏi PIN",
    ] {
        assert!(seen.contains(expected), "the window should say {expected:?}; OCR read: {seen}");
    }
    assert!(seen.contains(PORTAL.trim_start_matches("https://")), "the origin is shown; OCR read: {seen}");

    desktop.type_text(&window, PIN);
    desktop.key(&window, "Return");
    let reply = finished(task).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let output = agent.path("quyet-dinh-signed.pdf");
    std::fs::write(&output, &reply.body).expect("write");
    check_signed(pki, &input, &output);
    assert!(desktop.wait_until_gone(TITLE, WAIT), "the window closes after a single document is signed");
}

#[tokio::test(flavor = "multi_thread")]
async fn escape_cancels_and_nothing_is_signed() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let agent = window_agent(pki, &desktop, "");
    let (_, task) = post_one(&agent, pki, "huy.pdf");
    let window = shown(&desktop, &agent);
    desktop.type_text(&window, "12");
    desktop.key(&window, "Escape");
    let reply = finished(task).await;
    assert_eq!(reply.status, 409, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.error_code(), "user_cancelled");
    assert!(desktop.wait_until_gone(TITLE, WAIT));
    let audit = agent.audit();
    assert_eq!(audit.last().expect("an audit entry")["result"], "cancelled");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_pin_is_asked_again_in_the_same_window() {
    // A token of its own: the wrong PIN must not change the shared token's counters.
    let pki = &Pki::fresh();
    let desktop = Desktop::start();
    let agent = window_agent(pki, &desktop, "");
    let (input, task) = post_one(&agent, pki, "sai-pin.pdf");
    let window = shown(&desktop, &agent);
    desktop.type_text(&window, "000000");
    desktop.key(&window, "Return");
    // The same window asks again, saying the PIN was wrong and what the token says of tries.
    let seen = desktop.wait_for_text("wrong-pin-vi", &window, "PIN không đúng", WAIT);
    assert!(seen.contains("PIN không đúng") && seen.contains("lần thử"), "OCR read: {seen}");
    assert!(!task.is_finished(), "a wrong PIN is asked again, not returned");
    assert_eq!(desktop.windows(TITLE), vec![window.clone()], "the same window asks again");
    desktop.type_text(&window, PIN);
    desktop.key(&window, "Return");
    let reply = finished(task).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let output = agent.path("sai-pin-signed.pdf");
    std::fs::write(&output, &reply.body).expect("write");
    check_signed(pki, &input, &output);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_of_three_lists_every_document_and_ends_with_a_summary() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let agent = window_agent(pki, &desktop, "language = \"en\"\n");
    let names = ["Letter one.pdf", "Letter two.pdf", "Letter three.pdf"];
    let task = post_batch(&agent, pki, &names);
    let window = shown(&desktop, &agent);
    let seen = desktop.wait_for_text("batch-en", &window, "Letter three.pdf", WAIT);
    assert_eq!(desktop.window_name(&window), "Kyso – Signature request");
    for expected in names.iter().copied().chain(["asks you to sign", "Documents (3)", "1 page", "Signature level B-B"])
    {
        assert!(seen.contains(expected), "the window should say {expected:?}; OCR read: {seen}");
    }
    desktop.type_text(&window, PIN);
    desktop.key(&window, "Return");
    let reply = finished(task).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let results = reply.json()["results"].as_array().expect("results").clone();
    assert_eq!(results.len(), 3);
    for (i, result) in results.iter().enumerate() {
        let output = agent.path(&format!("batch-{i}.pdf"));
        std::fs::write(&output, B64.decode(result["pdf_base64"].as_str().expect("signed")).expect("b64"))
            .expect("write");
        check_signed(pki, &agent.path("inputs").join(names[i]), &output);
    }
    // The summary stays until closed.
    let seen = desktop.wait_for_text("batch-summary-en", &window, "documents signed", WAIT);
    assert!(seen.contains("3/3 documents signed"), "OCR read: {seen}");
    desktop.key(&window, "Escape");
    assert!(desktop.wait_until_gone(TITLE, WAIT));
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_while_signing_stops_the_batch_before_the_next_document() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let agent = window_agent(pki, &desktop, "");
    let names: Vec<String> = (0..200).map(|i| format!("Công văn {i}.pdf")).collect();
    let task = post_batch(&agent, pki, &names.iter().map(String::as_str).collect::<Vec<_>>());
    let window = shown(&desktop, &agent);
    desktop.type_text(&window, PIN);
    // Sign, then Escape (Cancel while the token works) 30 ms later, as one quick clerk would.
    desktop.keys(&window, &["Return", "Escape"], 30);
    let reply = finished(task).await;
    let signed = if reply.status == 409 {
        // Stopped before the first signature: nothing signed at all.
        assert_eq!(reply.error_code(), "user_cancelled");
        0
    } else {
        assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
        let results = reply.json()["results"].as_array().expect("results").clone();
        assert_eq!(results.len(), names.len());
        let signed = results.iter().take_while(|r| r["pdf_base64"].is_string()).count();
        for result in &results[signed..] {
            assert_eq!(result["error"]["code"], "user_cancelled", "after the stop, nothing is signed: {result}");
        }
        for i in [0, signed - 1] {
            let output = agent.path(&format!("stopped-{i}.pdf"));
            let pdf = B64.decode(results[i]["pdf_base64"].as_str().expect("signed")).expect("b64");
            std::fs::write(&output, pdf).expect("write");
            check_signed(pki, &agent.path("inputs").join(&names[i]), &output);
        }
        signed
    };
    assert!(signed < names.len(), "Cancel stopped the batch ({signed} of {} signed)", names.len());
    let entry = agent.audit().pop().expect("an audit entry");
    let expected = if signed == 0 { "cancelled" } else { "partial" };
    assert_eq!(entry["result"], expected, "{entry}");
    eprintln!("Cancel stopped the batch after {signed} of {} documents", names.len());
    let _ = desktop.wait_for_text("stopped-vi", &window, "Đã dừng", Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_display_the_request_fails_clearly_and_the_agent_keeps_serving() {
    let pki = Pki::shared();
    // No DISPLAY: the window cannot open.
    let agent = Agent::start_with_config(pki, &config_text(pki, "prompt = \"window\"\n"));
    for _ in 0..2 {
        let (_, task) = post_one(&agent, pki, "khong-man-hinh.pdf");
        let reply = finished(task).await;
        assert_eq!(reply.status, 503, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
        assert_eq!(reply.error_code(), "prompter_unavailable");
    }
    assert_eq!(agent.client().get("/v1/status").await.status, 200, "the agent still serves");
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_calls_let_the_user_choose_the_certificate_and_remember_it() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    // No compat.certificate: the user chooses (plugin calls come to the main port).
    let agent = window_agent(pki, &desktop, "");
    let cert_info = || {
        let client = agent.client();
        tokio::spawn(async move { client.plugin_call("GetCertInfo", PORTAL, "{}").await.expect("upgrade") })
    };
    let chooser = |desktop: &Desktop| {
        let window = shown(desktop, &agent);
        assert_eq!(desktop.window_name(&window), "Kyso – Chọn chứng thư số");
        window
    };

    // Several certificates can sign: the chooser lists them, Down then Enter picks the second.
    let call = cert_info();
    let window = chooser(&desktop);
    let seen = desktop.wait_for_text("chooser-vi", &window, "Nguyễn Văn An", WAIT);
    assert!(seen.contains("Cấp bởi") && seen.contains("Hết hạn"), "OCR read: {seen}");
    desktop.keys(&window, &["Down", "Return"], 100);
    let first = tokio::time::timeout(WAIT, call).await.expect("answered").expect("task");
    assert_eq!(first["Status"], 0, "{first}");
    let chosen = first["CertInfo"]["Subject"].as_str().expect("Subject").to_owned();
    assert!(desktop.wait_until_gone(TITLE, WAIT));

    // The next call from the same origin opens on that certificate: Enter keeps it.
    let call = cert_info();
    let window = chooser(&desktop);
    desktop.key(&window, "Return");
    let again = tokio::time::timeout(WAIT, call).await.expect("answered").expect("task");
    assert_eq!(again["CertInfo"]["Subject"], chosen.as_str(), "the last choice for the origin comes first");

    // Escape cancels the call.
    let call = cert_info();
    let window = chooser(&desktop);
    desktop.key(&window, "Escape");
    let cancelled = tokio::time::timeout(WAIT, call).await.expect("answered").expect("task");
    assert_ne!(cancelled["Status"], 0, "{cancelled}");
    assert!(agent.log().contains("user_cancelled") || cancelled.to_string().contains("hủy"), "{cancelled}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_previews_where_a_visible_signature_goes() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let agent = window_agent(pki, &desktop, "");
    let input = agent.path("to-trinh.pdf");
    pdfs::write_simple(&input, 2, "");
    let image = agent.path("chu-ky.png");
    kyso_tests::images::signature(&image);
    let body = json!({
        "certificate": pki.thumbprint("person-rsa"),
        "pdf_base64": B64.encode(std::fs::read(&input).expect("read")),
        "document_name": "Tờ trình.pdf",
        "act": "approve",
        "image_base64": B64.encode(std::fs::read(&image).expect("read")),
    });
    let client = agent.client();
    let task = tokio::spawn(async move { client.post_json("/v1/sign/pdf", &body).await });
    let window = shown(&desktop, &agent);
    let seen = desktop.wait_for_text("preview-vi", &window, "Vị trí chữ ký", WAIT);
    // Approve goes under the text of the last page (Decree 30), with the image inside.
    assert!(
        seen.contains("Vị trí chữ ký") && seen.contains("Trang 2/2") && seen.contains("Ký duyệt"),
        "OCR read: {seen}"
    );
    desktop.type_text(&window, PIN);
    desktop.key(&window, "Return");
    let reply = finished(task).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let output = agent.path("to-trinh-signed.pdf");
    std::fs::write(&output, B64.decode(reply.json()["pdf_base64"].as_str().expect("signed")).expect("b64")).expect("w");
    check_signed(pki, &input, &output);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_window_closes_at_the_time_limit_and_refuses() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let agent = window_agent(pki, &desktop, "prompt_timeout_seconds = 5\n");
    let (_, task) = post_one(&agent, pki, "het-gio.pdf");
    shown(&desktop, &agent);
    let reply = finished(task).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (409, "user_cancelled"));
    assert!(desktop.wait_until_gone(TITLE, WAIT), "the window closed itself");
}

#[tokio::test(flavor = "multi_thread")]
async fn view_opens_the_exact_bytes_and_the_sign_button_signs() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    // The desktop's opener, standing in for the PDF viewer: it keeps what it was given.
    let bin = agent_bin_with_opener();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let config = config_text(pki, "prompt = \"window\"\n");
    let agent = Agent::start_with_env(pki, &config, &[("DISPLAY", desktop.display()), ("PATH", &path)]);
    let (input, task) = post_one(&agent, pki, "to-trinh.pdf");
    let window = shown(&desktop, &agent);
    desktop.wait_for_text("view-vi", &window, "to-trinh.pdf", WAIT);
    // View is the button just left of the document's name.
    let (left, top, _, height) = desktop.word_at(&window, "to-trinh.pdf");
    desktop.click_at(left - 26, top + height / 2);
    let opened = bin.path().join("opened.pdf");
    let deadline = std::time::Instant::now() + WAIT;
    while !opened.exists() {
        assert!(std::time::Instant::now() < deadline, "View did not open the document");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        std::fs::read(&opened).expect("read"),
        std::fs::read(&input).expect("read"),
        "View opens the exact bytes"
    );

    desktop.type_text(&window, PIN);
    // Sign: the rightmost button at the bottom (96 x 32, 8 from the edges).
    desktop.click_in(&window, -56, -29);
    let reply = finished(task).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let output = agent.path("to-trinh-signed.pdf");
    std::fs::write(&output, &reply.body).expect("write");
    check_signed(pki, &input, &output);
}

/// A folder with an `xdg-open` that copies the file it is given to `opened.pdf` beside it.
fn agent_bin_with_opener() -> tempfile::TempDir {
    let dir = kyso_tests::temp_dir("kyso-opener-");
    let script = dir.path().join("xdg-open");
    let kept = dir.path().join("opened.pdf");
    std::fs::write(&script, format!("#!/bin/sh\ncp \"$1\" {kept:?}.part && mv {kept:?}.part {kept:?}\n"))
        .expect("write");
    std::os::unix::fs::PermissionsExt::set_mode(&mut std::fs::metadata(&script).expect("meta").permissions(), 0o755);
    let mut permissions = std::fs::metadata(&script).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).expect("chmod");
    dir
}
