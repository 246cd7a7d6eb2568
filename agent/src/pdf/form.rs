//! Signature fields: find an existing one by name, or add a new one with its widget on a page,
//! touching only what the update must (the field, the page's `/Annots`, `/AcroForm`), so that
//! validators classify the change as "signing", which earlier signatures allow.

use std::collections::HashSet;

use lopdf::{Dictionary, Object, ObjectId, StringFormat};

use super::error::PdfError;
use super::file::PdfFile;
use super::objects::NewObjects;

/// Field trees deeper than this are refused.
const MAX_FIELD_DEPTH: usize = 32;
/// Annotation flags of a signature widget: Print (4) and Locked (128).
const WIDGET_FLAGS: i64 = 132;

/// An existing signature field.
#[derive(Debug, Clone)]
pub struct ExistingField {
    /// The field object (terminal field).
    pub field: ObjectId,
    /// Its widget annotation (the field itself when they are merged).
    pub widget: ObjectId,
    /// The widget's rectangle, normalised.
    pub rect: [f32; 4],
}

/// Where a new field's widget goes.
#[derive(Debug, Clone)]
pub struct NewWidget {
    /// The page object.
    pub page: ObjectId,
    /// The page dictionary as read.
    pub page_dict: Dictionary,
    /// Rectangle in default user space; all zeros for an invisible signature.
    pub rect: [f32; 4],
}

/// Every terminal field's full name and object, depth-first.
pub(super) fn fields(file: &PdfFile) -> Result<Vec<(String, ObjectId, Dictionary)>, PdfError> {
    let (_, catalog) = file.catalog()?;
    let Some(form) = file.dict_at(&catalog, b"AcroForm")? else { return Ok(Vec::new()) };
    let roots = match form.get(b"Fields") {
        Ok(fields) => match file.resolve(fields)? {
            Object::Array(items) => items,
            _ => return Err(PdfError::invalid("/AcroForm /Fields is not an array")),
        },
        Err(_) => Vec::new(),
    };
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    let mut stack: Vec<(Object, String, usize)> = roots.into_iter().rev().map(|f| (f, String::new(), 0)).collect();
    while let Some((node, parent, depth)) = stack.pop() {
        let Object::Reference(id) = node else { continue };
        if depth > MAX_FIELD_DEPTH || !visited.insert(id) {
            return Err(PdfError::invalid("the form field tree loops or is too deep"));
        }
        let Object::Dictionary(dict) = file.get(id)? else { continue };
        let partial = dict.get(b"T").ok().and_then(|t| t.as_str().ok()).map(decode_text);
        let name = match (&partial, parent.is_empty()) {
            (Some(t), true) => t.clone(),
            (Some(t), false) => format!("{parent}.{t}"),
            (None, _) => parent.clone(),
        };
        let kids = match dict.get(b"Kids") {
            Ok(kids) => match file.resolve(kids)? {
                Object::Array(items) => items,
                _ => Vec::new(),
            },
            Err(_) => Vec::new(),
        };
        // Kids that have a /T are fields; kids without are this field's widgets.
        let mut child_fields = Vec::new();
        for kid in &kids {
            if let Object::Reference(kid_id) = kid
                && let Object::Dictionary(kid_dict) = file.get(*kid_id)?
                && kid_dict.has(b"T")
            {
                child_fields.push(kid.clone());
            }
        }
        if child_fields.is_empty() {
            out.push((name, id, dict));
        } else {
            for kid in child_fields.into_iter().rev() {
                stack.push((kid, name.clone(), depth + 1));
            }
        }
    }
    Ok(out)
}

/// Decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding, read as
/// Latin-1, which matches it for the characters field names use).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(b"\xfe\xff") {
        let units: Vec<u16> = utf16.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(utf8) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    bytes.iter().map(|b| char::from(*b)).collect()
}

