//! The signature dictionary with room for the CMS (ISO 32000-1, 12.8.1; ETSI EN 319 142-1, 5.3):
//! its layout is formatted here so the positions of `/ByteRange` and `/Contents` are known.

use std::io::Write;

use lopdf::Object;
use time::OffsetDateTime;

use super::error::PdfError;
use super::signatures::SignatureKind;

/// Width of each patched `/ByteRange` number: files up to 9,999,999,999 bytes.
const SLOT: usize = 10;
/// The largest output the fixed-width `/ByteRange` can describe.
pub const MAX_FILE: u64 = 9_999_999_999;

/// Optional text entries of the signature dictionary.
#[derive(Debug, Clone, Default)]
pub struct SignatureInfo {
    /// `/Name`: the signer, as shown by viewers.
    pub name: Option<String>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact: Option<String>,
}

/// A formatted signature dictionary.
#[derive(Debug)]
pub struct Placeholder {
    /// The dictionary's bytes.
    pub bytes: Vec<u8>,
    /// Offset of the first `/ByteRange` slot within `bytes`.
    pub byte_range_at: usize,
    /// Offset of `<` opening `/Contents` within `bytes`.
    pub contents_at: usize,
    /// Bytes reserved for the DER-encoded CMS (the hex string holds twice as many digits).
    pub capacity: usize,
}

/// Formats the dictionary, reserving `capacity` bytes for the CMS (or, for a document
/// timestamp, the RFC 3161 token, whose time is its own: no `/M` and no texts then).
///
/// # Errors
///
/// Only formatting errors of the in-memory writer.
pub fn format(
    kind: SignatureKind,
    capacity: usize,
    time: OffsetDateTime,
    info: &SignatureInfo,
) -> Result<Placeholder, PdfError> {
    let mut bytes = Vec::with_capacity(capacity * 2 + 512);
    bytes.extend_from_slice(match kind {
        SignatureKind::Signature => b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 ",
        SignatureKind::DocTimeStamp => b"<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange[0 ",
    });
    let byte_range_at = bytes.len();
    for i in 0..3 {
        bytes.extend(std::iter::repeat_n(b' ', SLOT));
        if i < 2 {
            bytes.push(b' ');
        }
    }
    bytes.extend_from_slice(b"]/Contents");
    let contents_at = bytes.len();
    bytes.push(b'<');
    bytes.extend(std::iter::repeat_n(b'0', capacity * 2));
    bytes.push(b'>');
    if kind == SignatureKind::DocTimeStamp {
        bytes.extend_from_slice(b">>");
        return Ok(Placeholder { bytes, byte_range_at, contents_at, capacity });
    }
    write!(bytes, "/M")?;
    lopdf::Writer::write_object(&mut bytes, &Object::string_literal(pdf_date(time)))?;
    for (key, value) in
        [("Name", &info.name), ("Reason", &info.reason), ("Location", &info.location), ("ContactInfo", &info.contact)]
    {
        if let Some(value) = value {
            write!(bytes, "/{key}")?;
            lopdf::Writer::write_object(&mut bytes, &super::form::text_string(value))?;
        }
    }
    bytes.extend_from_slice(b">>");
    Ok(Placeholder { bytes, byte_range_at, contents_at, capacity })
}

/// Writes `[0 a b c]` into the slots at `at` in `bytes`.
///
/// # Errors
///
/// [`PdfError::Placement`] when the file is too large for the slots.
pub fn patch_byte_range(bytes: &mut [u8], at: usize, range: [u64; 3]) -> Result<(), PdfError> {
    for (i, value) in range.iter().enumerate() {
        if *value > MAX_FILE {
            return Err(PdfError::Placement("the signed file would exceed 9,999,999,999 bytes".into()));
        }
        let text = value.to_string();
        let start = at + i * (SLOT + 1);
        bytes[start..start + text.len()].copy_from_slice(text.as_bytes());
    }
    Ok(())
}

/// A PDF date (7.9.4) with the offset of `time`.
pub fn pdf_date(time: OffsetDateTime) -> String {
    let offset = time.offset();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        offset.whole_hours().unsigned_abs(),
        offset.minutes_past_hour().unsigned_abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_patch() {
        let time = time::macros::datetime!(2026-11-22 10:15:00 +07:00);
        let mut p = format(
            SignatureKind::Signature,
            4,
            time,
            &SignatureInfo { name: Some("Nguyễn Văn An".into()), ..Default::default() },
        )
        .expect("formats");
        patch_byte_range(&mut p.bytes, p.byte_range_at, [12, 34, 5678]).expect("patch");
        let text = String::from_utf8_lossy(&p.bytes);
        assert!(text.contains("/ByteRange[0 12         34         5678      ]/Contents<00000000>"), "{text}");
        assert!(text.contains("/M(D:20261122101500+07'00')"), "{text}");
        assert_eq!(p.bytes[p.contents_at], b'<');
        assert!(text.contains("/Name<FEFF"), "{text}");
    }
}
