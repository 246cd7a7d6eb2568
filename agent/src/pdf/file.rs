//! A PDF opened lazily: objects are parsed when asked for, object streams decoded on demand,
//! and stream data (page images, for one) is never read unless a caller asks for it.

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::error::PdfError;
use super::source::Source;
use super::syntax::{Indirect, Parser};
use super::xref::{self, Entry, Xref, XrefForm};

/// A decoded object stream larger than this is refused.
const MAX_OBJECT_STREAM: usize = 64 << 20;
/// Reference chains longer than this are refused.
const MAX_HOPS: usize = 32;
/// Page trees deeper than this are refused.
const MAX_TREE_DEPTH: usize = 64;
/// Object streams kept decoded.
const OBJECT_STREAM_CACHE: usize = 4;

/// A decoded object stream: its data and where each member starts.
#[derive(Debug)]
struct ObjectStream {
    data: Vec<u8>,
    members: Vec<(u32, usize)>,
}

/// An open PDF file.
#[derive(Debug)]
pub struct PdfFile {
    source: Source,
    xref: Xref,
    object_streams: RefCell<Vec<(u32, Rc<ObjectStream>)>>,
}

/// A page and the attributes it inherits from the page tree.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page object.
    pub id: ObjectId,
    /// Its dictionary.
    pub dict: Dictionary,
    /// `/CropBox` (inherited), clipped to the media box; the media box when absent.
    pub crop_box: [f32; 4],
    /// `/Rotate` (inherited), one of 0, 90, 180, 270.
    pub rotate: i64,
    /// `/Resources` (inherited), as found (maybe a reference).
    pub resources: Option<Object>,
}

