//! The user's own images, per certificate: the handwritten signature (`approve`) and the
//! agency seal (`issue`). Stored in the user's data folder, checked when imported (PNG or
//! JPEG that Kyso can draw, at most 4 MiB), owner-only. A request or a plugin call that names
//! the act without an image gets the image of the certificate it signs with.

use std::path::{Path, PathBuf};

use kyso_protocol::SigningAct;

use crate::i18n::{Bilingual, Text};

/// Largest image accepted.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

/// Which image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// The handwritten signature, drawn by the approve act.
    Signature,
    /// The agency seal, drawn by the issue act.
    Seal,
}

impl ImageKind {
    /// The image the act draws, if it draws one.
    pub fn for_act(act: SigningAct) -> Option<Self> {
        match act {
            SigningAct::Approve => Some(Self::Signature),
            SigningAct::Issue => Some(Self::Seal),
            _ => None,
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Self::Signature => "signature",
            Self::Seal => "seal",
        }
    }
}

/// The images folder.
#[derive(Debug, Clone)]
pub struct PersonalImages {
    dir: PathBuf,
}

impl PersonalImages {
    /// The store in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self { dir: dir.to_owned() }
    }

    /// The store in the user's data folder.
    pub fn for_this_user() -> Option<Self> {
        directories::ProjectDirs::from("vn", "Kyso", "Kyso").map(|d| Self::in_dir(&d.data_local_dir().join("images")))
    }

    fn path(&self, thumbprint: &str, kind: ImageKind) -> Option<PathBuf> {
        let thumbprint = thumbprint.to_ascii_lowercase();
        // A thumbprint is 64 hex digits: nothing else becomes part of a path.
        (thumbprint.len() == 64 && thumbprint.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.dir.join(thumbprint).join(kind.file_name()))
    }

    /// The certificate's image, if one was imported.
    pub fn get(&self, thumbprint: &str, kind: ImageKind) -> Option<Vec<u8>> {
        std::fs::read(self.path(thumbprint, kind)?).ok()
    }

    /// Imports `bytes` as the certificate's image, replacing the previous one.
    ///
    /// # Errors
    ///
    /// What is wrong, in both languages: the image is too large or not a PNG/JPEG Kyso can
    /// draw, or cannot be written.
    pub fn set(&self, thumbprint: &str, kind: ImageKind, bytes: &[u8]) -> Result<(), Bilingual> {
        let path = self.path(thumbprint, kind).ok_or_else(|| {
            let text = format!("{thumbprint:?} is not a SHA-256 thumbprint");
            Bilingual { vi: text.clone(), en: text }
        })?;
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(Bilingual::fill(Text::ImageTooLarge, &[("mib", &(MAX_IMAGE_BYTES >> 20).to_string())]));
        }
        crate::pdf::appearance::Image::decode(bytes)
            .map_err(|e| Bilingual::fill(Text::ImageUnusable, &[("reason", &e.to_string())]))?;
        crate::user_data::write_private(&path, bytes)
            .map_err(|e| Bilingual::fill(Text::ImageNotSaved, &[("reason", &format!("{}: {e}", path.display()))]))
    }

    /// Reads an image file chosen by the user, refusing one larger than [`MAX_IMAGE_BYTES`]
    /// before reading it.
    ///
    /// # Errors
    ///
    /// The file is too large or cannot be read, in both languages.
    pub fn read_file(path: &Path) -> Result<Vec<u8>, Bilingual> {
        let unreadable = |e: std::io::Error| {
            Bilingual::fill(Text::ImageUnusable, &[("reason", &format!("{}: {e}", path.display()))])
        };
        let size = std::fs::metadata(path).map_err(unreadable)?.len();
        if size > MAX_IMAGE_BYTES as u64 {
            return Err(Bilingual::fill(Text::ImageTooLarge, &[("mib", &(MAX_IMAGE_BYTES >> 20).to_string())]));
        }
        std::fs::read(path).map_err(unreadable)
    }

    /// Removes the certificate's image; says whether there was one.
    ///
    /// # Errors
    ///
    /// The file exists and cannot be removed.
    pub fn remove(&self, thumbprint: &str, kind: ImageKind) -> Result<bool, String> {
        let Some(path) = self.path(thumbprint, kind) else { return Ok(false) };
        match std::fs::remove_file(&path) {
            Ok(()) => {
                let _ = std::fs::remove_dir(path.parent().unwrap_or(&self.dir));
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THUMBPRINT: &str = "6E13EEF10A629D6FD4FE86F271573C8216455DAB822DB6213ABDB9A787C3AB54";

    fn png() -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 2, 2);
        encoder.set_color(png::ColorType::Rgba);
        encoder.write_header().expect("header").write_image_data(&[0u8; 16]).expect("data");
        out
    }

    #[test]
    fn images_are_checked_kept_per_certificate_and_removed() {
        let dir = tempfile::tempdir().expect("temp");
        let store = PersonalImages::in_dir(dir.path());
        assert!(store.set(THUMBPRINT, ImageKind::Signature, b"not an image").is_err());
        assert!(store.set("../etc", ImageKind::Signature, &png()).is_err(), "thumbprints only");
        store.set(THUMBPRINT, ImageKind::Signature, &png()).expect("imported");
        assert_eq!(store.get(&THUMBPRINT.to_lowercase(), ImageKind::Signature), Some(png()));
        assert_eq!(store.get(THUMBPRINT, ImageKind::Seal), None);
        assert!(store.remove(THUMBPRINT, ImageKind::Signature).expect("removed"));
        assert!(!store.remove(THUMBPRINT, ImageKind::Signature).expect("nothing left"));
        assert_eq!(store.get(THUMBPRINT, ImageKind::Signature), None);

        let huge = dir.path().join("huge.png");
        std::fs::File::create(&huge).and_then(|f| f.set_len(MAX_IMAGE_BYTES as u64 + 1)).expect("sparse file");
        assert!(PersonalImages::read_file(&huge).expect_err("too large").en.contains("larger than 4 MiB"));
        let small = dir.path().join("small.png");
        std::fs::write(&small, png()).expect("write");
        assert_eq!(PersonalImages::read_file(&small).expect("read"), png());
    }
}
