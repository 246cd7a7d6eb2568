//! Signature and seal images as image XObjects: PNG decoded (alpha to a soft mask, or flattened
//! on white where PDF/A-1 forbids transparency), JPEG passed through untouched.

use std::io::Cursor;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::AppearanceError;
use crate::pdf::increment::deflate;
use crate::pdf::objects::NewObjects;

/// Images with more pixels than this are refused (a seal scanned at 600 dpi is ~1.5 MP).
const MAX_PIXELS: u64 = 40_000_000;

/// A decoded (or, for JPEG, inspected) image, ready to embed.
#[derive(Debug, Clone)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution the image declares (PNG pHYs), for drawing it at its real size.
    pub dpi: Option<f32>,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// 8-bit samples, `components` per pixel, and an optional 8-bit alpha plane.
    Pixels { components: u8, samples: Vec<u8>, alpha: Option<Vec<u8>> },
    /// The JPEG file itself, with its component count.
    Jpeg { components: u8, adobe_inverted: bool, data: Vec<u8> },
}

impl Image {
    /// Decodes a PNG or inspects a JPEG, by its signature.
    ///
    /// # Errors
    ///
    /// [`AppearanceError::Image`] for anything else or a damaged or oversized image.
    pub fn decode(bytes: &[u8]) -> Result<Self, AppearanceError> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Self::png(bytes)
        } else if bytes.starts_with(&[0xff, 0xd8]) {
            Self::jpeg(bytes)
        } else {
            Err(AppearanceError::Image("not a PNG or JPEG image".into()))
        }
    }

    fn png(bytes: &[u8]) -> Result<Self, AppearanceError> {
        let bad = |e: png::DecodingError| AppearanceError::Image(format!("PNG: {e}"));
        let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: 256 << 20 });
        // 8 bits per sample, palettes and tRNS expanded to colour and alpha.
        decoder.set_transformations(png::Transformations::normalize_to_color8() | png::Transformations::ALPHA);
        let mut reader = decoder.read_info().map_err(bad)?;
        let (width, height) = (reader.info().width, reader.info().height);
        let dpi = reader.info().pixel_dims.and_then(|d| match d.unit {
            png::Unit::Meter if d.xppu > 0 => Some(d.xppu as f32 * 0.0254),
            _ => None,
        });
        check_size(width, height)?;
        let size = reader.output_buffer_size().ok_or_else(|| AppearanceError::Image("PNG too large".into()))?;
        let mut buffer = vec![0u8; size];
        let frame = reader.next_frame(&mut buffer).map_err(bad)?;
        buffer.truncate(frame.buffer_size());
        let (components, has_alpha) = match frame.color_type {
            png::ColorType::Grayscale => (1, false),
            png::ColorType::GrayscaleAlpha => (1, true),
            png::ColorType::Rgb => (3, false),
            png::ColorType::Rgba => (3, true),
            png::ColorType::Indexed => return Err(AppearanceError::Image("PNG palette not expanded".into())),
        };
        let pixels = (width as usize) * (height as usize);
        let stride = usize::from(components) + usize::from(has_alpha);
        if buffer.len() < pixels * stride {
            return Err(AppearanceError::Image("PNG data shorter than its size".into()));
        }
        let (samples, alpha) = if has_alpha {
            let mut samples = Vec::with_capacity(pixels * usize::from(components));
            let mut alpha = Vec::with_capacity(pixels);
            for pixel in buffer.chunks_exact(stride).take(pixels) {
                samples.extend_from_slice(&pixel[..usize::from(components)]);
                alpha.push(pixel[usize::from(components)]);
            }
            // A fully opaque alpha channel is no transparency at all.
            let alpha = if alpha.iter().all(|a| *a == 255) { None } else { Some(alpha) };
            (samples, alpha)
        } else {
            buffer.truncate(pixels * stride);
            (buffer, None)
        };
        Ok(Self { width, height, dpi, kind: Kind::Pixels { components, samples, alpha } })
    }

    /// Reads the frame header (SOFn) for the size and components, without decoding.
    fn jpeg(bytes: &[u8]) -> Result<Self, AppearanceError> {
        let bad = |why: &str| AppearanceError::Image(format!("JPEG: {why}"));
        let mut at = 2;
        let mut adobe_inverted = false;
        while at + 4 <= bytes.len() {
            if bytes[at] != 0xff {
                return Err(bad("damaged marker"));
            }
            let marker = bytes[at + 1];
            if marker == 0xff {
                at += 1;
                continue;
            }
            let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
            let segment = bytes.get(at + 4..at + 2 + length).ok_or_else(|| bad("truncated"))?;
            if marker == 0xee && segment.starts_with(b"Adobe") {
                adobe_inverted = true;
            }
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            if (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
                if segment.len() < 6 {
                    return Err(bad("short frame header"));
                }
                let height = u32::from(u16::from_be_bytes([segment[1], segment[2]]));
                let width = u32::from(u16::from_be_bytes([segment[3], segment[4]]));
                let components = segment[5];
                if !matches!(components, 1 | 3 | 4) {
                    return Err(bad("unsupported number of components"));
                }
                check_size(width, height)?;
                return Ok(Self {
                    width,
                    height,
                    dpi: None,
                    kind: Kind::Jpeg { components, adobe_inverted, data: bytes.to_vec() },
                });
            }
            if length < 2 {
                return Err(bad("bad segment length"));
            }
            at += 2 + length;
        }
        Err(bad("no frame header"))
    }

    /// Size in points when drawn at its declared resolution, or `default_width` points wide.
    pub fn natural_size(&self, default_width: f32) -> (f32, f32) {
        let width = self.dpi.filter(|d| *d >= 30.0).map_or(default_width, |dpi| self.width as f32 / dpi * 72.0);
        (width, width * self.height as f32 / self.width as f32)
    }

    /// Whether the image has transparency.
    pub fn has_alpha(&self) -> bool {
        matches!(self.kind, Kind::Pixels { alpha: Some(_), .. })
    }

    /// Embeds the image; with `flatten`, transparency is composited on white instead of a soft
    /// mask (PDF/A-1).
    ///
    /// # Errors
    ///
    /// Only compression failures.
    pub fn embed(&self, objects: &mut NewObjects, flatten: bool) -> Result<ObjectId, AppearanceError> {
        let compress = |data: &[u8]| deflate(data).map_err(|e| AppearanceError::Image(e.to_string()));
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Image".to_vec()));
        dict.set("Width", Object::Integer(i64::from(self.width)));
        dict.set("Height", Object::Integer(i64::from(self.height)));
        dict.set("BitsPerComponent", Object::Integer(8));
        let data = match &self.kind {
            Kind::Jpeg { components, adobe_inverted, data } => {
                dict.set("ColorSpace", color_space(*components));
                dict.set("Filter", Object::Name(b"DCTDecode".to_vec()));
                if *components == 4 && *adobe_inverted {
                    dict.set("Decode", Object::Array([1, 0, 1, 0, 1, 0, 1, 0].map(Object::Integer).to_vec()));
                }
                data.clone()
            }
            Kind::Pixels { components, samples, alpha } => {
                dict.set("ColorSpace", color_space(*components));
                dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
                match alpha {
                    Some(alpha) if flatten => compress(&on_white(samples, alpha, usize::from(*components)))?,
                    Some(alpha) => {
                        let mut mask = Dictionary::new();
                        mask.set("Type", Object::Name(b"XObject".to_vec()));
                        mask.set("Subtype", Object::Name(b"Image".to_vec()));
                        mask.set("Width", Object::Integer(i64::from(self.width)));
                        mask.set("Height", Object::Integer(i64::from(self.height)));
                        mask.set("ColorSpace", Object::Name(b"DeviceGray".to_vec()));
                        mask.set("BitsPerComponent", Object::Integer(8));
                        mask.set("Filter", Object::Name(b"FlateDecode".to_vec()));
                        let mask = objects.add(Stream::new(mask, compress(alpha)?));
                        dict.set("SMask", Object::Reference(mask));
                        compress(samples)?
                    }
                    None => compress(samples)?,
                }
            }
        };
        Ok(objects.add(Stream::new(dict, data)))
    }
}

