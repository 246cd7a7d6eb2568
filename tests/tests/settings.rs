//! Settings, for real: opened from the tray (over a private session bus) on an Xvfb display,
//! driven with the mouse and keyboard through xdotool and read back with Tesseract. The clerk
//! imports a signature image through the file picker, chooses the approve act for the portal,
//! changes the token PIN, and reads what the administrator's policy fixes; then a portal's bare
//! request (no act, no image) comes out with the image, signed with the new PIN, and valid for
//! pdfsig and pyHanko. Settings steps aside for that request's window and comes back after.
//! `kyso-agent settings` opens the same window without a tray.

use std::process::Stdio;
use std::time::Duration;

use kyso_tests::agent::{Agent, config_text, configured, kyso_command};
use kyso_tests::client::{PORTAL, Reply};
use kyso_tests::desktop::Desktop;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::tray::SessionBus;
use kyso_tests::{images, pdfs, verify};

const WAIT: Duration = Duration::from_secs(30);
const NEW_PIN: &str = "86427531";
/// A second portal, whose act the administrator's policy sets.
const PUBLIC_SERVICE: &str = "https://dichvucong.example.gov.vn";

/// Posts a one-page PDF with no act, place or image, as a portal that leaves them to the user.
fn bare_request(agent: &Agent, pki: &Pki, name: &str) -> (std::path::PathBuf, tokio::task::JoinHandle<Reply>) {
    let input = agent.path(name);
    pdfs::write_simple(&input, 1, "");
    let body = std::fs::read(&input).expect("read");
    let client = agent.client();
    let query = format!("/v1/sign/pdf?certificate={}&document_name={name}", pki.thumbprint("person-rsa"));
    let task = tokio::spawn(async move {
        let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/pdf")];
        client.send("POST", &query, &headers, body).await
    });
    (input, task)
}

/// Clicks the first word of `window` that starts with `prefix`, as OCR reads it.
fn click_word(desktop: &Desktop, window: &str, prefix: &str) {
    let (x, y, w, h) = desktop.word_starting(window, prefix);
    desktop.click_at(x + w / 2, y + h / 2);
}

