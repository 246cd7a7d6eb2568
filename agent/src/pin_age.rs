//! When each token's PIN was last changed, for the reminder agency rules call for: the token
//! password must be changed at least every six months.
//!
//! Kyso knows of the changes made through it (`kyso-agent change-pin`); for a token it has
//! never changed, it counts from the first time it saw the token. The record is a small JSON
//! file in the user's data folder, keyed by token serial number; it holds dates only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::i18n::{Bilingual, Lang, Text};

/// How old a PIN may get before the reminder: six months.
pub const MAX_AGE: Duration = Duration::days(183);

/// The file of the record.
#[derive(Debug, Clone)]
pub struct PinAges {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    tokens: BTreeMap<String, TokenRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenRecord {
    label: String,
    /// The first day Kyso saw the token.
    first_seen: Date,
    /// The last change made through Kyso.
    changed: Option<Date>,
}

impl PinAges {
    /// The record in `dir` (`pin-changes.json`).
    pub fn in_dir(dir: &Path) -> Self {
        Self { path: dir.join("pin-changes.json") }
    }

    /// The record in the user's data folder.
    pub fn for_this_user() -> Option<Self> {
        directories::ProjectDirs::from("vn", "Kyso", "Kyso").map(|d| Self::in_dir(d.data_local_dir()))
    }

    /// Notes that the PIN of token `serial` was changed `today`.
    ///
    /// # Errors
    ///
    /// The record cannot be written.
    pub fn changed(&self, serial: &str, label: &str, today: Date) -> std::io::Result<()> {
        let mut record = self.read();
        let entry = record.tokens.entry(serial.to_owned()).or_insert_with(|| TokenRecord {
            label: label.to_owned(),
            first_seen: today,
            changed: None,
        });
        entry.changed = Some(today);
        entry.label = label.to_owned();
        self.write(&record)
    }

    /// The reminder to show for token `serial` `today`, if its PIN is older than
    /// [`MAX_AGE`]; a token seen for the first time is noted.
    pub fn reminder(&self, serial: &str, label: &str, today: Date) -> Option<Bilingual> {
        let mut record = self.read();
        let entry = match record.tokens.get(serial) {
            Some(entry) => entry.clone(),
            None => {
                let entry = TokenRecord { label: label.to_owned(), first_seen: today, changed: None };
                record.tokens.insert(serial.to_owned(), entry.clone());
                if let Err(error) = self.write(&record) {
                    tracing::debug!(%error, "cannot note a new token for the PIN reminder");
                }
                entry
            }
        };
        reminder_text(entry.changed, entry.first_seen, today)
    }

    /// What Settings says of token `serial`'s PIN: when it was last changed through Kyso, or
    /// since when it has not been; `None` for a token Kyso has not seen.
    pub fn describe(&self, serial: &str) -> Option<Bilingual> {
        let entry = self.read().tokens.remove(serial)?;
        let (how, date) = match entry.changed {
            Some(date) => (Text::PinChangedOn, date),
            None => (Text::PinNotChangedSince, entry.first_seen),
        };
        Some(Bilingual::fill(how, &[("date", &date.to_string())]))
    }

    fn read(&self) -> Record {
        std::fs::read(&self.path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    fn write(&self, record: &Record) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
        crate::user_data::write_private(&self.path, &json)
    }
}

/// The reminder, in both languages, when the PIN is older than [`MAX_AGE`].
pub fn reminder_text(changed: Option<Date>, first_seen: Date, today: Date) -> Option<Bilingual> {
    let since = changed.unwrap_or(first_seen);
    if today - since < MAX_AGE {
        return None;
    }
    let date = since.to_string();
    let how = if changed.is_some() { Text::PinChangedOn } else { Text::PinNotChangedSince };
    let since = Bilingual::fill(how, &[("date", &date)]);
    Some(Bilingual {
        vi: Text::PinOld.fill(Lang::Vi, &[("since", &since.vi)]),
        en: Text::PinOld.fill(Lang::En, &[("since", &since.en)]),
    })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn reminds_after_six_months_from_the_last_change_or_first_sight() {
        let today = date!(2026 - 12 - 03);
        assert!(reminder_text(Some(date!(2026 - 07 - 01)), date!(2025 - 01 - 01), today).is_none());
        assert!(
            reminder_text(Some(date!(2026 - 05 - 01)), date!(2026 - 05 - 01), today)
                .is_some_and(|t| t.vi.contains("2026-05-01") && t.en.contains("last changed on 2026-05-01"))
        );
        assert!(reminder_text(None, date!(2026 - 11 - 01), today).is_none());
        assert!(
            reminder_text(None, date!(2026 - 01 - 02), today)
                .is_some_and(|t| t.en.contains("not changed through Kyso"))
        );
    }

    #[test]
    fn the_record_notes_new_tokens_and_changes() {
        let dir = tempfile::tempdir().expect("temp");
        let ages = PinAges::in_dir(dir.path());
        let long_ago = date!(2026 - 01 - 01);
        assert!(ages.reminder("S1", "Token 1", long_ago).is_none(), "first sight starts the count");
        assert!(ages.reminder("S1", "Token 1", date!(2026 - 12 - 03)).is_some());
        ages.changed("S1", "Token 1", date!(2026 - 12 - 03)).expect("written");
        assert_eq!(ages.describe("S1").map(|t| t.en), Some("last changed on 2026-12-03".into()));
        assert_eq!(ages.describe("S2"), None);
        assert!(ages.reminder("S1", "Token 1", date!(2027 - 01 - 03)).is_none());
        let text = std::fs::read_to_string(dir.path().join("pin-changes.json")).expect("record");
        assert!(text.contains("\"changed\"") && !text.to_lowercase().contains("pin\":"), "{text}");
    }
}