impl PdfFile {
    /// Opens `path` and reads its cross-reference data.
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] when it is not a PDF or its structure is damaged.
    pub fn open(path: &Path) -> Result<Self, PdfError> {
        Self::from_source(Source::open(path)?)
    }

    /// Opens the revision of `path` that ends at byte `len` (what a signature whose byte
    /// ranges end there signed).
    ///
    /// # Errors
    ///
    /// As [`PdfFile::open`], for that prefix.
    pub fn open_revision(path: &Path, len: u64) -> Result<Self, PdfError> {
        Self::from_source(Source::open_prefix(path, len)?)
    }

    fn from_source(source: Source) -> Result<Self, PdfError> {
        if source.is_empty() {
            return Err(PdfError::invalid("the file is empty"));
        }
        let head = source.read_at(0, 1024)?;
        if !head.windows(5).any(|w| w == b"%PDF-") {
            return Err(PdfError::invalid("no %PDF- header: this is not a PDF file"));
        }
        let xref = xref::read(&source)?;
        let file = Self { source, xref, object_streams: RefCell::new(Vec::new()) };
        if !matches!(file.trailer().get(b"Root"), Ok(Object::Reference(_))) {
            return Err(PdfError::invalid("the trailer has no /Root reference"));
        }
        Ok(file)
    }

    /// The objects added or replaced since `earlier` (an earlier revision of this file), and
    /// those freed since, by number.
    pub fn changed_since(&self, earlier: &PdfFile) -> (Vec<u32>, Vec<u32>) {
        let mut changed = Vec::new();
        let mut freed = Vec::new();
        for (number, entry) in &self.xref.entries {
            let before = earlier.xref.entries.get(number);
            match entry {
                Entry::Free if before.is_some_and(|b| *b != Entry::Free) => freed.push(*number),
                Entry::Free => {}
                _ if before != Some(entry) => changed.push(*number),
                _ => {}
            }
        }
        changed.sort_unstable();
        freed.sort_unstable();
        (changed, freed)
    }

    /// The input file.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The last revision's trailer.
    pub fn trailer(&self) -> &Dictionary {
        &self.xref.trailer
    }

    /// The last revision's cross-reference form.
    pub fn xref_form(&self) -> XrefForm {
        self.xref.form
    }

    /// Offset of the last cross-reference section.
    pub fn startxref(&self) -> u64 {
        self.xref.startxref
    }

    /// The first free object number after every object the file uses: the trailer's `/Size`,
    /// raised when entries beyond it exist (some producers get `/Size` wrong).
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] when `/Size` exceeds the object number limit.
    pub fn size(&self) -> Result<u32, PdfError> {
        let declared = self.trailer().get(b"Size").and_then(Object::as_i64).unwrap_or(0).max(0);
        let highest = self.xref.entries.keys().max().map_or(0, |n| n + 1);
        if declared > i64::from(xref::MAX_OBJECT_NUMBER) {
            return Err(PdfError::invalid(format!("/Size {declared} is above the limit of readers")));
        }
        Ok((declared as u32).max(highest))
    }

    /// The object with number `id.0`, or `Null` when it is free or absent (7.3.10). A stream is
    /// returned as `Object::Stream` without its data; see [`PdfFile::stream_data`].
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] when the cross-reference data points at something else.
    pub fn get(&self, id: ObjectId) -> Result<Object, PdfError> {
        match self.xref.entries.get(&id.0).copied() {
            None | Some(Entry::Free) => Ok(Object::Null),
            Some(Entry::InFile { offset, .. }) => {
                let (found, parsed) = self.source.indirect_at(offset)?;
                if found.0 != id.0 {
                    return Err(PdfError::invalid(format!(
                        "the cross-reference data says object {} is at byte {offset}, but object {} is there",
                        id.0, found.0
                    )));
                }
                Ok(match parsed {
                    Indirect::Object(object) => object,
                    Indirect::Stream(dict, start) => Object::Stream(Stream::with_position(dict, start)),
                })
            }
            Some(Entry::InStream { stream, index }) => self.get_from_stream(id.0, stream, index),
        }
    }

    /// Follows references until a direct object.
    ///
    /// # Errors
    ///
    /// As [`PdfError::Invalid`] for [`PdfFile::get`], and for reference loops.
    pub fn resolve(&self, object: &Object) -> Result<Object, PdfError> {
        let mut current = object.clone();
        for _ in 0..MAX_HOPS {
            match current {
                Object::Reference(id) => current = self.get(id)?,
                other => return Ok(other),
            }
        }
        Err(PdfError::invalid("a chain of references that does not end"))
    }

    /// Resolves `dict[key]` to a dictionary, if it is one.
    pub fn dict_at(&self, dict: &Dictionary, key: &[u8]) -> Result<Option<Dictionary>, PdfError> {
        match dict.get(key) {
            Ok(value) => match self.resolve(value)? {
                Object::Dictionary(d) => Ok(Some(d)),
                Object::Stream(s) => Ok(Some(s.dict)),
                _ => Ok(None),
            },
            Err(_) => Ok(None),
        }
    }

    /// The document catalog and its id.
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] when `/Root` is not a dictionary.
    pub fn catalog(&self) -> Result<(ObjectId, Dictionary), PdfError> {
        let Ok(Object::Reference(id)) = self.trailer().get(b"Root") else {
            return Err(PdfError::invalid("the trailer has no /Root reference"));
        };
        match self.get(*id)? {
            Object::Dictionary(dict) => Ok((*id, dict)),
            _ => Err(PdfError::invalid("/Root is not a dictionary")),
        }
    }

    /// Reads and decodes a stream's data, refusing more than `limit` bytes.
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] when the data is damaged or too large.
    pub fn stream_data(&self, stream: &Stream, limit: usize) -> Result<Vec<u8>, PdfError> {
        let start = stream.start_position.ok_or_else(|| PdfError::invalid("a stream without data"))?;
        let length = self
            .resolve(stream.dict.get(b"Length").unwrap_or(&Object::Null))?
            .as_i64()
            .ok()
            .and_then(|l| usize::try_from(l).ok())
            .ok_or_else(|| PdfError::invalid("a stream without a valid /Length"))?;
        if length > limit || start as u64 + length as u64 > self.source.len() {
            return Err(PdfError::invalid(format!("a stream of {length} bytes is too large or runs past the end")));
        }
        let raw = self.source.read_at(start as u64, length)?;
        Stream::new(stream.dict.clone(), raw)
            .decompressed_content_with_limit(limit)
            .map_err(|e| PdfError::invalid(format!("cannot decode a stream: {e}")))
    }

    fn get_from_stream(&self, number: u32, stream: u32, index: u32) -> Result<Object, PdfError> {
        let objects = self.object_stream(stream)?;
        let Some(&(found, start)) = objects.members.get(index as usize) else {
            return Err(PdfError::invalid(format!("object stream {stream} has no member {index}")));
        };
        if found != number {
            return Err(PdfError::invalid(format!("object stream {stream} holds {found} where {number} should be")));
        }
        Ok(Parser::new(&objects.data, start).object()?)
    }

    fn object_stream(&self, number: u32) -> Result<Rc<ObjectStream>, PdfError> {
        if let Some((_, cached)) = self.object_streams.borrow().iter().find(|(n, _)| *n == number) {
            return Ok(cached.clone());
        }
        let Object::Stream(stream) = self.get((number, 0))? else {
            return Err(PdfError::invalid(format!("object {number} should be an object stream")));
        };
        let data = self.stream_data(&stream, MAX_OBJECT_STREAM)?;
        let count = stream.dict.get(b"N").and_then(Object::as_i64).unwrap_or(-1);
        let first = stream.dict.get(b"First").and_then(Object::as_i64).unwrap_or(-1);
        if count < 0 || first < 0 || first as usize > data.len() || count as usize > data.len() / 2 {
            return Err(PdfError::invalid(format!("object stream {number} has a bad /N or /First")));
        }
        let mut header = Parser::new(&data[..first as usize], 0);
        let mut members = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let member = u32::try_from(header.unsigned()?).map_err(|_| PdfError::invalid("object number"))?;
            let offset = usize::try_from(header.unsigned()?).map_err(|_| PdfError::invalid("offset"))?;
            members.push((member, first as usize + offset));
        }
        let decoded = Rc::new(ObjectStream { data, members });
        let mut cache = self.object_streams.borrow_mut();
        if cache.len() >= OBJECT_STREAM_CACHE {
            cache.remove(0);
        }
        cache.push((number, decoded.clone()));
        Ok(decoded)
    }

    /// The number of pages (`/Count` of the page tree root).
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] when there is no page tree.
    pub fn page_count(&self) -> Result<u32, PdfError> {
        let (_, catalog) = self.catalog()?;
        let root = self.dict_at(&catalog, b"Pages")?.ok_or_else(|| PdfError::invalid("no page tree"))?;
        root.get(b"Count")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|c| u32::try_from(c).ok())
            .ok_or_else(|| PdfError::invalid("the page tree has no /Count"))
    }

    /// Page `index` (0-based), with inherited attributes.
    ///
    /// # Errors
    ///
    /// [`PdfError::Placement`] when there is no such page, [`PdfError::Invalid`] for a damaged
    /// page tree.
    pub fn page(&self, index: u32) -> Result<Page, PdfError> {
        let (_, catalog) = self.catalog()?;
        let Ok(&Object::Reference(root)) = catalog.get(b"Pages") else {
            return Err(PdfError::invalid("/Pages is not a reference"));
        };
        let mut node_id = root;
        let mut remaining = index;
        let mut inherited = Dictionary::new();
        let mut visited = HashSet::new();
        'descend: for _ in 0..MAX_TREE_DEPTH {
            if !visited.insert(node_id) {
                return Err(PdfError::invalid("the page tree loops"));
            }
            let Object::Dictionary(node) = self.get(node_id)? else {
                return Err(PdfError::invalid("a page tree node is not a dictionary"));
            };
            for key in [&b"MediaBox"[..], b"CropBox", b"Rotate", b"Resources"] {
                if let Ok(value) = node.get(key) {
                    inherited.set(key.to_vec(), value.clone());
                }
            }
            let is_page = node.get(b"Type").and_then(Object::as_name).ok() == Some(b"Page") || !node.has(b"Kids");
            if is_page {
                if remaining != 0 {
                    return Err(PdfError::Placement(format!("the document has no page {}", index + 1)));
                }
                return self.page_with(node_id, node, &inherited);
            }
            let kids = match self.resolve(node.get(b"Kids").unwrap_or(&Object::Null))? {
                Object::Array(kids) => kids,
                _ => return Err(PdfError::invalid("/Kids is not an array")),
            };
            for kid in kids {
                let Object::Reference(kid_id) = kid else {
                    return Err(PdfError::invalid("/Kids holds a non-reference"));
                };
                let count = match self.get(kid_id)? {
                    Object::Dictionary(kid) if kid.has(b"Kids") => {
                        kid.get(b"Count").and_then(Object::as_i64).ok().and_then(|c| u32::try_from(c).ok()).unwrap_or(0)
                    }
                    _ => 1,
                };
                if remaining < count {
                    node_id = kid_id;
                    continue 'descend;
                }
                remaining -= count;
            }
            return Err(PdfError::Placement(format!("the document has no page {}", index + 1)));
        }
        Err(PdfError::invalid("the page tree is too deep"))
    }

    /// The page whose object is `id`, among the first `pages`.
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] for a damaged page tree.
    pub fn find_page(&self, id: ObjectId, pages: u32) -> Result<Option<Page>, PdfError> {
        for index in 0..pages {
            let page = self.page(index)?;
            if page.id.0 == id.0 {
                return Ok(Some(page));
            }
        }
        Ok(None)
    }

    fn page_with(&self, id: ObjectId, dict: Dictionary, inherited: &Dictionary) -> Result<Page, PdfError> {
        let rect = |key: &[u8]| -> Result<Option<[f32; 4]>, PdfError> {
            let Ok(value) = inherited.get(key) else { return Ok(None) };
            let Object::Array(items) = self.resolve(value)? else { return Ok(None) };
            let numbers: Vec<f32> = items
                .iter()
                .map(|n| self.resolve(n).ok().and_then(|n| n.as_float().ok()))
                .collect::<Option<_>>()
                .unwrap_or_default();
            Ok(<[f32; 4]>::try_from(numbers).ok().map(normalise))
        };
        // A page without a media box is broken; readers assume US Letter, and so do we.
        let media_box = rect(b"MediaBox")?.unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let crop_box = rect(b"CropBox")?.map_or(media_box, |c| intersect(c, media_box));
        let rotate = inherited.get(b"Rotate").and_then(Object::as_i64).unwrap_or(0).rem_euclid(360) / 90 * 90;
        let resources = inherited.get(b"Resources").ok().cloned();
        Ok(Page { id, dict, crop_box, rotate, resources })
    }
}