/// Encodes a text string: PDFDocEncoding-compatible ASCII as is, anything else as UTF-16BE.
pub fn text_string(text: &str) -> Object {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(text.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xfe, 0xff];
        bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// Finds the signature field `name` (full name, or a partial name that is unique).
///
/// # Errors
///
/// [`PdfError::FieldNotFound`], [`PdfError::FieldSigned`], or [`PdfError::Invalid`] when the
/// field is not a signature field.
pub fn find(file: &PdfFile, name: &str) -> Result<ExistingField, PdfError> {
    let all = fields(file)?;
    let by_full: Vec<_> = all.iter().filter(|(n, _, _)| n == name).collect();
    let matches = if by_full.is_empty() {
        all.iter().filter(|(n, _, _)| n.rsplit('.').next() == Some(name)).collect()
    } else {
        by_full
    };
    let [(_, id, dict)] = matches.as_slice() else {
        return Err(PdfError::FieldNotFound(name.to_owned()));
    };
    if inherited_field_type(file, dict)? != Some(b"Sig".to_vec()) {
        return Err(PdfError::Placement(format!("the field {name:?} is not a signature field")));
    }
    if dict.has(b"V") {
        return Err(PdfError::FieldSigned(name.to_owned()));
    }
    let (widget, widget_dict) = if dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget") {
        (*id, dict.clone())
    } else {
        let first = match dict.get(b"Kids").map(|k| file.resolve(k)) {
            Ok(Ok(Object::Array(kids))) => kids.into_iter().next(),
            _ => None,
        };
        match first {
            Some(Object::Reference(kid)) => match file.get(kid)? {
                Object::Dictionary(kid_dict) => (kid, kid_dict),
                _ => return Err(PdfError::invalid("a signature field's widget is not a dictionary")),
            },
            _ => return Err(PdfError::invalid(format!("the signature field {name:?} has no widget"))),
        }
    };
    let rect = rect_of(file, &widget_dict).unwrap_or([0.0; 4]);
    Ok(ExistingField { field: *id, widget, rect })
}

