//! The tray icon, as a desktop's tray sees it: the agent runs on an Xvfb display with a
//! private session bus, registers its StatusNotifierItem, and the test reads its tooltip and
//! menu and clicks items over D-Bus (`busctl`), as GNOME's and KDE's trays do. A real
//! notification service (notification-daemon) shows the flood warning's bubble.

use std::time::Duration;

use kyso_tests::agent::{Agent, config_text};
use kyso_tests::client::{PORTAL, Reply};
use kyso_tests::desktop::Desktop;
use kyso_tests::notifications::Notifications;
use kyso_tests::pdfs;
use kyso_tests::pki::Pki;
use kyso_tests::tray::SessionBus;

const WAIT: Duration = Duration::from_secs(30);

/// Posts a small PDF to sign, in the background.
fn sign_request(agent: &Agent, pki: &Pki, name: &str) -> tokio::task::JoinHandle<Reply> {
    let input = agent.path(name);
    pdfs::write_simple(&input, 1, "");
    let body = std::fs::read(&input).expect("read");
    let client = agent.client();
    let query = format!("/v1/sign/pdf?certificate={}&document_name={name}", pki.thumbprint("person-rsa"));
    tokio::spawn(async move {
        let headers = [("origin", PORTAL), ("x-kyso-request", "1"), ("content-type", "application/pdf")];
        client.send("POST", &query, &headers, body).await
    })
}

fn labels(bus: &SessionBus, item: &str) -> Vec<String> {
    bus.menu(item).into_iter().map(|(_, label)| label).collect()
}

/// Polls `check` on the tray's menu labels until it holds, up to `WAIT`.
fn wait_for_menu(bus: &SessionBus, item: &str, what: &str, check: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let labels = labels(bus, item);
        if check(&labels) {
            return labels;
        }
        assert!(std::time::Instant::now() < deadline, "the tray menu never showed {what}: {labels:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_shows_the_agent_pauses_it_warns_of_floods_and_quits() {
    let pki = Pki::shared();
    let desktop = Desktop::start();
    let bus = SessionBus::start();
    let config = config_text(pki, "prompt = \"window\"\n");
    let notifications = Notifications::start(&bus, desktop.display());
    let mut agent = Agent::start_on_desktop(pki, &config, desktop.display(), bus.address());
    let item = bus.wait_for_tray(WAIT);

    // Ready, with the token's certificates and the actions.
    let menu = wait_for_menu(&bus, &item, "the certificates", |l| {
        l.iter().any(|l| l.starts_with("Nguyễn Văn An — kyso-test"))
    });
    for expected in [
        "Kyso – sẵn sàng ký",
        "Chứng thư số trên thiết bị",
        "Hoạt động gần đây",
        "Tạm dừng ký",
        "Mở thư mục nhật ký",
        "Giới thiệu Kyso",
        "Thoát Kyso",
    ] {
        assert!(menu.iter().any(|l| l == expected), "{expected:?} missing from {menu:?}");
    }
    assert_eq!(bus.tooltip(&item), "Kyso – sẵn sàng ký");

    // Paused: requests are refused with signing_paused, and the menu offers to resume.
    bus.click(&item, "Tạm dừng ký");
    wait_for_menu(&bus, &item, "Resume", |l| l.iter().any(|l| l == "Tiếp tục ký"));
    assert_eq!(bus.tooltip(&item), "Kyso – đang tạm dừng ký");
    let reply = sign_request(&agent, pki, "tam-dung.pdf").await.expect("request");
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (503, "signing_paused"),
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    wait_for_menu(&bus, &item, "the refusal in recent activity", |l| {
        l.iter().any(|l| l.contains("bị từ chối (signing_paused)"))
    });
    bus.click(&item, "Tiếp tục ký");
    wait_for_menu(&bus, &item, "Pause again", |l| l.iter().any(|l| l == "Tạm dừng ký"));

    // A page firing requests in a loop: one on screen, a few queued, the rest refused, and the
    // tray says so.
    let burst: Vec<_> = (0..12).map(|i| sign_request(&agent, pki, &format!("don-dap-{i}.pdf"))).collect();
    let window = desktop.wait_for_window("Kyso", WAIT);
    let warned = wait_for_menu(&bus, &item, "the flood warning", |l| l.iter().any(|l| l.starts_with("⚠ Đã từ chối")));
    let warning = warned.iter().find(|l| l.starts_with("⚠")).cloned().unwrap_or_default();
    assert!(warning.ends_with(&format!("yêu cầu ký dồn dập từ {PORTAL}")), "{warning}");
    assert!(bus.tooltip(&item).contains("Đã từ chối"), "the tooltip warns too");
    // And a desktop notification says so, in Vietnamese, with the portal's name.
    let record = notifications.wait_for("Kyso đã chặn các yêu cầu ký dồn dập", WAIT);
    assert!(record.contains(PORTAL) && record.contains("hãy đóng trang đó"), "{record}");
    std::thread::sleep(Duration::from_millis(500)); // the bubble drawn, for the artifact
    desktop.screenshot(&kyso_tests::desktop::artifacts().join("tray-flood-notification.png"));
    // Cancel them all: Escape on each window as it comes.
    let mut refused = 0;
    for request in burst {
        while !request.is_finished() {
            if let Some(window) = desktop.windows("Kyso").pop() {
                desktop.key(&window, "Escape");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let reply = request.await.expect("request");
        refused += usize::from(reply.status == 429);
        assert!(matches!(reply.status, 409 | 429), "cancelled or refused, got {}", reply.status);
    }
    assert!(refused >= 6, "at most one on screen and four queued; {refused} of 12 refused");
    let notices = notifications.recorded().matches("member=Notify").count();
    assert_eq!(notices, 1, "one notification a burst: {}", notifications.recorded());
    let _ = window;

    // About shows the port and the allowed portal.
    bus.click(&item, "Giới thiệu Kyso");
    let about = desktop.wait_for_window("Kyso", WAIT);
    assert_eq!(desktop.window_name(&about), "Kyso – Giới thiệu");
    let seen = desktop.wait_for_text("about-vi", &about, "portal.test", WAIT);
    assert!(seen.contains(&format!("127.0.0.1:{}", agent.port())), "OCR read: {seen}");
    desktop.key(&about, "Escape");
    assert!(desktop.wait_until_gone("Kyso", WAIT));

    // English from the tray: the menu at once, the next window too, and kept for next time.
    bus.click(&item, "English");
    wait_for_menu(&bus, &item, "English", |l| {
        l.iter().any(|l| l == "Pause signing") && l.iter().any(|l| l == "Tiếng Việt")
    });
    let tooltip = bus.tooltip(&item);
    assert!(tooltip.starts_with("Kyso – ready to sign\nRefused "), "the burst is still shown, in English: {tooltip}");
    let kept = std::fs::read_to_string(agent.path("data/kyso/preferences.json")).expect("the choice is kept");
    assert_eq!(kept, r#"{"language":"en"}"#);
    let request = sign_request(&agent, pki, "english.pdf");
    let window = desktop.wait_for_window("Kyso", WAIT);
    assert_eq!(desktop.window_name(&window), "Kyso – Signature request");
    desktop.key(&window, "Escape");
    assert_eq!(request.await.expect("request").status, 409);

    // Quit stops the agent cleanly.
    bus.click(&item, "Quit Kyso");
    let status = agent.wait_exit(WAIT).expect("the agent exits after Quit");
    assert!(status.success(), "{status:?}\n{}", agent.log());
}
