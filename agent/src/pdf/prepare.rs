//! Preparing a signed revision: build the update, then copy the input beside the destination
//! while hashing, in one pass, leaving a hole for the CMS; [`Prepared::finish`] fills the hole,
//! syncs and renames.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use kyso_protocol::DigestAlgorithm;
use lopdf::{Object, ObjectId};
use time::OffsetDateTime;

use super::acts::{ActContent, Fonts};
use super::error::PdfError;
use super::file::PdfFile;
use super::form::{self, NewWidget};
use super::increment::{self, Body};
use super::objects::NewObjects;
use super::place::{
    add_visible, anchored_place, claims_pdfa, default_place, draw, empty_appearance, is_pdfa1, new_field_name,
};
use super::placeholder::{self, SignatureInfo};
use super::signatures::SignatureKind;
use super::update;
use crate::digest::Hasher;

/// Copy buffer: large enough for few system calls, small against the memory budget.
const COPY_BUFFER: usize = 1 << 20;

/// Where the signature goes.
#[derive(Debug, Clone)]
pub enum Placement {
    /// No widget on any page (a zero-size widget on page 1).
    Invisible,
    /// An existing empty signature field, by name.
    Field(String),
    /// Under the last occurrence of `text` (e.g. the signer's title, or a marker the portal put
    /// in the document), searched from the last page back, or on `page` only.
    Anchor {
        /// The text to find (case and spaces ignored).
        text: String,
        /// The page to search (1-based), or `None` for every page from the last.
        page: Option<u32>,
    },
    /// The act's default position: over the left third of the approver's signature for a seal,
    /// else the act's usual place on `page` (1-based) or on the act's default page.
    Default {
        /// The page, or `None` for the act's default page.
        page: Option<u32>,
    },
    /// A new field on `page` (1-based) at `rect`, in points from the bottom-left corner of the
    /// page as displayed (after its crop box and rotation).
    Rect {
        /// 1-based page number.
        page: u32,
        /// `[x1 y1 x2 y2]`.
        rect: [f32; 4],
    },
}

/// What a visible signature shows.
#[derive(Debug, Clone, Copy)]
pub struct Visible<'a> {
    /// The act and its texts and image.
    pub content: &'a ActContent,
    /// The faces to write with.
    pub fonts: &'a Fonts,
}

/// What to sign and how.
pub struct Plan<'a> {
    /// Where the signature goes.
    pub placement: Placement,
    /// Name for a new field; `Signature<n>` when absent.
    pub field_name: Option<String>,
    /// What a visible signature shows; `None` draws nothing.
    pub visible: Option<Visible<'a>>,
    /// `/M`.
    pub time: OffsetDateTime,
    /// `/Name`, `/Reason`, ...
    pub info: SignatureInfo,
    /// Bytes reserved for the CMS.
    pub capacity: usize,
    /// Digest of the signed byte ranges.
    pub digest: DigestAlgorithm,
    /// A signature, or a document timestamp.
    pub kind: SignatureKind,
}

impl std::fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("placement", &self.placement)
            .field("field_name", &self.field_name)
            .field("visible", &self.visible.map(|v| v.content.act))
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// Where a visible signature lands, as the page is displayed (rotation applied), for the
/// consent window's preview.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// The page, from 1.
    pub page: u32,
    /// The page's displayed width and height, in points.
    pub page_size: (f32, f32),
    /// The signature's rectangle on it (x1, y1, x2, y2; origin bottom left), in points.
    pub rect: [f32; 4],
}

/// A revision written to a temporary file, waiting for its CMS.
#[derive(Debug)]
pub struct Prepared {
    temp: tempfile::NamedTempFile,
    /// Digest of the byte ranges: what the CMS message-digest attribute holds.
    pub digest: Vec<u8>,
    /// SHA-256 of the input, to show the user what is signed.
    pub input_sha256: Vec<u8>,
    /// Input size.
    pub input_len: u64,
    /// Number of pages.
    pub pages: u32,
    /// The field that receives the signature.
    pub field_name: String,
    /// Where a new visible signature goes; `None` for invisible ones and existing fields.
    pub placed: Option<Placed>,
    contents_offset: u64,
    capacity: usize,
}

