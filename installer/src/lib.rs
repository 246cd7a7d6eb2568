//! Per-machine setup for the Kyso signing agent.
//!
//! The agent serves its API over HTTPS on `127.0.0.1` and `::1`, so browsers must trust a
//! certificate for those names. Setup therefore makes a small certificate authority that belongs
//! to this one machine:
//!
//! - [`local_ca::generate`] makes a fresh CA and a `localhost` server certificate it signed, and
//!   returns them as [`LocalCertificates`]. The CA is name-constrained (a critical
//!   NameConstraints extension permitting only DNS `localhost`, `127.0.0.1/32` and `::1/128`),
//!   and its private key never leaves [`local_ca::generate`]: it is wiped and dropped as soon as
//!   the leaf is signed. A leaked file can therefore never mint a certificate for a real site.
//! - [`local_ca::write_dev_cert`] writes `ca.pem`, `cert.pem` (the full chain) and `key.pem`
//!   (mode `0600` on Unix) into a directory, each atomically, and returns their
//!   [`DevCertFiles`] paths.
//!
//! Options are [`LocalCaOptions`]; every failure is a [`local_ca::Error`].
#![forbid(unsafe_code)]

pub mod local_ca;

pub use local_ca::{DevCertFiles, LocalCaOptions, LocalCertificates};
