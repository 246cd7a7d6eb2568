//! `kyso-install doctor`: checks the installation and says, in Vietnamese and English, what is
//! wrong and what to do.

mod leaf;
#[cfg(unix)]
mod linux;
mod status;
mod tokens;
#[cfg(windows)]
mod windows;

use serde::Serialize;

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::text::Text;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As it should be.
    Ok,
    /// Works, but needs attention soon.
    Warn,
    /// Broken: signing will fail for someone.
    Fail,
}

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable name, for scripts.
    pub id: &'static str,
    /// Outcome.
    pub status: Status,
    /// What was found and, when not ok, what to do.
    pub message: Text,
}

impl Check {
    pub(crate) fn ok(id: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { id, status: Status::Ok, message: Text::new(vi, en) }
    }
    pub(crate) fn warn(id: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { id, status: Status::Warn, message: Text::new(vi, en) }
    }
    pub(crate) fn fail(id: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { id, status: Status::Fail, message: Text::new(vi, en) }
    }
}

/// Runs every check. Without an installation record there is only one: that one.
pub fn run(layout: &Layout) -> Vec<Check> {
    let record = match Manifest::read(&layout.manifest) {
        Ok(Some(record)) => record,
        Ok(None) => {
            return vec![Check::fail(
                "installed",
                "Kyso chưa được cài đặt trên máy này; hãy chạy `kyso-install setup` (hoặc cài gói MSI/.deb)",
                "Kyso is not installed on this machine; run `kyso-install setup` (or install the MSI/.deb package)",
            )];
        }
        Err(failure) => return vec![Check { id: "installed", status: Status::Fail, message: failure.0 }],
    };
    let mut checks = vec![installed(&record)];
    checks.push(leaf::check(layout));
    #[cfg(unix)]
    checks.extend(linux::checks(layout, &record));
    #[cfg(windows)]
    checks.extend(windows::checks(layout, &record));
    checks.extend(status::checks(layout, &record));
    checks.extend(tokens::checks(&record));
    checks
}

fn installed(record: &Manifest) -> Check {
    if record.agent.is_file() {
        Check::ok(
            "installed",
            format!("Đã cài Kyso {} ({})", record.version, record.agent.display()),
            format!("Kyso {} is installed ({})", record.version, record.agent.display()),
        )
    } else {
        Check::fail(
            "installed",
            format!("Không thấy chương trình Kyso tại {}; hãy cài lại", record.agent.display()),
            format!("The Kyso agent is missing at {}; reinstall it", record.agent.display()),
        )
    }
}

/// The machine-policy check: the origins found at `place`, `None` when it is missing or
/// unreadable.
pub(crate) fn policy(found: Option<Vec<String>>, place: &str, record: &Manifest) -> Check {
    match found {
        Some(origins) if origins == record.origins => Check::ok(
            "policy",
            format!("Chính sách máy cho phép: {}", origins.join(", ")),
            format!("Machine policy allows: {}", origins.join(", ")),
        ),
        Some(origins) => Check::warn(
            "policy",
            format!(
                "Chính sách máy {place} đã được thay đổi (Group Policy hoặc sửa tay): cho phép {}",
                origins.join(", ")
            ),
            format!(
                "The machine policy {place} was changed (by Group Policy or by hand): it allows {}",
                origins.join(", ")
            ),
        ),
        None => Check::fail(
            "policy",
            format!("Thiếu hoặc hỏng chính sách máy {place}; hãy chạy lại `kyso-install setup` (hoặc cài lại Kyso)"),
            format!(
                "The machine policy {place} is missing or damaged; run `kyso-install setup` again (or reinstall Kyso)"
            ),
        ),
    }
}

/// The browser-policy check, from the places found missing or changed.
pub(crate) fn browser_policies(missing: &[String]) -> Check {
    if missing.is_empty() {
        return Check::ok(
            "browser_policies",
            "Chính sách trình duyệt (Chrome, Edge, Chromium, Firefox) đã đặt",
            "Browser policies (Chrome, Edge, Chromium, Firefox) are in place",
        );
    }
    let places = missing.join(", ");
    Check::fail(
        "browser_policies",
        format!(
            "Thiếu hoặc sai chính sách trình duyệt: {places}; hãy chạy lại `kyso-install setup` (hoặc cài lại Kyso)"
        ),
        format!("Browser policies missing or changed: {places}; run `kyso-install setup` again (or reinstall Kyso)"),
    )
}

/// Whether any check failed.
pub fn any_failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}

/// The report for people: one line per check, Vietnamese first.
pub fn human(checks: &[Check]) -> String {
    let mut out = String::new();
    for check in checks {
        let mark = match check.status {
            Status::Ok => "[ OK ]",
            Status::Warn => "[CHÚ Ý/WARN]",
            Status::Fail => "[LỖI/FAIL]",
        };
        out.push_str(&format!("{mark} {}\n       {}\n", check.message.vi, check.message.en));
    }
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    if failed == 0 {
        out.push_str("Kyso sẵn sàng. / Kyso is ready.\n");
    } else {
        out.push_str(&format!("{failed} mục lỗi. / {failed} checks failed.\n"));
    }
    out
}
