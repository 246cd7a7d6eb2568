//! Finding text on a page (an anchor such as the signer's title "CHỦ TỊCH" or a marker the
//! portal put in the document) and where it is, so a signature can be placed relative to it.
//!
//! The page's content is interpreted just enough to know where each character is drawn: the
//! transformation and text matrices, the font size and spacing, and each font's widths and its
//! mapping to Unicode (ToUnicode CMap, else the simple encodings).

use std::collections::HashMap;

use lopdf::content::Content;
use lopdf::{Dictionary, Object};

use super::error::PdfError;
use super::file::{Page, PdfFile};
use super::syntax::Parser;

/// A page's content larger than this, decoded, is not searched.
const MAX_CONTENT: usize = 32 << 20;

/// A character drawn on the page: what it is and its box in default user space.
#[derive(Debug, Clone)]
struct Glyph {
    text: String,
    x: f32,
    y: f32,
    width: f32,
    size: f32,
}

/// How a font's codes map to text and widths.
#[derive(Debug)]
struct FontMap {
    /// Bytes per code: 2 for Type0 (Identity-H and the like), else 1.
    code_len: usize,
    to_unicode: HashMap<u32, String>,
    widths: HashMap<u32, f32>,
    default_width: f32,
}

impl Default for FontMap {
    /// An unknown font: one byte per code, WinAnsi text, half-em widths.
    fn default() -> Self {
        Self { code_len: 1, to_unicode: HashMap::new(), widths: HashMap::new(), default_width: 500.0 }
    }
}

impl FontMap {
    fn load(file: &PdfFile, font: &Dictionary) -> Self {
        let type0 = font.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0");
        let mut map = FontMap {
            code_len: if type0 { 2 } else { 1 },
            default_width: if type0 { 1000.0 } else { 500.0 },
            ..Default::default()
        };
        if let Ok(Ok(Object::Stream(stream))) = font.get(b"ToUnicode").map(|o| file.resolve(o))
            && let Ok(data) = file.stream_data(&stream, 4 << 20)
        {
            map.to_unicode = parse_cmap(&data);
        }
        if type0 {
            let descendant = match font.get(b"DescendantFonts").map(|d| file.resolve(d)) {
                Ok(Ok(Object::Array(fonts))) => fonts.first().and_then(|f| file.resolve(f).ok()),
                _ => None,
            };
            if let Some(Object::Dictionary(cid)) = descendant {
                if let Ok(dw) = cid.get(b"DW").and_then(Object::as_float) {
                    map.default_width = dw;
                }
                if let Ok(Ok(Object::Array(w))) = cid.get(b"W").map(|w| file.resolve(w)) {
                    map.widths = cid_widths(&w);
                }
            }
        } else {
            let first = font.get(b"FirstChar").and_then(Object::as_i64).unwrap_or(0);
            if let Ok(Ok(Object::Array(widths))) = font.get(b"Widths").map(|w| file.resolve(w)) {
                for (i, w) in widths.iter().enumerate() {
                    if let Ok(w) = file.resolve(w).and_then(|w| w.as_float().map_err(|_| PdfError::invalid("width"))) {
                        map.widths.insert((first + i as i64).max(0) as u32, w);
                    }
                }
            }
        }
        map
    }

    /// Splits `bytes` into codes: (code, text, width in text space units / 1000).
    fn decode(&self, bytes: &[u8]) -> Vec<(u32, String, f32)> {
        bytes
            .chunks(self.code_len.max(1))
            .map(|chunk| {
                let code = chunk.iter().fold(0u32, |c, b| (c << 8) | u32::from(*b));
                let text = self.to_unicode.get(&code).cloned().unwrap_or_else(|| {
                    if self.code_len == 1 { cp1252(chunk[0]).to_string() } else { "\u{fffd}".into() }
                });
                let width = self.widths.get(&code).copied().unwrap_or(self.default_width);
                (code, text, width)
            })
            .collect()
    }
}

/// The characters of WinAnsiEncoding (close to Windows-1252); other simple encodings agree with
/// it on the ASCII letters anchors use.
fn cp1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{fffd}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{fffd}', 'Ž', '\u{fffd}',
        '\u{fffd}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{fffd}', 'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        other => char::from(other),
    }
}

