//! PAdES signing of PDF files by incremental update.
//!
//! The input is never rewritten: a new revision (signature dictionary, field, widget and its
//! appearance, updated catalog and page, cross-reference section and trailer) is appended, so
//! earlier signatures stay valid and the input's bytes are an exact prefix of the output.

mod error;
mod file;
mod form;
mod increment;
pub mod objects;
mod placeholder;
mod prepare;
mod source;
mod syntax;
mod xref;

pub use error::PdfError;
pub use placeholder::SignatureInfo;
pub use prepare::{AppearanceFn, Placement, Plan, Prepared, prepare};

/// Now, in Vietnam's time zone (UTC+7, no daylight saving): the time signatures show, whatever
/// the machine's zone.
pub fn local_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7))
}

#[cfg(test)]
mod robustness;
