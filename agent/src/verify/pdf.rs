//! What a PDF's signatures are, read off the file (blocking, no network): for each, its byte
//! ranges checked and hashed, its CMS or token examined, the revision it covers and what
//! changed after it; and the file's DSS.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use kyso_protocol::{ChangedObject, Coverage, DigestAlgorithm, ModificationLevel, Modifications};

use super::cms::{self, CmsFacts, TokenFacts};
use crate::digest::Hasher;
use crate::pdf::changes::{self, Analysis};
use crate::pdf::{EmbeddedSignature, PdfError, PdfFile, SignatureKind, dss, signatures};
use crate::trust::ValidationData;

/// Read buffer for hashing.
const CHUNK: usize = 1 << 20;

/// A PDF, read.
#[derive(Debug)]
pub struct PdfFacts {
    /// File size.
    pub size: u64,
    /// SHA-256 of the file.
    pub sha256: Vec<u8>,
    /// Each signature and document timestamp.
    pub signatures: Vec<SignatureFacts>,
    /// The certificates, OCSP responses and CRLs of the file's DSS.
    pub dss: ValidationData,
}

/// What a signature or document timestamp is made of.
#[derive(Debug)]
pub enum Content {
    /// A CMS signature, or why it cannot be read.
    Signature(Box<Result<CmsFacts, String>>),
    /// A document timestamp's token.
    DocumentTimestamp(Box<TokenFacts>),
}

/// One signature of the file.
#[derive(Debug)]
pub struct SignatureFacts {
    /// The field.
    pub field_name: String,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// `/M`.
    pub claimed_time: Option<SystemTime>,
    /// The CMS or token.
    pub content: Content,
    /// What the byte ranges cover.
    pub coverage: Coverage,
    /// Why the byte ranges are not the usual two around `/Contents`, if they are not.
    pub range_problem: Option<String>,
    /// What changed after it.
    pub modifications: Modifications,
    /// Whether the revision it covers has a DSS (for a document timestamp: it protects it).
    pub covers_dss: bool,
    /// For a certification signature: its DocMDP permission.
    pub certification: Option<u8>,
    /// New visible signature fields added after it.
    pub new_visible_signature_fields: usize,
}

/// Reads `path`.
///
/// # Errors
///
/// [`PdfError`] when it is not a PDF whose signatures can be listed.
pub fn read(path: &Path) -> Result<PdfFacts, PdfError> {
    let file = PdfFile::open(path)?;
    if file.trailer().has(b"Encrypt") {
        return Err(PdfError::Encrypted("verifying encrypted PDFs is not supported yet".into()));
    }
    let listed = signatures::list(&file)?;
    // One pass over the file: its SHA-256, where revisions end, and each signature's ranges
    // hashed with the algorithm its CMS or token names.
    let wanted: Vec<Wanted> =
        listed.iter().map(|s| (s.byte_range.clone(), cms::digest_algorithm(s.der(), s.kind))).collect();
    let scanned = scan(path, &wanted)?;
    let [certs, ocsps, crls] = dss::read(&file)?;
    let mut facts = Vec::new();
    for (signature, premade) in listed.iter().zip(&scanned.range_digests) {
        facts.push(read_signature(path, &file, signature, &scanned, premade.as_ref())?);
    }
    let Scanned { size, sha256, .. } = scanned;
    Ok(PdfFacts { size, sha256, signatures: facts, dss: ValidationData { certs, ocsps, crls } })
}

fn read_signature(
    path: &Path,
    file: &PdfFile,
    signature: &EmbeddedSignature,
    scanned: &Scanned,
    premade: Option<&(DigestAlgorithm, Vec<u8>)>,
) -> Result<SignatureFacts, PdfError> {
    let (size, revision_ends) = (scanned.size, &scanned.revision_ends);
    let ranges = &signature.byte_range;
    let end = ranges.iter().map(|(start, len)| start.saturating_add(*len)).max().unwrap_or(0);
    let range_problem = range_problem(path, ranges, size, signature)?;
    let mut digests = |digest: DigestAlgorithm| match premade {
        Some((algorithm, value)) if *algorithm == digest => Ok(value.clone()),
        _ => hash_ranges(path, ranges, size, digest),
    };
    let content = match signature.kind {
        SignatureKind::Signature => Content::Signature(Box::new(cms::examine(signature.der(), &mut digests))),
        SignatureKind::DocTimeStamp => {
            Content::DocumentTimestamp(Box::new(cms::examine_token(signature.der(), &mut digests)))
        }
    };
    let revisions = revision_ends.len().max(1) as u32;
    let revision = (revision_ends.iter().filter(|e| **e < end).count() + 1).min(revisions as usize) as u32;
    let coverage = Coverage { whole_file: end == size, revision, revisions, signed_bytes: end };
    let (analysis, covers_dss) = if end >= size {
        let none = Modifications { level: ModificationLevel::None, objects: Vec::new() };
        (Analysis { modifications: none, new_visible_signature_fields: 0 }, file.catalog()?.1.has(b"DSS"))
    } else {
        match PdfFile::open_revision(path, end) {
            Ok(signed) => (changes::analyse(&signed, file)?, signed.catalog()?.1.has(b"DSS")),
            Err(error) => (
                Analysis {
                    new_visible_signature_fields: 0,
                    modifications: Modifications {
                        level: ModificationLevel::Other,
                        objects: vec![ChangedObject {
                            object: "-".into(),
                            what: format!(
                                "the signed revision cannot be read / không đọc được phiên bản đã ký: {error}"
                            ),
                            level: ModificationLevel::Other,
                        }],
                    },
                },
                false,
            ),
        }
    };
    Ok(SignatureFacts {
        field_name: signature.field_name.clone(),
        sub_filter: signature.sub_filter.clone(),
        claimed_time: signature.signing_time.as_deref().and_then(parse_pdf_date),
        content,
        coverage,
        range_problem,
        modifications: analysis.modifications,
        covers_dss,
        certification: signature.certification,
        new_visible_signature_fields: analysis.new_visible_signature_fields,
    })
}

