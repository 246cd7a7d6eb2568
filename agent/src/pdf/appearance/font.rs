//! TrueType fonts embedded as subset Type0/CIDFontType2 fonts (Identity-H, with ToUnicode), so
//! Vietnamese text renders the same everywhere and copies out as the right characters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId, name_id};
use unicode_normalization::UnicodeNormalization;

use super::AppearanceError;
use crate::pdf::increment::deflate;
use crate::pdf::objects::NewObjects;

/// Where Times New Roman is installed, then Liberation Serif (metric-compatible).
const REGULAR: &[&str] = &[
    "/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman.ttf",
    "/usr/share/fonts/truetype/msttcorefonts/times.ttf",
    "C:\\Windows\\Fonts\\times.ttf",
    "/System/Library/Fonts/Supplemental/Times New Roman.ttf",
    "/Library/Fonts/Times New Roman.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/liberation-serif/LiberationSerif-Regular.ttf",
];
const BOLD: &[&str] = &[
    "/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman_Bold.ttf",
    "/usr/share/fonts/truetype/msttcorefonts/timesbd.ttf",
    "C:\\Windows\\Fonts\\timesbd.ttf",
    "/System/Library/Fonts/Supplemental/Times New Roman Bold.ttf",
    "/Library/Fonts/Times New Roman Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/liberation-serif/LiberationSerif-Bold.ttf",
];

/// Letters only Vietnamese uses: a font without them cannot write the acts' texts (Liberation
/// Serif 1.x, for one, lacks them; 2.x has them).
pub(crate) const VIETNAMESE: &str =
    "ĂÂĐÊÔƠƯăâđêôơưẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ";

/// A TrueType font program and the metrics a PDF font needs.
#[derive(Clone)]
pub struct Font {
    data: std::sync::Arc<Vec<u8>>,
    path: PathBuf,
    postscript_name: String,
    units_per_em: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("path", &self.path).field("name", &self.postscript_name).finish()
    }
}

/// The weight to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Regular.
    Regular,
    /// Bold.
    Bold,
}

impl Font {
    /// Loads the TrueType font at `path`.
    ///
    /// # Errors
    ///
    /// [`AppearanceError::Font`] when it cannot be read, is not TrueType, or forbids embedding.
    pub fn load(path: &Path) -> Result<Self, AppearanceError> {
        let bad = |why: String| AppearanceError::Font(format!("{}: {why}", path.display()));
        let data = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let face = Face::parse(&data, 0).map_err(|e| bad(e.to_string()))?;
        if face.tables().glyf.is_none() {
            return Err(bad("only TrueType (glyf) outlines are supported".into()));
        }
        if !face.is_subsetting_allowed() {
            return Err(bad("the font's licence forbids subsetting".into()));
        }
        let postscript_name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "Font".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let units_per_em = f32::from(face.units_per_em().max(16));
        Ok(Self { data: std::sync::Arc::new(data), path: path.to_owned(), postscript_name, units_per_em })
    }

    /// The configured font, else Times New Roman, else Liberation Serif: the first installed
    /// that has every Vietnamese letter.
    ///
    /// # Errors
    ///
    /// [`AppearanceError::Font`] naming the places searched.
    pub fn find(configured: Option<&Path>, weight: Weight) -> Result<Self, AppearanceError> {
        if let Some(path) = configured {
            return Self::load(path);
        }
        let candidates = if weight == Weight::Bold { BOLD } else { REGULAR };
        for path in candidates.iter().map(Path::new).filter(|p| p.is_file()) {
            match Self::load(path) {
                Ok(font) if font.glyphs(VIETNAMESE).is_ok() => return Ok(font),
                Ok(_) => tracing::debug!(font = %path.display(), "skipped: no Vietnamese letters"),
                Err(error) => tracing::debug!(%error, "skipped"),
            }
        }
        Err(AppearanceError::Font(format!(
            "no font with Vietnamese letters: install Times New Roman or Liberation Serif 2 \
             (Debian: fonts-liberation2); looked in {}",
            candidates.join(", ")
        )))
    }

