//! Desktop notifications. Linux: freedesktop notifications (D-Bus) and Windows: toasts, both
//! through notify-rust; macOS: the UserNotifications framework (needs keyhop.app). Callers only
//! see the functions below.

#[cfg(target_os = "macos")]
mod macos;
#[cfg(not(target_os = "macos"))]
mod notify_rust_backend;

#[cfg(target_os = "macos")]
use macos as backend;
#[cfg(not(target_os = "macos"))]
use notify_rust_backend as backend;

/// Fire and forget: a failure to notify is logged, never fatal.
pub fn info(summary: &str, body: &str) {
    backend::info(summary, body);
}

/// Sends and waits for the notification server to take it: for the last words before exit.
pub fn info_now(summary: &str, body: &str) {
    backend::info_now(summary, body);
}

/// A notification with an "Enter MFA code" button that opens the MFA popup for `session_id`.
pub fn mfa_needed(summary: &str, body: &str, session_id: &str) {
    backend::mfa_needed(summary, body, session_id);
}

/// A notification with a "Sign in" button that opens the browser sign-in to `connection`.
pub fn sign_in_needed(summary: &str, body: &str, connection: &str) {
    backend::sign_in_needed(summary, body, connection);
}
