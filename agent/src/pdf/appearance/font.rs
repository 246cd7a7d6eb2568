//! TrueType fonts embedded as subset Type0/CIDFontType2 fonts (Identity-H, with ToUnicode), so
//! Vietnamese text renders the same everywhere and copies out as the right characters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId, name_id};

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
const VIETNAMESE: &str =
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

    /// The glyph of every character, or the first character the font lacks.
    fn glyphs(&self, text: &str) -> Result<Vec<(char, u16)>, AppearanceError> {
        let face = self.face();
        text.chars().map(|c| face.glyph_index(c).map(|g| (c, g.0)).ok_or(AppearanceError::MissingGlyph(c))).collect()
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
    // Serif (2) and Symbolic (4): a CID font's glyphs are not in the standard Latin set.
    descriptor.set("Flags", Object::Integer(6));
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
    descriptor.set("StemV", Object::Integer(80));
    descriptor.set("FontFile2", Object::Reference(font_file));
    if pdfa1 {
        let max = usize::from(remapper.num_gids());
        let mut bits = vec![0u8; max.div_ceil(8)];
        for cid in 0..max {
            bits[cid / 8] |= 0x80 >> (cid % 8);
        }
        descriptor.set("CIDSet", Object::Reference(objects.add(Stream::new(Dictionary::new(), bits))));
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