    fn face(&self) -> Face<'_> {
        // Parsed once in `load`; parsing again is cheap and cannot fail on the same bytes.
        Face::parse(&self.data, 0).unwrap_or_else(|_| unreachable!("parsed at load"))
    }

    /// The glyph of every character of `text` composed to NFC, or the first character the font
    /// lacks.
    ///
    /// Composing matters: names typed with some Vietnamese input methods, or copied from
    /// certificates, arrive decomposed ("e" U+0302 U+0301), and without OpenType shaping the
    /// combining marks would be drawn beside their letters, not above them. Every Vietnamese
    /// letter has a precomposed form, which fonts that can write Vietnamese have a glyph for.
    fn glyphs(&self, text: &str) -> Result<Vec<(char, u16)>, AppearanceError> {
        let face = self.face();
        text.nfc()
            .map(|c| match face.glyph_index(c) {
                Some(g) if g.0 != 0 => Ok((c, g.0)),
                // A cmap entry to glyph 0 is .notdef, a box: as missing as no entry.
                _ => Err(AppearanceError::MissingGlyph(c)),
            })
            .collect()
    }

    /// The advance width of `text` at `size` points.
    ///
    /// # Errors
    ///
    /// [`AppearanceError::MissingGlyph`].
    pub fn width(&self, text: &str, size: f32) -> Result<f32, AppearanceError> {
        let face = self.face();
        let units: u32 =
            self.glyphs(text)?.iter().map(|(_, g)| u32::from(face.glyph_hor_advance(GlyphId(*g)).unwrap_or(0))).sum();
        Ok(units as f32 * size / self.units_per_em)
    }

    /// Ascent above the baseline at `size`, from the font's typographic metrics.
    pub fn ascent(&self, size: f32) -> f32 {
        f32::from(self.face().ascender()) * size / self.units_per_em
    }

    /// Descent below the baseline at `size` (positive).
    pub fn descent(&self, size: f32) -> f32 {
        -f32::from(self.face().descender()) * size / self.units_per_em
    }

    /// Whether both are the same loaded font program.
    pub fn same_as(&self, other: &Font) -> bool {
        std::sync::Arc::ptr_eq(&self.data, &other.data)
    }

    fn to_pdf_units(&self, value: f32) -> i64 {
        (value * 1000.0 / self.units_per_em).round() as i64
    }
}

/// The text drawn with one font in one appearance: what to subset, and the encoding.
#[derive(Debug, Default)]
pub struct FontUse {
    /// Original glyph id -> the character it shows.
    glyphs: BTreeMap<u16, char>,
}

impl FontUse {
    /// Records the glyphs of `text`.
    ///
    /// # Errors
    ///
    /// [`AppearanceError::MissingGlyph`].
    pub fn add(&mut self, font: &Font, text: &str) -> Result<(), AppearanceError> {
        for (c, g) in font.glyphs(text)? {
            self.glyphs.entry(g).or_insert(c);
        }
        Ok(())
    }
}

/// An embedded subset: its font object, and how to encode text for it.
#[derive(Debug)]
pub struct EmbeddedFont {
    /// The Type0 font object.
    pub id: ObjectId,
    remapper: GlyphRemapper,
    font: Font,
}

impl EmbeddedFont {
    /// `text` as a hex string of 2-byte CIDs (Identity-H).
    ///
    /// # Errors
    ///
    /// [`AppearanceError::MissingGlyph`] for text not recorded before embedding.
    pub fn encode(&self, text: &str) -> Result<Object, AppearanceError> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for (c, g) in self.font.glyphs(text)? {
            let cid = self.remapper.get(g).ok_or(AppearanceError::MissingGlyph(c))?;
            bytes.extend_from_slice(&cid.to_be_bytes());
        }
        Ok(Object::String(bytes, StringFormat::Hexadecimal))
    }
}

