//! Revisions without a signature (the DSS): the update appended to a copy of the input beside
//! the destination, synced, then renamed over it, so a reader never sees half a file.

use std::io::Write;
use std::path::Path;

use lopdf::ObjectId;

use super::error::PdfError;
use super::file::PdfFile;
use super::increment::{self, Base, Body};
use super::objects::NewObjects;

/// What an update of `file` is appended to.
///
/// # Errors
///
/// I/O errors reading the file's last byte.
pub fn base(file: &PdfFile) -> Result<Base<'_>, PdfError> {
    let len = file.source().len();
    let tail = file.source().read_at(len.saturating_sub(1), 1)?;
    Ok(Base {
        len,
        ends_with_eol: matches!(tail.as_slice(), b"\n" | b"\r"),
        trailer: file.trailer(),
        form: file.xref_form(),
        startxref: file.startxref(),
    })
}

/// Writes `file` followed by the update made of `objects` to a temporary file beside
/// `destination`, for [`persist`] once `file` is closed (Windows renames nothing over an open
/// file, and `destination` may be `file` itself).
///
/// # Errors
///
/// [`PdfError`] when an object was reserved and never set, and I/O errors.
pub fn write_beside(
    file: &PdfFile,
    objects: NewObjects,
    destination: &Path,
) -> Result<tempfile::NamedTempFile, PdfError> {
    let size = objects.size();
    let bodies: Vec<(ObjectId, Body)> = objects
        .into_objects()
        .map_err(|n| PdfError::invalid(format!("internal: object {n} reserved but never set")))?
        .into_iter()
        .map(|(id, object)| (id, Body::Object(object)))
        .collect();
    let update = increment::write(&base(file)?, bodies, size)?;
    let out_dir = destination.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".kyso-").suffix(".pdf.part").tempfile_in(out_dir)?;
    temp.as_file().set_permissions(file.source().file().metadata()?.permissions())?;
    let mut input = file.source().file();
    std::io::Seek::seek(&mut input, std::io::SeekFrom::Start(0))?;
    let copied = std::io::copy(&mut std::io::Read::take(input, file.source().len()), temp.as_file_mut())?;
    if copied != file.source().len() {
        return Err(PdfError::Io(std::io::Error::other("the input file shrank while it was being extended")));
    }
    temp.as_file_mut().write_all(&update.bytes)?;
    Ok(temp)
}

/// Syncs `temp` and renames it to `destination`, then syncs the directory.
///
/// # Errors
///
/// I/O errors.
pub fn persist(temp: tempfile::NamedTempFile, destination: &Path) -> Result<(), PdfError> {
    temp.as_file().sync_all()?;
    temp.persist(destination).map_err(|e| PdfError::Io(e.error))?;
    // The rename itself must survive a power cut too.
    #[cfg(unix)]
    if let Some(dir) = destination.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
