//! "View": opens the exact bytes the user consents to in the system's PDF viewer. The viewer
//! gets a private copy whose SHA-256 is checked against the one shown, so what opens is what
//! will be signed even if the original file is touched meanwhile.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Private copies for viewers, removed when the window closes.
#[derive(Debug)]
pub struct ViewerCopies {
    dir: Option<tempfile::TempDir>,
}

/// Why a document could not be shown.
#[derive(Debug)]
pub enum ViewError {
    /// The file no longer has the digest shown.
    Changed,
    Io(std::io::Error),
}

impl ViewerCopies {
    pub fn new() -> Self {
        Self { dir: None }
    }

    /// Copies `file`, checks its SHA-256 is `sha256_hex` (when the digest shown is SHA-256 of
    /// the whole file), and asks the desktop to open the copy.
    ///
    /// # Errors
    ///
    /// [`ViewError::Changed`] when the copy's digest differs; I/O errors otherwise.
    pub fn open(&mut self, file: &Path, name: &str, sha256_hex: Option<&str>) -> Result<(), ViewError> {
        let copy = self.copy(file, name, sha256_hex)?;
        open_with_desktop(&copy).map_err(ViewError::Io)
    }

    fn copy(&mut self, file: &Path, name: &str, sha256_hex: Option<&str>) -> Result<PathBuf, ViewError> {
        let dir = match &self.dir {
            Some(dir) => dir,
            None => self.dir.insert(tempfile::Builder::new().prefix("kyso-view-").tempdir().map_err(ViewError::Io)?),
        };
        let bytes = std::fs::read(file).map_err(ViewError::Io)?;
        if sha256_hex.is_some_and(|expected| !hex::encode(Sha256::digest(&bytes)).eq_ignore_ascii_case(expected)) {
            return Err(ViewError::Changed);
        }
        // A name the viewer shows, without any path the caller may have put in it.
        let stem: String = name.chars().filter(|c| !matches!(c, '/' | '\\' | ':' | '\0')).take(80).collect();
        let stem = if stem.trim().is_empty() { "document".to_owned() } else { stem };
        let path =
            dir.path().join(if stem.to_ascii_lowercase().ends_with(".pdf") { stem } else { format!("{stem}.pdf") });
        std::fs::write(&path, &bytes).map_err(ViewError::Io)?;
        Ok(path)
    }
}

impl Default for ViewerCopies {
    fn default() -> Self {
        Self::new()
    }
}

/// Hands `path` to the desktop's handler for its type (a folder opens in the file manager).
pub(super) fn open_with_desktop(path: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    let mut command = {
        let mut command = std::process::Command::new("explorer.exe");
        command.arg(path);
        command
    };
    #[cfg(target_os = "macos")]
    let mut command = {
        let mut command = std::process::Command::new("open");
        command.arg(path);
        command
    };
    #[cfg(all(unix, not(target_os = "macos")))]
    let mut command = {
        let mut command = std::process::Command::new("xdg-open");
        command.arg(path);
        command
    };
    // The viewer runs on its own; its exit status says nothing useful (explorer returns 1).
    command.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    command.spawn().map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_only_the_bytes_consented_to() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("in.pdf");
        std::fs::write(&file, b"%PDF-1.7 shown").expect("write");
        let shown = hex::encode(Sha256::digest(b"%PDF-1.7 shown"));
        let mut copies = ViewerCopies::new();
        let copy = copies.copy(&file, "../Quyết định.pdf", Some(&shown)).expect("copied");
        assert_eq!(std::fs::read(&copy).expect("read"), b"%PDF-1.7 shown");
        assert_eq!(copy.file_name().and_then(|n| n.to_str()), Some("..Quyết định.pdf"));
        std::fs::write(&file, b"%PDF-1.7 swapped").expect("write");
        assert!(matches!(copies.copy(&file, "x", Some(&shown)), Err(ViewError::Changed)));
        let kept = copies.dir.as_ref().map(|d| d.path().to_owned()).expect("a copy dir");
        drop(copies);
        assert!(!kept.exists(), "copies go with the window");
    }
}
