//! Why a PDF could not be signed.

/// A PDF signing failure, mapped to an API error code by the caller.
#[derive(Debug)]
pub enum PdfError {
    /// Not a PDF, or damaged beyond what the signer accepts (`invalid_pdf`).
    Invalid(String),
    /// Needs a password to open, or uses an encryption the signer does not handle
    /// (`pdf_encrypted`).
    Encrypted(String),
    /// The named signature field does not exist (`field_not_found`).
    FieldNotFound(String),
    /// The named signature field is already signed (`field_already_signed`).
    FieldSigned(String),
    /// A placement or request value that does not fit this document (`bad_request`).
    Placement(String),
    /// The document is certified (DocMDP) against the change signing would make
    /// (`document_certified`).
    Certified(String),
    /// The visible signature cannot be drawn (image, font, a character the font lacks).
    Appearance(super::appearance::AppearanceError),
    /// Reading the input or writing the output failed.
    Io(std::io::Error),
}

impl PdfError {
    /// Shorthand for [`PdfError::Invalid`].
    pub fn invalid(why: impl Into<String>) -> Self {
        Self::Invalid(why.into())
    }
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(why) => write!(f, "not a valid PDF: {why}"),
            Self::Encrypted(why) => write!(f, "encrypted PDF: {why}"),
            Self::FieldNotFound(name) => write!(f, "no signature field named {name:?}"),
            Self::FieldSigned(name) => write!(f, "the signature field {name:?} is already signed"),
            Self::Placement(why) => f.write_str(why),
            Self::Certified(why) => write!(f, "certified document: {why}"),
            Self::Appearance(why) => write!(f, "visible signature: {why}"),
            Self::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for PdfError {}

impl From<std::io::Error> for PdfError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

impl From<super::syntax::SyntaxError> for PdfError {
    fn from(error: super::syntax::SyntaxError) -> Self {
        Self::Invalid(format!("syntax error: {error}"))
    }
}
