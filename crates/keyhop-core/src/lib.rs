//! keyhop's domain core: sessions, validation, the assumer chain, STS, the keyring, the AWS
//! profile files and the state file. No UI toolkit, no printing: the CLI, the tray and the
//! windows are adapters over [`engine::Engine`].

#![forbid(unsafe_code)]

pub mod aws_files;
pub mod chain;
pub mod console;
pub mod doctor;
pub mod endpoints;
pub mod engine;
pub mod error;
pub mod iam;
pub mod import;
pub mod key_age;
pub mod kinds;
pub mod lease;
pub mod mfa_command;
mod private_files;
pub mod regions;
mod rotate_error;
pub mod saml;
pub mod schedule;
pub(crate) mod sdk_config;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod sso;
pub mod state;
pub mod sts;
pub mod validate;

pub use engine::{Engine, SessionView};
pub use error::{Error, Result};

#[cfg(test)]
mod layering_tests;
