//! A small builder for a widget's appearance: a form XObject whose content draws text in
//! embedded fonts and images, in points from its lower-left corner.

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::AppearanceError;
use super::font::{self, EmbeddedFont, Font, FontUse};
use super::image::Image;
use crate::pdf::increment::deflate;
use crate::pdf::objects::NewObjects;

/// An RGB colour, components 0 to 1.
pub type Rgb = [f32; 3];

#[derive(Debug)]
enum Op {
    Text { font: usize, size: f32, color: Rgb, x: f32, y: f32, text: String },
    Image { image: usize, rect: [f32; 4] },
    Frame { color: Rgb, width: f32, rect: [f32; 4] },
    Form { id: ObjectId, x: f32, y: f32 },
}

/// An appearance being composed.
#[derive(Debug)]
pub struct Canvas {
    width: f32,
    height: f32,
    ops: Vec<Op>,
    fonts: Vec<(Font, FontUse)>,
    images: Vec<Image>,
}

impl Canvas {
    /// An empty appearance of `width` x `height` points.
    pub fn new(width: f32, height: f32) -> Self {
        Self { width, height, ops: Vec::new(), fonts: Vec::new(), images: Vec::new() }
    }

    /// Width in points.
    pub fn width(&self) -> f32 {
        self.width
    }

    /// Height in points.
    pub fn height(&self) -> f32 {
        self.height
    }

    /// Draws `text` with its baseline starting at (`x`, `y`).
    ///
    /// # Errors
    ///
    /// [`AppearanceError::MissingGlyph`] when the font lacks a character.
    pub fn text(
        &mut self,
        font: &Font,
        size: f32,
        color: Rgb,
        x: f32,
        y: f32,
        text: &str,
    ) -> Result<(), AppearanceError> {
        let index = match self.fonts.iter().position(|(f, _)| f.same_as(font)) {
            Some(index) => index,
            None => {
                self.fonts.push((font.clone(), FontUse::default()));
                self.fonts.len() - 1
            }
        };
        self.fonts[index].1.add(font, text)?;
        self.ops.push(Op::Text { font: index, size, color, x, y, text: text.to_owned() });
        Ok(())
    }

    /// Draws `image` stretched to `rect` (`[x1 y1 x2 y2]`).
    pub fn image(&mut self, image: &Image, rect: [f32; 4]) {
        self.images.push(image.clone());
        self.ops.push(Op::Image { image: self.images.len() - 1, rect });
    }

    /// Draws a form XObject made before (another appearance) with its origin at (`x`, `y`).
    pub fn form(&mut self, id: ObjectId, x: f32, y: f32) {
        self.ops.push(Op::Form { id, x, y });
    }

    /// Strokes a rectangle.
    pub fn frame(&mut self, color: Rgb, width: f32, rect: [f32; 4]) {
        self.ops.push(Op::Frame { color, width, rect });
    }

    /// Writes the fonts, images and the form; `pdfa1` flattens transparency and adds CIDSets.
    ///
    /// # Errors
    ///
    /// Font subsetting or image encoding failures.
    pub fn finish(self, objects: &mut NewObjects, pdfa1: bool) -> Result<ObjectId, AppearanceError> {
        let mut fonts_dict = Dictionary::new();
        let mut embedded: Vec<EmbeddedFont> = Vec::new();
        for (i, (font, used)) in self.fonts.iter().enumerate() {
            let font = font::embed(font, used, objects, pdfa1)?;
            fonts_dict.set(format!("F{}", i + 1), Object::Reference(font.id));
            embedded.push(font);
        }
        let mut images_dict = Dictionary::new();
        for (i, image) in self.images.iter().enumerate() {
            images_dict.set(format!("Im{}", i + 1), Object::Reference(image.embed(objects, pdfa1)?));
        }
        let mut forms = 0;
        for op in &self.ops {
            if let Op::Form { id, .. } = op {
                forms += 1;
                images_dict.set(format!("Fm{forms}"), Object::Reference(*id));
            }
        }
        let mut forms = 0;
        let mut content = Vec::new();
        for op in &self.ops {
            match op {
                Op::Text { font, size, color, x, y, text } => {
                    let mut encoded = Vec::new();
                    lopdf::Writer::write_object(&mut encoded, &embedded[*font].encode(text)?)
                        .map_err(|e| AppearanceError::Font(e.to_string()))?;
                    content.extend_from_slice(
                        format!(
                            "q BT {} {} {} rg /F{} {} Tf {} {} Td ",
                            n(color[0]),
                            n(color[1]),
                            n(color[2]),
                            font + 1,
                            n(*size),
                            n(*x),
                            n(*y)
                        )
                        .as_bytes(),
                    );
                    content.extend_from_slice(&encoded);
                    // Inside q/Q: the fill colour is graphics state, which BT/ET do not save.
                    content.extend_from_slice(b" Tj ET Q\n");
                }
                Op::Image { image, rect: [x1, y1, x2, y2] } => content.extend_from_slice(
                    format!("q {} 0 0 {} {} {} cm /Im{} Do Q\n", n(x2 - x1), n(y2 - y1), n(*x1), n(*y1), image + 1)
                        .as_bytes(),
                ),
                Op::Form { x, y, .. } => {
                    forms += 1;
                    content.extend_from_slice(format!("q 1 0 0 1 {} {} cm /Fm{forms} Do Q\n", n(*x), n(*y)).as_bytes());
                }
                Op::Frame { color, width, rect: [x1, y1, x2, y2] } => content.extend_from_slice(
                    format!(
                        "q {} {} {} RG {} w {} {} {} {} re S Q\n",
                        n(color[0]),
                        n(color[1]),
                        n(color[2]),
                        n(*width),
                        n(*x1),
                        n(*y1),
                        n(x2 - x1),
                        n(y2 - y1)
                    )
                    .as_bytes(),
                ),
            }
        }
        let mut resources = Dictionary::new();
        if !fonts_dict.is_empty() {
            resources.set("Font", fonts_dict);
        }
        if !images_dict.is_empty() {
            resources.set("XObject", images_dict);
        }
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Form".to_vec()));
        dict.set("BBox", Object::Array(vec![0.into(), 0.into(), Object::Real(self.width), Object::Real(self.height)]));
        dict.set("Resources", resources);
        dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let data = deflate(&content).map_err(|e| AppearanceError::Font(e.to_string()))?;
        Ok(objects.add(Stream::new(dict, data)))
    }
}

