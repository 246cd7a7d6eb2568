//! What the installer tells people: every line in Vietnamese and in English.

use std::fmt;

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Text {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Text {
    /// Pairs a Vietnamese and an English sentence.
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { vi: vi.into(), en: en.into() }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

/// Something setup, uninstall or doctor could not do, said in both languages.
#[derive(Debug)]
pub struct Failure(pub Text);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Failure {}

/// Builds a [`Failure`] from a bilingual pair and a technical detail shown in both.
pub fn failure(vi: &str, en: &str, detail: impl fmt::Display) -> Failure {
    Failure(Text::new(format!("{vi}: {detail}"), format!("{en}: {detail}")))
}
