//! Linux (freedesktop notifications) and Windows (toasts) through notify-rust. Sending is a
//! blocking call, so each one goes out from a short-lived thread; one with a button keeps its
//! thread until the notification is closed, and reports the click to the app.

use notify_rust::Notification;

use keyhop_core::session::SessionId;
use keyhop_core::sso::ConnectionId;

use crate::external::{Events, External};

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

/// A notification whose "Enter MFA code" opens the MFA popup of `session_id`.
pub fn mfa_needed(summary: &str, body: &str, session_id: SessionId, events: Events) {
    with_action(
        summary,
        body,
        "Enter MFA code",
        External::EnterMfa { session_id },
        events,
    );
}

/// A notification whose "Sign in" opens the browser sign-in to `connection`.
pub fn sign_in_needed(summary: &str, body: &str, connection: ConnectionId, events: Events) {
    with_action(summary, body, "Sign in", External::SignIn { connection }, events);
}

/// A notification whose button (or, on freedesktop servers, a click on it) sends `click` to the
/// app. Its thread lives until the notification is closed.
fn with_action(summary: &str, body: &str, label: &'static str, click: External, events: Events) {
    let (summary, body) = (summary.to_owned(), body.to_owned());
    std::thread::spawn(move || {
        let mut n = Notification::new();
        n.appname(APP_NAME)
            .summary(&summary)
            .body(&body)
            .icon("dialog-password");
        // freedesktop: "default" is a click on the notification itself. A toast shows every
        // action as a button, so there only the one button.
        #[cfg(not(windows))]
        n.action("default", label);
        n.action("act", label);
        let open = move || events.send(click);
        match n.show() {
            #[cfg(not(windows))]
            Ok(handle) => {
                let mut open = Some(open);
                handle.wait_for_action(|action| {
                    if (action == "act" || action == "default")
                        && let Some(open) = open.take()
                    {
                        open();
                    }
                });
            }
            // A click on the toast's body comes back as `Default`, the button as its key.
            #[cfg(windows)]
            Ok(handle) => {
                let mut open = Some(open);
                let answered = handle.wait_for_response(|response: &notify_rust::NotificationResponse| {
                    let clicked = matches!(response, notify_rust::NotificationResponse::Default)
                        || matches!(response, notify_rust::NotificationResponse::Action(a) if a == "act");
                    if clicked && let Some(open) = open.take() {
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