/// Opens `input`, builds the signed revision and writes it, hashed, to a temporary file in
/// `out_dir` (the destination's directory, so that the final rename stays on one file system).
///
/// # Errors
///
/// [`PdfError`] for inputs that cannot be signed and for I/O failures.
pub fn prepare(input: &Path, out_dir: &Path, plan: &Plan<'_>) -> Result<Prepared, PdfError> {
    let file = PdfFile::open(input)?;
    if file.trailer().has(b"Encrypt") {
        return Err(PdfError::Encrypted(
            "signing encrypted PDFs is not supported yet; save an unencrypted copy first".into(),
        ));
    }
    // Archival updates (DSS, document timestamps) are allowed whatever the certification says.
    if plan.kind == SignatureKind::Signature {
        refuse_if_certified(&file, &plan.placement)?;
    }
    let pages = file.page_count()?;
    let mut objects = NewObjects::new(file.size()?);
    let signature = objects.reserve();
    objects.set(signature, Object::Null);

    let pdfa1 = is_pdfa1(&file)?;
    let mut placed = None;
    let field_name = match &plan.placement {
        Placement::Field(name) => {
            let field = form::find(&file, name)?;
            let [x1, y1, x2, y2] = field.rect;
            let appearance = match plan.visible {
                Some(visible) if x2 > x1 && y2 > y1 => {
                    Some(draw(visible, &mut objects, x2 - x1, y2 - y1, pdfa1, None)?)
                }
                _ => None,
            };
            form::fill(&file, &mut objects, &field, signature, appearance)?;
            name.clone()
        }
        Placement::Invisible => {
            let page = file.page(0)?;
            let name = new_field_name(&file, plan)?;
            // An invisible document timestamp without an appearance is an archival update to
            // validators (pyHanko: LTA_UPDATES, not form filling); PDF/A still wants one.
            let appearance =
                (plan.kind == SignatureKind::Signature || claims_pdfa(&file)?).then(|| empty_appearance(&mut objects));
            let widget = NewWidget { page: page.id, page_dict: page.dict, rect: [0.0; 4] };
            form::add(&file, &mut objects, &name, signature, &widget, appearance)?;
            name
        }
        Placement::Rect { page, rect } => {
            let index = page.checked_sub(1).ok_or_else(|| PdfError::Placement("pages are numbered from 1".into()))?;
            let page = file.page(index)?;
            placed = Some(Placed { page: index + 1, page_size: page.displayed_size(), rect: *rect });
            add_visible(&file, &mut objects, plan, signature, &page, *rect, pdfa1)?
        }
        Placement::Anchor { text, page } => {
            let visible = plan.visible.ok_or_else(|| PdfError::Placement("an anchor needs an act to draw".into()))?;
            let (page, rect) = anchored_place(&file, visible.content, text, *page, pages)?;
            placed = place_of(&file, &page, rect, pages);
            add_visible(&file, &mut objects, plan, signature, &page, rect, pdfa1)?
        }
        Placement::Default { page } => {
            let visible =
                plan.visible.ok_or_else(|| PdfError::Placement("a default position needs an act to draw".into()))?;
            let (page, rect) = default_place(&file, visible.content, *page, pages)?;
            placed = place_of(&file, &page, rect, pages);
            add_visible(&file, &mut objects, plan, signature, &page, rect, pdfa1)?
        }
    };

    let placeholder = placeholder::format(plan.kind, plan.capacity, plan.time, &plan.info)?;
    let size = objects.size();
    // The signature dictionary goes in as raw bytes so that its layout is ours.
    let bodies: Vec<(ObjectId, Body)> = objects
        .into_objects()
        .map_err(|n| PdfError::invalid(format!("internal: object {n} reserved but never set")))?
        .into_iter()
        .map(
            |(id, object)| {
                if id == signature { (id, Body::Raw(placeholder.bytes.clone())) } else { (id, Body::Object(object)) }
            },
        )
        .collect();

    let input_len = file.source().len();
    let mut update = increment::write(&update::base(&file)?, bodies, size)?;
    let body_at = update
        .body_offsets
        .iter()
        .find(|(id, _)| *id == signature)
        .map(|(_, at)| *at)
        .ok_or_else(|| PdfError::invalid("internal: the signature dictionary was not written"))?;
    let hole_start = body_at + placeholder.contents_at;
    let hole_end = hole_start + placeholder.capacity * 2 + 2;
    let total = input_len + update.bytes.len() as u64;
    let contents_offset = input_len + hole_start as u64;
    let after_hole = input_len + hole_end as u64;
    placeholder::patch_byte_range(
        &mut update.bytes,
        body_at + placeholder.byte_range_at,
        [contents_offset, after_hole, total - after_hole],
    )?;

    // One pass: copy the input and hash it, then the update around the hole.
    let mut temp = tempfile::Builder::new().prefix(".kyso-").suffix(".pdf.part").tempfile_in(out_dir)?;
    // The signed copy gets the input's permissions, as `cp` would, not the temporary file's 0600.
    temp.as_file().set_permissions(file.source().file().metadata()?.permissions())?;
    let mut hasher = Hasher::new(plan.digest);
    let input_sha256 = copy_hashing(file.source().file(), input_len, temp.as_file_mut(), &mut hasher, plan.digest)?;
    hasher.update(&update.bytes[..hole_start]);
    hasher.update(&update.bytes[hole_end..]);
    temp.as_file_mut().write_all(&update.bytes)?;
    Ok(Prepared {
        temp,
        digest: hasher.finish(),
        input_sha256,
        input_len,
        pages,
        field_name,
        placed,
        contents_offset,
        capacity: placeholder.capacity,
    })
}

