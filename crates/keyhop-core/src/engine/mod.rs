//! The engine: commands in, effects on the keyring, STS, the AWS files and the state file out.
//! The CLI runs it once per command; the tray keeps one and re-reads state after each change.
//! Reads take a snapshot; every change happens inside one `StateStore::update`, so two keyhop
//! processes never interleave half-done changes. Operations name sessions by `SessionId`
//! (the CLI turns an alias into one at its edge), so a rename meanwhile cannot derail them.

mod console;
mod edit;
mod key_age;
mod lifecycle;
mod mfa_devices;
mod rotate;
mod rotate_journal;
mod rotate_resume;
mod sso;
mod view;

use crate::aws_files::AwsFiles;
use crate::error::{Error, Result};
use crate::secrets::{OsKeyring, SecretStore, Secrets};
use crate::session::{Session, SessionId};
use crate::state::{State, StateStore};
use crate::sts::Endpoints;

pub use crate::rotate_error::{NewKeyFate, OldKeyring, RotateError};
pub use edit::{EditOutcome, NewSession, SessionEdit};
pub use lifecycle::{StartOutcome, StopOutcome, rfc3339};
pub use mfa_devices::MfaLookupError;
pub use rotate::{Resumed, RotateOutcome};
pub use rotate_journal::{PendingRotation, RotationStep, pending_rotation, pending_rotations};
pub use sso::{ConnectionView, LoginOutcome, SyncReport};
pub use view::SessionView;

pub struct Engine<S: SecretStore = OsKeyring> {
    store: StateStore,
    files: AwsFiles,
    secrets: Secrets<S>,
    endpoints: Endpoints,
}

impl Engine<OsKeyring> {
    /// The engine the app uses: state from `KEYHOP_HOME`/XDG, AWS files and endpoints from the
    /// standard variables, secrets in the OS keyring.
    pub fn from_env() -> Result<Self> {
        let store = StateStore::from_env()?;
        let home = directories::BaseDirs::new()
            .map(|d| d.home_dir().to_path_buf())
            .ok_or(crate::state::StateError::NoHome)?;
        Ok(Self::new(
            store,
            AwsFiles::from_env(&home),
            OsKeyring,
            Endpoints::from_env(),
        ))
    }
}

impl<S: SecretStore> Engine<S> {
    pub fn new(store: StateStore, files: AwsFiles, secrets: S, endpoints: Endpoints) -> Self {
        Self {
            store,
            files,
            secrets: Secrets::new(secrets),
            endpoints,
        }
    }

    pub fn state_store(&self) -> &StateStore {
        &self.store
    }
    pub fn aws_files(&self) -> &AwsFiles {
        &self.files
    }
    pub fn secrets(&self) -> &Secrets<S> {
        &self.secrets
    }
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The state file as it is now (sessions, connections, pins).
    pub fn read_state(&self) -> Result<State> {
        Ok(self.store.load()?)
    }

    pub fn list(&self) -> Result<Vec<SessionView>> {
        let st = self.store.load()?;
        let mut views = SessionView::all(&st);
        let warn_days = crate::settings::Settings::load(&self.store)
            .unwrap_or_default()
            .key_age_warn_days;
        SessionView::add_key_ages(&mut views, &self.key_ages(), warn_days, time::OffsetDateTime::now_utc());
        SessionView::add_shadows(&mut views, &self.files);
        Ok(views)
    }

    /// The session an alias names now: what the CLI calls once, at its edge.
    pub fn resolve(&self, alias: &str) -> Result<SessionId> {
        let st = self.store.load()?;
        st.sessions
            .iter()
            .find(|s| s.alias.as_str() == alias.trim())
            .map(|s| s.id.clone())
            .ok_or_else(|| Error::NoSuchSession(alias.trim().to_owned()))
    }

    /// Pins a session on top of the tray menu, or unpins it. `false`: it already was so.
    pub fn set_pinned(&self, id: &SessionId, pinned: bool) -> Result<bool> {
        self.store.update(|st| {
            by_id(&st.sessions, id)?;
            let was = st.pinned.contains(id);
            if pinned && !was {
                st.pinned.push(id.clone());
            } else if !pinned {
                st.pinned.retain(|p| p != id);
            }
            Ok(was != pinned)
        })
    }

    /// One session as it is now.
    pub fn session(&self, id: &SessionId) -> Result<Session> {
        by_id(&self.store.load()?.sessions, id).cloned()
    }
}

pub(crate) fn by_id<'a>(sessions: &'a [Session], id: &SessionId) -> Result<&'a Session> {
    sessions
        .iter()
        .find(|s| &s.id == id)
        .ok_or_else(|| Error::SessionRemoved(id.clone()))
}

pub(crate) fn index_of(sessions: &[Session], id: &SessionId) -> Result<usize> {
    sessions
        .iter()
        .position(|s| &s.id == id)
        .ok_or_else(|| Error::SessionRemoved(id.clone()))
}
