//! Feeds arbitrary bytes to the PDF reader and increment writer through `prepare` (invisible,
//! visible and field placements) and `finish`: any panic, hang or huge allocation is a bug.
#![no_main]

use kyso_agent::pdf::{Placement, Plan, SignatureInfo, local_now, prepare};
use kyso_protocol::DigestAlgorithm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let input = dir.path().join("input.pdf");
    if std::fs::write(&input, bytes).is_err() {
        return;
    }
    for placement in [
        Placement::Invisible,
        Placement::Rect { page: 1, rect: [10.0, 10.0, 100.0, 60.0] },
        Placement::Field("A".into()),
    ] {
        let plan = Plan {
            placement,
            field_name: None,
            visible: None,
            time: local_now(),
            info: SignatureInfo::default(),
            capacity: 64,
            digest: DigestAlgorithm::Sha256,
            kind: kyso_agent::pdf::SignatureKind::Signature,
        };
        if let Ok(prepared) = prepare(&input, dir.path(), &plan) {
            let _ = prepared.finish(&[0x30, 0x03, 0x02, 0x01, 0x00], &dir.path().join("output.pdf"));
        }
    }
});
