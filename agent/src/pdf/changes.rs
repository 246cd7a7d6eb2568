//! What changed in a PDF after a signature: every object the later revisions added, replaced or
//! freed, each classed by what it is and what changed in it, from "signatures" (later
//! signatures, document timestamps, the DSS) through form filling and annotations to "other"
//! (the document's content or structure).

use std::collections::HashSet;

use kyso_protocol::{ChangedObject, ModificationLevel, Modifications};
use lopdf::{Dictionary, Object};

use super::error::PdfError;
use super::file::PdfFile;

/// Catalog entries that signing and archiving may change.
const SIGNING_CATALOG_KEYS: [&[u8]; 4] = [b"DSS", b"AcroForm", b"Extensions", b"Perms"];
/// AcroForm entries that signing may change; others (/DR, /DA, /NeedAppearances) are form filling.
const SIGNING_FORM_KEYS: [&[u8]; 2] = [b"Fields", b"SigFlags"];

/// What changed, and how many of the changes are new visible signature fields (which a
/// certification allowing only form filling and signing forbids: they are annotations).
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The changed objects, classed.
    pub modifications: Modifications,
    /// New signature fields with a visible widget.
    pub new_visible_signature_fields: usize,
}

/// The description of a new visible signature field.
const NEW_VISIBLE_FIELD: &str = "new visible signature field / trường chữ ký mới (hiển thị)";

/// Compares `current` with `signed`, the revision a signature covers.
///
/// # Errors
///
/// [`PdfError::Invalid`] when the catalog cannot be read.
pub fn analyse(signed: &PdfFile, current: &PdfFile) -> Result<Analysis, PdfError> {
    let (changed, freed) = current.changed_since(signed);
    let (root, catalog) = current.catalog()?;
    let context = Context::new(current, signed, &catalog, &changed)?;
    let mut objects = Vec::new();
    for number in changed {
        let new = current.get((number, 0))?;
        let old = match signed.get((number, 0))? {
            Object::Null => None,
            old => Some(old),
        };
        if let Some((level, what)) = context.classify(number, root.0, old.as_ref(), &new, signed)? {
            objects.push(ChangedObject { object: format!("{number} 0"), what, level });
        }
    }
    for number in freed {
        objects.push(ChangedObject {
            object: format!("{number} 0"),
            what: "deleted / đã xóa".into(),
            level: ModificationLevel::Other,
        });
    }
    let level = objects.iter().map(|o| o.level).max().unwrap_or(ModificationLevel::None);
    let new_visible_signature_fields = objects.iter().filter(|o| o.what == NEW_VISIBLE_FIELD).count();
    Ok(Analysis { modifications: Modifications { level, objects }, new_visible_signature_fields })
}

/// What the current file says about the changed objects' roles.
struct Context<'a> {
    current: &'a PdfFile,
    /// Objects the DSS lists (certificates, OCSP responses, CRLs) and the DSS itself.
    dss: HashSet<u32>,
    /// The AcroForm dictionary and its /Fields array, when indirect.
    form: HashSet<u32>,
    /// Appearance streams of changed signature widgets, and the new objects they use (fonts,
    /// images).
    signature_appearances: HashSet<u32>,
    /// The document information dictionary (`/Info`), which signers update.
    info: Option<u32>,
}

impl<'a> Context<'a> {
    fn new(current: &'a PdfFile, signed: &PdfFile, catalog: &Dictionary, changed: &[u32]) -> Result<Self, PdfError> {
        let mut dss = HashSet::new();
        if let Ok(Object::Reference(id)) = catalog.get(b"DSS") {
            dss.insert(id.0);
        }
        if let Some(store) = current.dict_at(catalog, b"DSS")? {
            for key in [&b"Certs"[..], b"OCSPs", b"CRLs"] {
                collect_references(current, store.get(key).ok(), &mut dss);
            }
            if let Some(vri) = current.dict_at(&store, b"VRI")? {
                for (_, entry) in vri.iter() {
                    if let Object::Reference(id) = entry {
                        dss.insert(id.0);
                    }
                    if let Ok(Object::Dictionary(entry)) = current.resolve(entry) {
                        for (_, value) in entry.iter() {
                            collect_references(current, Some(value), &mut dss);
                        }
                    }
                }
            }
        }
        let mut form = HashSet::new();
        if let Ok(Object::Reference(id)) = catalog.get(b"AcroForm") {
            form.insert(id.0);
        }
        if let Some(acro) = current.dict_at(catalog, b"AcroForm")?
            && let Ok(Object::Reference(id)) = acro.get(b"Fields")
        {
            form.insert(id.0);
        }
        let mut roots = Vec::new();
        for number in changed {
            if let Ok(Object::Dictionary(dict)) = current.get((*number, 0))
                && is_signature_field(current, &dict)
                && let Ok(ap) = dict.get(b"AP")
            {
                roots.push(ap.clone());
            }
        }
        let signature_appearances = new_objects_reachable(current, signed, roots);
        let info = match current.trailer().get(b"Info") {
            Ok(Object::Reference(id)) => Some(id.0),
            _ => None,
        };
        Ok(Self { current, dss, form, signature_appearances, info })
    }

