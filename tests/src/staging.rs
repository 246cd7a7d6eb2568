//! A staging root for `kyso-install --root`: a fresh Debian desktop in a folder, with its own
//! password and group files, CA store and one user's empty home, so setup and uninstall run
//! for real without touching the machine running the tests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The login user of every staging root.
pub const USER: &str = "clerk";

/// Makes the root: one login user ([`USER`], uid 1000), one Mozilla root in the CA store.
pub fn root() -> tempfile::TempDir {
    let root = crate::temp_dir("kyso-install-root-");
    let at = |p: &str| root.path().join(p);
    for dir in [
        "etc/ssl/certs",
        "etc/ca-certificates/update.d",
        "usr/share/ca-certificates/mozilla",
        "usr/local/share/ca-certificates",
    ] {
        std::fs::create_dir_all(at(dir)).expect("dir");
    }
    std::fs::create_dir_all(at(&format!("home/{USER}"))).expect("home");
    std::os::unix::fs::chown(at(&format!("home/{USER}")), Some(1000), Some(1000)).expect("chown home");
    std::fs::write(
        at("etc/passwd"),
        format!("root:x:0:0:root:/root:/bin/bash\n{USER}:x:1000:1000:Clerk:/home/{USER}:/bin/bash\n"),
    )
    .expect("passwd");
    std::fs::write(at("etc/group"), format!("root:x:0:\n{USER}:x:1000:\n")).expect("group");
    // One real root, so the bundle is rebuilt (update-ca-certificates leaves an empty set alone).
    let mozilla = std::fs::read_dir("/usr/share/ca-certificates/mozilla")
        .expect("ca-certificates")
        .flatten()
        .next()
        .expect("a root");
    std::fs::copy(mozilla.path(), at("usr/share/ca-certificates/mozilla").join(mozilla.file_name()))
        .expect("copy root");
    std::fs::write(at("etc/ca-certificates.conf"), format!("mozilla/{}\n", mozilla.file_name().to_string_lossy()))
        .expect("conf");
    let update = Command::new("update-ca-certificates")
        .args([
            "--certsconf",
            &text(&at("etc/ca-certificates.conf")),
            "--certsdir",
            &text(&at("usr/share/ca-certificates")),
        ])
        .args([
            "--localcertsdir",
            &text(&at("usr/local/share/ca-certificates")),
            "--etccertsdir",
            &text(&at("etc/ssl/certs")),
        ])
        .args(["--hooksdir", &text(&at("etc/ca-certificates/update.d"))])
        .output()
        .expect("update-ca-certificates");
    assert!(update.status.success(), "{}", String::from_utf8_lossy(&update.stderr));
    root
}

/// A path as text (the tests' paths are UTF-8).
pub fn text(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_owned()
}

/// Every path under `root` with its contents (a symlink's target, `<dir>` for folders).
pub fn snapshot(root: &Path) -> BTreeSet<(PathBuf, Vec<u8>)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let p = entry.path();
            let kind = entry.file_type().expect("type");
            let content = if kind.is_symlink() {
                std::fs::read_link(&p).map(|t| text(&t).into_bytes()).unwrap_or_default()
            } else if kind.is_dir() {
                stack.push(p.clone());
                b"<dir>".to_vec()
            } else {
                std::fs::read(&p).expect("read")
            };
            // The shadow tools' own backups (`/etc/group-`) are theirs to rewrite.
            if !p.to_string_lossy().ends_with('-') {
                out.insert((p.strip_prefix(root).expect("under root").to_owned(), content));
            }
        }
    }
    out
}