pub(super) fn inherited_field_type(file: &PdfFile, dict: &Dictionary) -> Result<Option<Vec<u8>>, PdfError> {
    let mut current = dict.clone();
    for _ in 0..MAX_FIELD_DEPTH {
        if let Ok(kind) = current.get(b"FT").and_then(Object::as_name) {
            return Ok(Some(kind.to_vec()));
        }
        match file.dict_at(&current, b"Parent")? {
            Some(parent) => current = parent,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// The widgets of signed signature fields that show something (non-empty rectangle and a page
/// reference), in field order: (page, rectangle in user space).
///
/// # Errors
///
/// [`PdfError::Invalid`] for a damaged field tree.
pub fn signed_widgets(file: &PdfFile) -> Result<Vec<(ObjectId, [f32; 4])>, PdfError> {
    let mut found = Vec::new();
    for (_, _, dict) in fields(file)? {
        if !dict.has(b"V") || inherited_field_type(file, &dict)? != Some(b"Sig".to_vec()) {
            continue;
        }
        let widget = if dict.has(b"Rect") {
            dict
        } else {
            match dict.get(b"Kids").map(|k| file.resolve(k)) {
                Ok(Ok(Object::Array(kids))) => match kids.first() {
                    Some(Object::Reference(kid)) => match file.get(*kid)? {
                        Object::Dictionary(kid) => kid,
                        _ => continue,
                    },
                    _ => continue,
                },
                _ => continue,
            }
        };
        let (Ok(Object::Reference(page)), Some(rect)) = (widget.get(b"P"), rect_of(file, &widget)) else { continue };
        if rect[2] - rect[0] > 1.0 && rect[3] - rect[1] > 1.0 {
            found.push((*page, rect));
        }
    }
    Ok(found)
}

fn rect_of(file: &PdfFile, widget: &Dictionary) -> Option<[f32; 4]> {
    let Ok(Ok(Object::Array(items))) = widget.get(b"Rect").map(|r| file.resolve(r)) else { return None };
    let n: Vec<f32> = items.iter().filter_map(|n| n.as_float().ok()).collect();
    (n.len() == 4).then(|| [n[0].min(n[2]), n[1].min(n[3]), n[0].max(n[2]), n[1].max(n[3])])
}

/// A field name not used yet: `Signature1`, `Signature2`, ... (with `prefix` `Signature`).
///
/// # Errors
///
/// [`PdfError::Invalid`] for a damaged field tree.
pub fn fresh_name(file: &PdfFile, prefix: &str) -> Result<String, PdfError> {
    let used: HashSet<String> = fields(file)?.into_iter().map(|(n, _, _)| n).collect();
    Ok((1..).map(|n| format!("{prefix}{n}")).find(|n| !used.contains(n)).unwrap_or_default())
}

/// Sets `/V` (and the appearance, when given) on an existing empty field.
///
/// # Errors
///
/// [`PdfError::Invalid`] when the field objects cannot be read again.
pub fn fill(
    file: &PdfFile,
    objects: &mut NewObjects,
    field: &ExistingField,
    signature: ObjectId,
    appearance: Option<ObjectId>,
) -> Result<(), PdfError> {
    let Object::Dictionary(mut field_dict) = file.get(field.field)? else {
        return Err(PdfError::invalid("the signature field is not a dictionary"));
    };
    field_dict.set("V", Object::Reference(signature));
    if field.widget == field.field {
        set_appearance(&mut field_dict, appearance);
    } else if appearance.is_some() {
        let Object::Dictionary(mut widget) = file.get(field.widget)? else {
            return Err(PdfError::invalid("the signature widget is not a dictionary"));
        };
        set_appearance(&mut widget, appearance);
        objects.set(field.widget, widget);
    }
    objects.set(field.field, field_dict);
    ensure_sig_flags(file, objects, None)
}

fn set_appearance(widget: &mut Dictionary, appearance: Option<ObjectId>) {
    if let Some(appearance) = appearance {
        let mut ap = Dictionary::new();
        ap.set("N", Object::Reference(appearance));
        widget.set("AP", ap);
    }
}

/// Adds a new signature field `name` whose widget sits on `widget.page`.
///
/// # Errors
///
/// [`PdfError::Invalid`] when the catalog, form or page cannot be updated.
pub fn add(
    file: &PdfFile,
    objects: &mut NewObjects,
    name: &str,
    signature: ObjectId,
    widget: &NewWidget,
    appearance: Option<ObjectId>,
) -> Result<ObjectId, PdfError> {
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"Annot".to_vec()));
    dict.set("Subtype", Object::Name(b"Widget".to_vec()));
    dict.set("FT", Object::Name(b"Sig".to_vec()));
    dict.set("T", text_string(name));
    dict.set("V", Object::Reference(signature));
    dict.set("F", Object::Integer(WIDGET_FLAGS));
    dict.set("Rect", Object::Array(widget.rect.iter().map(|v| Object::Real(*v)).collect()));
    dict.set("P", Object::Reference(widget.page));
    set_appearance(&mut dict, appearance);
    let field = objects.add(dict);

    // The page lists the widget among its annotations.
    let mut page = widget.page_dict.clone();
    match page.get(b"Annots") {
        Ok(Object::Reference(array_id)) => {
            let array_id = *array_id;
            let mut annots = match file.get(array_id)? {
                Object::Array(items) => items,
                _ => return Err(PdfError::invalid("/Annots is not an array")),
            };
            annots.push(Object::Reference(field));
            objects.set(array_id, Object::Array(annots));
        }
        Ok(Object::Array(items)) => {
            let mut annots = items.clone();
            annots.push(Object::Reference(field));
            page.set("Annots", Object::Array(annots));
            objects.set(widget.page, page);
        }
        _ => {
            page.set("Annots", Object::Array(vec![Object::Reference(field)]));
            objects.set(widget.page, page);
        }
    }
    ensure_sig_flags(file, objects, Some(field))?;
    Ok(field)
}

/// Makes sure `/AcroForm` exists with `/SigFlags 3` and, for a new field, lists it in `/Fields`.
fn ensure_sig_flags(file: &PdfFile, objects: &mut NewObjects, new_field: Option<ObjectId>) -> Result<(), PdfError> {
    let (catalog_id, mut catalog) = file.catalog()?;
    let (form_id, mut form) = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => match file.get(*id)? {
            Object::Dictionary(form) => (Some(*id), form),
            _ => (None, Dictionary::new()),
        },
        Ok(Object::Dictionary(form)) => (None, form.clone()),
        _ => (None, Dictionary::new()),
    };
    let mut form_changed = false;
    if let Some(field) = new_field {
        match form.get(b"Fields") {
            Ok(Object::Reference(array_id)) => {
                let array_id = *array_id;
                let mut fields = match file.get(array_id)? {
                    Object::Array(items) => items,
                    _ => Vec::new(),
                };
                fields.push(Object::Reference(field));
                objects.set(array_id, Object::Array(fields));
            }
            Ok(Object::Array(items)) => {
                let mut fields = items.clone();
                fields.push(Object::Reference(field));
                form.set("Fields", Object::Array(fields));
                form_changed = true;
            }
            _ => {
                form.set("Fields", Object::Array(vec![Object::Reference(field)]));
                form_changed = true;
            }
        }
    }
    if form.get(b"SigFlags").and_then(Object::as_i64).unwrap_or(0) & 3 != 3 {
        let flags = form.get(b"SigFlags").and_then(Object::as_i64).unwrap_or(0) | 3;
        form.set("SigFlags", Object::Integer(flags));
        form_changed = true;
    }
    if !form_changed {
        return Ok(());
    }
    match form_id {
        Some(id) => objects.set(id, form),
        None => {
            let id = objects.add(form);
            catalog.set("AcroForm", Object::Reference(id));
            objects.set(catalog_id, catalog);
        }
    }
    Ok(())
}