    /// The level and description of one changed object, or `None` for structure-only objects.
    fn classify(
        &self,
        number: u32,
        root: u32,
        old: Option<&Object>,
        new: &Object,
        signed: &PdfFile,
    ) -> Result<Option<(ModificationLevel, String)>, PdfError> {
        use ModificationLevel::{Annotations, FormFilling, Other, Signatures};
        let dict = match new {
            Object::Dictionary(dict) => Some(dict),
            Object::Stream(stream) => Some(&stream.dict),
            _ => None,
        };
        let kind = dict.and_then(|d| d.get(b"Type").and_then(Object::as_name).ok());
        if matches!(kind, Some(b"XRef" | b"ObjStm")) {
            return Ok(None);
        }
        if self.dss.contains(&number) {
            return Ok(Some((Signatures, "validation data (DSS) / dữ liệu kiểm tra (DSS)".into())));
        }
        if self.signature_appearances.contains(&number) {
            return Ok(Some((Signatures, "appearance of a signature / hình hiển thị chữ ký".into())));
        }
        if matches!(kind, Some(b"Sig" | b"DocTimeStamp")) {
            return Ok(Some((Signatures, "signature value / giá trị chữ ký".into())));
        }
        if matches!(kind, Some(b"Metadata")) || self.info == Some(number) {
            return Ok(Some((Signatures, "document metadata (XMP) / siêu dữ liệu".into())));
        }
        if number == root {
            let old = old.and_then(|o| o.as_dict().ok());
            return Ok(Some(match old.map(|o| changed_keys(o, dict.unwrap_or(&Dictionary::new()))) {
                Some(keys) if keys.iter().all(|k| SIGNING_CATALOG_KEYS.contains(&k.as_slice())) => {
                    (Signatures, "catalog: signature entries / danh mục: mục chữ ký".into())
                }
                Some(keys) => (Other, format!("catalog: {} / danh mục tài liệu", names(&keys))),
                None => (Other, "a new catalog / danh mục tài liệu mới".into()),
            }));
        }
        if self.form.contains(&number) {
            return Ok(Some(self.classify_form(old, new, signed)?));
        }
        let Some(dict) = dict else {
            return Ok(Some((Other, "an object of the document / một đối tượng của tài liệu".into())));
        };
        if is_signature_field(self.current, dict) {
            let visible = matches!(dict.get(b"Rect").map(|r| self.current.resolve(r)), Ok(Ok(Object::Array(rect)))
            if rect.len() == 4 && {
                let n: Vec<f32> = rect.iter().filter_map(|v| v.as_float().ok()).collect();
                n.len() == 4 && (n[2] - n[0]).abs() > 0.0 && (n[3] - n[1]).abs() > 0.0
            });
            let what = match (old, visible) {
                (None, true) => NEW_VISIBLE_FIELD,
                (None, false) => "new invisible signature field / trường chữ ký mới (ẩn)",
                (Some(_), _) => "signature field signed / trường chữ ký được ký",
            };
            return Ok(Some((Signatures, what.into())));
        }
        if dict.has(b"FT") || dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget") {
            return Ok(Some((FormFilling, "form field / trường biểu mẫu".into())));
        }
        if dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Annot")
            || dict.has(b"Subtype") && dict.has(b"Rect")
        {
            return Ok(Some((Annotations, "annotation / chú thích".into())));
        }
        if kind == Some(b"Page") {
            let Some(Object::Dictionary(old)) = old else {
                return Ok(Some((Other, "a new page / trang mới".into())));
            };
            let keys = changed_keys(old, dict);
            if keys.iter().any(|k| k.as_slice() != b"Annots") {
                return Ok(Some((Other, format!("page: {} / trang", names(&keys)))));
            }
            let level = self.added_annotations_level(signed, old.get(b"Annots").ok(), dict.get(b"Annots").ok())?;
            return Ok(Some((level, "page: annotations list / trang: danh sách chú thích".into())));
        }
        if let (Some(Object::Array(_)), Object::Array(_)) = (old, new) {
            let level = self.added_annotations_level(signed, old, Some(new))?;
            return Ok(Some((level, "a list of annotations or fields / danh sách chú thích hoặc trường".into())));
        }
        Ok(Some((Other, "an object of the document / một đối tượng của tài liệu".into())))
    }

    fn classify_form(
        &self,
        old: Option<&Object>,
        new: &Object,
        signed: &PdfFile,
    ) -> Result<(ModificationLevel, String), PdfError> {
        use ModificationLevel::{FormFilling, Signatures};
        if let Object::Array(_) = new {
            let level = self.added_annotations_level(signed, old, Some(new))?;
            return Ok((level, "form: fields list / biểu mẫu: danh sách trường".into()));
        }
        let (Some(Object::Dictionary(old)), Object::Dictionary(new)) = (old, new) else {
            return Ok((Signatures, "form dictionary / từ điển biểu mẫu".into()));
        };
        let keys = changed_keys(old, new);
        if keys.iter().all(|k| SIGNING_FORM_KEYS.contains(&k.as_slice())) {
            Ok((Signatures, "form: signature entries / biểu mẫu: mục chữ ký".into()))
        } else {
            Ok((FormFilling, format!("form: {} / biểu mẫu", names(&keys))))
        }
    }

    /// The level of what an array gained (annotations or fields): signature widgets are
    /// signatures, other widgets form filling, other annotations annotations; anything removed
    /// or reordered is other.
    fn added_annotations_level(
        &self,
        signed: &PdfFile,
        old: Option<&Object>,
        new: Option<&Object>,
    ) -> Result<ModificationLevel, PdfError> {
        let old = match old.map(|o| signed.resolve(o)).transpose()? {
            Some(Object::Array(items)) => items,
            _ => Vec::new(),
        };
        let new = match new.map(|n| self.current.resolve(n)).transpose()? {
            Some(Object::Array(items)) => items,
            _ => Vec::new(),
        };
        if new.len() < old.len() || new[..old.len()] != old[..] {
            return Ok(ModificationLevel::Other);
        }
        let mut level = ModificationLevel::Signatures;
        for added in &new[old.len()..] {
            let item = match self.current.resolve(added)? {
                Object::Dictionary(dict) => dict,
                _ => return Ok(ModificationLevel::Other),
            };
            let this = if is_signature_field(self.current, &item) {
                ModificationLevel::Signatures
            } else if item.has(b"FT") || item.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget") {
                ModificationLevel::FormFilling
            } else {
                ModificationLevel::Annotations
            };
            level = level.max(this);
        }
        Ok(level)
    }
}

