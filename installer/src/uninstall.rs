//! `kyso-install uninstall`: removes what setup recorded, and nothing else.

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::text::{Failure, Text};

/// Removes the installation recorded on this machine; says whether there was one.
///
/// # Errors
///
/// The record cannot be read, or some steps failed (all were tried).
pub fn run(layout: &Layout) -> Result<bool, Failure> {
    let Some(record) = Manifest::read(&layout.manifest)? else { return Ok(false) };
    undo(layout, &record)?;
    Ok(true)
}

/// Undoes `record`: trust entries, policies, autostart, files, then the directories setup
/// made (those still empty), then the record itself. Every step is tried.
///
/// # Errors
///
/// The steps that failed, together.
pub fn undo(layout: &Layout, record: &Manifest) -> Result<(), Failure> {
    let mut failures = Vec::new();
    crate::linux_or_windows::uninstall(layout, record, &mut failures);
    if let Err(e) = crate::files::remove_file(&layout.manifest) {
        failures.push(e);
    }
    for dir in record.dirs.iter().rev() {
        crate::files::remove_dir_if_empty(dir);
    }
    if failures.is_empty() {
        return Ok(());
    }
    let join = |pick: fn(&Text) -> &str| failures.iter().map(|f| pick(&f.0)).collect::<Vec<_>>().join("; ");
    Err(Failure(Text::new(join(|t| &t.vi), join(|t| &t.en))))
}
