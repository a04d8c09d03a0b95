//! Events that come from outside iced — tray clicks (GTK thread), the state-file watcher,
//! a second `keyhop tray`, notification buttons, a resume from suspend — meet here in one
//! channel that the app reads as a subscription. Each source is handed an [`Events`] sender
//! when it starts; senders never block, and the stream wakes iced only when there is an event.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use iced::futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use iced::futures::{Stream, StreamExt, stream};
use keyhop_core::session::SessionId;
use keyhop_core::sso::ConnectionId;

use crate::tray::TrayEvent;

#[derive(Debug, Clone)]
pub enum External {
    Tray(TrayEvent),
    /// `state.json` (or settings) changed: another process, or us.
    StateChanged,
    /// `~/.aws/credentials` changed.
    CredentialsChanged,
    /// A second `keyhop tray` asked us to show the session list.
    OpenRequested,
    /// The machine woke from suspend: recheck expirations now.
    // Only Linux notices a resume (logind, src/resume.rs); elsewhere the minute tick does.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Resumed,
    /// The system's light/dark preference, at start and on each change (`true`: dark).
    SystemDark(bool),
    /// "Enter MFA code" on a notification.
    EnterMfa {
        session_id: SessionId,
    },
    /// "Sign in" on a notification: sign in to this SSO connection.
    #[cfg_attr(target_os = "macos", allow(dead_code))] // the macOS notification has no button yet
    SignIn {
        connection: ConnectionId,
    },
    /// "Sign in" on a notification: start this SAML session with its sign-in window.
    #[cfg_attr(target_os = "macos", allow(dead_code))] // the macOS notification has no button yet
    SamlSignIn {
        session_id: SessionId,
    },
}

/// What an event source sends with: thread-safe, never blocks. Events sent before the app
/// subscribes wait in the channel.
#[derive(Debug, Clone)]
pub struct Events(UnboundedSender<External>);

impl Events {
    pub fn send(&self, event: External) {
        // The app is gone (quitting): nobody is left to tell.
        let _ = self.0.unbounded_send(event);
    }
}

/// The app's end of the channel, until its subscription takes it.
#[derive(Debug, Clone)]
pub struct Inbox(Arc<Mutex<Option<UnboundedReceiver<External>>>>);

/// One channel: the sender for the sources, the inbox for the app.
pub fn channel() -> (Events, Inbox) {
    let (tx, rx) = unbounded();
    (Events(tx), Inbox(Arc::new(Mutex::new(Some(rx)))))
}

// iced tells subscriptions apart by a hash: one inbox, one subscription for the app's life.
impl Hash for Inbox {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.0).hash(state);
    }
}

impl Inbox {
    /// The stream of outside events (what `Subscription::run_with` runs).
    pub fn stream(&self) -> impl Stream<Item = External> + use<> {
        match self.0.lock().expect("external channel lock").take() {
            Some(rx) => rx.left_stream(),
            // iced keeps one subscription alive; a second one (never expected) just stays silent.
            None => stream::pending().right_stream(),
        }
    }
}
