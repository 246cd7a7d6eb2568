//! Parses the worked JSON examples in the crate docs with the crate's types, so docs stay true.

use kyso_protocol::{CertificateList, ErrorResponse, SignDetachedRequest, SignDetachedResponse, StatusResponse};

fn examples() -> Vec<String> {
    let docs = include_str!("../src/lib.rs");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in docs.lines() {
        let text = line.strip_prefix("//!").map(|l| l.strip_prefix(' ').unwrap_or(l));
        match (text, current.as_mut()) {
            (Some("```json"), None) => current = Some(String::new()),
            (Some("```"), Some(_)) => out.extend(current.take()),
            (Some(t), Some(buf)) => {
                buf.push_str(t);
                buf.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_worked_example_parses() {
    let examples = examples();
    assert_eq!(examples.len(), 5, "update this test when adding examples");
    serde_json::from_str::<StatusResponse>(&examples[0]).expect("status example");
    serde_json::from_str::<CertificateList>(&examples[1]).expect("certificates example");
    serde_json::from_str::<SignDetachedRequest>(&examples[2]).expect("sign request example");
    serde_json::from_str::<SignDetachedResponse>(&examples[3]).expect("sign response example");
    let err: ErrorResponse = serde_json::from_str(&examples[4]).expect("error example");
    assert_eq!(err.error.message_en, err.error.code.message_en());
    assert_eq!(err.error.message_vi, err.error.code.message_vi());
}
