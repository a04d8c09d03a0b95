//! macOS: the UserNotifications framework (UNUserNotificationCenter) through objc2, pure Rust
//! bindings. The center only works for a process started from an app bundle (keyhop.app): for
//! a bare binary it raises an exception, so then notifications only go to the log.
//!
//! The "Enter MFA code" button is an action of a notification category; clicks come back to a
//! delegate object, which forwards them to the app like the other platforms' buttons. A request
//! for the same session replaces the one still shown.

use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use block2::RcBlock;
use objc2::rc::Retained;
use objc2::runtime::{Bool, ProtocolObject};
use objc2_foundation::{NSArray, NSBundle, NSError, NSSet, NSString, NSUUID};
use objc2_user_notifications::{
    UNAuthorizationOptions, UNMutableNotificationContent, UNNotificationAction, UNNotificationActionOptions,
    UNNotificationCategory, UNNotificationCategoryOptions, UNNotificationRequest, UNNotificationSound,
    UNUserNotificationCenter,
};

use keyhop_core::session::SessionId;
use keyhop_core::sso::ConnectionId;

use crate::external::{Events, External};

const MFA_CATEGORY: &str = "io.github.keyhop.mfa";
const MFA_ACTION: &str = "enter-mfa";
/// Request identifiers of MFA notifications: this prefix, then the session id.
const MFA_REQUEST_PREFIX: &str = "io.github.keyhop.mfa.";
/// `UNNotificationDefaultActionIdentifier`: a click on the notification itself.
const DEFAULT_ACTION: &str = "com.apple.UNNotificationDefaultActionIdentifier";
/// How long `info_now` waits for the center to take a notification.
const HAND_OVER_WAIT: Duration = Duration::from_secs(2);

pub fn info(summary: &str, body: &str) {
    post(summary, body, None);
}

pub fn info_now(summary: &str, body: &str) {
    if let Some(taken) = post(summary, body, None) {
        let _ = taken.recv_timeout(HAND_OVER_WAIT);
    }
}

/// Without an action button here yet: the sign-in starts from the ⚠ session in the menu.
pub fn sign_in_needed(summary: &str, body: &str, _connection: ConnectionId, _events: Events) {
    info(summary, body);
}

pub fn mfa_needed(summary: &str, body: &str, session_id: SessionId, events: Events) {
    // The delegate reports clicks to the app; the center is set up once, so is its sender.
    let _ = CLICKS.set(events);
    post(summary, body, Some(session_id.as_str()));
}

/// Where the delegate sends the clicks on "Enter MFA code": the app's events, handed over
/// with the first notification that has the button.
static CLICKS: OnceLock<Events> = OnceLock::new();

/// The center, set up once (delegate, MFA category); `None` outside an app bundle.
fn center() -> Option<Retained<UNUserNotificationCenter>> {
    static DELEGATE: OnceLock<Option<Retained<delegate::Delegate>>> = OnceLock::new();
    let ready = DELEGATE.get_or_init(|| {
        if NSBundle::mainBundle().bundleIdentifier().is_none() {
            tracing::info!("not started from keyhop.app: notifications are only logged");
            return None;
        }
        let center = UNUserNotificationCenter::currentNotificationCenter();
        let delegate = delegate::Delegate::new();
        // The center holds its delegate weakly; this static keeps it for the process's life.
        center.setDelegate(Some(ProtocolObject::from_ref(&*delegate)));
        let action = UNNotificationAction::actionWithIdentifier_title_options(
            &NSString::from_str(MFA_ACTION),
            &NSString::from_str("Enter MFA code"),
            UNNotificationActionOptions::Foreground,
        );
        let category = UNNotificationCategory::categoryWithIdentifier_actions_intentIdentifiers_options(
            &NSString::from_str(MFA_CATEGORY),
            &NSArray::from_retained_slice(&[action]),
            &NSArray::new(),
            UNNotificationCategoryOptions::empty(),
        );
        center.setNotificationCategories(&NSSet::from_retained_slice(&[category]));
        Some(delegate)
    });
    ready
        .is_some()
        .then(UNUserNotificationCenter::currentNotificationCenter)
}

