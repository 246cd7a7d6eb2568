//! The issue act's marks: the document number after "Số:" and the issue date in
//! "ngày ... tháng ... năm ..." on page 1, found with the page's text and drawn by the
//! signature's own widget.

use kyso_protocol::SigningAct;

use super::acts;
use super::error::PdfError;
use super::file::{Page, PdfFile};
use super::prepare::Visible;
use super::text;

/// A text to write on a page.
#[derive(Debug, Clone)]
pub struct Mark {
    /// The page.
    pub page: Page,
    /// Where, in default user space.
    pub rect: [f32; 4],
    /// What.
    pub text: String,
    /// Font size in points (that of the words it completes).
    pub size: f32,
}

/// What of `number` (e.g. `123/QĐ-UBND`) goes after "Số:" (found `at`): only `123` when the
/// form already prints its symbol (`/QĐ-UBND`) further on the same line, as Decree 30 forms do.
fn printed_part<'n>(file: &PdfFile, page: &Page, at: &text::Found, number: &'n str) -> Result<&'n str, PdfError> {
    let Some(slash) = number.find('/').filter(|s| *s > 0) else { return Ok(number) };
    let symbol = &number[slash..];
    let on_the_line = text::find_all(file, page, symbol)?
        .iter()
        .any(|s| (s.baseline - at.baseline).abs() < at.size * 0.5 && s.rect[0] > at.rect[2]);
    Ok(if on_the_line { &number[..slash] } else { number })
}

/// The document number and issue date the issue act writes on page 1, after "Số:" and into
/// "ngày ... tháng ... năm ...". Parts the form already holds (a digit right after the word)
/// are left alone.
///
/// # Errors
///
/// [`PdfError::Placement`] when a value is given and its words are not on page 1.
pub fn issue_marks(file: &PdfFile, visible: Visible<'_>) -> Result<Vec<Mark>, PdfError> {
    let content = visible.content;
    if content.act != SigningAct::Issue || (content.doc_number.is_none() && content.issued_date.is_none()) {
        return Ok(Vec::new());
    }
    let page = file.page(0)?;
    let font = &visible.fonts.regular;
    let mut marks = Vec::new();
    let mut mark = |at: &text::Found, value: &str| -> Result<(), PdfError> {
        let size = at.size.clamp(6.0, 24.0);
        let width = font.width(value, size).map_err(PdfError::Appearance)? + 2.0;
        let x = at.rect[2] + size * 0.25;
        let rect = [x, at.baseline - size * 0.3, x + width, at.baseline + size * 0.9];
        marks.push(Mark { page: page.clone(), rect, text: value.to_owned(), size });
        Ok(())
    };
    if let Some(number) = &content.doc_number {
        let found = text::find_all(file, &page, "Số:")?;
        let at = found.first().ok_or_else(|| {
            PdfError::Placement("the document has no \"Số:\" on page 1 to write the number after".into())
        })?;
        mark(at, printed_part(file, &page, at, number)?)?;
    }
    let date = content.issued_date.unwrap_or_else(|| content.time.date());
    let words = [("ngày", 0usize), ("tháng", 1), ("năm", 2)];
    let parts = acts::date_parts(date);
    let mut after = f32::MAX; // each word is searched after the previous one on the line
    let mut previous_x = f32::MIN;
    for (word, index) in words {
        let found = text::find_all(file, &page, word)?;
        let Some(at) =
            found.iter().find(|f| f.baseline <= after + 1.0 && (f.baseline < after - 1.0 || f.rect[0] > previous_x))
        else {
            if content.issued_date.is_some() {
                return Err(PdfError::Placement(format!("the document has no \"{word}\" on page 1 for the date")));
            }
            break;
        };
        after = at.baseline;
        previous_x = at.rect[2];
        if at.following.starts_with(|c: char| c.is_ascii_digit()) {
            continue; // already printed, e.g. "năm 2026"
        }
        mark(at, &parts[index])?;
    }
    Ok(marks)
}
