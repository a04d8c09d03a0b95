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
    let (summary, body, session_id) = (summary.to_owned(), body.to_owned(), session_id.to_owned());
    std::thread::spawn(move || {
        let shown = Notification::new()
            .appname(APP_NAME)
            .summary(&summary)
            .body(&body)
            .icon("dialog-password")
            .action("default", "Enter MFA code")
            .action("enter-mfa", "Enter MFA code")
            .show();
        match shown {
            #[cfg(all(unix, not(target_os = "macos")))]
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "enter-mfa" || action == "default" {
                    external::send(External::EnterMfa {
                        session_id: session_id.clone(),
                    });
                }
            }),
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    });
}