impl Page {
    /// Converts a rectangle given on the page as displayed (origin at the bottom-left corner
    /// of the visible, cropped and rotated page) to default user space.
    pub fn to_user_space(&self, [x1, y1, x2, y2]: [f32; 4]) -> [f32; 4] {
        let [cx1, cy1, cx2, cy2] = self.crop_box;
        let (w, h) = (cx2 - cx1, cy2 - cy1);
        let point = |x: f32, y: f32| -> (f32, f32) {
            let (u, v) = match self.rotate {
                90 => (w - y, x),
                180 => (w - x, h - y),
                270 => (y, h - x),
                _ => (x, y),
            };
            (cx1 + u, cy1 + v)
        };
        let (a, b) = (point(x1, y1), point(x2, y2));
        normalise([a.0, a.1, b.0, b.1])
    }

    /// Converts a rectangle in default user space to the page as displayed (the inverse of
    /// [`Page::to_user_space`]).
    pub fn to_displayed(&self, [x1, y1, x2, y2]: [f32; 4]) -> [f32; 4] {
        let [cx1, cy1, cx2, cy2] = self.crop_box;
        let (w, h) = (cx2 - cx1, cy2 - cy1);
        let point = |x: f32, y: f32| -> (f32, f32) {
            let (u, v) = (x - cx1, y - cy1);
            match self.rotate {
                90 => (v, w - u),
                180 => (w - u, h - v),
                270 => (h - v, u),
                _ => (u, v),
            }
        };
        let (a, b) = (point(x1, y1), point(x2, y2));
        normalise([a.0, a.1, b.0, b.1])
    }