/// A signature's ranges must be `[0 a b c]` with the `/Contents` hex string exactly in the gap,
/// inside the file; anything else lets bytes change unseen.
fn range_problem(
    path: &Path,
    ranges: &[(u64, u64)],
    size: u64,
    signature: &EmbeddedSignature,
) -> Result<Option<String>, PdfError> {
    let [(0, first), (second, rest)] = ranges else {
        return Ok(Some(format!("the byte ranges {ranges:?} are not two around /Contents")));
    };
    if second.saturating_add(*rest) > size || second <= first {
        return Ok(Some("the byte ranges run past the end of the file".into()));
    }
    let gap = second - first;
    if gap != signature.contents.len() as u64 * 2 + 2 {
        return Ok(Some("the gap between the byte ranges is not the /Contents string".into()));
    }
    let mut file = File::open(path)?;
    let mut ends = [0u8; 1];
    file.seek(SeekFrom::Start(*first))?;
    file.read_exact(&mut ends)?;
    let opens = ends[0] == b'<';
    file.seek(SeekFrom::Start(second - 1))?;
    file.read_exact(&mut ends)?;
    if !opens || ends[0] != b'>' {
        return Ok(Some("the gap between the byte ranges is not the /Contents string".into()));
    }
    Ok(None)
}

/// The digest of the byte ranges, read from the file.
fn hash_ranges(path: &Path, ranges: &[(u64, u64)], size: u64, digest: DigestAlgorithm) -> Result<Vec<u8>, String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    let mut hasher = Hasher::new(digest);
    let mut buffer = vec![0u8; CHUNK];
    for (start, len) in ranges {
        if start.saturating_add(*len) > size {
            return Err("the byte ranges run past the end of the file".into());
        }
        file.seek(SeekFrom::Start(*start)).map_err(|e| e.to_string())?;
        let mut left = *len;
        while left > 0 {
            let n = (left as usize).min(CHUNK);
            file.read_exact(&mut buffer[..n]).map_err(|e| e.to_string())?;
            hasher.update(&buffer[..n]);
            left -= n as u64;
        }
    }
    Ok(hasher.finish())
}

/// A signature's byte ranges, and the algorithm to hash them with (when its CMS names one).
type Wanted = (Vec<(u64, u64)>, Option<DigestAlgorithm>);

/// What one pass over the file found.
#[derive(Debug)]
struct Scanned {
    size: u64,
    sha256: Vec<u8>,
    /// Where each revision ends (after each `%%EOF` and its end-of-line; a linearized file's
    /// first-page section is not a revision).
    revision_ends: Vec<u64>,
    /// For each wanted (ranges, algorithm): the digest, when the ranges lie within the file.
    range_digests: Vec<Option<(DigestAlgorithm, Vec<u8>)>>,
}