/// A number for a content stream: at most 3 decimals, no exponent.
fn n(value: f32) -> String {
    let text = format!("{:.3}", if value.is_finite() { value } else { 0.0 });
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.into() }
}

/// Breaks `text` into lines no wider than `max_width` at `size`, at spaces (a word wider than
/// the line stays whole).
///
/// # Errors
///
/// [`AppearanceError::MissingGlyph`].
pub fn wrap(font: &Font, size: f32, text: &str, max_width: f32) -> Result<Vec<String>, AppearanceError> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if !line.is_empty() && font.width(&candidate, size)? > max_width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::appearance::Weight;

    #[test]
    fn numbers() {
        assert_eq!(n(12.0), "12");
        assert_eq!(n(0.5), "0.5");
        assert_eq!(n(-0.0001), "0");
        assert_eq!(n(f32::NAN), "0");
        assert_eq!(n(1.23456), "1.235");
    }

    #[test]
    fn wrapping_breaks_at_spaces_within_the_width() {
        let Ok(font) = Font::find(None, Weight::Regular) else {
            eprintln!("SKIPPED: no font with Vietnamese letters installed");
            return;
        };
        let text = "Ủy ban nhân dân thành phố Hà Nội\nSở Nông nghiệp và Môi trường";
        let lines = wrap(&font, 12.0, text, 120.0).expect("wraps");
        assert!(lines.len() >= 4, "{lines:?}");
        assert_eq!(lines.join(" "), text.replace('\n', " "), "no word lost or split");
        for line in &lines {
            assert!(font.width(line, 12.0).expect("width") <= 120.0, "{line}");
        }
        assert!(lines.iter().any(|l| l.ends_with("Nội")), "the paragraph break is kept: {lines:?}");
        // A word wider than the line stays whole, on its own line.
        assert_eq!(wrap(&font, 12.0, "a Nghiêng-nghiêng-nghiêng b", 30.0).expect("wraps").len(), 3);
        assert_eq!(wrap(&font, 12.0, "", 30.0).expect("wraps"), Vec::<String>::new());
    }

    #[test]
    fn the_form_lists_what_it_draws() {
        let Ok(font) = Font::find(None, Weight::Regular) else {
            eprintln!("SKIPPED: no font with Vietnamese letters installed");
            return;
        };
        let mut canvas = Canvas::new(200.0, 50.5);
        canvas.text(&font, 12.0, [0.0, 0.0, 0.5], 2.0, 30.0, "Số: 123/QĐ-UBND").expect("text");
        canvas.text(&font, 10.0, [0.0, 0.0, 0.0], 2.0, 10.0, "Hà Nội").expect("text");
        canvas.frame([1.0, 0.0, 0.0], 0.5, [0.0, 0.0, 200.0, 50.5]);
        assert_eq!(canvas.text(&font, 10.0, [0.0; 3], 0.0, 0.0, "漢"), Err(AppearanceError::MissingGlyph('漢')));
        let mut objects = NewObjects::new(1);
        let id = canvas.finish(&mut objects, false).expect("finishes");
        let objects: std::collections::HashMap<_, _> = objects.into_objects().expect("set").into_iter().collect();
        let Object::Stream(form) = &objects[&id] else { panic!("a stream") };
        let bbox: Vec<f32> = form
            .dict
            .get(b"BBox")
            .and_then(Object::as_array)
            .expect("BBox")
            .iter()
            .flat_map(Object::as_float)
            .collect();
        assert_eq!(bbox, [0.0, 0.0, 200.0, 50.5]);
        let fonts = form.dict.get(b"Resources").and_then(Object::as_dict).and_then(|r| r.get(b"Font")).expect("fonts");
        assert_eq!(fonts.as_dict().expect("dict").len(), 1, "one font for both lines");
        let content = form.decompressed_content().expect("inflates");
        let content = String::from_utf8(content).expect("ascii");
        assert_eq!(content.matches("q ").count(), content.matches(" Q").count(), "{content}");
        assert_eq!(content.matches("/F1 ").count(), 2, "{content}");
        assert!(content.starts_with("q BT 0 0 0.5 rg /F1 12 Tf 2 30 Td <"), "{content}");
    }
}
