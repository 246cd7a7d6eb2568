//! Parses the worked JSON examples in the crate docs with the crate's types, so docs stay true.

use kyso_protocol::{
    CertificateList, ErrorResponse, SignDetachedRequest, SignDetachedResponse, SignPdfBatchResponse, SignPdfRequest,
    SignPdfResponse, SignatureLevel, SigningAct, StatusResponse, Verdict, VerifyRequest, VerifyResponse,
};

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
    assert_eq!(examples.len(), 14, "update this test when adding examples");
    serde_json::from_str::<StatusResponse>(&examples[0]).expect("status example");
    serde_json::from_str::<CertificateList>(&examples[1]).expect("certificates example");
    serde_json::from_str::<SignDetachedRequest>(&examples[2]).expect("sign request example");
    let detached: SignDetachedResponse = serde_json::from_str(&examples[3]).expect("sign response example");
    assert_eq!(detached.level, SignatureLevel::BT);
    let pdf: SignPdfRequest = serde_json::from_str(&examples[4]).expect("pdf request example");
    assert_eq!(pdf.act, Some(SigningAct::Approve));
    let into_field: SignPdfRequest = serde_json::from_str(&examples[5]).expect("pdf field request example");
    assert_eq!(into_field.level, Some(SignatureLevel::BT));
    let signed: SignPdfResponse = serde_json::from_str(&examples[6]).expect("pdf response example");
    assert!(signed.timestamp_time.is_some());
    let batch: SignPdfRequest = serde_json::from_str(&examples[7]).expect("pdf batch example");
    assert_eq!(batch.documents.map(|d| d.len()), Some(2));
    let results: SignPdfBatchResponse = serde_json::from_str(&examples[8]).expect("pdf batch response example");
    let failed = results.results[1].error.as_ref().expect("an error");
    assert_eq!(failed.message_en, failed.code.message_en());
    let by_url: SignPdfRequest = serde_json::from_str(&examples[9]).expect("pdf by URL example");
    assert!(by_url.pdf_url.is_some() && by_url.upload_url.is_some() && by_url.url_auth.is_some());
    let uploaded: SignPdfResponse = serde_json::from_str(&examples[10]).expect("uploaded response example");
    assert!(uploaded.pdf_base64.is_none() && uploaded.upload.is_some());
    let verify: VerifyRequest = serde_json::from_str(&examples[11]).expect("verify request example");
    assert!(verify.pdf_base64.is_some());
    let verified: VerifyResponse = serde_json::from_str(&examples[12]).expect("verify response example");
    assert_eq!(verified.verdict, Verdict::Valid);
    assert_eq!(verified.signatures[0].level, Some(SignatureLevel::BLta));
    let err: ErrorResponse = serde_json::from_str(&examples[13]).expect("error example");
    assert_eq!(err.error.message_en, err.error.code.message_en());
    assert_eq!(err.error.message_vi, err.error.code.message_vi());
}
