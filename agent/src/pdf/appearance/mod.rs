//! Visible signatures: fonts, images and the composition of a widget's appearance.

pub mod canvas;
pub mod font;
pub mod image;
#[cfg(test)]
mod tests;

pub use canvas::{Canvas, Rgb, wrap};
pub use font::{Font, Weight};
pub use image::Image;

/// Why an appearance could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppearanceError {
    /// No usable font (missing, not TrueType, licence forbids embedding).
    Font(String),
    /// The font has no glyph for this character.
    MissingGlyph(char),
    /// A signature or seal image that cannot be used.
    Image(String),
}

impl std::fmt::Display for AppearanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Font(why) => write!(f, "font: {why}"),
            Self::MissingGlyph(c) => write!(f, "the font has no glyph for {c:?} (U+{:04X})", u32::from(*c)),
            Self::Image(why) => write!(f, "image: {why}"),
        }
    }
}

impl std::error::Error for AppearanceError {}
