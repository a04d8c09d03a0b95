//! Everything that can happen to the app. UI events and outside events become messages; the
//! update turns them into engine work; engine results come back as messages.

use iced::window;
use keyhop_core::SessionView;

use super::external::External;
use crate::window::{form, list, mfa, settings, sso_form};

/// What an engine call failed with, flattened for the UI (the core error is not `Clone`).
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
    /// Another try with a (new) MFA code could succeed.
    pub needs_mfa: bool,
    /// Another try after signing in to this SSO connection could succeed.
    pub sign_in: Option<String>,
}

impl From<keyhop_core::Error> for Failure {
    fn from(e: keyhop_core::Error) -> Self {
        Self {
            needs_mfa: e.needs_mfa_code(),
            sign_in: e.needs_sign_in().map(str::to_owned),
            message: e.to_string(),
        }
    }
}

/// A fresh look at the state, with what the scheduler needs from the keyring.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub views: Vec<SessionView>,
    pub state: keyhop_core::state::State,
    /// For each active session: when refreshing it starts to need an MFA code.
    pub mfa_due: std::collections::HashMap<keyhop_core::session::SessionId, time::OffsetDateTime>,
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

#[derive(Debug, Clone)]
pub enum Message {
    External(External),
    Loaded(Result<Snapshot, String>),
    /// IAM was asked about the access keys' ages (once a day per key): show them.
    KeyAgesChecked,
    /// An engine operation on a session finished; on success, what it says about the AWS
    /// files (a mode made 0600, a backup kept), shown once as notifications.
    Done {
        session_id: keyhop_core::session::SessionId,
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
        result: Result<(), String>,
    },
    /// The scheduler's timer.
    Tick,
    WindowClosed(window::Id),
    List(window::Id, list::Msg),
    Form(window::Id, form::Msg),
    Mfa(window::Id, mfa::Msg),
    Settings(window::Id, settings::Msg),
    SsoForm(window::Id, sso_form::Msg),
    /// A connection was added from the form (its name), or could not be.
    SsoAdded {
        window: window::Id,
        result: Result<String, String>,
    },
    /// A browser sign-in to a connection finished.
    SignedIn {
        connection: String,
        result: Result<(), Failure>,
    },
    /// A sync of a connection finished: what it did, in one line.
    Synced {
        connection: String,
        result: Result<String, String>,
    },
    /// A form or settings window's save finished.
    Saved {
        window: window::Id,
        result: Result<(), String>,
    },
    Key {
        window: window::Id,
        key: iced::keyboard::Key,
        modifiers: iced::keyboard::Modifiers,
    },
    /// Look for profiles another program overwrote.
    CheckOverwrites,
    /// `(session id, alias, profile, the foreign access key id)`.
    Overwritten(Vec<(keyhop_core::session::SessionId, String, String, String)>),
    QuitDone,
}
