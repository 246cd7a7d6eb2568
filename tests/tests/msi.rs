//! The MSI, built from `installer/windows/kyso.wxs` with Debian's wixl, installed silently
//! under Wine with the public properties an administrator's deployment passes: files, policy
//! values, browser policies, the CA in the machine's ROOT store; `kyso-agent.exe serve` answers
//! a Linux TLS client that trusts only that CA; the Start menu has Settings, and the Windows
//! build's Settings window shows on an Xvfb display through Wine; an upgrade replaces the old
//! version; `msiexec /x` removes files, the shortcut, registry values and the CA.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use kyso_tests::wine::{Prefix, windows_binary};
use serde_json::Value;

const ORIGINS: [&str; 2] = ["https://qlvb.example.gov.vn", "https://dvc.example.gov.vn:8443"];

fn build_msi(out: &Path, version: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../installer/windows/build-msi.sh");
    let bin = windows_binary("kyso-agent").parent().expect("bin dir").to_owned();
    let built = Command::new("bash").arg(script).arg(bin).arg(out).arg(version).output().expect("build-msi.sh");
    assert!(built.status.success(), "build-msi.sh: {}", String::from_utf8_lossy(&built.stderr));
}

fn msiexec(prefix: &Prefix, dir: &Path, args: &[&str]) -> Output {
    // A relative package name: msiexec would read `/tmp/...` as an option.
    let out = prefix.command("wine").arg("msiexec").args(args).current_dir(dir).output().expect("msiexec");
    prefix.wait();
    out
}

fn curl(ca: &Path, origin: &str, port: u16) -> Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "10", "-H", &format!("Origin: {origin}")])
        .arg("--cacert")
        .arg(ca)
        .arg(format!("https://127.0.0.1:{port}/v1/status"))
        .output()
        .expect("curl")
}

fn sha1(ca: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(ca)
        .output()
        .expect("openssl");
    String::from_utf8_lossy(&out.stdout).trim().rsplit('=').next().expect("fingerprint").replace(':', "")
}

fn installed_products(prefix: &Prefix) -> Vec<String> {
    prefix.wait();
    let system = std::fs::read_to_string(prefix.drive_c().join("../system.reg")).expect("system.reg");
    system
        .split("\n\n")
        .filter(|block| block.starts_with(r"[Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"))
        .filter(|block| block.contains("\"DisplayName\"=\"Kyso\""))
        .map(str::to_owned)
        .collect()
}