    /// The size of the page as displayed (width, height).
    pub fn displayed_size(&self) -> (f32, f32) {
        let [cx1, cy1, cx2, cy2] = self.crop_box;
        if self.rotate % 180 == 90 { (cy2 - cy1, cx2 - cx1) } else { (cx2 - cx1, cy2 - cy1) }
    }

    /// The form matrix that turns an appearance drawn upright into the page's user space.
    pub fn upright_matrix(&self) -> Option<[i64; 6]> {
        match self.rotate {
            90 => Some([0, 1, -1, 0, 0, 0]),
            180 => Some([-1, 0, 0, -1, 0, 0]),
            270 => Some([0, -1, 1, 0, 0, 0]),
            _ => None,
        }
    }
}

fn normalise([a, b, c, d]: [f32; 4]) -> [f32; 4] {
    [a.min(c), b.min(d), a.max(c), b.max(d)]
}

fn intersect(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    let r = [a[0].max(b[0]), a[1].max(b[1]), a[2].min(b[2]), a[3].min(b[3])];
    if r[0] < r[2] && r[1] < r[3] { r } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displayed_and_user_space_are_inverse_for_every_rotation() {
        for rotate in [0, 90, 180, 270] {
            let page = Page {
                id: (1, 0),
                dict: Dictionary::new(),
                crop_box: [20.0, 30.0, 575.0, 812.0],
                rotate,
                resources: None,
            };
            let rect = [10.0, 20.0, 110.0, 70.0];
            let user = page.to_user_space(rect);
            let back = page.to_displayed(user);
            for (a, b) in rect.iter().zip(back) {
                assert!((a - b).abs() < 0.001, "rotate {rotate}: {rect:?} -> {user:?} -> {back:?}");
            }
            let (w, h) = page.displayed_size();
            assert_eq!((w, h), if rotate % 180 == 90 { (782.0, 555.0) } else { (555.0, 782.0) });
        }
    }
}
