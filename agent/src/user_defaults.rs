//! What a request gets when it does not say, chosen per certificate in Settings: the level,
//! and per portal the act (so that a portal which posts bare PDFs still gets the visible
//! signature the clerk's office uses). Kept in the user's `defaults.json`; the administrator's
//! `[defaults]` policy wins and cannot be changed here, the user's own file is the fallback.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kyso_protocol::{SignatureLevel, SigningAct};
use serde::{Deserialize, Serialize};

use crate::config::Defaults;

/// The user's choices, and the configuration's `[defaults]` under and over them.
#[derive(Debug, Clone)]
pub struct UserDefaults {
    path: PathBuf,
    configured: Defaults,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Record {
    /// By certificate thumbprint (lowercase hex).
    certificates: BTreeMap<String, Choices>,
}

/// One certificate's choices.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choices {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<SignatureLevel>,
    /// By origin.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub acts: BTreeMap<String, SigningAct>,
}

/// A value and where it comes from, for Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The administrator's policy: read-only.
    Policy,
    /// The user's choice in Settings.
    User,
    /// The user's configuration file, or nothing set.
    Configured,
}

impl UserDefaults {
    /// The record in `dir` (`defaults.json`), over and under `configured`.
    pub fn in_dir(dir: &Path, configured: Defaults) -> Self {
        Self { path: dir.join("defaults.json"), configured }
    }

    /// The record in the user's data folder.
    pub fn for_this_user(configured: Defaults) -> Option<Self> {
        directories::ProjectDirs::from("vn", "Kyso", "Kyso").map(|d| Self::in_dir(d.data_local_dir(), configured))
    }

    /// The level for a request with `thumbprint` that names none, and where it comes from.
    pub fn level(&self, thumbprint: &str) -> (Option<SignatureLevel>, Source) {
        if self.configured.level_fixed {
            return (self.configured.level, Source::Policy);
        }
        match self.choices(thumbprint).level {
            Some(level) => (Some(level), Source::User),
            None => (self.configured.level, Source::Configured),
        }
    }

    /// The act for a PDF request from `origin` with `thumbprint` that names no act or place.
    pub fn act(&self, thumbprint: &str, origin: &str) -> (Option<SigningAct>, Source) {
        let configured = self.configured.acts.get(origin);
        if let Some((act, true)) = configured {
            return (Some(*act), Source::Policy);
        }
        match self.choices(thumbprint).acts.get(origin) {
            Some(act) => (Some(*act), Source::User),
            None => (configured.map(|(act, _)| *act), Source::Configured),
        }
    }

    /// The origins Settings offers defaults for: the allowed ones and any the configuration
    /// names.
    pub fn origins(&self, allowed: &[String]) -> Vec<String> {
        let mut origins: Vec<String> = allowed.to_vec();
        for origin in self.configured.acts.keys() {
            if !origins.contains(origin) {
                origins.push(origin.clone());
            }
        }
        origins
    }

    /// Sets (or, with `None`, clears) the user's level for `thumbprint`.
    ///
    /// # Errors
    ///
    /// The policy fixes the level, or the record cannot be written.
    pub fn set_level(&self, thumbprint: &str, level: Option<SignatureLevel>) -> std::io::Result<()> {
        if self.configured.level_fixed {
            return Err(std::io::Error::other("the administrator's policy sets the default level"));
        }
        self.update(thumbprint, |choices| choices.level = level)
    }

    /// Sets (or clears) the user's act for `origin` with `thumbprint`.
    ///
    /// # Errors
    ///
    /// The policy fixes this origin's act, or the record cannot be written.
    pub fn set_act(&self, thumbprint: &str, origin: &str, act: Option<SigningAct>) -> std::io::Result<()> {
        if matches!(self.configured.acts.get(origin), Some((_, true))) {
            return Err(std::io::Error::other("the administrator's policy sets this portal's default act"));
        }
        self.update(thumbprint, |choices| match act {
            Some(act) => {
                choices.acts.insert(origin.to_owned(), act);
            }
            None => {
                choices.acts.remove(origin);
            }
        })
    }

    fn choices(&self, thumbprint: &str) -> Choices {
        self.read().certificates.remove(&thumbprint.to_ascii_lowercase()).unwrap_or_default()
    }

    fn update(&self, thumbprint: &str, change: impl FnOnce(&mut Choices)) -> std::io::Result<()> {
        let mut record = self.read();
        let key = thumbprint.to_ascii_lowercase();
        let choices = record.certificates.entry(key.clone()).or_default();
        change(choices);
        if *choices == Choices::default() {
            record.certificates.remove(&key);
        }
        let json = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
        crate::user_data::write_private(&self.path, &json)
    }

    fn read(&self) -> Record {
        std::fs::read(&self.path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "6E13EEF10A629D6FD4FE86F271573C8216455DAB822DB6213ABDB9A787C3AB54";
    const OTHER: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn the_users_choices_are_per_certificate_under_the_policy() {
        let dir = tempfile::tempdir().expect("temp");
        let mut configured = Defaults { level: Some(SignatureLevel::BT), ..Default::default() };
        configured.acts.insert("https://a.gov.vn".into(), (SigningAct::Copy, false));
        configured.acts.insert("https://b.gov.vn".into(), (SigningAct::Issue, true));
        let defaults = UserDefaults::in_dir(dir.path(), configured.clone());

        assert_eq!(defaults.level(CERT), (Some(SignatureLevel::BT), Source::Configured));
        assert_eq!(defaults.act(CERT, "https://a.gov.vn"), (Some(SigningAct::Copy), Source::Configured));
        defaults.set_level(CERT, Some(SignatureLevel::BLt)).expect("set");
        defaults.set_act(CERT, "https://a.gov.vn", Some(SigningAct::Approve)).expect("set");
        assert!(defaults.set_act(CERT, "https://b.gov.vn", Some(SigningAct::Plain)).is_err(), "the policy's");
        assert_eq!(defaults.level(&CERT.to_lowercase()), (Some(SignatureLevel::BLt), Source::User));
        assert_eq!(defaults.act(CERT, "https://a.gov.vn"), (Some(SigningAct::Approve), Source::User));
        assert_eq!(defaults.act(CERT, "https://b.gov.vn"), (Some(SigningAct::Issue), Source::Policy));
        assert_eq!(defaults.act(OTHER, "https://a.gov.vn"), (Some(SigningAct::Copy), Source::Configured));
        assert_eq!(defaults.act(CERT, "https://c.gov.vn"), (None, Source::Configured));
        assert_eq!(
            defaults.origins(&["https://c.gov.vn".into(), "https://a.gov.vn".into()]),
            ["https://c.gov.vn", "https://a.gov.vn", "https://b.gov.vn"]
        );

        defaults.set_act(CERT, "https://a.gov.vn", None).expect("cleared");
        defaults.set_level(CERT, None).expect("cleared");
        let text = std::fs::read_to_string(dir.path().join("defaults.json")).expect("record");
        assert!(!text.contains(&CERT.to_lowercase()), "nothing left for the certificate: {text}");

        configured.level_fixed = true;
        let fixed = UserDefaults::in_dir(dir.path(), configured);
        assert!(fixed.set_level(CERT, Some(SignatureLevel::BB)).is_err());
        assert_eq!(fixed.level(CERT), (Some(SignatureLevel::BT), Source::Policy));
    }
}