/// Embeds the subset of `font` that `used` needs as a Type0 font; `pdfa1` adds the `/CIDSet`
/// PDF/A-1 requires.
///
/// # Errors
///
/// [`AppearanceError::Font`] when subsetting fails.
pub fn embed(
    font: &Font,
    used: &FontUse,
    objects: &mut NewObjects,
    pdfa1: bool,
) -> Result<EmbeddedFont, AppearanceError> {
    let face = font.face();
    let mut remapper = GlyphRemapper::new();
    remapper.remap(0); // .notdef stays CID 0
    for glyph in used.glyphs.keys() {
        remapper.remap(*glyph);
    }
    let subset = subsetter::subset(&font.data, 0, &remapper)
        .map_err(|e| AppearanceError::Font(format!("cannot subset {}: {e}", font.path.display())))?;
    // The tag names the subset: the same glyphs give the same tag.
    let mut tag_hash = Sha256::new();
    tag_hash.update(font.postscript_name.as_bytes());
    for glyph in used.glyphs.keys() {
        tag_hash.update(glyph.to_be_bytes());
    }
    let tag: String = tag_hash.finalize().iter().take(6).map(|b| char::from(b'A' + b % 26)).collect();
    let base_font = format!("{tag}+{}", font.postscript_name);

    let mut file_dict = Dictionary::new();
    file_dict.set("Length1", Object::Integer(subset.len() as i64));
    file_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let compressed = deflate(&subset).map_err(|e| AppearanceError::Font(e.to_string()))?;
    let font_file = objects.add(Stream::new(file_dict, compressed));

    let bbox = face.global_bounding_box();
    let mut descriptor = Dictionary::new();
    descriptor.set("Type", Object::Name(b"FontDescriptor".to_vec()));
    descriptor.set("FontName", Object::Name(base_font.clone().into_bytes()));
    descriptor.set("Flags", Object::Integer(flags(&face)));
    descriptor.set(
        "FontBBox",
        Object::Array(
            [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max]
                .iter()
                .map(|v| Object::Integer(font.to_pdf_units(f32::from(*v))))
                .collect(),
        ),
    );
    descriptor.set("ItalicAngle", Object::Real(face.italic_angle()));
    descriptor.set("Ascent", Object::Integer(font.to_pdf_units(f32::from(face.ascender()))));
    descriptor.set("Descent", Object::Integer(font.to_pdf_units(f32::from(face.descender()))));
    let cap = face.capital_height().unwrap_or(face.ascender());
    descriptor.set("CapHeight", Object::Integer(font.to_pdf_units(f32::from(cap))));
    descriptor.set("StemV", Object::Integer(stem_v(&face)));
    descriptor.set("FontFile2", Object::Reference(font_file));
    if pdfa1 {
        // PDF/A-1 wants every CID the font program holds. That is more than the glyphs of the
        // text: subsetter also keeps the components of composite glyphs (most Vietnamese
        // letters are a base letter and marks), numbered after ours on its own copy of the
        // remapper, so count the subset's glyphs instead of `remapper.num_gids()`.
        let count = Face::parse(&subset, 0)
            .map_err(|e| AppearanceError::Font(format!("the subset of {} is unreadable: {e}", font.path.display())))?
            .number_of_glyphs();
        descriptor.set("CIDSet", Object::Reference(objects.add(Stream::new(Dictionary::new(), cid_set(count)))));
    }
    let descriptor = objects.add(descriptor);

    // Widths of the used glyphs, by CID.
    let mut widths = Vec::new();
    for glyph in used.glyphs.keys() {
        let Some(cid) = remapper.get(*glyph) else { continue };
        let advance = f32::from(face.glyph_hor_advance(GlyphId(*glyph)).unwrap_or(0));
        widths.push(Object::Integer(i64::from(cid)));
        widths.push(Object::Array(vec![Object::Integer(font.to_pdf_units(advance))]));
    }
    let mut system_info = Dictionary::new();
    system_info.set("Registry", Object::string_literal("Adobe"));
    system_info.set("Ordering", Object::string_literal("Identity"));
    system_info.set("Supplement", Object::Integer(0));
    let mut cid_font = Dictionary::new();
    cid_font.set("Type", Object::Name(b"Font".to_vec()));
    cid_font.set("Subtype", Object::Name(b"CIDFontType2".to_vec()));
    cid_font.set("BaseFont", Object::Name(base_font.clone().into_bytes()));
    cid_font.set("CIDSystemInfo", system_info);
    cid_font.set("FontDescriptor", Object::Reference(descriptor));
    cid_font.set("W", Object::Array(widths));
    cid_font.set("CIDToGIDMap", Object::Name(b"Identity".to_vec()));
    let cid_font = objects.add(cid_font);

    let to_unicode = objects.add(Stream::new(Dictionary::new(), to_unicode(&remapper, used).into_bytes()));
    let mut type0 = Dictionary::new();
    type0.set("Type", Object::Name(b"Font".to_vec()));
    type0.set("Subtype", Object::Name(b"Type0".to_vec()));
    type0.set("BaseFont", Object::Name(base_font.into_bytes()));
    type0.set("Encoding", Object::Name(b"Identity-H".to_vec()));
    type0.set("DescendantFonts", Object::Array(vec![Object::Reference(cid_font)]));
    type0.set("ToUnicode", Object::Reference(to_unicode));
    let id = objects.add(type0);
    Ok(EmbeddedFont { id, remapper, font: font.clone() })
}

