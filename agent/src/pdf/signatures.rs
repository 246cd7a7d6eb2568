//! The signatures a PDF holds: each signed field's signature dictionary, with what a validator
//! or an archiver needs from it (its kind, the byte ranges it covers, the CMS or timestamp
//! token in `/Contents`).

use lopdf::{Object, ObjectId};

use super::error::PdfError;
use super::file::PdfFile;
use super::form;

/// `/Contents` larger than this is not a signature.
const MAX_CONTENTS: usize = 4 << 20;

/// What a signature dictionary holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// A signature (`/Type /Sig`, or no type): CMS in `/Contents`.
    Signature,
    /// A document timestamp (`/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`): an RFC 3161
    /// token over the byte ranges.
    DocTimeStamp,
}

impl SignatureKind {
    /// The start of new fields' names: `Signature1`, `DocTimeStamp1`.
    pub fn field_prefix(self) -> &'static str {
        match self {
            Self::Signature => "Signature",
            Self::DocTimeStamp => "DocTimeStamp",
        }
    }
}

/// One signature of the file.
#[derive(Debug, Clone)]
pub struct EmbeddedSignature {
    /// The field's full name.
    pub field_name: String,
    /// The signature dictionary's object.
    pub dictionary: ObjectId,
    /// Signature or document timestamp.
    pub kind: SignatureKind,
    /// `/SubFilter`, e.g. `ETSI.CAdES.detached`.
    pub sub_filter: String,
    /// `/ByteRange`, as pairs of (offset, length).
    pub byte_range: Vec<(u64, u64)>,
    /// `/Contents` as stored, zero padding included (what DSS `/VRI` keys hash).
    pub contents: Vec<u8>,
    /// `/M`, as written.
    pub signing_time: Option<String>,
    /// For a certification signature, its DocMDP permission (`/P`: 1 no changes, 2 form
    /// filling and signing, 3 also annotations).
    pub certification: Option<u8>,
}

impl EmbeddedSignature {
    /// `/Contents` without the zero padding after the DER value.
    pub fn der(&self) -> &[u8] {
        &self.contents[..der_len(&self.contents).unwrap_or(self.contents.len())]
    }

    /// The DSS `/VRI` key of this signature: the SHA-1 of `/Contents`, uppercase hex (ISO
    /// 32000-2, 12.8.4.4).
    pub fn vri_key(&self) -> String {
        hex::encode_upper(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.contents))
    }
}

/// Every signed signature field of `file`, in field order.
///
/// # Errors
///
/// [`PdfError::Invalid`] for a damaged field tree or signature dictionary.
pub fn list(file: &PdfFile) -> Result<Vec<EmbeddedSignature>, PdfError> {
    let mut found = Vec::new();
    for (field_name, _, dict) in form::fields(file)? {
        if form::inherited_field_type(file, &dict)? != Some(b"Sig".to_vec()) {
            continue;
        }
        let Ok(Object::Reference(dictionary)) = dict.get(b"V") else { continue };
        let dictionary = *dictionary;
        let Object::Dictionary(value) = file.get(dictionary)? else {
            return Err(PdfError::invalid(format!(
                "the value of the signature field {field_name:?} is not a dictionary"
            )));
        };
        let name =
            |key: &[u8]| value.get(key).and_then(Object::as_name).map(|n| String::from_utf8_lossy(n).into_owned());
        let kind = match name(b"Type").as_deref() {
            Ok("DocTimeStamp") => SignatureKind::DocTimeStamp,
            _ => SignatureKind::Signature,
        };
        let contents = match value.get(b"Contents") {
            Ok(Object::String(bytes, _)) if bytes.len() <= MAX_CONTENTS => bytes.clone(),
            _ => return Err(PdfError::invalid(format!("the signature {field_name:?} has no valid /Contents"))),
        };
        let numbers: Vec<i64> = match value.get(b"ByteRange").map(|r| file.resolve(r)) {
            Ok(Ok(Object::Array(items))) => items.iter().filter_map(|n| n.as_i64().ok()).collect(),
            _ => Vec::new(),
        };
        if numbers.is_empty() || !numbers.len().is_multiple_of(2) || numbers.iter().any(|n| *n < 0) {
            return Err(PdfError::invalid(format!("the signature {field_name:?} has no valid /ByteRange")));
        }
        let byte_range = numbers.chunks(2).map(|pair| (pair[0] as u64, pair[1] as u64)).collect();
        let signing_time =
            value.get(b"M").and_then(Object::as_str).ok().map(|m| String::from_utf8_lossy(m).into_owned());
        let certification = docmdp_permission(file, &value)?;
        found.push(EmbeddedSignature {
            field_name,
            dictionary,
            kind,
            sub_filter: name(b"SubFilter").unwrap_or_default(),
            byte_range,
            contents,
            signing_time,
            certification,
        });
    }
    Ok(found)
}

/// The DocMDP permission the document's certification signature grants (`/Perms /DocMDP` in
/// the catalog), if it is certified.
///
/// # Errors
///
/// [`PdfError::Invalid`] when the catalog cannot be read.
pub fn certification(file: &PdfFile) -> Result<Option<u8>, PdfError> {
    let (_, catalog) = file.catalog()?;
    let Some(perms) = file.dict_at(&catalog, b"Perms")? else { return Ok(None) };
    match file.dict_at(&perms, b"DocMDP")? {
        Some(signature) => docmdp_permission(file, &signature),
        None => Ok(None),
    }
}

/// The DocMDP permission of a signature dictionary whose `/Reference` names the DocMDP
/// transform (ISO 32000-1, 12.8.2.2): `/P`, 2 when absent.
fn docmdp_permission(file: &PdfFile, value: &lopdf::Dictionary) -> Result<Option<u8>, PdfError> {
    let Ok(references) = value.get(b"Reference") else { return Ok(None) };
    let Object::Array(references) = file.resolve(references)? else { return Ok(None) };
    for reference in references {
        let Object::Dictionary(reference) = file.resolve(&reference)? else { continue };
        if reference.get(b"TransformMethod").and_then(Object::as_name).ok() != Some(b"DocMDP") {
            continue;
        }
        let params = file.dict_at(&reference, b"TransformParams")?.unwrap_or_default();
        let p = params.get(b"P").and_then(Object::as_i64).unwrap_or(2).clamp(1, 3);
        return Ok(Some(p as u8));
    }
    Ok(None)
}

/// The length of the DER value at the start of `bytes` (tag, length, content), if it is one.
fn der_len(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.get(1)?;
    let (header, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let len = bytes.get(2..2 + count)?.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + count, len)
    };
    let total = header.checked_add(len)?;
    (total <= bytes.len()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_length_ignores_padding() {
        assert_eq!(der_len(&[0x30, 0x03, 1, 2, 3, 0, 0]), Some(5));
        assert_eq!(der_len(&[0x30, 0x82, 0x00, 0x02, 1, 2, 0]), Some(6));
        assert_eq!(der_len(&[0x30, 0x05, 1]), None);
        assert_eq!(der_len(&[0x30]), None);
    }
}
