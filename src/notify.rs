//! Desktop notifications (freedesktop notifications on Linux through notify-rust). Sending
//! is a blocking D-Bus call, so each one goes out from a short-lived thread; one with a button
//! keeps its thread until the notification is closed, and reports the click to the app.

use notify_rust::Notification;

use crate::app::external::{self, External};

pub const APP_NAME: &str = "keyhop";

/// Fire and forget: a failure to notify is logged, never fatal.
pub fn info(summary: &str, body: &str) {
    let (summary, body) = (summary.to_owned(), body.to_owned());
    std::thread::spawn(move || info_now(&summary, &body));
}

/// Sends and waits for the notification server to take it: for the last words before exit.
pub fn info_now(summary: &str, body: &str) {
    if let Err(e) = Notification::new()
        .appname(APP_NAME)
        .summary(summary)
        .body(body)
        .icon("dialog-information")
        .show()
    {
        tracing::warn!(error = %e, "cannot show a notification");
    }
}

/// A notification with an "Enter MFA code" button that opens the MFA popup for `session_id`.
pub fn mfa_needed(summary: &str, body: &str, session_id: &str) {
    with_action(
        summary,
        body,
        "dialog-password",
        "Enter MFA code",
        External::EnterMfa {
            session_id: session_id.to_owned(),
        },
    );
}

/// A notification with a "Sign in" button that opens the browser sign-in to `connection`.
pub fn sign_in_needed(summary: &str, body: &str, connection: &str) {
    with_action(
        summary,
        body,
        "dialog-password",
        "Sign in",
        External::SignIn {
            connection: connection.to_owned(),
        },
    );
}

/// A notification whose button (or body, where the server has a default action) sends `click`
/// to the app. Its thread lives until the notification closes.
fn with_action(summary: &str, body: &str, icon: &'static str, label: &'static str, click: External) {
    let (summary, body) = (summary.to_owned(), body.to_owned());
    std::thread::spawn(move || {
        let shown = Notification::new()
            .appname(APP_NAME)
            .summary(&summary)
            .body(&body)
            .icon(icon)
            .action("default", label)
            .action("act", label)
            .show();
        match shown {
            #[cfg(all(unix, not(target_os = "macos")))]
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "act" || action == "default" {
                    external::send(click.clone());
                }
            }),
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            Ok(_) => drop(click),
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    });
}
