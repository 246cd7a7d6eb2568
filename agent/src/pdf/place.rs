//! Where a signature goes and how it looks: new fields at a rectangle, an anchor or an act's
//! default place, existing fields, and the appearance drawn for them.

use kyso_protocol::SigningAct;
use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::acts::{self, ActContent};
use super::appearance::Canvas;
use super::error::PdfError;
use super::file::{Page, PdfFile};
use super::form::{self, NewWidget};
use super::objects::NewObjects;
use super::prepare::{Plan, Visible};
use super::{marks, text};

/// Adds a new visible field on `page` at `rect` (displayed coordinates).
pub fn add_visible(
    file: &PdfFile,
    objects: &mut NewObjects,
    plan: &Plan<'_>,
    signature: ObjectId,
    page: &Page,
    rect: [f32; 4],
    pdfa1: bool,
) -> Result<String, PdfError> {
    let [x1, y1, x2, y2] = rect;
    if !(x2 > x1 && y2 > y1) {
        return Err(PdfError::Placement("the rectangle must have x2 > x1 and y2 > y1".into()));
    }
    let (width, height) = page.displayed_size();
    if x1 < -0.5 || y1 < -0.5 || x2 > width + 0.5 || y2 > height + 0.5 {
        return Err(PdfError::Placement(format!(
            "the rectangle [{x1} {y1} {x2} {y2}] is not inside the page ({width} x {height} points)"
        )));
    }
    let name = new_field_name(file, plan)?;
    let appearance = match plan.visible {
        Some(visible) => draw(visible, objects, x2 - x1, y2 - y1, pdfa1, Some(page))?,
        None => empty_appearance(objects),
    };
    let mut widget = NewWidget { page: page.id, page_dict: page.dict.clone(), rect: page.to_user_space(rect) };
    let marks = match plan.visible {
        Some(visible) => marks::issue_marks(file, visible)?,
        None => Vec::new(),
    };
    let (Some(visible), false) = (plan.visible, marks.is_empty()) else {
        form::add(file, objects, &name, signature, &widget, Some(appearance))?;
        return Ok(name);
    };
    // The number and date are drawn by the signature's own widget, stretched over them: a
    // field with one widget is what every validator reads (poppler ignores /V on a field whose
    // widgets are kids), and a signature's widget is a change validators accept after earlier
    // signatures (free-text annotations are not, for pyHanko).
    if marks.iter().any(|mark| mark.page.id != page.id) {
        return Err(PdfError::Placement(
            "the number and date go on page 1 but the seal on another page: one signature widget cannot \
             show both; fill the number and date before the approver signs"
                .into(),
        ));
    }
    let mut union = rect;
    let mut texts = Vec::new();
    for mark in marks {
        let shown = page.to_displayed(mark.rect);
        union = [union[0].min(shown[0]), union[1].min(shown[1]), union[2].max(shown[2]), union[3].max(shown[3])];
        texts.push((shown, mark.text, mark.size));
    }
    // The act's appearance is placed inside the combined one, which alone turns with the page.
    if let Some(Object::Stream(stream)) = objects.get_mut(appearance) {
        stream.dict.remove(b"Matrix");
    }
    let mut canvas = Canvas::new(union[2] - union[0], union[3] - union[1]);
    canvas.form(appearance, rect[0] - union[0], rect[1] - union[1]);
    for (shown, text, size) in texts {
        canvas
            .text(
                &visible.fonts.regular,
                size,
                [0.0, 0.0, 0.0],
                shown[0] - union[0] + 1.0,
                shown[1] - union[1] + size * 0.3,
                &text,
            )
            .map_err(PdfError::Appearance)?;
    }
    let combined = canvas.finish(objects, pdfa1).map_err(PdfError::Appearance)?;
    if let (Some(matrix), Some(Object::Stream(stream))) = (page.upright_matrix(), objects.get_mut(combined)) {
        stream.dict.set("Matrix", Object::Array(matrix.iter().map(|v| Object::Integer(*v)).collect()));
    }
    widget.rect = page.to_user_space(union);
    form::add(file, objects, &name, signature, &widget, Some(combined))?;
    Ok(name)
}

/// Draws the act into a form of `width` x `height`, upright on `page` whatever its /Rotate.
pub fn draw(
    visible: Visible<'_>,
    objects: &mut NewObjects,
    width: f32,
    height: f32,
    pdfa1: bool,
    page: Option<&Page>,
) -> Result<ObjectId, PdfError> {
    let canvas = acts::draw(visible.content, width, height, visible.fonts).map_err(PdfError::Appearance)?;
    let form = canvas.finish(objects, pdfa1).map_err(PdfError::Appearance)?;
    if let (Some(matrix), Some(Object::Stream(stream))) = (page.and_then(Page::upright_matrix), objects.get_mut(form)) {
        stream.dict.set("Matrix", Object::Array(matrix.iter().map(|v| Object::Integer(*v)).collect()));
    }
    Ok(form)
}

