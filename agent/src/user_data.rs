//! The user's own files (audit trail, images, PIN change dates): folders only they can enter.

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
