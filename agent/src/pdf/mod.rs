//! PAdES signing of PDF files by incremental update.
//!
//! The input is never rewritten: a new revision (signature dictionary, field, widget and its
//! appearance, updated catalog and page, cross-reference section and trailer) is appended, so
//! earlier signatures stay valid and the input's bytes are an exact prefix of the output.

pub mod objects;