/// The page and rectangle of an act placed by default. A seal goes over the left third of the
/// last visible signature (the approver's) when the document has one.
pub fn default_place(
    file: &PdfFile,
    content: &ActContent,
    page: Option<u32>,
    pages: u32,
) -> Result<(Page, [f32; 4]), PdfError> {
    if content.act == SigningAct::Issue
        && page.is_none()
        && let Some(image) = &content.image
        && let Some((page_id, rect)) = form::signed_widgets(file)?.pop()
        && let Some(page) = file.find_page(page_id, pages)?
    {
        let rect = acts::seal_over(page.to_displayed(rect), image);
        let (width, height) = page.displayed_size();
        // Kept on the page even when the approver signed near an edge.
        let dx = (-rect[0]).max(0.0) - (rect[2] - width).max(0.0);
        let dy = (-rect[1]).max(0.0) - (rect[3] - height).max(0.0);
        return Ok((page, [rect[0] + dx, rect[1] + dy, rect[2] + dx, rect[3] + dy]));
    }
    let number = page.unwrap_or_else(|| acts::default_page(content.act, pages));
    let index = number.checked_sub(1).ok_or_else(|| PdfError::Placement("pages are numbered from 1".into()))?;
    let page = file.page(index)?;
    let (width, height) = page.displayed_size();
    let rect = acts::default_rect(content, width, height);
    Ok((page, rect))
}

/// Pages searched for an anchor, from the last.
const MAX_ANCHOR_PAGES: u32 = 200;

/// The act's usual size, centred under the anchor text and kept on the page.
pub fn anchored_place(
    file: &PdfFile,
    content: &ActContent,
    text: &str,
    page: Option<u32>,
    pages: u32,
) -> Result<(Page, [f32; 4]), PdfError> {
    let candidates: Vec<u32> = match page {
        Some(number) => {
            vec![number.checked_sub(1).ok_or_else(|| PdfError::Placement("pages are numbered from 1".into()))?]
        }
        None => (pages.saturating_sub(MAX_ANCHOR_PAGES)..pages).rev().collect(),
    };
    for index in candidates {
        let page = file.page(index)?;
        let Some(found) = text::find(file, &page, text)? else { continue };
        let [ax1, ay1, ax2, _] = page.to_displayed(found);
        let (width, height) = page.displayed_size();
        let [dx1, dy1, dx2, dy2] = acts::default_rect(content, width, height);
        let (w, h) = (dx2 - dx1, dy2 - dy1);
        let x1 = ((ax1 + ax2) / 2.0 - w / 2.0).clamp(0.0, (width - w).max(0.0));
        let y2 = (ay1 - 2.0).clamp(h.min(height), height);
        return Ok((page, [x1, y2 - h, x1 + w, y2]));
    }
    Err(PdfError::Placement(format!("the anchor text {text:?} is not in the document")))
}

/// Whether the document claims PDF/A-1 in its XMP metadata (then no transparency, and CIDSets).
pub fn is_pdfa1(file: &PdfFile) -> Result<bool, PdfError> {
    let Some(xmp) = xmp(file)? else { return Ok(false) };
    Ok(xmp.contains("pdfaid:part=\"1\"") || xmp.contains("pdfaid:part='1'") || xmp.contains("<pdfaid:part>1<"))
}

/// Whether the document claims any part of PDF/A in its XMP metadata.
pub fn claims_pdfa(file: &PdfFile) -> Result<bool, PdfError> {
    Ok(xmp(file)?.is_some_and(|xmp| xmp.contains("pdfaid:part")))
}

fn xmp(file: &PdfFile) -> Result<Option<String>, PdfError> {
    let (_, catalog) = file.catalog()?;
    let Ok(reference) = catalog.get(b"Metadata") else { return Ok(None) };
    let Ok(Object::Stream(stream)) = file.resolve(reference) else { return Ok(None) };
    let Ok(xmp) = file.stream_data(&stream, 4 << 20) else { return Ok(None) };
    Ok(Some(String::from_utf8_lossy(&xmp).into_owned()))
}

pub fn new_field_name(file: &PdfFile, plan: &Plan<'_>) -> Result<String, PdfError> {
    let Some(name) = &plan.field_name else { return form::fresh_name(file, plan.kind.field_prefix()) };
    match form::find(file, name) {
        Err(PdfError::FieldNotFound(_)) => Ok(name.clone()),
        Err(PdfError::Invalid(why)) => Err(PdfError::Invalid(why)),
        _ => Err(PdfError::Placement(format!("a field named {name:?} already exists"))),
    }
}

/// A zero-size appearance: PDF/A wants one on every widget, even an invisible one.
pub fn empty_appearance(objects: &mut NewObjects) -> ObjectId {
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Form".to_vec()));
    dict.set("BBox", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));
    dict.set("Resources", Dictionary::new());
    objects.add(Stream::new(dict, Vec::new()))
}
