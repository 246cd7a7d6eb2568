//! PAdES signing of PDF files by incremental update.
//!
//! The input is never rewritten: a new revision (signature dictionary, field, widget and its
//! appearance, updated catalog and page, cross-reference section and trailer) is appended, so
//! earlier signatures stay valid and the input's bytes are an exact prefix of the output.

pub mod acts;
pub mod appearance;
pub mod changes;
pub mod dss;
mod error;
mod file;
mod form;
pub(crate) mod increment;
mod marks;
pub mod objects;
mod place;
mod placeholder;
mod prepare;
pub mod signatures;
mod source;
mod syntax;
mod text;
mod update;
mod xref;

pub use acts::{ActContent, Fonts};
pub use error::PdfError;
pub use file::PdfFile;
pub use placeholder::SignatureInfo;
pub use prepare::{Placed, Placement, Plan, Prepared, Visible, prepare};
pub use signatures::{EmbeddedSignature, SignatureKind};

/// Now, in Vietnam's time zone (UTC+7, no daylight saving): the time signatures show, whatever
/// the machine's zone.
pub fn local_now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7));
    // Whole seconds: PDF dates and the times appearances show have no fractions.
    now.replace_nanosecond(0).unwrap_or(now)
}

#[cfg(test)]
mod robustness;
