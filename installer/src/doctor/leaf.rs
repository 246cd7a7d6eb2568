//! The server certificate: present, valid now, not about to expire.

use der::Decode;
use time::OffsetDateTime;

use super::Check;
use crate::layout::Layout;

/// Below this many days left, doctor fails: renew now.
const FAIL_DAYS: i64 = 14;
/// Below this many days left, doctor warns.
const WARN_DAYS: i64 = 60;

pub(super) fn check(layout: &Layout) -> Check {
    let path = layout.cert();
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Check::fail(
            "certificate",
            format!("Thiếu chứng thư TLS {}; hãy chạy lại `kyso-install setup`", path.display()),
            format!("The TLS certificate {} is missing; run `kyso-install setup` again", path.display()),
        );
    };
    let Some(Ok(leaf)) = crate::pem::certificates(&text).first().map(|der| x509_cert::Certificate::from_der(der))
    else {
        return Check::fail(
            "certificate",
            format!("Chứng thư TLS {} bị hỏng; hãy chạy lại `kyso-install setup`", path.display()),
            format!("The TLS certificate {} is damaged; run `kyso-install setup` again", path.display()),
        );
    };
    let validity = &leaf.tbs_certificate.validity;
    let now = OffsetDateTime::now_utc();
    let to_time = |t: x509_cert::time::Time| OffsetDateTime::from(t.to_system_time());
    let (not_before, not_after) = (to_time(validity.not_before), to_time(validity.not_after));
    let days_left = (not_after - now).whole_days();
    let date = not_after.date();
    if now < not_before || now >= not_after {
        return Check::fail(
            "certificate",
            format!(
                "Chứng thư TLS đã hết hạn hoặc chưa có hiệu lực (hết hạn {date}); hãy chạy lại `kyso-install setup`"
            ),
            format!("The TLS certificate is expired or not yet valid (expires {date}); run `kyso-install setup` again"),
        );
    }
    if days_left < FAIL_DAYS {
        return Check::fail(
            "certificate",
            format!("Chứng thư TLS chỉ còn {days_left} ngày (hết hạn {date}); hãy chạy lại `kyso-install setup` ngay"),
            format!(
                "The TLS certificate has {days_left} days left (expires {date}); run `kyso-install setup` again now"
            ),
        );
    }
    if days_left < WARN_DAYS {
        return Check::warn(
            "certificate",
            format!(
                "Chứng thư TLS còn {days_left} ngày (hết hạn {date}); hãy chạy lại `kyso-install setup` để gia hạn"
            ),
            format!(
                "The TLS certificate has {days_left} days left (expires {date}); run `kyso-install setup` again to renew it"
            ),
        );
    }
    Check::ok(
        "certificate",
        format!("Chứng thư TLS còn hiệu lực đến {date} ({days_left} ngày)"),
        format!("The TLS certificate is valid until {date} ({days_left} days)"),
    )
}
