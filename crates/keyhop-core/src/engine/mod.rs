//! The engine: commands in, effects on the keyring, STS, the AWS files and the state file out.
//! The CLI runs it once per command; the tray keeps one and re-reads state after each change.
//! Reads take a snapshot; every change happens inside one `StateStore::update`, so two keyhop
//! processes never interleave half-done changes.

mod edit;
mod lifecycle;

use serde::Serialize;
use time::OffsetDateTime;

use crate::aws_files::AwsFiles;
use crate::error::{Error, Result};
use crate::secrets::{OsKeyring, SecretStore, Secrets};
use crate::session::{Session, SessionKind};
use crate::state::{State, StateStore};
use crate::validate::{ProfileName, SessionAlias};

pub use edit::EditOutcome;
pub use edit::{NewKind, NewSession, SessionEdit};
pub use lifecycle::{REUSE_MARGIN, StartOutcome, StopOutcome, rfc3339};

pub struct Engine<S: SecretStore = OsKeyring> {
    store: StateStore,
    files: AwsFiles,
    secrets: Secrets<S>,
}

impl Engine<OsKeyring> {
    /// The engine the app uses: state from `KEYHOP_HOME`/XDG, AWS files from the standard
    /// variables, secrets in the OS keyring.
    pub fn from_env() -> Result<Self> {
        let store = StateStore::from_env()?;
        let home = directories::BaseDirs::new()
            .map(|d| d.home_dir().to_path_buf())
            .ok_or(crate::state::StateError::NoHome)?;
        Ok(Self::new(store, AwsFiles::from_env(&home), OsKeyring))
    }
}

impl<S: SecretStore> Engine<S> {
    pub fn new(store: StateStore, files: AwsFiles, secrets: S) -> Self {
        Self {
            store,
            files,
            secrets: Secrets::new(secrets),
        }
    }

    pub fn state_store(&self) -> &StateStore {
        &self.store
    }
    pub fn aws_files(&self) -> &AwsFiles {
        &self.files
    }

    pub fn snapshot(&self) -> Result<State> {
        Ok(self.store.load()?)
    }

    pub fn list(&self) -> Result<Vec<SessionView>> {
        let st = self.store.load()?;
        Ok(st.sessions.iter().map(|s| SessionView::of(s, &st.sessions)).collect())
    }
}

pub(crate) fn by_alias<'a>(sessions: &'a [Session], alias: &str) -> Result<&'a Session> {
    sessions
        .iter()
        .find(|s| s.alias.as_str() == alias.trim())
        .ok_or_else(|| Error::NoSuchSession(alias.trim().to_owned()))
}

pub(crate) fn index_of(sessions: &[Session], alias: &str) -> Result<usize> {
    sessions
        .iter()
        .position(|s| s.alias.as_str() == alias.trim())
        .ok_or_else(|| Error::NoSuchSession(alias.trim().to_owned()))
}

/// A session as the CLI and the UI show it (`keyhop session list --json` prints these).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SessionView {
    pub id: String,
    pub alias: SessionAlias,
    pub kind: &'static str,
    pub profile: ProfileName,
    pub region: String,
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiration: Option<OffsetDateTime>,
    pub mfa_device: Option<String>,
    pub duration_seconds: Option<u64>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub assumer: Option<String>,
}

impl SessionView {
    pub fn of(s: &Session, all: &[Session]) -> Self {
        let (mfa_device, duration_seconds, role_arn, role_session_name, assumer) = match &s.kind {
            SessionKind::IamUser { mfa_device, duration } => (
                mfa_device.as_ref().map(std::string::ToString::to_string),
                Some(duration.secs()),
                None,
                None,
                None,
            ),
            SessionKind::RoleChained {
                role_arn,
                role_session_name,
                assumer,
            } => (
                None,
                None,
                Some(role_arn.to_string()),
                Some(role_session_name.to_string()),
                Some(crate::chain::find(all, assumer).map_or_else(|| assumer.to_string(), |a| a.alias.to_string())),
            ),
        };
        Self {
            id: s.id.to_string(),
            alias: s.alias.clone(),
            kind: s.kind.label(),
            profile: s.profile.clone(),
            region: s.region.to_string(),
            status: if s.is_active() { "active" } else { "inactive" },
            expiration: s.expiration(),
            mfa_device,
            duration_seconds,
            role_arn,
            role_session_name,
            assumer,
        }
    }
}
