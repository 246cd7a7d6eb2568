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
