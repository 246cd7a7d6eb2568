//! Can the configured PKCS#11 modules be loaded, and which tokens do they see?

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};

use super::Check;
use crate::manifest::Manifest;

pub(super) fn checks(record: &Manifest) -> Vec<Check> {
    if record.modules.is_empty() {
        return vec![Check::ok(
            "modules",
            "Chưa chỉ định thư viện PKCS#11: Kyso tự tìm ở các vị trí thường gặp của nhà cung cấp token",
            "No PKCS#11 module configured: Kyso looks in the token vendors' usual locations",
        )];
    }
    record
        .modules
        .iter()
        .map(|path| {
            let shown = path.display();
            let context = match Pkcs11::new(path) {
                Ok(context) => context,
                Err(e) => {
                    return Check::fail(
                        "modules",
                        format!("Không nạp được thư viện PKCS#11 {shown} ({e}); hãy cài trình điều khiển token"),
                        format!("Cannot load the PKCS#11 module {shown} ({e}); install the token's driver"),
                    );
                }
            };
            if let Err(e) = context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
                return Check::fail(
                    "modules",
                    format!("Thư viện PKCS#11 {shown} không khởi tạo được ({e})"),
                    format!("The PKCS#11 module {shown} fails to initialise ({e})"),
                );
            }
            let labels: Vec<String> = context
                .get_slots_with_token()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|slot| context.get_token_info(slot).ok())
                .map(|info| info.label().trim().to_owned())
                .collect();
            if labels.is_empty() {
                Check::warn(
                    "modules",
                    format!("{shown}: nạp được, nhưng chưa thấy token nào; hãy cắm token"),
                    format!("{shown}: loads, but no token is present; plug the token in"),
                )
            } else {
                Check::ok(
                    "modules",
                    format!("{shown}: thấy token {}", labels.join(", ")),
                    format!("{shown}: tokens {}", labels.join(", ")),
                )
            }
        })
        .collect()
}
