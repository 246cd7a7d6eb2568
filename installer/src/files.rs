//! File operations that never leave a half-written file, and that record what they created.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::text::{Failure, failure};

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, with
/// `mode` on Unix. The directory must exist.
///
/// # Errors
///
/// The file cannot be created, written or renamed.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Failure> {
    let cannot =
        |e: std::io::Error| failure("Không ghi được tệp", "Cannot write file", format!("{}: {e}", path.display()));
    let dir = path.parent().ok_or_else(|| cannot(std::io::Error::other("no parent directory")))?;
    let mut file = tempfile::Builder::new().prefix(".kyso-").tempfile_in(dir).map_err(cannot)?;
    file.write_all(bytes).map_err(cannot)?;
    file.as_file().sync_all().map_err(cannot)?;
    set_mode(file.path(), mode).map_err(cannot)?;
    file.persist(path).map_err(|e| cannot(e.error))?;
    Ok(())
}

/// Sets Unix permission bits; nothing elsewhere (Windows files inherit their folder's ACL).
///
/// # Errors
///
/// The permissions cannot be set.
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Creates `dir` and its missing parents, and appends the ones it created to `created`
/// (outermost first), so that uninstall can remove exactly those.
///
/// # Errors
///
/// A directory cannot be created.
pub fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let mut missing = Vec::new();
    let mut cursor = Some(dir);
    while let Some(path) = cursor {
        if path.exists() {
            break;
        }
        missing.push(path.to_owned());
        cursor = path.parent();
    }
    for path in missing.into_iter().rev() {
        std::fs::create_dir(&path).map_err(|e| {
            failure("Không tạo được thư mục", "Cannot create directory", format!("{}: {e}", path.display()))
        })?;
        set_mode(&path, 0o755).map_err(|e| {
            failure(
                "Không đặt được quyền thư mục",
                "Cannot set directory permissions",
                format!("{}: {e}", path.display()),
            )
        })?;
        created.push(path);
    }
    Ok(())
}

/// Removes a file; a missing one is fine.
///
/// # Errors
///
/// The file exists and cannot be removed.
pub fn remove_file(path: &Path) -> Result<(), Failure> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(failure("Không xoá được tệp", "Cannot remove file", format!("{}: {e}", path.display()))),
    }
}

/// Removes a directory if it is empty; one holding files of someone else's stays.
pub fn remove_dir_if_empty(path: &Path) {
    let _ = std::fs::remove_dir(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_dirs_are_recorded_outermost_first() {
        let temp = tempfile::tempdir().expect("temp");
        let mut created = Vec::new();
        create_dirs(&temp.path().join("a/b/c"), &mut created).expect("created");
        assert_eq!(created, [temp.path().join("a"), temp.path().join("a/b"), temp.path().join("a/b/c")]);
        created.clear();
        create_dirs(&temp.path().join("a/b/d"), &mut created).expect("created");
        assert_eq!(created, [temp.path().join("a/b/d")]);
    }

    #[test]
    fn atomic_writes_replace_whole_files() {
        let temp = tempfile::tempdir().expect("temp");
        let path = temp.path().join("f");
        write_atomic(&path, b"one", 0o600).expect("written");
        write_atomic(&path, b"two", 0o644).expect("replaced");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        assert_eq!(std::fs::read_dir(temp.path()).expect("dir").count(), 1, "no temporary file left");
    }
}
