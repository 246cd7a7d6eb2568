//! Linux checks: the agent's policy and key, the system store, NSS databases, browser policies
//! and autostart.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::Check;
use crate::layout::Layout;
use crate::linux::{self, autostart, nss, system_store, users};
use crate::manifest::{Edit, Manifest};

pub(super) fn checks(layout: &Layout, record: &Manifest) -> Vec<Check> {
    let ca = std::fs::read_to_string(layout.ca()).ok().and_then(|t| crate::pem::certificates(&t).into_iter().next());
    let mut checks = vec![policy(layout, record), key(layout)];
    let Some(ca) = ca else {
        checks.push(Check::fail(
            "ca",
            format!("Thiếu chứng thư CA {}; hãy chạy lại `kyso-install setup`", layout.ca().display()),
            format!("The CA certificate {} is missing; run `kyso-install setup` again", layout.ca().display()),
        ));
        return checks;
    };
    checks.push(system_trust(layout, &ca));
    checks.extend(record.nss.iter().map(|entry| nss_trust(&entry.db, &entry.user, &ca)));
    checks.push(browser_policies(layout, record));
    checks.push(if autostart::entry_path(layout).is_file() {
        Check::ok("autostart", "Kyso tự khởi động khi người dùng đăng nhập", "Kyso starts with every desktop session")
    } else {
        Check::fail(
            "autostart",
            format!(
                "Thiếu mục tự khởi động {}; hãy chạy lại `kyso-install setup`",
                autostart::entry_path(layout).display()
            ),
            format!(
                "The autostart entry {} is missing; run `kyso-install setup` again",
                autostart::entry_path(layout).display()
            ),
        )
    });
    checks
}

fn policy(layout: &Layout, record: &Manifest) -> Check {
    let path = layout.policy_file();
    let parsed = std::fs::read_to_string(&path).ok().and_then(|t| t.parse::<toml::Table>().ok());
    let origins: Option<Vec<String>> = parsed
        .as_ref()
        .and_then(|t| t.get("allowed_origins"))
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect());
    super::policy(origins, &path.display().to_string(), record)
}

fn key(layout: &Layout) -> Check {
    let path = layout.key();
    let Ok(meta) = std::fs::metadata(&path) else {
        return Check::fail(
            "key",
            format!("Thiếu khoá TLS {}; hãy chạy lại `kyso-install setup`", path.display()),
            format!("The TLS key {} is missing; run `kyso-install setup` again", path.display()),
        );
    };
    let group =
        std::fs::read_to_string(layout.path("/etc/group")).ok().and_then(|t| users::group_id(&t, linux::KEY_GROUP));
    let mode = meta.mode() & 0o777;
    if mode & 0o007 != 0 || group != Some(meta.gid()) {
        return Check::fail(
            "key",
            format!(
                "Khoá TLS {} có quyền {mode:o}: ai cũng đọc được hoặc sai nhóm; hãy chạy lại `kyso-install setup`",
                path.display()
            ),
            format!(
                "The TLS key {} has mode {mode:o}: readable by others or the wrong group; run `kyso-install setup` again",
                path.display()
            ),
        );
    }
    if std::fs::File::open(&path).is_err() {
        return Check::fail(
            "key",
            format!(
                "Người dùng này không đọc được khoá TLS: cần thuộc nhóm `{}` (đăng xuất rồi đăng nhập lại sau khi được thêm)",
                linux::KEY_GROUP
            ),
            format!(
                "This user cannot read the TLS key: they must be in the `{}` group (log out and in again after being added)",
                linux::KEY_GROUP
            ),
        );
    }
    Check::ok(
        "key",
        format!("Khoá TLS chỉ nhóm `{}` đọc được", linux::KEY_GROUP),
        format!("The TLS key is readable by the `{}` group only", linux::KEY_GROUP),
    )
}

fn system_trust(layout: &Layout, ca: &[u8]) -> Check {
    let bundle = system_store::bundle(layout);
    let trusted = std::fs::read_to_string(&bundle).is_ok_and(|t| crate::pem::certificates(&t).iter().any(|c| c == ca));
    if trusted {
        Check::ok(
            "trust.system",
            "Kho chứng thư của hệ điều hành tin cậy CA của Kyso",
            "The operating system's store trusts Kyso's CA",
        )
    } else {
        Check::fail(
            "trust.system",
            format!("{} không có CA của Kyso; hãy chạy lại `kyso-install setup`", bundle.display()),
            format!("{} lacks Kyso's CA; run `kyso-install setup` again", bundle.display()),
        )
    }
}

fn nss_trust(db: &Path, user: &str, ca: &[u8]) -> Check {
    match nss::ca_der(db) {
        Some(found) if found == ca => Check::ok(
            "trust.nss",
            format!("Trình duyệt của {user} tin cậy CA ({})", db.display()),
            format!("{user}'s browser trusts the CA ({})", db.display()),
        ),
        Some(_) => Check::fail(
            "trust.nss",
            format!("{} có CA Kyso cũ; hãy chạy lại `kyso-install setup`", db.display()),
            format!("{} holds an old Kyso CA; run `kyso-install setup` again", db.display()),
        ),
        None => Check::fail(
            "trust.nss",
            format!(
                "{} không có CA của Kyso: trình duyệt của {user} sẽ báo lỗi chứng thư; hãy chạy lại `kyso-install setup`",
                db.display()
            ),
            format!(
                "{} lacks Kyso's CA: {user}'s browser will show a certificate error; run `kyso-install setup` again",
                db.display()
            ),
        ),
    }
}

fn browser_policies(layout: &Layout, record: &Manifest) -> Check {
    let mut missing = Vec::new();
    for path in linux::policy_files(layout) {
        let ok = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| {
                crate::browser_policy::CHROMIUM_ORIGIN_POLICIES
                    .iter()
                    .all(|name| v[name] == serde_json::json!(record.origins))
            });
        if !ok {
            missing.push(path.display().to_string());
        }
    }
    for edit in &record.edits {
        let Edit::FirefoxPolicies { path, installed, .. } = edit;
        let ok = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["policies"]["Certificates"]["Install"].as_array().cloned())
            .is_some_and(|list| list.iter().any(|v| v.as_str() == Some(installed)));
        if !ok {
            missing.push(path.display().to_string());
        }
    }
    super::browser_policies(&missing)
}