/// The descriptor's flags: Symbolic (4), as a CID font's glyphs are outside the standard Latin
/// set, plus FixedPitch (1), Serif (2) and Italic (64) as the font says.
fn flags(face: &Face<'_>) -> i64 {
    let mut flags = 4;
    if face.is_monospaced() {
        flags |= 1;
    }
    // OS/2 PANOSE (at byte 32): family 2 "Latin text" with serif style 11-13 is sans serif. A
    // font that does not say is taken for a serif, like the Times New Roman it stands in for.
    let panose = face.raw_face().table(ttf_parser::Tag::from_bytes(b"OS/2")).and_then(|os2| os2.get(32..34));
    let sans = matches!(panose, Some([2, 11..=13]));
    if !sans {
        flags |= 2;
    }
    if face.is_italic() || face.italic_angle() != 0.0 {
        flags |= 64;
    }
    flags
}

/// StemV, which the font does not record: estimated from its weight class as typst does
/// (Regular 400 gives 95, Bold 700 gives 169), since viewers use it only to embolden or
/// substitute.
fn stem_v(face: &Face<'_>) -> i64 {
    (10.0 + 0.244 * (f32::from(face.weight().to_number()) - 50.0)).round() as i64
}

/// A CIDSet stream's bits: CIDs 0 to `count - 1`, most significant bit first.
fn cid_set(count: u16) -> Vec<u8> {
    let count = usize::from(count);
    let mut bits = vec![0u8; count.div_ceil(8)];
    for cid in 0..count {
        bits[cid / 8] |= 0x80 >> (cid % 8);
    }
    bits
}

