//! Signature and seal images for tests, drawn here and encoded by the `png` crate: a blue
//! handwritten-like stroke and a red round seal, both with transparency.

use std::path::Path;

/// Writes an RGBA PNG of `width` x `height`, optionally declaring `dpi` (pHYs).
fn write_png(path: &Path, width: u32, height: u32, dpi: Option<f32>, pixel: impl Fn(f32, f32) -> [u8; 4]) {
    let file = std::fs::File::create(path).expect("create png");
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    if let Some(dpi) = dpi {
        let ppu = (dpi / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions { xppu: ppu, yppu: ppu, unit: png::Unit::Meter }));
    }
    let mut writer = encoder.write_header().expect("png header");
    let mut data = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            data.extend_from_slice(&pixel(x as f32, y as f32));
        }
    }
    writer.write_image_data(&data).expect("png data");
}

/// A red seal 40 mm across at 300 dpi: two rings and a star, transparent elsewhere.
pub fn seal(path: &Path) {
    let size = 472.0;
    let centre = size / 2.0;
    write_png(path, 472, 472, Some(300.0), |x, y| {
        let r = ((x - centre).powi(2) + (y - centre).powi(2)).sqrt();
        let angle = (y - centre).atan2(x - centre);
        let star = 40.0 + 50.0 * ((5.0 * angle).cos() + 1.0) / 2.0;
        let ink = (215.0..232.0).contains(&r) || (160.0..168.0).contains(&r) || r < star;
        [200, 20, 20, if ink { 255 } else { 0 }]
    });
}

/// A blue signature stroke, 500 x 200 pixels, no declared resolution.
pub fn signature(path: &Path) {
    write_png(path, 500, 200, None, |x, y| {
        let t = x / 500.0;
        let line = 100.0 + 60.0 * (t * 9.0).sin() * (-t).exp() + 20.0 * (t * 31.0).sin();
        let distance = (y - line).abs();
        let alpha = if distance < 4.0 { (255.0 * (4.0 - distance) / 2.0).min(255.0) as u8 } else { 0 };
        [20, 40, 170, alpha]
    });
}
