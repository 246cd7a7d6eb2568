//! The PDF corpus made by `tests/corpus/make-corpus.sh`: files from LibreOffice, Ghostscript,
//! ReportLab, qpdf and pyHanko, encrypted ones, and broken or hostile ones, described by its
//! `manifest.json`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;

/// One file of the corpus, as `manifest.json` describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The file's name in the corpus directory.
    pub file: String,
    /// The program (and version) that wrote it.
    pub producer: String,
    /// Whether it is a sound PDF; `false` for broken and hostile files.
    pub valid: bool,
    /// Whether it is encrypted (owner password only, unless `user_password` is set).
    pub encrypted: bool,
    /// The PDF/A conformance it claims: `"1b"`, `"2b"`.
    pub pdfa: Option<String>,
    /// How many signatures it already has.
    pub signatures: usize,
    /// Its empty signature fields.
    pub empty_fields: Vec<String>,
    /// Its page count (of the file it was made from, for broken files).
    pub pages: u32,
    /// The password it needs to be opened at all.
    pub user_password: Option<String>,
    /// The CA certificates (files in the corpus directory) its signatures chain to.
    pub trust_roots: Vec<String>,
    /// What is special about it.
    pub notes: String,
}

/// A corpus made by `make-corpus.sh` in a directory of its own.
#[derive(Debug)]
pub struct Corpus {
    dir: PathBuf,
    _owner: tempfile::TempDir,
    entries: Vec<Entry>,
}

impl Corpus {
    /// The corpus shared by every test of the process, made on first use (about 10 s). Tests must
    /// not change its files: they copy them or write their outputs elsewhere.
    pub fn shared() -> &'static Corpus {
        static SHARED: OnceLock<Corpus> = OnceLock::new();
        SHARED.get_or_init(Corpus::make)
    }

    fn make() -> Corpus {
        let owner = crate::temp_dir("kyso-corpus-");
        let dir = owner.path().to_owned();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/make-corpus.sh");
        let output = Command::new("bash").arg(&script).arg(&dir).output().expect("run make-corpus.sh");
        assert!(output.status.success(), "make-corpus.sh failed:\n{}", String::from_utf8_lossy(&output.stderr));
        let manifest = std::fs::read_to_string(dir.join("manifest.json")).expect("corpus manifest");
        let entries = serde_json::from_str(&manifest).expect("corpus manifest.json");
        Corpus { dir, _owner: owner, entries }
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every file, in the manifest's order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry of `name`.
    ///
    /// # Panics
    ///
    /// When the manifest has no such file.
    pub fn entry(&self, name: &str) -> &Entry {
        self.entries.iter().find(|e| e.file == name).unwrap_or_else(|| panic!("{name} is not in the corpus"))
    }

    /// The path of a file of the corpus, e.g. `libreoffice-decision.pdf`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The CA certificate of the pre-signed files (`pyhanko-root.pem`).
    pub fn pyhanko_root(&self) -> PathBuf {
        self.path("pyhanko-root.pem")
    }

    /// The trust roots of `entry`'s signatures, as paths.
    pub fn trust_roots(&self, entry: &Entry) -> Vec<PathBuf> {
        entry.trust_roots.iter().map(|r| self.path(r)).collect()
    }
}