/// A ToUnicode CMap mapping each CID to its character (UTF-16BE).
fn to_unicode(remapper: &GlyphRemapper, used: &FontUse) -> String {
    let mut entries: Vec<(u16, char)> =
        used.glyphs.iter().filter_map(|(g, c)| remapper.get(*g).map(|cid| (cid, *c))).collect();
    entries.sort_unstable();
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // At most 100 entries per block (PDF 1.7, 9.10.3).
    for block in entries.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", block.len()));
        for (cid, c) in block {
            let utf16: String = c.encode_utf16(&mut [0u16; 2]).iter().map(|u| format!("{u:04X}")).collect();
            cmap.push_str(&format!("<{cid:04X}> <{utf16}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Read;

    use super::*;

    /// The font the agent would pick here. Tests need a real one (Debian: fonts-liberation2);
    /// without it they say so and pass, as on a machine without fonts there is nothing to test.
    fn font(weight: Weight) -> Option<Font> {
        let found = Font::find(None, weight);
        if let Err(error) = &found {
            eprintln!("SKIPPED: no font with Vietnamese letters installed: {error}");
        }
        found.ok()
    }

    const TEXT: &str = "Hà Nội, ngày 22 tháng 11 năm 2026 — Ký bởi: Nguyễn Văn Ấn";

    /// Embeds `text` and returns the embedded font and the new objects by number.
    fn embedded(font: &Font, text: &str, pdfa1: bool) -> (EmbeddedFont, HashMap<ObjectId, Object>) {
        let mut used = FontUse::default();
        used.add(font, text).expect("the font has every letter");
        let mut objects = NewObjects::new(1);
        let embedded = embed(font, &used, &mut objects, pdfa1).expect("embeds");
        (embedded, objects.into_objects().expect("all set").into_iter().collect())
    }

    fn dict(objects: &HashMap<ObjectId, Object>, reference: &Object) -> Dictionary {
        match &objects[&reference.as_reference().expect("a reference")] {
            Object::Dictionary(dict) => dict.clone(),
            Object::Stream(stream) => stream.dict.clone(),
            other => panic!("not a dictionary: {other:?}"),
        }
    }

    fn stream<'a>(objects: &'a HashMap<ObjectId, Object>, reference: &Object) -> &'a Stream {
        match &objects[&reference.as_reference().expect("a reference")] {
            Object::Stream(stream) => stream,
            other => panic!("not a stream: {other:?}"),
        }
    }

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(data).read_to_end(&mut out).expect("inflates");
        out
    }

    fn cids(encoded: &Object) -> Vec<u16> {
        let Object::String(bytes, StringFormat::Hexadecimal) = encoded else { panic!("not a hex string") };
        bytes.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect()
    }

    #[test]
    fn text_is_encoded_with_the_subset_glyph_ids() {
        let Some(font) = font(Weight::Regular) else { return };
        let (embedded, _) = embedded(&font, TEXT, false);
        let cids = cids(&embedded.encode(TEXT).expect("encodes"));
        assert_eq!(cids.len(), TEXT.chars().count());
        // subsetter renumbers glyphs 1, 2, 3... in the order they were first remapped: the CIDs
        // are those numbers, not the font's glyph ids.
        let distinct: std::collections::BTreeSet<u16> = cids.iter().copied().collect();
        assert_eq!(distinct.iter().copied().collect::<Vec<_>>(), (1..=distinct.len() as u16).collect::<Vec<_>>());
        assert!(!cids.contains(&0), "no .notdef");
        // A letter the font has but the subset does not is refused, not drawn as .notdef.
        assert_eq!(embedded.encode("Z"), Err(AppearanceError::MissingGlyph('Z')));
    }

    #[test]
    fn a_missing_glyph_names_its_character() {
        let Some(font) = font(Weight::Regular) else { return };
        let error = font.width("Số 漢", 12.0).expect_err("Liberation Serif and Times have no Han");
        assert_eq!(error, AppearanceError::MissingGlyph('漢'));
        assert!(error.to_string().contains("U+6F22"), "{error}");
        assert!(FontUse::default().add(&font, "a\u{1}b").is_err(), "control characters have no glyph");
    }

    #[test]
    fn decomposed_text_is_composed_first() {
        let Some(font) = font(Weight::Regular) else { return };
        let composed = "Nguyễn Văn Ấn";
        let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n A\u{302}\u{301}n";
        assert_eq!(font.width(composed, 12.0), font.width(decomposed, 12.0));
        let (embedded, _) = embedded(&font, decomposed, false);
        assert_eq!(embedded.encode(composed), embedded.encode(decomposed));
        assert_eq!(cids(&embedded.encode(composed).expect("encodes")).len(), composed.chars().count());
    }

    #[test]
    fn widths_follow_the_advances() {
        let Some(font) = font(Weight::Regular) else { return };
        let size = 13.0;
        let single: f32 = TEXT.chars().map(|c| font.width(&c.to_string(), size).expect("has glyph")).sum();
        let whole = font.width(TEXT, size).expect("has glyphs");
        assert!((whole - single).abs() < 0.01 && whole > 100.0, "{whole} vs {single}");
        assert!(font.ascent(size) > 0.0 && font.descent(size) > 0.0);
    }

    #[test]
    fn the_subset_is_a_font_with_the_text_glyphs() {
        let Some(font) = font(Weight::Regular) else { return };
        let (embedded, objects) = embedded(&font, TEXT, true);
        let type0 = dict(&objects, &Object::Reference(embedded.id));
        assert_eq!(type0.get(b"Encoding").and_then(Object::as_name).expect("encoding"), b"Identity-H");
        let base_font =
            String::from_utf8(type0.get(b"BaseFont").and_then(Object::as_name).expect("name").to_vec()).expect("ascii");
        let (tag, name) = base_font.split_once('+').expect("subset tag");
        assert!(tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()), "{base_font}");
        assert_eq!(name, font.postscript_name);

        let descendants = type0.get(b"DescendantFonts").and_then(Object::as_array).expect("descendants");
        let cid_font = dict(&objects, &descendants[0]);
        assert_eq!(cid_font.get(b"Subtype").and_then(Object::as_name).expect("subtype"), b"CIDFontType2");
        assert_eq!(cid_font.get(b"CIDToGIDMap").and_then(Object::as_name).expect("map"), b"Identity");
        let descriptor = dict(&objects, cid_font.get(b"FontDescriptor").expect("descriptor"));
        let file = stream(&objects, descriptor.get(b"FontFile2").expect("font file"));
        let program = inflate(&file.content);
        assert_eq!(file.dict.get(b"Length1").and_then(Object::as_i64).expect("Length1"), program.len() as i64);
        assert!(program.len() < 60_000, "a subset, not the whole font: {} bytes", program.len());

        let subset = Face::parse(&program, 0).expect("the subset parses");
        let original = font.face();
        let glyphs = font.glyphs(TEXT).expect("glyphs");
        for ((c, gid), cid) in glyphs.iter().zip(cids(&embedded.encode(TEXT).expect("encodes"))) {
            let (old, new) = (GlyphId(*gid), GlyphId(cid));
            assert_eq!(subset.glyph_hor_advance(new), original.glyph_hor_advance(old), "advance of {c}");
            assert_eq!(subset.glyph_bounding_box(new), original.glyph_bounding_box(old), "outline of {c}");
        }

        // /W gives each used CID its advance in thousandths of an em.
        let widths = cid_font.get(b"W").and_then(Object::as_array).expect("W");
        let ấ = cids(&embedded.encode("Ấ").expect("encodes"))[0];
        let at = widths.iter().position(|w| w.as_i64().ok() == Some(i64::from(ấ))).expect("Ấ in /W");
        let width = widths[at + 1].as_array().expect("[w]")[0].as_i64().expect("integer");
        assert_eq!(width, (font.width("Ấ", 1000.0).expect("width")).round() as i64);

        // The CIDSet covers every glyph of the program, including the components subsetter adds
        // for composite glyphs (and which the caller's remapper never sees).
        let cid_set = stream(&objects, descriptor.get(b"CIDSet").expect("CIDSet for PDF/A-1")).content.clone();
        let set_bits: u32 = cid_set.iter().map(|b| b.count_ones()).sum();
        assert_eq!(set_bits, u32::from(subset.number_of_glyphs()));
        assert_eq!(cid_set.len(), usize::from(subset.number_of_glyphs()).div_ceil(8));
        eprintln!(
            "glyphs: {} in the subset, {} remapped for the text",
            subset.number_of_glyphs(),
            embedded.remapper.num_gids()
        );
        assert!(subset.number_of_glyphs() >= embedded.remapper.num_gids());

        let stem_v = descriptor.get(b"StemV").and_then(Object::as_i64).expect("StemV");
        let flags = descriptor.get(b"Flags").and_then(Object::as_i64).expect("flags");
        assert!((60..=130).contains(&stem_v), "regular StemV {stem_v}");
        assert_eq!(flags & (2 | 4 | 64), 2 | 4, "serif, symbolic, upright: {flags}");
    }

    #[test]
    fn the_tag_names_the_glyph_set() {
        let Some(font) = font(Weight::Regular) else { return };
        let name = |text: &str| {
            let (embedded, objects) = embedded(&font, text, false);
            dict(&objects, &Object::Reference(embedded.id)).get(b"BaseFont").expect("name").clone()
        };
        assert_eq!(name("Số: 123/QĐ-UBND"), name("Số: 123/QĐ-UBND"));
        assert_ne!(name("Số: 123/QĐ-UBND"), name("Số: 124/QĐ-UBND"));
        let (_, objects) = embedded(&font, "abc", false);
        assert!(
            !objects.values().any(|o| matches!(o, Object::Dictionary(d) if d.has(b"CIDSet"))),
            "CIDSet only for PDF/A-1"
        );
    }

    #[test]
    fn to_unicode_maps_cids_back_to_the_text() {
        let Some(font) = font(Weight::Regular) else { return };
        let text = "Thời gian ký: 2026-11-22T10:15:00+07:00";
        let (embedded, objects) = embedded(&font, text, false);
        let type0 = dict(&objects, &Object::Reference(embedded.id));
        let cmap = String::from_utf8(stream(&objects, type0.get(b"ToUnicode").expect("ToUnicode")).content.clone())
            .expect("ascii");
        for (c, cid) in text.chars().zip(cids(&embedded.encode(text).expect("encodes"))) {
            let utf16: String = c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("{u:04X}")).collect();
            assert!(cmap.contains(&format!("<{cid:04X}> <{utf16}>")), "{c} as {cid}: {cmap}");
        }
    }

    #[test]
    fn bold_is_heavier() {
        let (Some(regular), Some(bold)) = (font(Weight::Regular), font(Weight::Bold)) else { return };
        assert!(!regular.same_as(&bold));
        assert!(stem_v(&bold.face()) > stem_v(&regular.face()));
    }

    #[test]
    fn only_truetype_files_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let junk = dir.path().join("junk.ttf");
        std::fs::write(&junk, b"not a font").expect("write");
        let error = Font::load(&junk).expect_err("junk");
        assert!(error.to_string().contains("junk.ttf"), "{error}");
        assert!(Font::load(&dir.path().join("absent.ttf")).is_err());
        assert!(Font::find(Some(&junk), Weight::Regular).is_err(), "a configured path is not second-guessed");
        // A CFF (PostScript outlines) OpenType font, where the system has one.
        let cff = Path::new("/usr/share/fonts/opentype/urw-base35/C059-Roman.otf");
        if cff.is_file() {
            let error = Font::load(cff).expect_err("CFF");
            assert!(error.to_string().contains("TrueType"), "{error}");
        } else {
            eprintln!("SKIPPED: no CFF font at {}", cff.display());
        }
    }
}
