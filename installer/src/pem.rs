//! Reading certificates out of PEM text.

use base64::Engine;

/// Every `CERTIFICATE` block of `text`, as DER; blocks that do not decode are skipped.
pub fn certificates(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines().map(str::trim) {
        match (&mut body, line) {
            (None, "-----BEGIN CERTIFICATE-----") => body = Some(String::new()),
            (Some(b), "-----END CERTIFICATE-----") => {
                if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b.as_bytes()) {
                    out.push(der);
                }
                body = None;
            }
            (Some(b), line) => b.push_str(line),
            (None, _) => {}
        }
    }
    out
}

/// The first certificate of `text`.
///
/// # Errors
///
/// There is none.
pub fn first_certificate(text: &str) -> Result<Vec<u8>, crate::text::Failure> {
    certificates(text).into_iter().next().ok_or_else(|| {
        crate::text::failure(
            "Không có chứng thư trong tệp PEM",
            "No certificate in the PEM text",
            text.lines().next().unwrap_or(""),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_yield_each_certificate() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nMAM=\n-----END CERTIFICATE-----\n# x\n-----BEGIN CERTIFICATE-----\nMAQ=\n-----END CERTIFICATE-----\n";
        assert_eq!(certificates(text), [vec![0x30, 0x03], vec![0x30, 0x04]]);
        assert!(first_certificate("nothing").is_err());
    }
}
