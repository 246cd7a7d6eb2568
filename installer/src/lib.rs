//! Per-machine setup for the Kyso signing agent (`kyso-install`).
//!
//! The agent serves its API over HTTPS on `127.0.0.1` and `::1`, so browsers must trust a
//! certificate for those names, and the portals must be allowed to reach loopback. Setup:
//!
//! - makes a CA that belongs to this one machine and a `localhost` server certificate
//!   ([`local_ca`]): name-constrained to loopback names, its private key wiped as soon as the
//!   leaf is signed;
//! - installs the CA where the OS and the browsers look (system store and NSS databases on
//!   Linux, the LocalMachine ROOT store on Windows) and writes the browser policies
//!   ([`browser_policy`]);
//! - writes the agent's machine policy ([`agent_policy`]) and autostart entry;
//! - records every change in a [`manifest::Manifest`], so that [`uninstall`] removes exactly
//!   what [`setup`] made, and [`doctor`] knows what to check.
//!
//! Paths come from a [`layout::Layout`]; on Linux it can be rooted anywhere, which is how the
//! tests run setup for real without touching the machine.
#![deny(unsafe_code)]

pub mod agent_policy;
pub mod browser_policy;
#[cfg(unix)]
mod command;
pub mod doctor;
pub mod files;
pub mod layout;
pub mod local_ca;
pub mod manifest;
pub mod options;
pub mod pem;
pub mod setup;
pub mod text;
pub mod uninstall;

#[cfg(unix)]
pub mod linux;
#[cfg(windows)]
pub mod windows;

#[cfg(unix)]
use linux as linux_or_windows;
#[cfg(windows)]
use windows as linux_or_windows;

pub use local_ca::{DevCertFiles, LocalCaOptions, LocalCertificates};
