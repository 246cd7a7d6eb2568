//! `kyso-install` on Linux, for real but inside a staging root (`--root`): its own password
//! and group files, CA directories and a user's home, so the machine running the tests is
//! untouched. Then Debian's chromium, with that user's home and no certificate-error flags,
//! reaches the agent from an allowed portal page; after `uninstall` the same request fails
//! certificate validation, and the root holds what it held before setup.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kyso_tests::agent::{Agent, config_text};
use kyso_tests::browser;
use kyso_tests::pki::Pki;
use kyso_tests::portal::Portal;
use kyso_tests::staging::{self, USER, snapshot, text as path};
use serde_json::Value;

fn install(root: &Path, args: &[&str]) -> Output {
    Command::new(kyso_tests::binary("kyso-install")).args(args).arg("--root").arg(root).output().expect("kyso-install")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn status_page(portal: &Portal) {
    let page = "<!doctype html><meta charset=utf-8><script>\n\
        const port = new URLSearchParams(location.search).get('port');\n\
        fetch(`https://127.0.0.1:${port}/v1/status`).then(r => r.json())\n\
          .then(body => { window.__result = { ok: true, body }; })\n\
          .catch(error => { window.__result = { ok: false, error: String(error) }; });\n\
        </script>";
    portal.serve_page("status.html", "text/html; charset=utf-8", page.as_bytes().to_vec());
}

fn certutil(args: &[&str]) {
    let out = Command::new("certutil").args(args).output().expect("certutil");
    assert!(out.status.success(), "certutil {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_makes_chromium_trust_the_agent_and_uninstall_takes_it_all_back() {
    let pki = Pki::shared();
    let root = staging::root();
    let before = snapshot(root.path());
    let portal = Portal::start();
    status_page(&portal);
    let port = free_port();

    let out = install(
        root.path(),
        &[
            "setup",
            "--origins",
            portal.origin(),
            "--port",
            &port.to_string(),
            "--users",
            USER,
            "--agent",
            &path(&kyso_tests::binary("kyso-agent")),
        ],
    );
    assert!(out.status.success(), "setup: {}", String::from_utf8_lossy(&out.stderr));
    let at = |p: &str| root.path().join(p);

    // The key: root and the `kyso` group only, and the user is in that group.
    let key = std::fs::metadata(at("etc/kyso/tls/key.pem")).expect("key");
    assert_eq!(key.mode() & 0o777, 0o640);
    let group = std::fs::read_to_string(at("etc/group")).expect("group");
    let kyso_line = group.lines().find(|l| l.starts_with("kyso:")).expect("kyso group");
    assert!(kyso_line.ends_with(&format!(":{USER}")), "{kyso_line}");
    assert_eq!(kyso_line.split(':').nth(2).and_then(|g| g.parse().ok()), Some(key.gid()));
    // Browser policies list the portal; the autostart entry runs the agent.
    let chrome: Value =
        serde_json::from_slice(&std::fs::read(at("etc/opt/chrome/policies/managed/kyso.json")).expect("chrome"))
            .expect("json");
    assert_eq!(chrome["LoopbackNetworkAllowedForUrls"][0], portal.origin());
    assert_eq!(chrome["LocalNetworkAccessAllowedForUrls"][0], portal.origin());
    let firefox: Value =
        serde_json::from_slice(&std::fs::read(at("etc/firefox/policies/policies.json")).expect("ff")).expect("json");
    assert_eq!(firefox["policies"]["Certificates"]["ImportEnterpriseRoots"], true);
    let autostart = std::fs::read_to_string(at("etc/xdg/autostart/kyso-agent.desktop")).expect("autostart");
    assert!(autostart.contains("kyso-agent\" serve"), "{autostart}");
    // The system bundle holds the CA, and the CA's name constraints are what the design says.
    let ca = std::fs::read_to_string(at("etc/kyso/tls/ca.pem")).expect("ca");
    let bundle = std::fs::read_to_string(at("etc/ssl/certs/ca-certificates.crt")).expect("bundle");
    assert!(bundle.contains(ca.trim()), "the CA is in the system bundle");
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in", &path(&at("etc/kyso/tls/ca.pem"))])
        .output()
        .expect("openssl");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("X509v3 Name Constraints: critical") && text.contains("pathlen:0"), "{text}");

    // The portal's own CA stands for the public CA a real portal has; Chromium already trusts
    // that one. It goes into the database setup made.
    let db = format!("sql:{}", path(&at(&format!("home/{USER}/.pki/nssdb"))));
    certutil(&["-A", "-d", &db, "-n", "portal", "-t", "C,,", "-i", &path(portal.ca())]);

    // The agent as autostart would run it: the machine policy gives port, origins and TLS.
    let agent = Agent::start_with_policy(pki, &config_text(pki, ""), &at("etc/kyso/agent.toml"));
    assert_eq!(agent.port(), port, "the policy's port");

    let doctor = install(root.path(), &["doctor", "--json"]);
    let checks: Value = serde_json::from_slice(&doctor.stdout).expect("doctor json");
    assert!(doctor.status.success(), "doctor: {checks:#}");
    let ids: Vec<&str> = checks.as_array().expect("list").iter().filter_map(|c| c["id"].as_str()).collect();
    for id in [
        "installed",
        "certificate",
        "policy",
        "key",
        "trust.system",
        "trust.nss",
        "browser_policies",
        "autostart",
        "agent",
        "tls",
    ] {
        assert!(ids.contains(&id), "doctor checks {id}: {ids:?}");
    }

    let home = at(&format!("home/{USER}"));
    let url = format!("{}?port={port}", portal.url("/page/status.html"));
    let page = tokio::task::block_in_place(|| browser::open(&url, &home));
    assert_eq!(page.result["ok"], true, "{:#}", page.result);
    assert_eq!(page.result["body"]["agent"], "kyso");
    assert_eq!(page.result["body"]["origin"], portal.origin());

    // Renewal is setup again, with the same settings kept; the running agent takes the new
    // certificate at its next connection.
    let out = install(root.path(), &["setup", "--users", USER, "--agent", &path(&kyso_tests::binary("kyso-agent"))]);
    assert!(out.status.success(), "setup again: {}", String::from_utf8_lossy(&out.stderr));
    let renewed = std::fs::read_to_string(at("etc/kyso/tls/ca.pem")).expect("ca");
    assert_ne!(renewed, ca, "a new CA");
    let kept = kyso_tests::temp_dir("kyso-ca-");
    let kept_ca = kept.path().join("ca.pem");
    std::fs::write(&kept_ca, &renewed).expect("keep ca");
    let status = |ca: &Path| {
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "10", "--cacert", &path(ca), "-H", &format!("Origin: {}", portal.origin())])
            .arg(format!("https://127.0.0.1:{port}/v1/status"))
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).contains("\"agent\":\"kyso\"")
    };
    assert!(status(&kept_ca), "the agent serves the renewed certificate");
    let page = tokio::task::block_in_place(|| browser::open(&url, &home));
    assert_eq!(page.result["ok"], true, "after renewal: {:#}", page.result);

    // Uninstall: the agent still runs with its certificate, which nothing trusts now.
    let out = install(root.path(), &["uninstall"]);
    assert!(out.status.success(), "uninstall: {}", String::from_utf8_lossy(&out.stderr));
    let page = tokio::task::block_in_place(|| browser::open(&url, &home));
    assert_eq!(page.result["ok"], false, "{:#}", page.result);
    assert!(page.console.to_string().contains("ERR_CERT_AUTHORITY_INVALID"), "a certificate failure: {}", page.console);
    assert!(status(&kept_ca), "the agent is still there");

    // Nothing left outside the home, where chromium wrote its profile, and the database, which
    // now holds the portal's CA (someone else's), stays.
    let after = snapshot(root.path());
    let home_dir = PathBuf::from("home");
    let extra: Vec<_> = after.difference(&before).filter(|(p, _)| !p.starts_with(&home_dir)).map(|(p, _)| p).collect();
    let missing: Vec<_> = before.difference(&after).map(|(p, _)| p).collect();
    assert!(extra.is_empty() && missing.is_empty(), "left behind: {extra:?}; changed or lost: {missing:?}");
    let listing = Command::new("certutil").args(["-L", "-d", &db]).output().expect("certutil");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("portal") && !listing.contains("Kyso"), "{listing}");

    let doctor = install(root.path(), &["doctor"]);
    assert!(!doctor.status.success());
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("Kyso is not installed"));
}