/// Asks for permission (macOS asks the user once, then remembers) and hands the notification
/// over. The receiver gets a message once the center took it or refused.
fn post(summary: &str, body: &str, mfa_session: Option<&str>) -> Option<mpsc::Receiver<()>> {
    let Some(center) = center() else {
        tracing::info!(summary, body, "notification");
        return None;
    };
    let content = UNMutableNotificationContent::new();
    content.setTitle(&NSString::from_str(summary));
    content.setBody(&NSString::from_str(body));
    content.setSound(Some(&UNNotificationSound::defaultSound()));
    let id = match mfa_session {
        Some(session_id) => {
            content.setCategoryIdentifier(&NSString::from_str(MFA_CATEGORY));
            format!("{MFA_REQUEST_PREFIX}{session_id}")
        }
        None => format!("io.github.keyhop.{}", NSUUID::UUID().UUIDString()),
    };
    let request =
        UNNotificationRequest::requestWithIdentifier_content_trigger(&NSString::from_str(&id), &content, None);
    let (taken, receiver) = mpsc::channel();
    let on_answer = RcBlock::new(move |granted: Bool, error: *mut NSError| {
        if !granted.as_bool() {
            let why = error_text(error).unwrap_or_else(|| "turned off in System Settings".into());
            tracing::warn!(reason = %why, "notifications are not allowed");
            let _ = taken.send(());
            return;
        }
        let taken = taken.clone();
        let on_added = RcBlock::new(move |error: *mut NSError| {
            if let Some(why) = error_text(error) {
                tracing::warn!(error = %why, "cannot show a notification");
            }
            let _ = taken.send(());
        });
        UNUserNotificationCenter::currentNotificationCenter()
            .addNotificationRequest_withCompletionHandler(&request, Some(&on_added));
    });
    center.requestAuthorizationWithOptions_completionHandler(
        UNAuthorizationOptions::Alert | UNAuthorizationOptions::Sound,
        &on_answer,
    );
    Some(receiver)
}

/// The session whose MFA popup a click on notification `request_id` should open.
fn mfa_click(request_id: &str, action: &str) -> Option<String> {
    let session_id = request_id.strip_prefix(MFA_REQUEST_PREFIX)?;
    (action == MFA_ACTION || action == DEFAULT_ACTION).then(|| session_id.to_owned())
}

#[allow(unsafe_code)]
fn error_text(error: *mut NSError) -> Option<String> {
    // SAFETY: the framework's completion handlers pass null or a valid NSError that lives for
    // the duration of the call; the reference does not outlive it.
    let error = unsafe { error.as_ref() }?;
    Some(error.localizedDescription().to_string())
}

/// The center's delegate: an Objective-C class defined from Rust.
#[allow(unsafe_code)]
mod delegate {
    use block2::DynBlock;
    use objc2::rc::Retained;
    use objc2::runtime::{NSObject, NSObjectProtocol};
    use objc2::{AnyThread, define_class, msg_send};
    use objc2_user_notifications::{
        UNNotification, UNNotificationPresentationOptions, UNNotificationResponse, UNUserNotificationCenter,
        UNUserNotificationCenterDelegate,
    };

    use super::{External, SessionId, mfa_click};

    define_class!(
        // SAFETY: NSObject has no subclassing requirements, and Delegate has no Drop. Its
        // methods are called on the center's own queue; it holds no state (no ivars), so any
        // thread is fine.
        #[unsafe(super(NSObject))]
        #[name = "KeyhopNotificationDelegate"]
        pub struct Delegate;

        unsafe impl NSObjectProtocol for Delegate {}

        // SAFETY: both methods are optional ones of the protocol, with the argument types of
        // objc2-user-notifications' declaration of it.
        unsafe impl UNUserNotificationCenterDelegate for Delegate {
            /// keyhop may count as the frontmost app (a window of it is focused); show the
            /// banner anyway, which macOS does not do by default then.
            #[unsafe(method(userNotificationCenter:willPresentNotification:withCompletionHandler:))]
            fn will_present(
                &self,
                _center: &UNUserNotificationCenter,
                _notification: &UNNotification,
                completion: &DynBlock<dyn Fn(UNNotificationPresentationOptions)>,
            ) {
                completion.call((UNNotificationPresentationOptions::Banner
                    | UNNotificationPresentationOptions::List
                    | UNNotificationPresentationOptions::Sound,));
            }

            #[unsafe(method(userNotificationCenter:didReceiveNotificationResponse:withCompletionHandler:))]
            fn did_receive(
                &self,
                _center: &UNUserNotificationCenter,
                response: &UNNotificationResponse,
                completion: &DynBlock<dyn Fn()>,
            ) {
                let request_id = response.notification().request().identifier().to_string();
                let action = response.actionIdentifier().to_string();
                if let Some(session_id) = mfa_click(&request_id, &action)
                    && let Some(events) = super::CLICKS.get()
                {
                    events.send(External::EnterMfa {
                        session_id: SessionId::from_string(session_id),
                    });
                }
                completion.call(());
            }
        }
    );

    impl Delegate {
        pub fn new() -> Retained<Self> {
            let this = Self::alloc().set_ivars(());
            // SAFETY: NSObject's designated initialiser, on a fresh allocation of this class.
            unsafe { msg_send![super(this), init] }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicks_on_mfa_notifications_name_their_session() {
        let id = format!("{MFA_REQUEST_PREFIX}abc");
        assert_eq!(mfa_click(&id, MFA_ACTION), Some("abc".into()));
        assert_eq!(mfa_click(&id, DEFAULT_ACTION), Some("abc".into()));
        assert_eq!(mfa_click(&id, "com.apple.UNNotificationDismissActionIdentifier"), None);
        assert_eq!(mfa_click("io.github.keyhop.1234", MFA_ACTION), None);
    }
}
