//! The one error type the engine returns: every variant is a sentence a user can act on, and
//! none carries a secret.

use std::path::PathBuf;

use crate::aws_files::AwsFilesError;
use crate::chain::ChainError;
use crate::secrets::SecretsError;
use crate::state::StateError;
use crate::sts::StsError;
use crate::validate::{MfaDevice, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    AwsFiles(#[from] AwsFilesError),
    #[error(transparent)]
    Sso(#[from] crate::sso::SsoError),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error(transparent)]
    Console(#[from] crate::console::ConsoleError),
    #[error(transparent)]
    MfaProcess(#[from] crate::mfa_command::MfaProcessError),
    #[error(transparent)]
    Saml(#[from] crate::saml::SamlError),
    #[error(transparent)]
    SamlValue(#[from] crate::saml::SamlValueError),
    /// Boxed: it carries two keys' stories, and `Error` travels through every result.
    #[error(transparent)]
    Rotate(Box<crate::rotate_error::RotateError>),
    #[error("{step} for session {alias:?} failed: {source}")]
    Sts {
        step: &'static str,
        alias: String,
        source: StsError,
    },
    #[error("no session named {0:?}")]
    NoSuchSession(String),
    #[error("the session was removed meanwhile (id {0})")]
    SessionRemoved(crate::session::SessionId),
    #[error("a session named {0:?} already exists")]
    DuplicateAlias(String),
    #[error(
        "profile {profile:?} already exists in {path} and is not managed by keyhop; choose another profile name, or remove that profile from the file first"
    )]
    ForeignProfile { profile: String, path: PathBuf },
    #[error("session {alias:?} needs a 6-digit code from MFA device {device}")]
    MfaRequired { alias: String, device: MfaDevice },
    #[error("cannot remove session {alias:?}: {dependants} from it; remove or re-point them first")]
    HasDependants { alias: String, dependants: String },
    #[error("session {0:?} cannot assume from itself: that would be a cycle")]
    SelfAssumer(String),
    #[error("session {0:?} has no access keys in the keyring; remove it and add it again")]
    MissingKeys(String),
    #[error("{field} does not apply to session {alias:?}, which is {kind}")]
    NotApplicable {
        field: &'static str,
        alias: String,
        kind: &'static str,
    },
    #[error("the access-key CSV {0}")]
    Csv(String),
    /// The AWS tools would not read what keyhop writes into the session's profile.
    #[error("{}", shadowed_message(alias, shadow))]
    Shadowed {
        alias: String,
        shadow: Box<crate::aws_files::Shadow>,
    },
}

fn shadowed_message(alias: &str, shadow: &crate::aws_files::Shadow) -> String {
    let mut files: Vec<String> = shadow.keys.iter().map(|k| k.file.display().to_string()).collect();
    files.dedup();
    format!(
        "session {alias:?} cannot use profile {:?}: {}, so they would never use the credentials keyhop writes. \
         Give the session another profile name (--profile), or remove those lines from {}",
        shadow.profile,
        shadow.reason(),
        files.join(" and ")
    )
}

impl Error {
    /// True when signing in to an SSO connection would let the same action succeed.
    pub fn needs_sign_in(&self) -> Option<&str> {
        match self {
            Error::Sso(crate::sso::SsoError::SignInNeeded { connection }) => Some(connection),
            _ => None,
        }
    }

    /// True when a new MFA code would let the same action succeed.
    pub fn needs_mfa_code(&self) -> bool {
        matches!(
            self,
            Error::MfaRequired { .. }
                | Error::Sts {
                    source: StsError::MfaFailed,
                    ..
                }
        )
    }
}

impl From<crate::rotate_error::RotateError> for Error {
    fn from(e: crate::rotate_error::RotateError) -> Self {
        Error::Rotate(Box::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