#[test]
fn setup_again_replaces_the_ca_everywhere_and_refuses_bad_input_without_touching_anything() {
    let root = staging::root();
    let before = snapshot(root.path());
    for (args, says) in [
        (vec!["setup", "--origins", "http://portal.example"], "must use https"),
        (vec!["setup", "--origins", "https://portal.example", "--modules", "libsofthsm2.so"], "must be absolute"),
        (vec!["setup", "--origins", "https://portal.example", "--users", "nobody-here"], "No such user"),
    ] {
        let out = install(root.path(), &args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says) && stderr.contains("Lỗi"), "{args:?}: {stderr}");
        assert_eq!(snapshot(root.path()), before, "{args:?} changed nothing");
    }

    let setup = |origin: &str| {
        let out = install(root.path(), &["setup", "--origins", origin, "--users", USER]);
        assert!(out.status.success(), "setup: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_to_string(root.path().join("etc/kyso/tls/ca.pem")).expect("ca")
    };
    let first = setup("https://a.example");
    let second = setup("https://b.example");
    assert_ne!(first, second, "a new CA");
    let bundle = std::fs::read_to_string(root.path().join("etc/ssl/certs/ca-certificates.crt")).expect("bundle");
    assert!(bundle.contains(second.trim()) && !bundle.contains(first.trim()), "only the new CA is trusted");
    let db = format!("sql:{}", path(&root.path().join(format!("home/{USER}/.pki/nssdb"))));
    let der = Command::new("certutil").args(["-L", "-d", &db, "-n", "Kyso Local CA", "-a"]).output().expect("certutil");
    let listed = String::from_utf8_lossy(&der.stdout);
    assert_eq!(listed.matches("BEGIN CERTIFICATE").count(), 1, "one Kyso CA in the browser's database");
    assert_eq!(
        listed.lines().filter(|l| !l.starts_with("-----")).collect::<String>(),
        second.lines().filter(|l| !l.starts_with("-----")).collect::<String>()
    );
    let policy = std::fs::read_to_string(root.path().join("etc/kyso/agent.toml")).expect("policy");
    assert!(policy.contains("https://b.example") && !policy.contains("https://a.example"), "{policy}");

    let out = install(root.path(), &["uninstall"]);
    assert!(out.status.success(), "uninstall: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(snapshot(root.path()), before, "uninstall leaves the root as it was");
    let again = install(root.path(), &["uninstall"]);
    assert!(again.status.success() && String::from_utf8_lossy(&again.stdout).contains("nothing to remove"));
}
