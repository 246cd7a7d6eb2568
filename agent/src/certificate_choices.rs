//! The certificate the user last chose for each origin, so the chooser opens on it. A small
//! JSON file in the user's data folder: origins and thumbprints, nothing else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file of the record.
#[derive(Debug, Clone)]
pub struct CertificateChoices {
    path: PathBuf,
}

impl CertificateChoices {
    /// The record in `dir` (`certificate-choices.json`).
    pub fn in_dir(dir: &Path) -> Self {
        Self { path: dir.join("certificate-choices.json") }
    }

    /// The record in the user's data folder.
    pub fn for_this_user() -> Option<Self> {
        directories::ProjectDirs::from("vn", "Kyso", "Kyso").map(|d| Self::in_dir(d.data_local_dir()))
    }

    /// The thumbprint (hex) last chosen for `origin`.
    pub fn get(&self, origin: &str) -> Option<String> {
        self.read().remove(origin)
    }

    /// Remembers `thumbprint` (hex) for `origin`.
    ///
    /// # Errors
    ///
    /// The record cannot be written.
    pub fn set(&self, origin: &str, thumbprint: &str) -> std::io::Result<()> {
        let mut record = self.read();
        record.insert(origin.to_owned(), thumbprint.to_owned());
        let json = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
        crate::user_data::write_private(&self.path, &json)
    }

    fn read(&self) -> BTreeMap<String, String> {
        std::fs::read(&self.path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_one_choice_per_origin() {
        let dir = tempfile::tempdir().expect("temp dir");
        let choices = CertificateChoices::in_dir(&dir.path().join("data"));
        assert_eq!(choices.get("https://a.gov.vn"), None);
        choices.set("https://a.gov.vn", "aa").expect("set");
        choices.set("https://b.gov.vn", "bb").expect("set");
        choices.set("https://a.gov.vn", "cc").expect("set");
        assert_eq!(choices.get("https://a.gov.vn").as_deref(), Some("cc"));
        assert_eq!(choices.get("https://b.gov.vn").as_deref(), Some("bb"));
        std::fs::write(dir.path().join("data/certificate-choices.json"), "not json").expect("write");
        assert_eq!(choices.get("https://a.gov.vn"), None, "a damaged record is an empty one");
    }
}
