//! keyhop's domain core: sessions, validation, the assumer chain, STS, the keyring, the AWS
//! profile files and the state file. No UI toolkit, no printing: the CLI, the tray and the
//! windows are adapters over [`engine::Engine`].

#![forbid(unsafe_code)]

pub mod aws_files;
pub mod chain;
pub mod console;
pub mod doctor;
// The crate's own plumbing: the app reaches it through the engine (`Error`, `Result`,
// `Endpoints` and `StsError` are re-exported below).
mod endpoints;
pub mod engine;
mod error;
mod iam;
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
mod sts;
pub mod validate;

pub use endpoints::Endpoints;
pub use engine::{Engine, SessionView};
pub use error::{Error, Result};
pub use sts::StsError;

#[cfg(test)]
mod layering_tests;
