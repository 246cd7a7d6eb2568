//! End-to-end tests of the Kyso agent against real parts: SoftHSM2, OpenSSL, pyHanko, the real
//! `kyso-agent` binary over TLS. One binary for all (fewer links, one shared PKI).

mod appearance;
mod audit;
mod browser;
mod change_pin;
mod cli;
mod compat;
mod corpus;
mod deb;
mod detached;
mod install;
mod long_term;
mod msi;
mod pdf;
mod personal_images;
mod security;
mod server;
mod settings;
mod timestamps;
mod tokens;
mod tray;
mod trust;
mod urls;
mod verify;
mod window;
