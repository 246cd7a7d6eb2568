//! Windows checks: the agent's policy, the ROOT store, browser policies, autostart.

use super::Check;
use crate::browser_policy::CHROMIUM_ORIGIN_POLICIES;
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::windows::{self, registry, root_store};

pub(super) fn checks(layout: &Layout, record: &Manifest) -> Vec<Check> {
    let mut checks = Vec::new();
    let origins = registry::texts(windows::AGENT_POLICY_KEY, "allowed_origins");
    checks.push(super::policy(origins, &format!(r"HKLM\{}", windows::AGENT_POLICY_KEY), record));
    checks.push(if layout.key().is_file() {
        Check::ok("key", "Có khoá TLS", "The TLS key is present")
    } else {
        Check::fail("key", "Thiếu khoá TLS; hãy cài lại Kyso", "The TLS key is missing; reinstall Kyso")
    });
    let trusted = !record.root_store.is_empty() && record.root_store.iter().all(|t| root_store::contains(t));
    checks.push(if trusted {
        Check::ok(
            "trust.system",
            "Kho chứng thư gốc của máy tin cậy CA của Kyso",
            "The machine's ROOT store trusts Kyso's CA",
        )
    } else {
        Check::fail(
            "trust.system",
            "Kho chứng thư gốc của máy không có CA của Kyso: trình duyệt sẽ báo lỗi chứng thư; hãy cài lại Kyso",
            "The machine's ROOT store lacks Kyso's CA: browsers will show a certificate error; reinstall Kyso",
        )
    });
    let mut missing = Vec::new();
    for browser in windows::CHROMIUM_POLICY_KEYS {
        for policy in CHROMIUM_ORIGIN_POLICIES {
            let path = format!(r"{browser}\{policy}");
            let listed: Vec<String> =
                registry::value_names(&path).iter().filter_map(|n| registry::text(&path, n)).collect();
            if !record.origins.iter().all(|o| listed.contains(o)) {
                missing.push(path);
            }
        }
    }
    if registry::number(windows::FIREFOX_CERTIFICATES_KEY, "ImportEnterpriseRoots") != Some(1) {
        missing.push(windows::FIREFOX_CERTIFICATES_KEY.to_owned());
    }
    let missing: Vec<String> = missing.iter().map(|key| format!(r"HKLM\{key}")).collect();
    checks.push(super::browser_policies(&missing));
    checks.push(if registry::text(windows::RUN_KEY, windows::RUN_VALUE).is_some() {
        Check::ok("autostart", "Kyso tự khởi động khi người dùng đăng nhập", "Kyso starts at every user's logon")
    } else {
        Check::fail(
            "autostart",
            "Thiếu mục tự khởi động; hãy cài lại Kyso",
            "The autostart entry is missing; reinstall Kyso",
        )
    });
    checks
}
