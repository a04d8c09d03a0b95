//! Events that come from outside iced — tray clicks (GTK thread), the state-file watcher,
//! a second `keyhop tray`, notification buttons — meet here in one channel that the app reads
//! as a subscription. Senders never block; the stream wakes iced only when there is an event.

use std::sync::{Mutex, OnceLock};

use iced::futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use iced::futures::{Stream, StreamExt, stream};

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
    /// "Enter MFA code" on a notification.
    EnterMfa {
        session_id: String,
    },
    /// "Sign in" on a notification: sign in to this SSO connection.
    #[cfg_attr(target_os = "macos", allow(dead_code))] // the macOS notification has no button yet
    SignIn {
        connection: String,
    },
}

/// The sender, and the receiver until the subscription takes it.
type Channel = (UnboundedSender<External>, Mutex<Option<UnboundedReceiver<External>>>);

static CHANNEL: OnceLock<Channel> = OnceLock::new();

fn channel() -> &'static Channel {
    CHANNEL.get_or_init(|| {
        let (tx, rx) = unbounded();
        (tx, Mutex::new(Some(rx)))
    })
}

/// Thread-safe, never blocks; events sent before the app subscribes wait in the channel.
pub fn send(event: External) {
    let _ = channel().0.unbounded_send(event);
}

/// The app's single subscription to outside events.
pub fn stream() -> impl Stream<Item = External> {
    match channel().1.lock().expect("external channel lock").take() {
        Some(rx) => rx.left_stream(),
        // iced keeps one subscription alive; a second one (never expected) just stays silent.
        None => stream::pending().right_stream(),
    }
}