/// `/W` of a CID font: `c [w1 w2 ...]` and `c_first c_last w`.
fn cid_widths(w: &[Object]) -> HashMap<u32, f32> {
    let mut widths = HashMap::new();
    let mut i = 0;
    while i + 1 < w.len() && widths.len() < 65536 {
        let Ok(first) = w[i].as_i64() else { break };
        match &w[i + 1] {
            Object::Array(list) => {
                for (k, width) in list.iter().enumerate() {
                    if let Ok(width) = width.as_float() {
                        widths.insert((first + k as i64).max(0) as u32, width);
                    }
                }
                i += 2;
            }
            last => {
                let (Ok(last), Some(Ok(width))) = (last.as_i64(), w.get(i + 2).map(Object::as_float)) else { break };
                for code in first..=last.min(first + 65535) {
                    widths.insert(code.max(0) as u32, width);
                }
                i += 3;
            }
        }
    }
    widths
}

/// `bfchar` and `bfrange` entries of a ToUnicode CMap.
fn parse_cmap(data: &[u8]) -> HashMap<u32, String> {
    let mut map = HashMap::new();
    let mut parser = Parser::new(data, 0);
    let mut tokens: Vec<Object> = Vec::new();
    let code = |o: &Object| o.as_str().ok().map(|b| b.iter().fold(0u32, |c, b| (c << 8) | u32::from(*b)));
    let text = |o: &Object| {
        o.as_str().ok().map(|b| {
            let units: Vec<u16> = b.chunks(2).map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)])).collect();
            String::from_utf16_lossy(&units)
        })
    };
    loop {
        parser.skip_white();
        let before = parser.pos();
        match parser.object() {
            Ok(object) => tokens.push(object),
            Err(_) => {
                // A keyword: read it again as a token.
                parser = Parser::new(data, before);
                let keyword = parser.token();
                if keyword.is_empty() {
                    if parser.pos() == before {
                        break;
                    }
                    continue;
                }
                match keyword {
                    b"endbfchar" => {
                        for pair in tokens.chunks(2) {
                            if let (Some(c), Some(t)) = (code(&pair[0]), pair.get(1).and_then(text)) {
                                map.insert(c, t);
                            }
                        }
                    }
                    b"endbfrange" => {
                        for triple in tokens.chunks(3) {
                            let (Some(lo), Some(hi)) = (code(&triple[0]), triple.get(1).and_then(code)) else {
                                continue;
                            };
                            match triple.get(2) {
                                Some(Object::Array(targets)) => {
                                    for (k, target) in targets.iter().enumerate().take(65536) {
                                        if let Some(t) = text(target) {
                                            map.insert(lo + k as u32, t);
                                        }
                                    }
                                }
                                Some(start) => {
                                    let Some(start) = text(start) else { continue };
                                    let mut chars: Vec<char> = start.chars().collect();
                                    for c in lo..=hi.min(lo + 65535) {
                                        map.insert(c, chars.iter().collect());
                                        if let Some(last) = chars.last_mut() {
                                            *last = char::from_u32(u32::from(*last) + 1).unwrap_or(*last);
                                        }
                                    }
                                }
                                None => {}
                            }
                        }
                    }
                    _ => {}
                }
                tokens.clear();
            }
        }
    }
    map
}

type Matrix = [f32; 6];

