//! Where a visible signature will go: the page drawn to scale as an outline, the signature's
//! rectangle on it, and the signature or seal image inside, as the signed PDF will show it.

use eframe::egui::{self, Color32, Rect, Sense, Stroke, TextureHandle, TextureOptions, pos2, vec2};

use crate::pdf::appearance::Image;
use crate::prompt::Preview;

/// The page's height on screen, in points.
const HEIGHT: f32 = 170.0;
const PLACE: Color32 = Color32::from_rgb(0x0B, 0x57, 0xD0);

/// The image's texture, made once per window.
#[derive(Default)]
pub struct PreviewImage {
    texture: Option<Option<TextureHandle>>,
}

impl PreviewImage {
    /// The texture for `bytes`; `None` for a JPEG (not decoded here) or a damaged image.
    fn texture(&mut self, ctx: &egui::Context, bytes: &[u8]) -> Option<&TextureHandle> {
        self.texture
            .get_or_insert_with(|| {
                let image = Image::decode(bytes).ok()?;
                let rgba = image.rgba()?;
                let size = [image.width as usize, image.height as usize];
                let pixels = egui::ColorImage::from_rgba_unmultiplied(size, &rgba);
                Some(ctx.load_texture("signature-image", pixels, TextureOptions::LINEAR))
            })
            .as_ref()
    }
}

/// Draws `preview`'s page with the signature's place on it.
pub fn show(ui: &mut egui::Ui, preview: &Preview, image: &mut PreviewImage) {
    let (page_width, page_height) = preview.placed.page_size;
    if page_width <= 0.0 || page_height <= 0.0 {
        return;
    }
    let scale = HEIGHT / page_height;
    let (page, _) = ui.allocate_exact_size(vec2(page_width * scale, HEIGHT), Sense::hover());
    let painter = ui.painter_at(page.expand(1.0));
    painter.rect_filled(page, 0.0, Color32::WHITE);
    painter.rect_stroke(page, 0.0, Stroke::new(1.0, Color32::from_gray(140)), egui::StrokeKind::Inside);
    // A few grey lines for the text, so the page reads as a page.
    for line in 0..9 {
        let y = page.top() + page.height() * (0.12 + 0.07 * line as f32);
        let x2 = page.right() - page.width() * if line % 4 == 3 { 0.45 } else { 0.12 };
        painter.line_segment(
            [pos2(page.left() + page.width() * 0.12, y), pos2(x2, y)],
            Stroke::new(1.0, Color32::from_gray(215)),
        );
    }
    let [x1, y1, x2, y2] = preview.placed.rect;
    // PDF's origin is bottom left; the screen's top left.
    let place = Rect::from_min_max(
        pos2(page.left() + x1 * scale, page.top() + (page_height - y2) * scale),
        pos2(page.left() + x2 * scale, page.top() + (page_height - y1) * scale),
    );
    painter.rect_filled(place, 1.0, Color32::from_rgba_unmultiplied(0x0B, 0x57, 0xD0, 28));
    if let Some(texture) = preview.image.as_ref().and_then(|bytes| image.texture(ui.ctx(), bytes)) {
        let [w, h] = texture.size().map(|n| n as f32);
        let fit = (place.width() / w).min(place.height() / h);
        let drawn = Rect::from_center_size(place.center(), vec2(w * fit, h * fit));
        painter.image(texture.id(), drawn, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
    }
    painter.rect_stroke(place, 1.0, Stroke::new(1.5, PLACE), egui::StrokeKind::Outside);
}
