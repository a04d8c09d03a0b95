//! Desktop notifications. Linux: freedesktop notifications (D-Bus) and Windows: toasts, both
//! through notify-rust; macOS: the UserNotifications framework (needs keyhop.app). Callers use the
//! catalogue (`catalogue.rs`: every notification's words, one function each) and `show`.

pub mod catalogue;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(not(target_os = "macos"))]
mod notify_rust_backend;

#[cfg(target_os = "macos")]
use macos as backend;
#[cfg(not(target_os = "macos"))]
use notify_rust_backend as backend;

pub use catalogue::{Button, Note};

use crate::external::Events;

/// Shows a note from the catalogue (fire and forget; a button reports its click to the app
/// through `events`).
pub fn show(note: Note, events: &Events) {
    match note.button {
        Button::None => info(&note.summary, &note.body),
        Button::EnterMfa(id) => backend::mfa_needed(&note.summary, &note.body, id, events.clone()),
        Button::SignIn(connection) => backend::sign_in_needed(&note.summary, &note.body, connection, events.clone()),
    }
}

/// Shows a note and waits until the notification server took it: for the last words before exit.
pub fn show_now(note: &Note) {
    info_now(&note.summary, &note.body);
}

/// Fire and forget: a failure to notify is logged, never fatal.
fn info(summary: &str, body: &str) {
    backend::info(summary, body);
}

/// Sends and waits for the notification server to take it: for the last words before exit.
fn info_now(summary: &str, body: &str) {
    backend::info_now(summary, body);
}