fn multiply(a: Matrix, b: Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn numbers(operands: &[Object]) -> Vec<f32> {
    operands.iter().filter_map(|o| o.as_float().ok()).collect()
}

/// Every character drawn by the page's content, in drawing order, in default user space.
fn glyphs(file: &PdfFile, page: &Page) -> Result<Vec<Glyph>, PdfError> {
    let streams = match page.dict.get(b"Contents").map(|c| file.resolve(c)) {
        Ok(Ok(Object::Array(items))) => items,
        Ok(Ok(Object::Stream(_))) => vec![page.dict.get(b"Contents").cloned().unwrap_or(Object::Null)],
        _ => Vec::new(),
    };
    let mut data = Vec::new();
    for item in streams.iter().take(1024) {
        if let Ok(Object::Stream(stream)) = file.resolve(item) {
            data.extend(file.stream_data(&stream, MAX_CONTENT.saturating_sub(data.len()))?);
            data.push(b'\n');
        }
    }
    let content = Content::decode(&data).map_err(|e| PdfError::invalid(format!("page content: {e}")))?;
    let fonts_dict = page
        .resources
        .as_ref()
        .and_then(|r| file.resolve(r).ok())
        .and_then(|r| r.as_dict().ok().cloned())
        .and_then(|r| file.dict_at(&r, b"Font").ok().flatten())
        .unwrap_or_default();
    let mut fonts: HashMap<Vec<u8>, FontMap> = HashMap::new();
    let mut out = Vec::new();
    let mut ctm: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut stack = Vec::new();
    let (mut tm, mut tlm): (Matrix, Matrix) = ([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    let (mut font, mut size, mut char_spacing, mut word_spacing, mut scale, mut leading, mut rise) =
        (Vec::new(), 12.0f32, 0.0f32, 0.0f32, 1.0f32, 0.0f32, 0.0f32);
    for op in &content.operations {
        let n = numbers(&op.operands);
        match op.operator.as_str() {
            "q" if stack.len() < 256 => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(ctm),
            "cm" if n.len() == 6 => ctm = multiply([n[0], n[1], n[2], n[3], n[4], n[5]], ctm),
            "BT" => {
                tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
                tlm = tm;
            }
            "Tf" => {
                if let Some(Object::Name(name)) = op.operands.first() {
                    font = name.clone();
                }
                size = n.last().copied().unwrap_or(size);
            }
            "Tc" if !n.is_empty() => char_spacing = n[0],
            "Tw" if !n.is_empty() => word_spacing = n[0],
            "Tz" if !n.is_empty() => scale = n[0] / 100.0,
            "TL" if !n.is_empty() => leading = n[0],
            "Ts" if !n.is_empty() => rise = n[0],
            "Td" | "TD" if n.len() == 2 => {
                if op.operator == "TD" {
                    leading = -n[1];
                }
                tlm = multiply([1.0, 0.0, 0.0, 1.0, n[0], n[1]], tlm);
                tm = tlm;
            }
            "Tm" if n.len() == 6 => {
                tlm = [n[0], n[1], n[2], n[3], n[4], n[5]];
                tm = tlm;
            }
            "T*" | "'" | "\"" => {
                tlm = multiply([1.0, 0.0, 0.0, 1.0, 0.0, -leading], tlm);
                tm = tlm;
                if op.operator == "\"" && n.len() >= 2 {
                    word_spacing = n[0];
                    char_spacing = n[1];
                }
            }
            _ => {}
        }
        let shown: Vec<&Object> = match op.operator.as_str() {
            "Tj" | "'" => op.operands.first().into_iter().collect(),
            "\"" => op.operands.get(2).into_iter().collect(),
            "TJ" => match op.operands.first() {
                Some(Object::Array(items)) => items.iter().collect(),
                _ => Vec::new(),
            },
            _ => continue,
        };
        if !fonts.contains_key(&font) {
            let dict =
                fonts_dict.get(&font).ok().and_then(|f| file.resolve(f).ok()).and_then(|f| f.as_dict().ok().cloned());
            fonts.insert(font.clone(), dict.map(|d| FontMap::load(file, &d)).unwrap_or_default());
        }
        let map = &fonts[&font];
        for item in shown {
            match item {
                Object::String(bytes, _) => {
                    for (code, text, width) in map.decode(bytes) {
                        let trm = multiply([size * scale, 0.0, 0.0, size, 0.0, rise], multiply(tm, ctm));
                        let advance = (width / 1000.0 * size
                            + char_spacing
                            + if map.code_len == 1 && code == 32 { word_spacing } else { 0.0 })
                            * scale;
                        let glyph_size = (trm[2].powi(2) + trm[3].powi(2)).sqrt();
                        let advance_on_page =
                            advance * (tm[0] * ctm[0] + tm[1] * ctm[2]).hypot(tm[0] * ctm[1] + tm[1] * ctm[3]);
                        out.push(Glyph { text, x: trm[4], y: trm[5], width: advance_on_page, size: glyph_size });
                        tm = multiply([1.0, 0.0, 0.0, 1.0, advance, 0.0], tm);
                        if out.len() > 1_000_000 {
                            return Ok(out);
                        }
                    }
                }
                other => {
                    if let Ok(adjust) = other.as_float() {
                        tm = multiply([1.0, 0.0, 0.0, 1.0, -adjust / 1000.0 * size * scale, 0.0], tm);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Normalises text for matching: lower case, whitespace removed (producers split and space
/// words in many ways).
fn normalise(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// An occurrence of a searched text.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its box in default user space.
    pub rect: [f32; 4],
    /// The baseline's height in default user space.
    pub baseline: f32,
    /// The font size it is drawn at, in points.
    pub size: f32,
    /// The next few characters after it (normalised), to tell "năm 2026" from "năm ....".
    pub following: String,
}

/// Finds `needle` on `page`: the box (default user space) of its last occurrence.
///
/// # Errors
///
/// [`PdfError::Invalid`] when the page's content cannot be read.
pub fn find(file: &PdfFile, page: &Page, needle: &str) -> Result<Option<[f32; 4]>, PdfError> {
    Ok(find_all(file, page, needle)?.pop().map(|f| f.rect))
}

/// Every occurrence of `needle` on `page`, in drawing order.
///
/// # Errors
///
/// [`PdfError::Invalid`] when the page's content cannot be read.
pub fn find_all(file: &PdfFile, page: &Page, needle: &str) -> Result<Vec<Found>, PdfError> {
    let needle = normalise(needle);
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let glyphs = glyphs(file, page)?;
    // The page's text without spaces, each character pointing back at its glyph.
    let mut chars = Vec::new();
    let mut owner = Vec::new();
    for (i, glyph) in glyphs.iter().enumerate() {
        for c in normalise(&glyph.text).chars() {
            chars.push(c);
            owner.push(i);
        }
    }
    let wanted: Vec<char> = needle.chars().collect();
    let mut found = Vec::new();
    let mut start = 0;
    while start + wanted.len() <= chars.len() {
        if chars[start..start + wanted.len()] != wanted[..] {
            start += 1;
            continue;
        }
        let matched = &owner[start..start + wanted.len()];
        let (first, last) = (matched[0], matched[matched.len() - 1]);
        let mut rect = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for glyph in &glyphs[first..=last] {
            rect = [
                rect[0].min(glyph.x),
                rect[1].min(glyph.y - glyph.size * 0.25),
                rect[2].max(glyph.x + glyph.width),
                rect[3].max(glyph.y + glyph.size * 0.8),
            ];
        }
        let end = start + wanted.len();
        let following = chars[end..(end + 6).min(chars.len())].iter().collect();
        found.push(Found { rect, baseline: glyphs[first].y, size: glyphs[first].size, following });
        start = end;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmaps_with_chars_ranges_and_arrays() {
        let cmap = b"begincmap 2 beginbfchar <0003> <0020> <0011> <1EE6> endbfchar\n\
                     1 beginbfrange <0041> <0043> <0061> endbfrange\n\
                     1 beginbfrange <0050> <0051> [<00C0> <0110>] endbfrange endcmap";
        let map = parse_cmap(cmap);
        assert_eq!(map.get(&3).map(String::as_str), Some(" "));
        assert_eq!(map.get(&0x11).map(String::as_str), Some("Ủ"));
        assert_eq!(map.get(&0x42).map(String::as_str), Some("b"));
        assert_eq!(map.get(&0x51).map(String::as_str), Some("Đ"));
    }

    #[test]
    fn hostile_cmaps_end() {
        for cmap in [&b"beginbfrange <00> <FFFFFFFF> <0041> endbfrange"[..], b"<<<<<", b"[[[[", b"endbfchar", b""] {
            let _ = parse_cmap(cmap);
        }
    }

    #[test]
    fn cid_width_forms() {
        let w = vec![
            Object::Integer(1),
            Object::Array(vec![Object::Integer(500), Object::Integer(600)]),
            Object::Integer(10),
            Object::Integer(12),
            Object::Integer(700),
        ];
        let widths = cid_widths(&w);
        assert_eq!(widths.get(&2), Some(&600.0));
        assert_eq!(widths.get(&11), Some(&700.0));
    }
}
