//! The windows' typeface: a sans-serif the system has that writes every Vietnamese letter.
//! egui's built-in fonts lack many of them, and a missing glyph would show a clerk boxes
//! instead of the name of what they sign.

use std::path::Path;
use std::sync::Arc;

use crate::pdf::appearance::font::VIETNAMESE;

/// Where common sans-serif faces with Vietnamese live: Windows, then Linux distributions, macOS.
const CANDIDATES: &[&str] = &[
    "C:\\Windows\\Fonts\\segoeui.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
    "C:\\Windows\\Fonts\\tahoma.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
];

/// The first candidate that has every Vietnamese letter, read; `None` leaves egui's own.
pub fn vietnamese_face() -> Option<Arc<Vec<u8>>> {
    CANDIDATES.iter().map(Path::new).find_map(|path| {
        let data = std::fs::read(path).ok()?;
        covers(&data, VIETNAMESE).then(|| {
            tracing::debug!(font = %path.display(), "window font");
            Arc::new(data)
        })
    })
}

/// Whether the face in `data` has a glyph for every letter of `text`.
pub fn covers(data: &[u8], text: &str) -> bool {
    ttf_parser::Face::parse(data, 0)
        .is_ok_and(|face| text.chars().filter(|c| !c.is_whitespace()).all(|c| face.glyph_index(c).is_some()))
}

/// Makes `face` the first choice of both egui families, egui's own faces the fallback.
pub fn install(ctx: &eframe::egui::Context, face: Option<Arc<Vec<u8>>>) {
    use eframe::egui::{FontData, FontDefinitions, FontFamily};
    let Some(face) = face else { return };
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert("system".into(), Arc::new(FontData::from_owned(face.as_ref().clone())));
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts.families.entry(family).or_default().insert(0, "system".into());
    }
    ctx.set_fonts(fonts);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Text};

    /// Every text of the catalogue, in both languages, renders with the face found here (the
    /// test machine has Liberation Sans, as the README's packages install).
    #[test]
    fn the_face_found_writes_the_whole_catalogue() {
        let face = vietnamese_face().expect("a sans-serif face with Vietnamese (fonts-liberation2)");
        for text in Text::ALL {
            for lang in [Lang::Vi, Lang::En] {
                assert!(covers(&face, text.get(lang)), "{text:?} in {lang:?} has letters the face lacks");
            }
        }
    }
}