#[test]
fn msi_installs_serves_upgrades_and_uninstalls_cleanly_under_wine() {
    if std::env::var_os("KYSO_NO_WINDOWS_BUILD").is_some() {
        eprintln!("SKIPPED: scripts/test.sh could not build for x86_64-pc-windows-gnu (see its warning)");
        return;
    }
    let prefix = Prefix::create();
    let dir = kyso_tests::temp_dir("kyso-msi-");
    build_msi(&dir.path().join("kyso-old.msi"), "0.9.0");
    build_msi(&dir.path().join("kyso-new.msi"), "0.9.1");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let origins = format!("ALLOWEDORIGINS={}", ORIGINS.join(","));
    let port_property = format!("PORT={port}");

    let out = msiexec(&prefix, dir.path(), &["/i", "kyso-old.msi", "/qn", &origins, &port_property]);
    assert!(out.status.success(), "install: {out:?}");
    let program = prefix.drive_c().join("Program Files/Kyso");
    for file in
        ["kyso-agent.exe", "kyso-install.exe", "PolicyDefinitions/kyso.admx", "PolicyDefinitions/vi-VN/kyso.adml"]
    {
        assert!(program.join(file).is_file(), "{file} installed");
    }
    // ALLUSERS=1 puts it in the common Start menu on Windows; Wine's msi resolves
    // ProgramMenuFolder to the user's, so either is accepted here.
    let users = std::fs::read_dir(prefix.drive_c().join("users")).expect("users").flatten();
    let shortcut = std::iter::once(prefix.drive_c().join("ProgramData/Microsoft/Windows"))
        .chain(users.map(|user| user.path().join("AppData/Roaming/Microsoft/Windows")))
        .map(|base| base.join("Start Menu/Programs/Kyso Settings.lnk"))
        .find(|path| path.is_file())
        .expect("Settings is in the Start menu");
    let policy = prefix.reg_query(r"HKLM\Software\Policies\Kyso\Agent").expect("policy key");
    assert!(policy.contains(&ORIGINS.join(r"\0")) && policy.contains(&format!("0x{port:x}")), "{policy}");
    for browser in [r"Google\Chrome", r"Microsoft\Edge", "Chromium"] {
        for list in ["LocalNetworkAccessAllowedForUrls", "LoopbackNetworkAllowedForUrls"] {
            let values = prefix.reg_query(&format!(r"HKLM\Software\Policies\{browser}\{list}")).expect("list policy");
            assert!(ORIGINS.iter().all(|o| values.contains(o)), "{browser} {list}: {values}");
        }
    }
    let firefox = prefix.reg_query(r"HKLM\Software\Policies\Mozilla\Firefox\Certificates").expect("firefox policy");
    assert!(firefox.contains("ImportEnterpriseRoots") && firefox.contains("0x1"), "{firefox}");
    let run = prefix.reg_query(r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run").expect("run key");
    assert!(run.contains(r#""C:\Program Files\Kyso\kyso-agent.exe" serve"#), "{run}");
    let ca = prefix.drive_c().join("ProgramData/Kyso/tls/ca.pem");
    let thumbprint = sha1(&ca);
    let root_entry = format!(r"HKLM\Software\Microsoft\SystemCertificates\Root\Certificates\{thumbprint}");
    assert!(prefix.reg_query(&root_entry).is_some(), "the CA is in the machine's ROOT store");

    // The agent as the Run key starts it, configured by the policy alone.
    let log = dir.path().join("agent.log");
    let mut agent = prefix.spawn(&[r"C:\Program Files\Kyso\kyso-agent.exe", "serve"], &log);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the agent did not listen: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = curl(&ca, ORIGINS[1], port);
    let body: Value = serde_json::from_slice(&status.stdout).unwrap_or_else(|e| panic!("{e}: {status:?}"));
    assert_eq!(body["agent"], "kyso");
    assert_eq!(body["origin"], ORIGINS[1]);
    let stranger = curl(&ca, "https://evil.example", port);
    assert!(String::from_utf8_lossy(&stranger.stdout).contains("origin_not_allowed"), "{stranger:?}");
    let untrusting = Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .arg(format!("https://127.0.0.1:{port}/v1/status"))
        .output()
        .expect("curl");
    assert!(!untrusting.status.success(), "without the CA the handshake fails");

    let doctor = prefix.wine(&[r"C:\Program Files\Kyso\kyso-install.exe", "doctor", "--json"]);
    let checks: Value = serde_json::from_slice(&doctor.stdout).unwrap_or_else(|e| panic!("{e}: {doctor:?}"));
    assert!(doctor.status.success(), "doctor: {checks:#}");
    assert!(checks.as_array().expect("checks").iter().all(|c| c["status"] == "ok"), "{checks:#}");
    // Stop the agent (and everything else in the prefix) before changing its files.
    let _ = prefix.command("wineserver").arg("-k").status();
    let _ = agent.wait();

    // The Windows build's own window: Settings from the Start menu's command line, on an X
    // display through Wine, in Vietnamese; Escape closes it and the command ends. (A new
    // wineserver, started with the display: the agent's ran without one.)
    let desktop = kyso_tests::desktop::Desktop::start();
    let settings_log = std::fs::File::create(dir.path().join("settings.log")).expect("log");
    let mut settings = prefix
        .command("wine")
        .args([r"C:\Program Files\Kyso\kyso-agent.exe", "settings"])
        .env("DISPLAY", desktop.display())
        .stdout(settings_log.try_clone().expect("log"))
        .stderr(settings_log)
        .spawn()
        .expect("wine kyso-agent settings");
    let opened = Instant::now();
    let window = loop {
        if let Some(window) = desktop.windows("Kyso").pop() {
            break window;
        }
        assert!(
            opened.elapsed() < Duration::from_secs(60),
            "no Settings window under Wine: {}",
            std::fs::read_to_string(dir.path().join("settings.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(desktop.window_name(&window), "Kyso – Cài đặt");
    let seen = desktop.wait_for_text("settings-wine", &window, "Không có chứng thư số", Duration::from_secs(30));
    assert!(seen.contains("Không có chứng thư số"), "no token under Wine; OCR read: {seen}");
    desktop.key(&window, "Escape");
    let closed = Instant::now();
    while settings.try_wait().expect("wait").is_none() {
        assert!(closed.elapsed() < Duration::from_secs(30), "Settings did not end after Escape");
        std::thread::sleep(Duration::from_millis(100));
    }

    prefix.wait();

    // An upgrade, with the same properties as the deployment passes them.
    let out = msiexec(&prefix, dir.path(), &["/i", "kyso-new.msi", "/qn", &origins, &port_property]);
    assert!(out.status.success(), "upgrade: {out:?}");
    let products = installed_products(&prefix);
    assert_eq!(products.len(), 1, "the old version is gone: {products:?}");
    assert!(products[0].contains("\"DisplayVersion\"=\"0.9.1\""), "{}", products[0]);
    let new_ca = sha1(&ca);
    assert!(
        prefix.reg_query(&format!(r"HKLM\Software\Microsoft\SystemCertificates\Root\Certificates\{new_ca}")).is_some()
    );
    if new_ca != thumbprint {
        assert!(prefix.reg_query(&root_entry).is_none(), "the old CA left the ROOT store");
    }

    let out = msiexec(&prefix, dir.path(), &["/x", "kyso-new.msi", "/qn"]);
    assert!(out.status.success(), "uninstall: {out:?}");
    assert!(!program.exists(), "program files removed");
    assert!(!shortcut.exists(), "the Start menu entry removed");
    assert!(!prefix.drive_c().join("ProgramData/Kyso").exists(), "data removed");
    for key in [
        r"HKLM\Software\Policies\Kyso".to_owned(),
        r"HKLM\Software\Policies\Google".to_owned(),
        r"HKLM\Software\Policies\Chromium".to_owned(),
        r"HKLM\Software\Policies\Mozilla".to_owned(),
        format!(r"HKLM\Software\Microsoft\SystemCertificates\Root\Certificates\{new_ca}"),
    ] {
        assert!(prefix.reg_query(&key).is_none(), "{key} removed");
    }
    let run = prefix.reg_query(r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run").unwrap_or_default();
    assert!(!run.contains("Kyso"), "{run}");
    assert!(installed_products(&prefix).is_empty(), "no product registered");
}
