//! What each signing act of Decree 30/2020 shows, and where it goes when the request does not
//! say: the composition of the widget's appearance from the signer's details and images.

use kyso_protocol::SigningAct;
use time::OffsetDateTime;

use super::appearance::{AppearanceError, Canvas, Font, Image, Rgb, wrap};

const BLACK: Rgb = [0.0, 0.0, 0.0];
const RED: Rgb = [0.85, 0.0, 0.0];
const BLUE: Rgb = [0.0, 0.0, 0.65];
/// A seal without a declared resolution is drawn 40 mm wide, the usual size of an agency seal.
const SEAL_WIDTH: f32 = 40.0 / 25.4 * 72.0;
/// A signature image without a declared resolution is drawn 45 mm wide.
const SIGNATURE_WIDTH: f32 = 45.0 / 25.4 * 72.0;
/// Margin from the page edge for the default positions, in points (about 12 mm).
const MARGIN: f32 = 34.0;

/// Everything an appearance may show.
#[derive(Debug, Clone)]
pub struct ActContent {
    /// The act.
    pub act: SigningAct,
    /// The signer (certificate common name).
    pub signer: String,
    /// The signer's organisation.
    pub organisation: Option<String>,
    /// The signer's e-mail.
    pub email: Option<String>,
    /// The signing time.
    pub time: OffsetDateTime,
    /// The signature (approve) or seal (issue) image.
    pub image: Option<Image>,
    /// For copy: the form of copy.
    pub copy_form: Option<String>,
    /// For appendix: the main document's number; for incoming: the arrival number.
    pub reference: Option<String>,
    /// For comment: the text.
    pub comment: Option<String>,
    /// For issue: the document number written after "Số:" on page 1.
    pub doc_number: Option<String>,
    /// For issue: the date written into "ngày ... tháng ... năm ..." on page 1 (the signing
    /// date when only the number is given).
    pub issued_date: Option<time::Date>,
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// The day, month and year as Decree 30 writes them: days below 10 and the months January and
/// February with a leading zero (so they cannot be altered), the others as they are.
pub fn date_parts(date: time::Date) -> [String; 3] {
    let month = u8::from(date.month());
    [
        format!("{:02}", date.day()),
        if month <= 2 { format!("{month:02}") } else { month.to_string() },
        date.year().to_string(),
    ]
}

/// The regular and bold faces used by appearances.
#[derive(Debug, Clone)]
pub struct Fonts {
    /// Regular.
    pub regular: Font,
    /// Bold.
    pub bold: Font,
}

/// The page an act goes on by default (1-based): page 1 for marks on the first page, the last
/// page for signatures, which sit at the end of a document.
pub fn default_page(act: SigningAct, pages: u32) -> u32 {
    match act {
        SigningAct::Copy | SigningAct::Appendix | SigningAct::Incoming => 1,
        _ => pages.max(1),
    }
}

/// The rectangle an act takes by default on a page of `width` x `height` points as displayed.
pub fn default_rect(content: &ActContent, width: f32, height: f32) -> [f32; 4] {
    let right = width - MARGIN;
    match content.act {
        SigningAct::Copy | SigningAct::Appendix => [right - 200.0, height - MARGIN - 48.0, right, height - MARGIN],
        SigningAct::Incoming => [MARGIN, height - MARGIN - 64.0, MARGIN + 150.0, height - MARGIN],
        SigningAct::Approve => {
            let (w, h) = content.image.as_ref().map_or((170.0, 60.0), |i| i.natural_size(SIGNATURE_WIDTH));
            let (w, h) = fit(w, h, width / 2.0, height / 4.0);
            // Under the signer's title line, in the right half, as Decree 30's layout places it.
            let x = right - 40.0 - w;
            [x, 150.0, x + w, 150.0 + h]
        }
        SigningAct::Issue => {
            let (w, h) = content.image.as_ref().map_or((SEAL_WIDTH, SEAL_WIDTH), |i| i.natural_size(SEAL_WIDTH));
            let (w, h) = fit(w, h, width / 2.0, height / 3.0);
            let x = right - 170.0 - w / 2.0;
            [x, 140.0, x + w, 140.0 + h]
        }
        SigningAct::Comment | SigningAct::Plain => [right - 220.0, MARGIN + 20.0, right, MARGIN + 90.0],
    }
}

/// Where the seal goes over an approver's signature at `approver` (same page): real size,
/// centred vertically on it, covering its left third.
pub fn seal_over(approver: [f32; 4], seal: &Image) -> [f32; 4] {
    let (w, h) = seal.natural_size(SEAL_WIDTH);
    let [x1, y1, x2, y2] = approver;
    let right = x1 + (x2 - x1) / 3.0;
    let middle = (y1 + y2) / 2.0;
    [right - w, middle - h / 2.0, right, middle + h / 2.0]
}

/// Scales (w, h) down to fit (max_w, max_h), keeping the aspect ratio.
fn fit(w: f32, h: f32, max_w: f32, max_h: f32) -> (f32, f32) {
    let scale = (max_w / w).min(max_h / h).min(1.0);
    (w * scale, h * scale)
}

/// Draws `content` into a `width` x `height` appearance.
///
/// # Errors
///
/// [`AppearanceError`] for a missing glyph, or an act that needs an image without one.
pub fn draw(content: &ActContent, width: f32, height: f32, fonts: &Fonts) -> Result<Canvas, AppearanceError> {
    let mut canvas = Canvas::new(width, height);
    match content.act {
        SigningAct::Approve | SigningAct::Issue => match &content.image {
            Some(image) => {
                let (w, h) = fit(image.width as f32, image.height as f32, width, height);
                let (w, h) = if w < width && h < height { scale_up(w, h, width, height) } else { (w, h) };
                let (x, y) = ((width - w) / 2.0, (height - h) / 2.0);
                canvas.image(image, [x, y, x + w, y + h]);
            }
            None if content.act == SigningAct::Issue => {
                return Err(AppearanceError::Image("the issue act needs the agency's seal image".into()));
            }
            None => {
                let lines = [content.signer.clone(), format!("Ký ngày / Signed {}", display_time(content.time))];
                text_block(&mut canvas, fonts, &lines, BLUE, 11.0)?;
            }
        },
        SigningAct::Copy => {
            let mut lines = vec![content.copy_form.clone().unwrap_or_else(|| "SAO Y".into())];
            lines.extend(content.organisation.clone());
            lines.push(iso_time(content.time));
            text_block(&mut canvas, fonts, &lines, BLACK, 10.0)?;
        }
        SigningAct::Appendix => {
            let mut lines = Vec::new();
            if let Some(reference) = &content.reference {
                lines.push(format!("Kèm theo văn bản số {reference}"));
            }
            lines.extend(content.organisation.clone());
            lines.push(iso_time(content.time));
            text_block(&mut canvas, fonts, &lines, BLACK, 10.0)?;
        }
        SigningAct::Incoming => {
            canvas.frame(RED, 1.5, [1.0, 1.0, width - 1.0, height - 1.0]);
            let lines = [
                "ĐẾN".to_owned(),
                format!("Số: {}", content.reference.as_deref().unwrap_or("")),
                format!("Ngày: {}", content.time.date().format(&DATE).unwrap_or_default()),
            ];
            text_block(&mut canvas, fonts, &lines, RED, 11.0)?;
        }
        SigningAct::Comment => {
            let mut lines = vec![content.comment.clone().unwrap_or_default()];
            lines.push(format!("{} — {}", content.signer, display_time(content.time)));
            text_block(&mut canvas, fonts, &lines, BLACK, 10.0)?;
        }
        SigningAct::Plain => {
            let mut lines = vec![format!("Ký bởi: {}", content.signer)];
            lines.extend(content.organisation.as_ref().map(|o| format!("Cơ quan: {o}")));
            lines.extend(content.email.as_ref().map(|e| format!("Email: {e}")));
            lines.push(format!("Thời gian ký: {}", display_time(content.time)));
            canvas.frame(BLUE, 0.8, [0.5, 0.5, width - 0.5, height - 0.5]);
            text_block(&mut canvas, fonts, &lines, BLUE, 9.0)?;
        }
    }
    Ok(canvas)
}

fn scale_up(w: f32, h: f32, max_w: f32, max_h: f32) -> (f32, f32) {
    let scale = (max_w / w).min(max_h / h);
    (w * scale, h * scale)
}

/// Lines from the top-left corner, wrapped to the width; the size shrinks (down to 6 pt) until
/// the block fits the height. The first line is bold.
fn text_block(
    canvas: &mut Canvas,
    fonts: &Fonts,
    lines: &[String],
    color: Rgb,
    size: f32,
) -> Result<(), AppearanceError> {
    let (width, height) = (canvas.width(), canvas.height());
    let padding = 3.0;
    let mut size = size;
    let layout = loop {
        let mut wrapped = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let font = if i == 0 { &fonts.bold } else { &fonts.regular };
            for part in wrap(font, size, line, width - 2.0 * padding)? {
                wrapped.push((i == 0, part));
            }
        }
        if wrapped.len() as f32 * size * 1.2 <= height - 2.0 * padding || size <= 6.0 {
            break wrapped;
        }
        size -= 0.5;
    };
    let mut y = height - padding - fonts.regular.ascent(size);
    for (bold, line) in layout {
        let font = if bold { &fonts.bold } else { &fonts.regular };
        canvas.text(font, size, color, padding, y, &line)?;
        y -= size * 1.2;
    }
    Ok(())
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[day]/[month]/[year]");

/// `2026-11-22T10:15:00+07:00`, as copies show the signing time.
pub fn iso_time(time: OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `22/11/2026 10:15:00 +07:00`, for people.
fn display_time(time: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[day]/[month]/[year] [hour]:[minute]:[second] [offset_hour sign:mandatory]:[offset_minute]"
    );
    time.format(&FORMAT).unwrap_or_default()
}
