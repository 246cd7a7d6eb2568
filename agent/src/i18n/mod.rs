//! What the user reads, in Vietnamese (the default) and English: the language setting, texts
//! made at run time in both languages ([`Bilingual`]), and the catalogue of fixed texts
//! ([`Text`]). Windows show one language; the pinentry prompt and logs show both.

mod catalogue;

pub use catalogue::Text;

/// The language of the windows (`language` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Tiếng Việt, the default.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// Reads the config value: `vi` or `en`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// A text made at run time, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bilingual {
    pub vi: String,
    pub en: String,
}

impl Bilingual {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }

    /// A catalogue text with its `{name}` placeholders filled, in both languages.
    pub fn fill(text: Text, values: &[(&str, &str)]) -> Self {
        Self { vi: text.fill(Lang::Vi, values), en: text.fill(Lang::En, values) }
    }
}

/// "vi / en", for the places that show both (pinentry, logs).
impl std::fmt::Display for Bilingual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

impl From<Text> for Bilingual {
    fn from(text: Text) -> Self {
        Self { vi: text.get(Lang::Vi).to_owned(), en: text.get(Lang::En).to_owned() }
    }
}

/// The language the windows and the tray use now: the administrator's when their policy sets
/// one (then it cannot change), else the user's last choice from the tray (kept in
/// `preferences.json` in their data folder), else the configuration's. Shared by everything
/// that shows text, so a switch applies to the next window and the tray at once.
#[derive(Debug, Clone)]
pub struct Language {
    english: std::sync::Arc<std::sync::atomic::AtomicBool>,
    saved: Option<std::path::PathBuf>,
    fixed: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Preferences {
    language: String,
}

impl Language {
    /// `configured` from the configuration, `fixed` when the policy set it; the user's choice
    /// is read from and written to `saved`.
    pub fn new(configured: Lang, fixed: bool, saved: Option<std::path::PathBuf>) -> Self {
        let chosen = (!fixed)
            .then(|| saved.as_ref().and_then(|path| std::fs::read(path).ok()))
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<Preferences>(&bytes).ok())
            .and_then(|p| Lang::parse(&p.language));
        let lang = chosen.unwrap_or(configured);
        Self { english: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(lang == Lang::En)), saved, fixed }
    }

    /// The user's preferences file in their data folder.
    pub fn preferences_file() -> Option<std::path::PathBuf> {
        directories::ProjectDirs::from("vn", "Kyso", "Kyso").map(|d| d.data_local_dir().join("preferences.json"))
    }

    /// The language now.
    pub fn get(&self) -> Lang {
        if self.english.load(std::sync::atomic::Ordering::SeqCst) { Lang::En } else { Lang::Vi }
    }

    /// Whether the administrator's policy fixes it.
    pub fn fixed(&self) -> bool {
        self.fixed
    }

    /// Switches to `lang` and keeps the choice.
    ///
    /// # Errors
    ///
    /// When the policy fixes the language, or the choice cannot be written (it still applies
    /// until the agent stops).
    pub fn set(&self, lang: Lang) -> std::io::Result<()> {
        if self.fixed {
            return Err(std::io::Error::other("the administrator's policy sets the language"));
        }
        self.english.store(lang == Lang::En, std::sync::atomic::Ordering::SeqCst);
        let Some(path) = &self.saved else { return Ok(()) };
        let code = match lang {
            Lang::Vi => "vi",
            Lang::En => "en",
        };
        let json = serde_json::to_vec(&Preferences { language: code.into() }).map_err(std::io::Error::other)?;
        crate::user_data::write_private(path, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_choice_is_kept_unless_the_policy_sets_the_language() {
        let dir = tempfile::tempdir().expect("temp dir");
        let saved = dir.path().join("data/preferences.json");
        let language = Language::new(Lang::Vi, false, Some(saved.clone()));
        assert_eq!(language.get(), Lang::Vi);
        language.set(Lang::En).expect("set");
        assert_eq!(language.get(), Lang::En);
        assert_eq!(Language::new(Lang::Vi, false, Some(saved.clone())).get(), Lang::En, "kept for the next start");
        let fixed = Language::new(Lang::Vi, true, Some(saved));
        assert_eq!(fixed.get(), Lang::Vi, "the policy wins over the user's choice");
        assert!(fixed.set(Lang::En).is_err() && fixed.get() == Lang::Vi);
    }
}
