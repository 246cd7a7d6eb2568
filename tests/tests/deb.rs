//! The Debian package: built with `installer/debian/build-deb.sh`, inspected with dpkg-deb, and
//! its maintainer scripts run for real, with debconf answers preseeded in a private database,
//! against a staging root (`KYSO_INSTALL_ROOT`): install sets the machine up, an upgrade sets it
//! up again, removal leaves the root as it was.

use std::path::Path;
use std::process::{Command, Output};

use kyso_tests::staging::{self, USER, snapshot, text};

const ORIGIN: &str = "https://qlvb.example.gov.vn";

/// Runs a maintainer script of the unpacked package, as dpkg would, against `root`.
fn maintainer_script(unpacked: &Path, root: &Path, script: &str, args: &[&str]) -> Output {
    let path = format!("{}:{}", text(&unpacked.join("files/usr/bin")), std::env::var("PATH").unwrap_or_default());
    Command::new(unpacked.join("control").join(script))
        .args(args)
        .current_dir(unpacked.join("control"))
        .env("PATH", path)
        .env("KYSO_INSTALL_ROOT", root)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("DPKG_MAINTSCRIPT_PACKAGE", "kyso")
        .env("DEBCONF_DB_OVERRIDE", format!("File{{{}}}", text(&unpacked.join("debconf.dat"))))
        .output()
        .expect("maintainer script")
}

fn preseed(unpacked: &Path, line: &str) {
    use std::io::Write;
    let mut child = Command::new("debconf-set-selections")
        .env("DEBCONF_DB_OVERRIDE", format!("File{{{}}}", text(&unpacked.join("debconf.dat"))))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("debconf-set-selections");
    child.stdin.take().expect("stdin").write_all(line.as_bytes()).expect("write");
    assert!(child.wait().expect("wait").success());
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_deb_sets_up_on_install_and_upgrade_and_cleans_up_on_removal() {
    let work = kyso_tests::temp_dir("kyso-deb-");
    let deb = work.path().join("kyso.deb");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../installer/debian/build-deb.sh");
    let bin = kyso_tests::binary("kyso-agent").parent().expect("bin").to_owned();
    ok(&Command::new("bash").arg(script).arg(bin).arg(&deb).output().expect("build-deb.sh"), "build-deb.sh");

    let info = ok(&Command::new("dpkg-deb").arg("--info").arg(&deb).output().expect("dpkg-deb"), "info");
    for field in ["Package: kyso", "Depends: ca-certificates, libnss3-tools", " postinst ", " prerm ", " templates"] {
        assert!(info.contains(field), "{field}: {info}");
    }
    let contents = ok(&Command::new("dpkg-deb").arg("--contents").arg(&deb).output().expect("dpkg-deb"), "contents");
    assert!(contents.contains("./usr/bin/kyso-agent") && contents.contains("./usr/bin/kyso-install"), "{contents}");
    assert!(contents.contains("./usr/share/applications/vn.kyso.Settings.desktop"), "the menu entry: {contents}");
    assert!(contents.lines().next().is_some_and(|l| l.starts_with("drwxr-xr-x root/root")), "{contents}");

    let unpacked = work.path();
    ok(
        &Command::new("dpkg-deb").arg("-x").arg(&deb).arg(unpacked.join("files")).output().expect("dpkg-deb -x"),
        "unpack",
    );
    ok(
        &Command::new("dpkg-deb").arg("-e").arg(&deb).arg(unpacked.join("control")).output().expect("dpkg-deb -e"),
        "control",
    );

    let entry = unpacked.join("files/usr/share/applications/vn.kyso.Settings.desktop");
    let checked = Command::new("desktop-file-validate").arg(&entry).output().expect("desktop-file-validate");
    assert!(checked.status.success() && checked.stdout.is_empty(), "{}", String::from_utf8_lossy(&checked.stdout));
    assert!(std::fs::read_to_string(&entry).expect("entry").contains("Exec=/usr/bin/kyso-agent settings"));

    let root = staging::root();
    let before = snapshot(root.path());

    // Without an answer: installed, not set up, and it says how.
    ok(&maintainer_script(unpacked, root.path(), "config", &["configure"]), "config");
    let said = ok(&maintainer_script(unpacked, root.path(), "postinst", &["configure"]), "postinst");
    assert!(said.contains("kyso-install setup --origins"), "{said}");
    assert_eq!(snapshot(root.path()), before, "nothing set up without origins");

    // Preseeded, as an administrator deploys it.
    preseed(unpacked, &format!("kyso kyso/origins string {ORIGIN}\n"));
    ok(&maintainer_script(unpacked, root.path(), "postinst", &["configure"]), "postinst");
    let policy = std::fs::read_to_string(root.path().join("etc/kyso/agent.toml")).expect("policy");
    assert!(policy.contains(ORIGIN) && policy.contains("port = 8987"), "{policy}");
    let autostart =
        std::fs::read_to_string(root.path().join("etc/xdg/autostart/kyso-agent.desktop")).expect("autostart");
    assert!(autostart.contains("Exec=\"/usr/bin/kyso-agent\" serve"), "{autostart}");
    assert!(root.path().join(format!("home/{USER}/.pki/nssdb/cert9.db")).is_file());
    let first_ca = std::fs::read(root.path().join("etc/kyso/tls/ca.pem")).expect("ca");

    // An upgrade runs postinst again: set up anew, same portals, a new certificate.
    preseed(unpacked, "kyso kyso/origins string \n");
    ok(&maintainer_script(unpacked, root.path(), "postinst", &["configure", "0.0.9"]), "upgrade");
    let policy = std::fs::read_to_string(root.path().join("etc/kyso/agent.toml")).expect("policy");
    assert!(policy.contains(ORIGIN), "empty answers keep the portals: {policy}");
    assert_ne!(std::fs::read(root.path().join("etc/kyso/tls/ca.pem")).expect("ca"), first_ca);

    // Upgrade's prerm leaves everything; removal's takes it all.
    ok(&maintainer_script(unpacked, root.path(), "prerm", &["upgrade", "0.2.0"]), "prerm upgrade");
    assert!(root.path().join("etc/kyso/agent.toml").is_file());
    ok(&maintainer_script(unpacked, root.path(), "prerm", &["remove"]), "prerm remove");
    assert_eq!(snapshot(root.path()), before, "removal leaves the root as it was");
}