/// The window titled exactly `title`, once shown. (xdotool's search is a regular expression
/// without UTF-8, so windows are found by "Kyso" and told apart by their whole title.)
async fn window_titled(desktop: &Desktop, title: &str) -> String {
    // Longer than WAIT: windows are rendered in software, several tests at once.
    let deadline = std::time::Instant::now() + 2 * WAIT;
    loop {
        if let Some(window) = desktop.windows("Kyso").into_iter().find(|w| desktop.window_name(w) == title) {
            return window;
        }
        assert!(std::time::Instant::now() < deadline, "no window titled {title:?} within {:?}", 2 * WAIT);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clerk_sets_images_defaults_and_pin_in_settings() {
    let pki = &Pki::fresh();
    let desktop = Desktop::start();
    let bus = SessionBus::start();
    let dir = tempfile::tempdir().expect("temp");
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "allowed_origins = [\"{PORTAL}\", \"{PUBLIC_SERVICE}\"]\n[defaults.acts]\n\"{PUBLIC_SERVICE}\" = \"copy\"\n"
        ),
    )
    .expect("policy");
    let config = config_text(pki, "prompt = \"window\"\nlanguage = \"en\"\n");
    let agent = Agent::start_on_desktop_with_policy(pki, &config, desktop.display(), bus.address(), &policy);
    let item = bus.wait_for_tray(WAIT);
    let signature = dir.path().join("chu-ky.png");
    images::signature(&signature);

    bus.click(&item, "Settings…");
    let window = desktop.wait_for_window("Kyso", WAIT);
    assert_eq!(desktop.window_name(&window), "Kyso – Settings");
    desktop.wait_for_text("settings-opened", &window, "No image", WAIT);
    // The certificate the portal signs with, from the list of those on the token.
    click_word(&desktop, &window, "kyso-test");
    tokio::time::sleep(Duration::from_millis(500)).await;
    click_word(&desktop, &window, "Nguy");
    // Tesseract reads the list's own text less well ("Nguyén"): its end is enough.
    let seen = desktop.wait_for_text("settings-certificates", &window, "An — kyso-test", WAIT);
    for expected in ["An — kyso-test", "Handwritten signature", "No image", "Certified copy (set by the administrator)"]
    {
        assert!(seen.contains(expected), "Settings should say {expected:?}; OCR read: {seen}");
    }

    // The signature image, through the file picker: "/" edits the path, Enter picks the file.
    click_word(&desktop, &window, "Import");
    tokio::time::sleep(Duration::from_millis(800)).await;
    desktop.key(&window, "slash");
    tokio::time::sleep(Duration::from_millis(300)).await;
    desktop.key(&window, "ctrl+a");
    desktop.type_text(&window, &signature.display().to_string());
    desktop.key(&window, "Return");
    let seen = desktop.wait_for_text("settings-imported", &window, "Imported", WAIT);
    assert!(seen.contains("Imported chu-ky.png"), "OCR read: {seen}");
    let thumbprint = pki.thumbprint("person-rsa").to_lowercase();
    let stored = agent.path(&format!("data/kyso/images/{thumbprint}/signature"));
    assert_eq!(std::fs::read(&stored).ok(), std::fs::read(&signature).ok(), "the image is kept for the certificate");

    // The approve act for the portal: its list opens right of its name.
    let (x, y, w, h) = desktop.word_starting(&window, PORTAL);
    desktop.click_at(x + w + 150, y + h / 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    click_word(&desktop, &window, "Approval");
    desktop.wait_for_text("settings-act", &window, "Saved.", WAIT);
    let defaults = std::fs::read_to_string(agent.path("data/kyso/defaults.json")).expect("defaults kept");
    assert!(defaults.contains(&format!("\"{PORTAL}\": \"approve\"")), "{defaults}");

    // A new PIN: current, new, new again, Enter.
    click_word(&desktop, &window, "PIN");
    let seen = desktop.wait_for_text("settings-pin", &window, "Current PIN", WAIT);
    assert!(seen.contains("at least every six months"), "OCR read: {seen}");
    let (x, y, w, h) = desktop.word_starting(&window, "Current");
    desktop.click_at(x + w + 160, y + h / 2);
    desktop.type_text(&window, PIN);
    desktop.key(&window, "Tab");
    desktop.type_text(&window, NEW_PIN);
    desktop.key(&window, "Tab");
    desktop.type_text(&window, NEW_PIN);
    desktop.key(&window, "Return");
    let seen = desktop.wait_for_text("settings-pin-changed", &window, "was changed", WAIT);
    assert!(seen.contains("was changed"), "OCR read: {seen}\n{}", agent.log());
    let record = std::fs::read_to_string(agent.path("data/kyso/pin-changes.json")).expect("the date is kept");
    assert!(!record.contains(NEW_PIN) && !record.contains(PIN), "{record}");

    // What the administrator fixed, read-only.
    click_word(&desktop, &window, "General");
    let seen = desktop.wait_for_text("settings-general", &window, "defaults.acts", WAIT);
    assert!(seen.contains("Set by the administrator"), "OCR read: {seen}");

    // A portal's bare request: Settings steps aside for its window, which signs with the new
    // PIN, the approve act and the imported image; then Settings is back.
    let (input, task) = bare_request(&agent, pki, "to-trinh.pdf");
    assert!(desktop.wait_until_gone_id(&window, WAIT), "Settings gives way");
    let consent = window_titled(&desktop, "Kyso – Signature request").await;
    let seen = desktop.wait_for_text("settings-consent", &consent, "Approval", WAIT);
    assert!(seen.contains("Approval"), "the portal's default act is shown; OCR read: {seen}");
    desktop.type_text(&consent, NEW_PIN);
    desktop.key(&consent, "Return");
    let reply = tokio::time::timeout(WAIT, task).await.expect("the request ends").expect("task");
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let output = agent.path("to-trinh-signed.pdf");
    std::fs::write(&output, &reply.body).expect("write");
    verify::qpdf_check(&output).unwrap_or_else(|e| panic!("qpdf --check: {e}"));
    assert_eq!(verify::pdfsig(&output).expect("pdfsig"), (1, 1));
    assert_eq!(verify::pyhanko_pdf(&output, &pki.path("root.pem")).expect("pyhanko").len(), 1);
    assert!(verify::is_byte_prefix(&input, &output).expect("compare"));
    assert_eq!(verify::image_count(&output), 1, "the signature shows the imported image");
    let back = window_titled(&desktop, "Kyso – Settings").await;

    // Back as it was left, on General; Vietnamese from the tray applies to it at once.
    bus.click(&item, "Tiếng Việt");
    let deadline = std::time::Instant::now() + WAIT;
    while desktop.window_name(&back) != "Kyso – Cài đặt" {
        assert!(std::time::Instant::now() < deadline, "the title follows the language");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let seen = desktop.wait_for_text("settings-vi", &back, "Ngôn ngữ", WAIT);
    assert!(seen.contains("Ngôn ngữ"), "OCR read: {seen}");
    desktop.key(&back, "Escape");
    assert!(desktop.wait_until_gone("Kyso", WAIT));
}

/// `kyso-agent settings`, for desktops with no tray: the same window on its own, in
/// Vietnamese, and the command ends when it is closed.
#[tokio::test(flavor = "multi_thread")]
async fn settings_opens_on_its_own_and_ends_when_closed() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let (dir, config) = configured(pki, "");
    let mut child = kyso_command(pki, &config)
        .arg("settings")
        .env("DISPLAY", desktop.display())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kyso-agent settings");
    let window = window_titled(&desktop, "Kyso – Cài đặt").await;
    let seen = desktop.wait_for_text("settings-standalone-vi", &window, "Mặc định", WAIT);
    for expected in ["Cấp bởi", "Ảnh chữ ký và con dấu", "Mặc định khi yêu cầu không ghi rõ", "Đóng"]
    {
        assert!(seen.contains(expected), "Settings should say {expected:?}; OCR read: {seen}");
    }
    desktop.key(&window, "Escape");
    let deadline = std::time::Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "kyso-agent settings did not end after Escape");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut log).expect("log");
    assert!(status.success(), "{status:?}\n{log}");
    drop(dir);
}
