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

    /// The pixels as 8-bit RGBA, for showing on screen; `None` for a JPEG, which is never
    /// decoded here.
    pub fn rgba(&self) -> Option<Vec<u8>> {
        let Kind::Pixels { components, samples, alpha } = &self.kind else { return None };
        let components = usize::from(*components);
        let pixels = samples.len() / components.max(1);
        let mut rgba = Vec::with_capacity(pixels * 4);
        for (index, pixel) in samples.chunks_exact(components).enumerate() {
            let a = alpha.as_ref().map_or(255, |alpha| alpha[index]);
            match pixel {
                [gray] => rgba.extend_from_slice(&[*gray, *gray, *gray, a]),
                [r, g, b] => rgba.extend_from_slice(&[*r, *g, *b, a]),
                _ => return None,
            }
        }
        Some(rgba)
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
            match marker {
                // Fill bytes before a marker.
                0xff => {
                    at += 1;
                    continue;
                }
                // Markers without a length: TEM and restart markers.
                0x01 | 0xd0..=0xd7 => {
                    at += 2;
                    continue;
                }
                // Scan data or the end of the image, and still no frame header.
                0xd9 | 0xda => return Err(bad("no frame header before the image data")),
                _ => {}
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
                // DCTDecode is 8 bits per sample; 12-bit JPEG exists (medical imaging) but no
                // PDF reader is required to show it.
                if segment[0] != 8 {
                    return Err(bad(&format!("{}-bit samples (only 8-bit JPEG goes into a PDF)", segment[0])));
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

    /// A PNG of `color` and `depth` with `data` as its rows, and a tRNS chunk or palette.
    fn png(
        (width, height): (u32, u32),
        color: png::ColorType,
        depth: png::BitDepth,
        palette: Option<(&[u8], &[u8])>,
        data: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        if let Some((palette, trns)) = palette {
            encoder.set_palette(palette.to_vec());
            encoder.set_trns(trns.to_vec());
        }
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(data).expect("data");
        drop(writer);
        out
    }

    /// The embedded image's dictionary and inflated samples, and its soft mask's samples.
    fn embedded(image: &Image, flatten: bool) -> (Dictionary, Vec<u8>, Option<Vec<u8>>) {
        use std::io::Read;
        let inflate = |data: &[u8]| {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(data).read_to_end(&mut out).expect("inflates");
            out
        };
        let mut objects = NewObjects::new(1);
        let id = image.embed(&mut objects, flatten).expect("embeds");
        let objects: std::collections::HashMap<_, _> = objects.into_objects().expect("set").into_iter().collect();
        let Object::Stream(stream) = &objects[&id] else { panic!("not a stream") };
        let mask = stream.dict.get(b"SMask").ok().map(|mask| {
            let Object::Stream(mask) = &objects[&mask.as_reference().expect("reference")] else { panic!("mask") };
            assert_eq!(mask.dict.get(b"ColorSpace").expect("space").as_name().expect("name"), b"DeviceGray");
            inflate(&mask.content)
        });
        (stream.dict.clone(), inflate(&stream.content), mask)
    }

    fn name<'a>(dict: &'a Dictionary, key: &[u8]) -> &'a [u8] {
        dict.get(key).and_then(Object::as_name).expect("a name")
    }

    #[test]
    fn palette_with_transparency_becomes_rgb_and_a_mask() {
        // Two palette entries, blue ink and a transparent background; 2 bits per pixel.
        let palette: &[u8] = &[255, 255, 255, 0, 0, 200];
        let image = png((4, 1), png::ColorType::Indexed, png::BitDepth::Two, Some((palette, &[0])), &[0b0001_0001]);
        let image = Image::decode(&image).expect("decodes");
        assert!(image.has_alpha());
        let (dict, samples, mask) = embedded(&image, false);
        assert_eq!(name(&dict, b"ColorSpace"), b"DeviceRGB");
        assert_eq!(samples, [255, 255, 255, 0, 0, 200, 255, 255, 255, 0, 0, 200]);
        assert_eq!(mask.expect("soft mask"), [0, 255, 0, 255]);
        let (dict, samples, mask) = embedded(&image, true);
        assert!(mask.is_none() && !dict.has(b"SMask"));
        assert_eq!(samples, [255, 255, 255, 0, 0, 200, 255, 255, 255, 0, 0, 200], "transparent is white");
    }

    #[test]
    fn sixteen_bit_gray_with_alpha_becomes_8_bit() {
        // Two pixels: black half transparent, white opaque; 16 bits big-endian each.
        let data = [0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0xff, 0xff];
        let image = png((2, 1), png::ColorType::GrayscaleAlpha, png::BitDepth::Sixteen, None, &data);
        let image = Image::decode(&image).expect("decodes");
        let (dict, samples, mask) = embedded(&image, false);
        assert_eq!(name(&dict, b"ColorSpace"), b"DeviceGray");
        assert_eq!(dict.get(b"BitsPerComponent").and_then(Object::as_i64).expect("bits"), 8);
        assert_eq!(samples, [0, 255]);
        assert_eq!(mask.expect("soft mask"), [128, 255]);
        assert_eq!(embedded(&image, true).1, [127, 255], "half black on white is mid grey");
    }

    #[test]
    fn low_and_high_bit_depths_are_normalised() {
        let image = png((8, 1), png::ColorType::Grayscale, png::BitDepth::One, None, &[0b1010_0000]);
        let (dict, samples, mask) = embedded(&Image::decode(&image).expect("1-bit"), false);
        assert_eq!(samples, [255, 0, 255, 0, 0, 0, 0, 0]);
        assert!(mask.is_none() && name(&dict, b"ColorSpace") == b"DeviceGray");
        let data = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc];
        let image = png((1, 1), png::ColorType::Rgb, png::BitDepth::Sixteen, None, &data);
        let (dict, samples, _) = embedded(&Image::decode(&image).expect("16-bit RGB"), false);
        assert_eq!((samples.as_slice(), name(&dict, b"ColorSpace")), (&[0x12, 0x56, 0x9a][..], &b"DeviceRGB"[..]));
    }

    #[test]
    fn a_huge_declared_size_is_refused_before_allocating() {
        // A valid header that claims 60000 x 60000 RGBA pixels (3.6 gigapixels, 14 GB), then
        // a few bytes of image data.
        let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc.sum().to_be_bytes());
        };
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = [60_000u32.to_be_bytes(), 60_000u32.to_be_bytes()].concat();
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(&mut bomb, b"IHDR", &ihdr);
        chunk(&mut bomb, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        let error = Image::decode(&bomb).expect_err("too large");
        assert!(error.to_string().contains("too large"), "{error}");
        // The same for a JPEG frame header: 65535 x 65535.
        let jpeg = [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0];
        let error = Image::decode(&jpeg).expect_err("too large");
        assert!(error.to_string().contains("too large"), "{error}");
    }

    /// A JPEG's markers up to its frame header (no scan): enough for `decode`.
    fn jpeg_header(adobe: bool, sof: u8, precision: u8, components: u8) -> Vec<u8> {
        let mut jpeg = vec![0xff, 0xd8];
        if adobe {
            // APP14 "Adobe", version 100, flags, transform 2 (YCCK).
            jpeg.extend_from_slice(&[0xff, 0xee, 0x00, 0x0e]);
            jpeg.extend_from_slice(b"Adobe\0\x64\0\0\0\0\x02");
        }
        jpeg.extend_from_slice(&[0xff, sof, 0x00, 8 + 3 * components, precision, 0, 5, 0, 7, components]);
        for id in 1..=components {
            jpeg.extend_from_slice(&[id, 0x11, 0]);
        }
        jpeg.extend_from_slice(&[0xff, 0xd9]);
        jpeg
    }

    #[test]
    fn jpeg_components_choose_the_colour_space() {
        for (adobe, components, space, decode) in [
            (false, 1, &b"DeviceGray"[..], false),
            (false, 3, b"DeviceRGB", false),
            (false, 4, b"DeviceCMYK", false),
            (true, 4, b"DeviceCMYK", true),
        ] {
            let bytes = jpeg_header(adobe, 0xc2, 8, components);
            let image = Image::decode(&bytes).expect("reads");
            assert_eq!((image.width, image.height, image.has_alpha()), (7, 5, false));
            let mut objects = NewObjects::new(1);
            let id = image.embed(&mut objects, true).expect("embeds");
            let objects = objects.into_objects().expect("set");
            let Some((_, Object::Stream(stream))) = objects.iter().find(|(i, _)| *i == id) else { panic!("stream") };
            assert_eq!(stream.content, bytes, "passed through untouched");
            assert_eq!(name(&stream.dict, b"Filter"), b"DCTDecode");
            assert_eq!(name(&stream.dict, b"ColorSpace"), space);
            assert_eq!(stream.dict.has(b"Decode"), decode, "Adobe CMYK is stored inverted");
        }
    }

    #[test]
    fn unusable_jpegs_say_why() {
        let why = |bytes: &[u8]| Image::decode(bytes).expect_err("refused").to_string();
        assert!(why(&jpeg_header(false, 0xc1, 12, 1)).contains("12-bit"));
        assert!(why(&jpeg_header(false, 0xc0, 8, 2)).contains("components"));
        assert!(why(&[0xff, 0xd8, 0xff, 0xd0, 0xff, 0xda, 0, 2]).contains("no frame header"));
        assert!(why(&[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 0, 0]).contains("JPEG"));
        assert!(why(&[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0, 0]).contains("JPEG"));
        assert!(why(&[0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0, 0]).contains("truncated"));
        assert!(why(&[0xff, 0xd8]).contains("no frame header"));
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
