//! The Kyso signing agent.
//!
//! A daemon on the user's machine that web pages at allowed origins reach over TLS on loopback:
//! it finds the user's certificates on PKCS#11 tokens ([`token::TokenService`]), asks the user
//! for consent and PIN in its own prompt ([`prompt::Prompter`]), and returns CAdES signatures
//! ([`cades`]) through one flow ([`signing::Signer`]). [`server::run`] serves the HTTP API;
//! `main.rs` only parses arguments and calls into here.

pub mod audit;
pub mod cades;
pub mod certificate_choices;
pub mod certinfo;
pub mod cli;
pub mod config;
pub mod digest;
pub mod error;
pub mod i18n;
pub mod ltv;
pub mod multipart;
pub mod outbound;
pub mod pdf;
pub mod personal_images;
pub mod pin_age;
pub mod pin_change;
pub mod prompt;
pub mod server;
pub mod signing;
pub mod token;
pub mod trust;
pub mod ui;
pub mod user_data;
pub mod user_defaults;
pub mod verify;
