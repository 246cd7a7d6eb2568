//! Cross-reference data: where each object is, followed from the last section back through
//! `/Prev` (tables, streams, and hybrid files with `/XRefStm`).

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, Stream};

use super::error::PdfError;
use super::source::Source;
use super::syntax::{Indirect, Parser};

/// Sections beyond this many are refused (a loop the visited set missed, or a hostile file).
const MAX_SECTIONS: usize = 4096;
/// The largest object number readers must support (ISO 32000-1, Annex C); larger ones are
/// refused, which also keeps the new revision's numbers from overflowing.
pub const MAX_OBJECT_NUMBER: u32 = 8_388_607;
/// A cross-reference stream larger than this, decoded, is refused.
const MAX_XREF_STREAM: usize = 64 << 20;

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Deleted or never used.
    Free,
    /// At a byte offset in the file.
    InFile {
        /// Byte offset of `N G obj`.
        offset: u64,
        /// Generation number.
        generation: u16,
    },
    /// Inside an object stream.
    InStream {
        /// The object stream's number.
        stream: u32,
        /// Index within it.
        index: u32,
    },
}

/// The form of a cross-reference section; a new revision uses the same as the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefForm {
    /// `xref` table and `trailer` dictionary (hybrid files included).
    Table,
    /// A `/Type /XRef` stream.
    Stream,
}

/// The merged cross-reference data of every revision.
#[derive(Debug)]
pub struct Xref {
    /// Newest entry of each object number.
    pub entries: HashMap<u32, Entry>,
    /// The last revision's trailer (for a stream, its dictionary).
    pub trailer: Dictionary,
    /// The last revision's form.
    pub form: XrefForm,
    /// Offset of the last section (the new revision's `/Prev`).
    pub startxref: u64,
}

/// Reads the cross-reference data of `source`.
///
/// # Errors
///
/// [`PdfError::Invalid`] when `startxref` or a section is missing or damaged.
pub fn read(source: &Source) -> Result<Xref, PdfError> {
    let startxref = find_startxref(source)?;
    let mut entries = HashMap::new();
    let mut trailer = None;
    let mut form = None;
    let mut visited = HashSet::new();
    let mut next = Some(startxref);
    while let Some(offset) = next.take() {
        if !visited.insert(offset) || visited.len() > MAX_SECTIONS {
            return Err(PdfError::invalid(format!("the cross-reference chain loops back to byte {offset}")));
        }
        let (section, section_trailer, section_form) = read_section(source, offset)?;
        let mut section = section;
        // Hybrid file: the stream named by /XRefStm completes this section's table.
        if let Ok(stream_offset) = section_trailer.get(b"XRefStm").and_then(Object::as_i64) {
            let stream_offset = u64::try_from(stream_offset).map_err(|_| PdfError::invalid("negative /XRefStm"))?;
            if visited.insert(stream_offset) {
                let (hidden, _, _) = read_section(source, stream_offset)?;
                for (number, entry) in hidden {
                    let current = section.iter().find(|(n, _)| *n == number).map(|(_, e)| *e);
                    if current.is_none() || current == Some(Entry::Free) {
                        section.push((number, entry));
                    }
                }
            }
        }
        if section.iter().any(|(number, _)| *number > MAX_OBJECT_NUMBER) {
            return Err(PdfError::invalid(format!("an object number above {MAX_OBJECT_NUMBER}")));
        }
        for (number, entry) in section.into_iter().rev() {
            // Later lines of one section win over earlier ones; newer sections win over older.
            entries.entry(number).or_insert(entry);
        }
        next = match section_trailer.get(b"Prev") {
            Ok(prev) => Some(
                prev.as_i64()
                    .ok()
                    .and_then(|p| u64::try_from(p).ok())
                    .ok_or_else(|| PdfError::invalid("/Prev is not an offset"))?,
            ),
            Err(_) => None,
        };
        if trailer.is_none() {
            trailer = Some(section_trailer);
            form = Some(section_form);
        }
    }
    let trailer = trailer.ok_or_else(|| PdfError::invalid("no trailer"))?;
    Ok(Xref { entries, trailer, form: form.unwrap_or(XrefForm::Table), startxref })
}

/// Finds the offset after the last `startxref` keyword in the file's tail.
fn find_startxref(source: &Source) -> Result<u64, PdfError> {
    let tail_len = 4096u64.min(source.len());
    let tail = source.read_at(source.len() - tail_len, tail_len as usize)?;
    let at = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| PdfError::invalid("no startxref at the end of the file (truncated?)"))?;
    let offset = Parser::new(&tail, at + 9)
        .unsigned()
        .map_err(|_| PdfError::invalid("startxref is not followed by an offset"))?;
    if offset >= source.len() {
        return Err(PdfError::invalid("startxref points past the end of the file (truncated?)"));
    }
    Ok(offset)
}

type Section = (Vec<(u32, Entry)>, Dictionary, XrefForm);

fn read_section(source: &Source, offset: u64) -> Result<Section, PdfError> {
    let head = source.read_at(offset, 4)?;
    if head == b"xref" { read_table(source, offset) } else { read_stream(source, offset) }
}

