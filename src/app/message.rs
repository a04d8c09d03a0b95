//! Everything that can happen to the app. UI events and outside events become messages; the
//! update turns them into engine work; engine results come back as messages.

use iced::window;
use keyhop_core::SessionView;
use keyhop_core::session::SessionId;
use keyhop_core::settings::Settings;
use keyhop_core::sso::{ConnectionId, ConnectionName, SsoConnection};

use super::failure::Failure;
use crate::external::External;
use crate::window::{form, list, mfa, settings};

/// A fresh look at the state, with what the scheduler needs from the keyring.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub views: Vec<SessionView>,
    pub state: keyhop_core::state::State,
    /// For each active session: when refreshing it starts to need an MFA code.
    pub mfa_due: std::collections::HashMap<SessionId, time::OffsetDateTime>,
    /// IAM Identity Center connections, with whether each is signed in.
    pub connections: Vec<keyhop_core::engine::ConnectionView>,
    /// IAM users whose key just became due for rotation: (alias, age in days), told once.
    pub key_warnings: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Start,
    Stop,
    Refresh,
}

/// A connection as the app's sign-ins and syncs name it: its id, and its name for the engine
/// and the notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: ConnectionId,
    pub name: ConnectionName,
}

impl From<&SsoConnection> for Connection {
    fn from(c: &SsoConnection) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
        }
    }
}

/// The session form to open, once the profiles it suggests were read.
#[derive(Debug, Clone)]
pub enum FormRequest {
    Add,
    Edit(SessionId),
}

#[derive(Debug, Clone)]
pub enum Message {
    External(External),
    Loaded(Result<Snapshot, Failure>),
    /// `settings.json` was read after a change (or could not be: the settings stay).
    SettingsLoaded(Option<Box<Settings>>),
    /// IAM was asked about the access keys' ages (once a day per key): show them.
    KeyAgesChecked,
    /// An engine operation on a session finished; on success, what it says about the AWS
    /// files (a mode made 0600, a backup kept), shown once as notifications.
    Done {
        session_id: SessionId,
        alias: String,
        op: Op,
        result: Result<Vec<String>, Failure>,
    },
    /// The MFA popup's start finished (with the notices of a start, as above).
    MfaDone {
        window: window::Id,
        result: Result<Vec<String>, Failure>,
    },
    /// A console sign-in was opened in the browser, or could not be (for the session `alias`).
    ConsoleOpened {
        alias: String,
        result: Result<(), Failure>,
    },
    /// The scheduler's timer.
    Tick,
    WindowClosed(window::Id),
    List(window::Id, list::Msg),
    Form(window::Id, form::Msg),
    Mfa(window::Id, mfa::Msg),
    Settings(window::Id, settings::Msg),
    /// The profiles of the AWS files were read: open the session form.
    /// The AWS files' profiles, and those of them that config shadows (with why).
    ProfilesRead(FormRequest, Vec<String>, std::collections::HashMap<String, String>),
    /// Whether keyhop starts at login was read: open the settings window.
    AutostartRead(bool),
    /// A connection was added from the form, or could not be.
    SsoAdded {
        window: window::Id,
        result: Result<Connection, Failure>,
    },
    /// A browser sign-in to a connection finished.
    SignedIn {
        connection: Connection,
        result: Result<(), Failure>,
    },
    /// A sync of a connection finished: what it did, in one line.
    Synced {
        connection: Connection,
        result: Result<String, Failure>,
    },
    /// A form or list window's change was saved (or refused).
    Saved {
        window: window::Id,
        result: Result<(), Failure>,
    },
    /// The settings window's settings were saved with the autostart entry (or refused).
    SettingsSaved {
        window: window::Id,
        settings: Box<Settings>,
        result: Result<(), Failure>,
    },
    Key {
        window: window::Id,
        key: iced::keyboard::Key,
        modifiers: iced::keyboard::Modifiers,
        /// A widget (the focused text input) used the key already.
        captured: bool,
    },
    /// The session list's countdown: redraw the time left.
    Redraw,
    /// An access key rotation from the session list finished: (alias, what it did).
    Rotated {
        alias: String,
        result: Result<String, Failure>,
    },
    /// Look for profiles another program overwrote.
    CheckOverwrites,
    /// `(session id, alias, profile, the foreign access key id)`.
    Overwritten(Vec<(SessionId, String, String, String)>),
    QuitDone,
}