/// Reads the file once, hashing it whole (SHA-256, on a second thread) and each of `wanted`'s
/// byte ranges with its algorithm, and finding the revisions' ends.
fn scan(path: &Path, wanted: &[Wanted]) -> Result<Scanned, PdfError> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut ranged: Vec<Option<(DigestAlgorithm, Hasher)>> = wanted
        .iter()
        .map(|(ranges, algorithm)| {
            let inside = ranges.iter().all(|(start, len)| start.saturating_add(*len) <= size);
            algorithm.filter(|_| inside).map(|a| (a, Hasher::new(a)))
        })
        .collect();
    // Where each `%%EOF` starts (a marker across two chunks is found twice: deduplicated).
    let mut markers = Vec::new();
    let mut offset = 0u64;
    // The last bytes of the previous chunk, so a marker split across chunks is found.
    let mut tail: Vec<u8> = Vec::new();
    let mut head = Vec::new();
    let finder = memchr::memmem::Finder::new(b"%%EOF");
    let sha256 = std::thread::scope(|scope| -> Result<Vec<u8>, PdfError> {
        // A few chunks in flight bound the memory used.
        let (chunks, inbox) = std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(4);
        let whole = scope.spawn(move || {
            let mut hasher = Hasher::new(DigestAlgorithm::Sha256);
            while let Ok(chunk) = inbox.recv() {
                hasher.update(&chunk);
            }
            hasher.finish()
        });
        loop {
            let mut buffer = vec![0u8; CHUNK];
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            buffer.truncate(n);
            let chunk = Arc::new(buffer);
            if chunks.send(chunk.clone()).is_err() {
                break;
            }
            for ((ranges, _), hasher) in wanted.iter().zip(ranged.iter_mut()) {
                let Some((_, hasher)) = hasher else { continue };
                for (start, len) in ranges {
                    let (from, to) = ((*start).max(offset), (start + len).min(offset + n as u64));
                    if from < to {
                        hasher.update(&chunk[(from - offset) as usize..(to - offset) as usize]);
                    }
                }
            }
            if head.len() < 1024 {
                head.extend_from_slice(&chunk[..n.min(1024 - head.len())]);
            }
            let mut window = std::mem::take(&mut tail);
            let window_start = offset - window.len() as u64;
            window.extend_from_slice(&chunk);
            markers.extend(finder.find_iter(&window).map(|found| window_start + found as u64));
            tail = window[window.len().saturating_sub(6)..].to_vec();
            offset += n as u64;
        }
        drop(chunks);
        whole.join().map_err(|_| PdfError::Io(std::io::Error::other("the hashing thread panicked")))
    })?;
    markers.sort_unstable();
    markers.dedup();
    // A revision ends after its marker's end-of-line.
    let mut ends = Vec::with_capacity(markers.len());
    for marker in markers {
        let mut end = marker + 5;
        let mut after = [0u8; 2];
        file.seek(SeekFrom::Start(end))?;
        let n = file.read(&mut after)?;
        end += after[..n].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count() as u64;
        ends.push(end);
    }
    if head.windows(11).any(|w| w == b"/Linearized") && ends.len() > 1 {
        ends.remove(0);
    }
    // Ranges are hashed in the order they are listed; out-of-order ranges are hashed again,
    // in their order, on demand.
    let range_digests = wanted
        .iter()
        .zip(ranged)
        .map(|((ranges, _), hasher)| {
            let in_order = ranges.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0);
            hasher.filter(|_| in_order).map(|(algorithm, hasher)| (algorithm, hasher.finish()))
        })
        .collect();
    Ok(Scanned { size: offset, sha256, revision_ends: ends, range_digests })
}

/// `D:YYYYMMDDHHmmSS+HH'mm'` (7.9.4), the parts after the year optional.
pub fn parse_pdf_date(text: &str) -> Option<SystemTime> {
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits = |from: usize, len: usize, default: u32| -> Option<u32> {
        match text.get(from..from + len) {
            Some(part) if part.bytes().all(|b| b.is_ascii_digit()) => part.parse().ok(),
            Some(_) => None,
            None => Some(default),
        }
    };
    let year = digits(0, 4, 0)? as i32;
    let month = time::Month::try_from(digits(4, 2, 1)? as u8).ok()?;
    let date = time::Date::from_calendar_date(year, month, digits(6, 2, 1)? as u8).ok()?;
    let clock = time::Time::from_hms(digits(8, 2, 0)? as u8, digits(10, 2, 0)? as u8, digits(12, 2, 0)? as u8).ok()?;
    let zone = text.get(14..).unwrap_or("");
    let offset_seconds = match zone.as_bytes().first() {
        Some(sign @ (b'+' | b'-')) => {
            let hours: i32 = zone.get(1..3)?.parse().ok()?;
            let minutes: i32 = zone.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => 0,
    };
    let offset = time::UtcOffset::from_whole_seconds(offset_seconds).ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_offset(offset).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates() {
        let at = |t: &str| parse_pdf_date(t).map(crate::signing::rfc3339);
        assert_eq!(at("D:20261203190700+07'00'").as_deref(), Some("2026-12-03T12:07:00Z"));
        assert_eq!(at("D:20261203120743Z").as_deref(), Some("2026-12-03T12:07:43Z"));
        assert_eq!(at("D:2026").as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(at("D:2026x2"), None);
        assert_eq!(at("D:20261303"), None);
    }

    #[test]
    fn revision_ends_across_chunks() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("a.pdf");
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.resize(CHUNK - 3, b' ');
        bytes.extend_from_slice(b"%%EOF\r\nmore\n%%EOF\n");
        std::fs::write(&path, &bytes).expect("write");
        let ranges = vec![(0, 5), (CHUNK as u64 - 2, 4)];
        let scanned = scan(&path, &[(ranges, Some(DigestAlgorithm::Sha256))]).expect("scan");
        assert_eq!(scanned.size, bytes.len() as u64);
        assert_eq!(scanned.revision_ends, vec![(CHUNK + 4) as u64, bytes.len() as u64]);
        let mut expected = bytes[..5].to_vec();
        expected.extend_from_slice(&bytes[CHUNK - 2..CHUNK + 2]);
        let digest = crate::digest::hash(DigestAlgorithm::Sha256, &expected);
        assert_eq!(scanned.range_digests[0], Some((DigestAlgorithm::Sha256, digest)));
    }
}
