//! The user's own files (audit trail, images, PIN change dates, choices): folders only they
//! can enter, files written whole or not at all.

use std::path::Path;

/// Creates `dir` and its missing parents, owner-only on Unix (Windows: the profile's ACL).
///
/// # Errors
///
/// A folder cannot be created.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, in a folder
/// only the user can enter, synced, then renamed over it.
///
/// # Errors
///
/// The folder cannot be created or the file written.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
