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

/// Shows a note from the catalogue (fire and forget; a button reports its click to the app).
pub fn show(note: Note) {
    match note.button {
        Button::None => info(&note.summary, &note.body),
        Button::EnterMfa(id) => mfa_needed(&note.summary, &note.body, id.as_str()),
        Button::SignIn(connection) => sign_in_needed(&note.summary, &note.body, &connection),
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

/// A notification with an "Enter MFA code" button that opens the MFA popup for `session_id`.
fn mfa_needed(summary: &str, body: &str, session_id: &str) {
    backend::mfa_needed(summary, body, session_id);
}

/// A notification with a "Sign in" button that opens the browser sign-in to `connection`.
fn sign_in_needed(summary: &str, body: &str, connection: &str) {
    backend::sign_in_needed(summary, body, connection);
}
