//! Linux (freedesktop notifications) and Windows (toasts) through notify-rust. Sending is a
//! blocking call, so each one goes out from a short-lived thread; one with a button keeps its
//! thread until the notification is closed, and reports the click to the app.

use notify_rust::Notification;

use crate::app::external::{self, External};

const APP_NAME: &str = "keyhop";

pub fn info(summary: &str, body: &str) {
    let (summary, body) = (summary.to_owned(), body.to_owned());
    std::thread::spawn(move || info_now(&summary, &body));
}

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

pub fn mfa_needed(summary: &str, body: &str, session_id: &str) {
    let (summary, body, session_id) = (summary.to_owned(), body.to_owned(), session_id.to_owned());
    std::thread::spawn(move || {
        let mut n = Notification::new();
        n.appname(APP_NAME)
            .summary(&summary)
            .body(&body)
            .icon("dialog-password");
        // freedesktop: "default" is a click on the notification itself. A toast shows every
        // action as a button, so there only the one button.
        #[cfg(not(windows))]
        n.action("default", "Enter MFA code");
        n.action("enter-mfa", "Enter MFA code");
        let open = move || external::send(External::EnterMfa { session_id });
        match n.show() {
            #[cfg(not(windows))]
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "enter-mfa" || action == "default" {
                    open();
                }
            }),
            // A click on the toast's body comes back as `Default`, the button as its key.
            #[cfg(windows)]
            Ok(handle) => {
                let answered = handle.wait_for_response(|response: &notify_rust::NotificationResponse| {
                    if matches!(response, notify_rust::NotificationResponse::Default)
                        || matches!(response, notify_rust::NotificationResponse::Action(a) if a == "enter-mfa")
                    {
                        open();
                    }
                });
                if let Err(e) = answered {
                    tracing::debug!(error = %e, "no answer from the notification");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    });
}
