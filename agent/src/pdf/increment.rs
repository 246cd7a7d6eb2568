//! Writes an incremental update (ISO 32000-1, 7.5.6): the new objects, a cross-reference
//! section in the same form as the file's last one, and the trailer.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use sha2::{Digest, Sha256};

use super::error::PdfError;
use super::xref::XrefForm;

/// The body of a new object.
#[derive(Debug)]
pub enum Body {
    /// Serialised by lopdf.
    Object(Object),
    /// Bytes formatted by the caller (the signature dictionary, whose layout must be known).
    Raw(Vec<u8>),
}

/// What the new revision is appended to.
#[derive(Debug, Clone)]
pub struct Base<'a> {
    /// Length of the input file.
    pub len: u64,
    /// Whether the input ends with an end-of-line (if not, the update starts with one).
    pub ends_with_eol: bool,
    /// The input's last trailer.
    pub trailer: &'a Dictionary,
    /// The input's last cross-reference form.
    pub form: XrefForm,
    /// Offset of the input's last cross-reference section.
    pub startxref: u64,
}

/// A serialised update.
#[derive(Debug)]
pub struct Increment {
    /// The bytes to append to the input.
    pub bytes: Vec<u8>,
    /// For each object, where its body starts within `bytes`.
    pub body_offsets: Vec<(ObjectId, usize)>,
}

/// Serialises `objects` as an update of `base`; `size` is the new `/Size` (one past the highest
/// object number used).
///
/// # Errors
///
/// [`PdfError::Io`] only if serialising fails.
pub fn write(base: &Base<'_>, objects: Vec<(ObjectId, Body)>, size: u32) -> Result<Increment, PdfError> {
    let mut bytes = Vec::new();
    if !base.ends_with_eol {
        bytes.push(b'\n');
    }
    let mut offsets = Vec::with_capacity(objects.len());
    let mut body_offsets = Vec::with_capacity(objects.len());
    for (id, body) in objects {
        offsets.push((id, base.len + bytes.len() as u64));
        writeln!(bytes, "{} {} obj", id.0, id.1)?;
        body_offsets.push((id, bytes.len()));
        match body {
            Body::Object(object) => lopdf::Writer::write_object(&mut bytes, &object)?,
            Body::Raw(raw) => bytes.extend_from_slice(&raw),
        }
        bytes.extend_from_slice(b"\nendobj\n");
    }
    let section_offset = base.len + bytes.len() as u64;
    let trailer = trailer(base, size);
    match base.form {
        XrefForm::Table => {
            bytes.extend_from_slice(b"xref\n");
            // Object 0 heads the free list in a file's first section only; updates list just
            // what they add or replace, in runs of consecutive numbers.
            offsets.sort_by_key(|(id, _)| id.0);
            for run in runs(&offsets) {
                writeln!(bytes, "{} {}", run[0].0.0, run.len())?;
                for ((_, generation), offset) in run {
                    write!(bytes, "{offset:010} {generation:05} n\r\n")?;
                }
            }
            bytes.extend_from_slice(b"trailer\n");
            lopdf::Writer::write_object(&mut bytes, &Object::Dictionary(trailer))?;
            bytes.push(b'\n');
        }
        XrefForm::Stream => {
            // The stream lists itself, numbered `size`.
            let own = (size, 0);
            offsets.push((own, section_offset));
            offsets.sort_by_key(|(id, _)| id.0);
            let offset_width = bytes_needed(section_offset);
            let mut rows = Vec::new();
            let mut index = Vec::new();
            for run in runs(&offsets) {
                index.extend([Object::Integer(i64::from(run[0].0.0)), Object::Integer(run.len() as i64)]);
                for ((_, generation), offset) in run {
                    rows.push(1u8);
                    rows.extend_from_slice(&offset.to_be_bytes()[8 - offset_width..]);
                    rows.extend_from_slice(&generation.to_be_bytes());
                }
            }
            let mut dict = trailer;
            dict.set("Type", Object::Name(b"XRef".to_vec()));
            dict.set("Size", Object::Integer(i64::from(size) + 1));
            dict.set("W", Object::Array(vec![1.into(), (offset_width as i64).into(), 2.into()]));
            dict.set("Index", Object::Array(index));
            dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            let stream = Stream::new(dict, deflate(&rows)?);
            writeln!(bytes, "{} 0 obj", own.0)?;
            lopdf::Writer::write_object(&mut bytes, &Object::Stream(stream))?;
            bytes.extend_from_slice(b"\nendobj\n");
        }
    }
    write!(bytes, "startxref\n{section_offset}\n%%EOF\n")?;
    Ok(Increment { bytes, body_offsets })
}

/// The new trailer: the old one's document-level keys, `/Size`, `/Prev`, and an `/ID` whose
/// first element is kept and whose second changes with every revision (14.4).
fn trailer(base: &Base<'_>, size: u32) -> Dictionary {
    let mut trailer = Dictionary::new();
    for key in [&b"Root"[..], b"Info", b"Encrypt"] {
        if let Ok(value) = base.trailer.get(key) {
            trailer.set(key.to_vec(), value.clone());
        }
    }
    trailer.set("Size", Object::Integer(i64::from(size)));
    trailer.set("Prev", Object::Integer(base.startxref as i64));
    match base.trailer.get(b"ID") {
        Ok(Object::Array(id)) if id.len() == 2 => {
            let mut second = Sha256::new();
            second.update(base.len.to_be_bytes());
            second.update(base.startxref.to_be_bytes());
            second.update(format!("{:?}", std::time::SystemTime::now()).as_bytes());
            let second = second.finalize()[..16].to_vec();
            trailer.set("ID", Object::Array(vec![id[0].clone(), Object::String(second, StringFormat::Hexadecimal)]));
        }
        Ok(other) => trailer.set("ID", other.clone()),
        Err(_) => {}
    }
    trailer
}

/// Splits sorted offsets into runs of consecutive object numbers.
fn runs(offsets: &[(ObjectId, u64)]) -> Vec<&[(ObjectId, u64)]> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=offsets.len() {
        if i == offsets.len() || offsets[i].0.0 != offsets[i - 1].0.0 + 1 {
            runs.push(&offsets[start..i]);
            start = i;
        }
    }
    runs
}

fn bytes_needed(value: u64) -> usize {
    (8 - value.leading_zeros() as usize / 8).max(1)
}

/// Flate-compresses `data` (zlib format, as `/FlateDecode` expects).
///
/// # Errors
///
/// Only an I/O error of the in-memory encoder.
pub fn deflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data)?;
    encoder.finish()
}

impl From<lopdf::Error> for PdfError {
    fn from(error: lopdf::Error) -> Self {
        PdfError::invalid(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_widths() {
        let offsets = [((3, 0), 10), ((4, 0), 20), ((9, 0), 30)];
        let runs = runs(&offsets);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].len(), 2);
        assert_eq!(bytes_needed(255), 1);
        assert_eq!(bytes_needed(256), 2);
        assert_eq!(bytes_needed(0), 1);
        assert_eq!(bytes_needed(1 << 32), 5);
    }
}