fn read_table(source: &Source, offset: u64) -> Result<Section, PdfError> {
    let damaged = |what: &str| PdfError::invalid(format!("cross-reference table at byte {offset}: {what}"));
    // Entries are 20 bytes; read subsection headers first, then their entries, in windows.
    let mut window = 64 * 1024;
    loop {
        let bytes = source.read_at(offset, window)?;
        let complete = bytes.len() < window;
        match parse_table(&bytes) {
            Ok((entries, trailer)) => return Ok((entries, trailer, XrefForm::Table)),
            Err(error) => {
                // Grow the window only when the section plausibly runs past it.
                let trailer_at = bytes.windows(7).rposition(|w| w == b"trailer");
                let cut = trailer_at.is_none_or(|at| at + 65536 > bytes.len());
                if complete || !cut || window >= MAX_XREF_STREAM {
                    return Err(damaged(&error));
                }
                window *= 4;
            }
        }
    }
}

fn parse_table(bytes: &[u8]) -> Result<(Vec<(u32, Entry)>, Dictionary), String> {
    let mut parser = Parser::new(bytes, 0);
    parser.expect_keyword(b"xref", "xref").map_err(|e| e.to_string())?;
    let mut entries = Vec::new();
    loop {
        let save = parser.pos();
        if parser.token() == b"trailer" {
            let trailer = parser.object().map_err(|e| e.to_string())?;
            let Object::Dictionary(trailer) = trailer else { return Err("the trailer is not a dictionary".into()) };
            return Ok((entries, trailer));
        }
        let mut header = Parser::new(bytes, save);
        let first = header.unsigned().map_err(|e| e.to_string())?;
        let count = header.unsigned().map_err(|e| e.to_string())?;
        if count > (bytes.len() / 18) as u64 + 1 {
            return Err("a subsection longer than the data".into());
        }
        parser = header;
        for i in 0..count {
            let field = parser.unsigned().map_err(|e| e.to_string())?;
            let generation = parser.unsigned().map_err(|e| e.to_string())?;
            let kind = parser.token();
            let number = u32::try_from(first + i).map_err(|_| "object number too large")?;
            let entry = match kind {
                b"n" if field > 0 => Entry::InFile { offset: field, generation: generation.min(65535) as u16 },
                b"n" | b"f" => Entry::Free,
                _ => return Err(format!("entry {number} is neither n nor f")),
            };
            entries.push((number, entry));
        }
    }
}

fn read_stream(source: &Source, offset: u64) -> Result<Section, PdfError> {
    let damaged = |what: String| PdfError::invalid(format!("cross-reference stream at byte {offset}: {what}"));
    let (_, parsed) = source.indirect_at(offset)?;
    let Indirect::Stream(dict, start) = parsed else {
        return Err(damaged("startxref or /Prev points to something that is not a cross-reference section".into()));
    };
    if dict.get(b"Type").and_then(Object::as_name).ok() != Some(b"XRef") {
        return Err(damaged("not /Type /XRef".into()));
    }
    let length = dict
        .get(b"Length")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l <= MAX_XREF_STREAM)
        .ok_or_else(|| damaged("/Length must be a direct, sane integer".into()))?;
    let raw = source.read_at(start as u64, length)?;
    let data = Stream::new(dict.clone(), raw)
        .decompressed_content_with_limit(MAX_XREF_STREAM)
        .map_err(|e| damaged(format!("cannot decode the stream: {e}")))?;
    let widths: Vec<usize> = dict
        .get(b"W")
        .and_then(Object::as_array)
        .map_err(|_| damaged("no /W".into()))?
        .iter()
        .map(|w| w.as_i64().ok().and_then(|w| usize::try_from(w).ok()).filter(|w| *w <= 8))
        .collect::<Option<_>>()
        .filter(|w: &Vec<usize>| w.len() == 3)
        .ok_or_else(|| damaged("/W must be three widths up to 8".into()))?;
    let size = dict.get(b"Size").and_then(Object::as_i64).map_err(|_| damaged("no /Size".into()))?;
    let index: Vec<i64> = match dict.get(b"Index") {
        Ok(index) => index
            .as_array()
            .map_err(|_| damaged("/Index is not an array".into()))?
            .iter()
            .map(|n| n.as_i64().map_err(|_| damaged("/Index holds a non-integer".into())))
            .collect::<Result<_, _>>()?,
        Err(_) => vec![0, size],
    };
    let row = widths.iter().sum::<usize>();
    if row == 0 || index.len() % 2 == 1 {
        return Err(damaged("bad /W or /Index".into()));
    }
    let mut rows = data.chunks_exact(row);
    let mut entries = Vec::new();
    for pair in index.chunks(2) {
        let (first, count) = (pair[0], pair[1]);
        if first < 0 || count < 0 || count as usize > data.len() / row {
            return Err(damaged("an /Index range larger than the data".into()));
        }
        for i in 0..count {
            let Some(bytes) = rows.next() else { return Err(damaged("fewer rows than /Index says".into())) };
            let (kind, rest) = bytes.split_at(widths[0]);
            let (field2, field3) = rest.split_at(widths[1]);
            let kind = if widths[0] == 0 { 1 } else { be(kind) };
            let number = u32::try_from(first + i).map_err(|_| damaged("object number too large".into()))?;
            let entry = match kind {
                0 => Entry::Free,
                1 => Entry::InFile { offset: be(field2), generation: be(field3).min(65535) as u16 },
                2 => Entry::InStream {
                    stream: u32::try_from(be(field2)).map_err(|_| damaged("object stream number".into()))?,
                    index: u32::try_from(be(field3)).map_err(|_| damaged("object stream index".into()))?,
                },
                // Unknown types are to be treated as references to the null object (7.5.8.3).
                _ => Entry::Free,
            };
            entries.push((number, entry));
        }
    }
    Ok((entries, dict, XrefForm::Stream))
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b))
}