/// `page`'s number and the rectangle on it, found among the document's `pages`.
fn place_of(file: &PdfFile, page: &crate::pdf::file::Page, rect: [f32; 4], pages: u32) -> Option<Placed> {
    let index = (0..pages).find(|i| file.page(*i).is_ok_and(|p| p.id == page.id))?;
    Some(Placed { page: index + 1, page_size: page.displayed_size(), rect })
}

/// A certified document allows no change (DocMDP P=1), or signing only into its existing
/// signature fields (P=2; a new visible field is an annotation, which P=2 forbids, and an
/// invisible one is accepted by validators); P=3 allows new fields too.
fn refuse_if_certified(file: &PdfFile, placement: &Placement) -> Result<(), PdfError> {
    match (super::signatures::certification(file)?, placement) {
        (Some(1), _) => Err(PdfError::Certified(
            "it allows no changes (DocMDP P=1); another signature would break the certification".into(),
        )),
        (Some(2), Placement::Field(_) | Placement::Invisible) => Ok(()),
        (Some(2), _) => Err(PdfError::Certified(
            "it allows only filling in its fields and signing them (DocMDP P=2): sign into one of its empty signature \
             fields, or invisibly"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// Copies `len` bytes of `input` to `output` while feeding them to `hasher`: one read of the
/// input, with the hashing and the writing of each chunk on two threads, so the pass costs about
/// the slower of the two rather than their sum. Returns the input's SHA-256 (shown to the user).
fn copy_hashing(
    mut input: &File,
    len: u64,
    output: &mut File,
    hasher: &mut Hasher,
    digest: DigestAlgorithm,
) -> Result<Vec<u8>, PdfError> {
    // When the ranges use SHA-256 too, the input is their prefix: its digest is a copy of the
    // state after it, not a second hash.
    let mut separate = (digest != DigestAlgorithm::Sha256).then(|| Hasher::new(DigestAlgorithm::Sha256));
    input.seek(SeekFrom::Start(0))?;
    std::thread::scope(|scope| -> Result<(), PdfError> {
        // A few chunks in flight bound the memory used.
        let (chunks, inbox) = std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(4);
        let writer = scope.spawn(move || -> std::io::Result<()> {
            while let Ok(chunk) = inbox.recv() {
                output.write_all(&chunk)?;
            }
            Ok(())
        });
        let mut copied = 0u64;
        let mut failed = None;
        while copied < len {
            let mut buffer = vec![0u8; COPY_BUFFER.min((len - copied) as usize)];
            let n = match input.read(&mut buffer) {
                Ok(0) => {
                    failed = Some(std::io::Error::other("the input file shrank while it was being signed"));
                    break;
                }
                Ok(n) => n,
                Err(error) => {
                    failed = Some(error);
                    break;
                }
            };
            buffer.truncate(n);
            let chunk = Arc::new(buffer);
            if chunks.send(chunk.clone()).is_err() {
                break; // the writer failed; its error is reported below
            }
            hasher.update(&chunk);
            if let Some(separate) = &mut separate {
                separate.update(&chunk);
            }
            copied += n as u64;
        }
        drop(chunks);
        let written = writer.join().map_err(|_| PdfError::Io(std::io::Error::other("the writer thread panicked")))?;
        if let Some(error) = failed {
            return Err(error.into());
        }
        Ok(written?)
    })?;
    Ok(match separate {
        Some(separate) => separate.finish(),
        None => hasher.clone().finish(),
    })
}

impl Prepared {
    /// Bytes reserved for the CMS.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Writes `cms` into the hole, syncs, and renames the file to `destination`.
    ///
    /// # Errors
    ///
    /// When the CMS is larger than the room reserved (the dry run sizes the room for the largest
    /// signature the key makes, so that is a bug; nothing is written), and I/O errors.
    pub fn finish(self, cms: &[u8], destination: &Path) -> Result<(), PdfError> {
        if cms.len() > self.capacity {
            return Err(PdfError::Io(std::io::Error::other(format!(
                "the signature ({} bytes) does not fit the {} reserved",
                cms.len(),
                self.capacity
            ))));
        }
        write_contents(self.temp, self.contents_offset, cms, destination)
    }
}

fn write_contents(
    mut temp: tempfile::NamedTempFile,
    contents_offset: u64,
    cms: &[u8],
    destination: &Path,
) -> Result<(), PdfError> {
    let file: &mut File = temp.as_file_mut();
    file.seek(SeekFrom::Start(contents_offset + 1))?;
    // Uppercase hex; the zeros already there pad the rest.
    file.write_all(hex::encode_upper(cms).as_bytes())?;
    update::persist(temp, destination)
}