fn check_size(width: u32, height: u32) -> Result<(), AppearanceError> {
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AppearanceError::Image(format!("{width}x{height} pixels is empty or too large")));
    }
    Ok(())
}

fn color_space(components: u8) -> Object {
    Object::Name(match components {
        1 => b"DeviceGray".to_vec(),
        4 => b"DeviceCMYK".to_vec(),
        _ => b"DeviceRGB".to_vec(),
    })
}

/// Composites samples over white with their alpha.
fn on_white(samples: &[u8], alpha: &[u8], components: usize) -> Vec<u8> {
    samples
        .chunks_exact(components)
        .zip(alpha)
        .flat_map(|(pixel, a)| {
            let a = u32::from(*a);
            pixel.iter().map(move |c| ((u32::from(*c) * a + 255 * (255 - a) + 127) / 255) as u8).collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_rgba(width: u32, height: u32, alpha: u8, dpi: Option<u32>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        if let Some(dpi) = dpi {
            let ppu = (dpi as f32 / 0.0254).round() as u32;
            encoder.set_pixel_dims(Some(png::PixelDimensions { xppu: ppu, yppu: ppu, unit: png::Unit::Meter }));
        }
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[200, 10, 10, alpha].repeat((width * height) as usize)).expect("data");
        drop(writer);
        out
    }

    #[test]
    fn png_alpha_becomes_a_soft_mask_or_is_flattened() {
        let image = Image::decode(&png_rgba(4, 2, 128, Some(300))).expect("decodes");
        assert!(image.has_alpha());
        let (w, _) = image.natural_size(100.0);
        assert!((w - 4.0 / 300.0 * 72.0).abs() < 0.01, "{w}");
        let mut objects = NewObjects::new(10);
        image.embed(&mut objects, false).expect("embed");
        let objects = objects.into_objects().expect("objects");
        assert_eq!(objects.len(), 2, "image and its soft mask");
        let mut flat = NewObjects::new(10);
        image.embed(&mut flat, true).expect("embed");
        assert_eq!(flat.into_objects().expect("objects").len(), 1, "no soft mask when flattened");
        assert_eq!(on_white(&[0], &[0], 1), vec![255]);
        assert_eq!(on_white(&[0], &[255], 1), vec![0]);
    }

    #[test]
    fn opaque_png_has_no_mask() {
        assert!(!Image::decode(&png_rgba(3, 3, 255, None)).expect("decodes").has_alpha());
    }

    #[test]
    fn jpeg_header_is_read_without_decoding() {
        // SOI, APP0 (JFIF, 16 bytes), SOF0 8-bit 2x3 3 components, EOI.
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
        jpeg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        jpeg.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 8, 0, 3, 0, 2, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
        jpeg.extend_from_slice(&[0xff, 0xd9]);
        let image = Image::decode(&jpeg).expect("reads");
        assert_eq!((image.width, image.height), (2, 3));
    }

    #[test]
    fn damaged_images_are_errors() {
        let good = png_rgba(8, 8, 100, None);
        for cut in [8, 20, 40, good.len() - 12] {
            assert!(Image::decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert!(Image::decode(b"GIF89a").is_err());
        assert!(Image::decode(&[0xff, 0xd8, 0xff, 0xc0, 0x00, 0x02]).is_err());
        assert!(Image::decode(&[0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 8, 0xff, 0xff, 0xff, 0xff, 3]).is_err());
    }
}