/// A signature field or its widget: `/FT /Sig`, on itself or its parent.
fn is_signature_field(file: &PdfFile, dict: &Dictionary) -> bool {
    if dict.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig") {
        return true;
    }
    matches!(file.dict_at(dict, b"Parent"), Ok(Some(parent)) if parent.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig"))
}

/// The keys whose values differ between two versions of a dictionary (added, removed, changed).
fn changed_keys(old: &Dictionary, new: &Dictionary) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for (key, value) in new.iter() {
        if old.get(key).ok() != Some(value) {
            keys.push(key.clone());
        }
    }
    for (key, _) in old.iter() {
        if !new.has(key) {
            keys.push(key.clone());
        }
    }
    keys
}

fn names(keys: &[Vec<u8>]) -> String {
    keys.iter().map(|k| format!("/{}", String::from_utf8_lossy(k))).collect::<Vec<_>>().join(" ")
}

/// The objects reachable from `roots` that `signed` does not have (a new signature's appearance
/// and the fonts and images it draws with), bounded.
fn new_objects_reachable(current: &PdfFile, signed: &PdfFile, roots: Vec<Object>) -> HashSet<u32> {
    const LIMIT: usize = 10_000;
    let mut found = HashSet::new();
    let mut stack = roots;
    while let Some(object) = stack.pop() {
        if found.len() > LIMIT {
            break;
        }
        match object {
            Object::Reference(id) => {
                let is_new = matches!(signed.get(id), Ok(Object::Null));
                if is_new
                    && found.insert(id.0)
                    && let Ok(inner) = current.get(id)
                {
                    stack.push(inner);
                }
            }
            Object::Array(items) => stack.extend(items),
            Object::Dictionary(dict) => stack.extend(dict.into_iter().map(|(_, v)| v)),
            Object::Stream(stream) => stack.extend(stream.dict.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    found
}

/// Adds the object numbers `value` refers to (itself, or the items of an array).
fn collect_references(file: &PdfFile, value: Option<&Object>, into: &mut HashSet<u32>) {
    let Some(value) = value else { return };
    if let Object::Reference(id) = value {
        into.insert(id.0);
    }
    if let Ok(Object::Array(items)) = file.resolve(value) {
        for item in items {
            if let Object::Reference(id) = item {
                into.insert(id.0);
            }
        }
    }
}
