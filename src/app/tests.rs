//! The app's `update` driven with messages, as the tray and the engine would send them, with a
//! recording desktop instead of the tray and the notification server: what the menu showed,
//! which notifications went out, which windows opened. No display, no services; the engine's
//! tasks are not run (their results are sent as messages instead).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use keyhop_core::Engine;
use keyhop_core::aws_files::{AwsFiles, RegionPrior};
use keyhop_core::kinds::IamUser;
use keyhop_core::schedule::Action;
use keyhop_core::secrets::OsKeyring;
use keyhop_core::session::{Activation, Session, SessionId, SessionKind};
use keyhop_core::settings::Settings;
use keyhop_core::state::{STATE_VERSION, State, StateStore};
use keyhop_core::sts::Endpoints;
use keyhop_core::validate::{MfaDevice, ProfileName, Region, SessionAlias, SessionDuration};
use time::{Duration, OffsetDateTime};

use super::external::External;
use super::{App, Desktop, Failure, Message, Op, Snapshot};
use crate::notify::{Button, Note};
use crate::tray::TrayEvent;
use crate::tray::menu_model::{Attention, Entry, MenuModel};
use crate::window::Window;

#[derive(Default)]
struct Shown {
    menus: Vec<MenuModel>,
    notes: Vec<Note>,
    shut_down: bool,
}

/// The desktop as the test sees it: everything the app showed, in order.
#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Shown>>);

impl Desktop for Recorder {
    fn show_menu(&self, model: MenuModel) {
        self.0.borrow_mut().menus.push(model);
    }
    fn notify(&self, note: Note) {
        self.0.borrow_mut().notes.push(note);
    }
    fn shutdown(&self) {
        self.0.borrow_mut().shut_down = true;
    }
}

impl Recorder {
    fn notes(&self) -> Vec<Note> {
        self.0.borrow().notes.clone()
    }
    fn notes_titled(&self, part: &str) -> usize {
        self.0
            .borrow()
            .notes
            .iter()
            .filter(|n| n.summary.contains(part))
            .count()
    }
    /// The session lines of the last menu: (id, label, enabled).
    fn menu_lines(&self) -> Vec<(SessionId, String, bool)> {
        fn walk(entries: &[Entry], out: &mut Vec<(SessionId, String, bool)>) {
            for e in entries {
                match e {
                    Entry::Session(s) => out.push((s.session_id.clone(), s.label.clone(), s.enabled)),
                    Entry::Submenu { entries, .. } => walk(entries, out),
                    Entry::Separator | Entry::Action(_) | Entry::Console(_) => {}
                }
            }
        }
        let mut out = vec![];
        if let Some(m) = self.0.borrow().menus.last() {
            walk(&m.entries, &mut out);
        }
        out
    }
    fn line_of(&self, id: &SessionId) -> (String, bool) {
        self.menu_lines()
            .into_iter()
            .find(|(i, _, _)| i == id)
            .map(|(_, label, enabled)| (label, enabled))
            .expect("the session has a menu line")
    }
}

struct Rig {
    app: App,
    desktop: Recorder,
    // Holds the state dir the settings are saved to.
    _dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

/// An app on an empty state dir, the way `run` makes it, with a recording desktop.
fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(
        StateStore::at(dir.path().join("keyhop")),
        AwsFiles {
            credentials: dir.path().join("credentials"),
            config: dir.path().join("config"),
        },
        OsKeyring,
        Endpoints::all_at("http://127.0.0.1:9"),
    );
    let desktop = Recorder::default();
    // Some tasks (a delayed check) create tokio timers as they are built.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    Rig {
        app: App::new(Arc::new(engine), Settings::default(), Box::new(desktop.clone())),
        desktop,
        _dir: dir,
        runtime,
    }
}

impl Rig {
    fn send(&mut self, m: Message) {
        let _guard = self.runtime.enter();
        let _task = self.app.update(m);
    }
    fn load(&mut self, sessions: &[Session], mfa_due: &[(&SessionId, OffsetDateTime)]) {
        let state = State {
            version: STATE_VERSION,
            sessions: sessions.to_vec(),
            sso_connections: vec![],
            pinned: vec![],
        };
        self.send(Message::Loaded(Ok(Snapshot {
            views: keyhop_core::SessionView::all(&state),
            state,
            mfa_due: mfa_due.iter().map(|(id, at)| ((*id).clone(), *at)).collect(),
            connections: vec![],
            key_warnings: vec![],
        })));
    }
    fn click(&mut self, id: &SessionId) {
        self.send(Message::External(External::Tray(TrayEvent::Session(id.clone()))));
    }
    fn done(&mut self, s: &Session, op: Op, result: Result<Vec<String>, Failure>) {
        self.send(Message::Done {
            session_id: s.id.clone(),
            alias: s.alias.to_string(),
            op,
            result,
        });
    }
    fn mfa_popup_for(&self, id: &SessionId) -> bool {
        self.app
            .windows
            .values()
            .any(|w| matches!(w, Window::Mfa(m) if m.session_id == *id))
    }
}

fn session(alias: &str, mfa: bool, expires_in: Option<Duration>) -> Session {
    let now = OffsetDateTime::now_utc();
    Session {
        id: SessionId::random(),
        alias: SessionAlias::parse(alias).unwrap(),
        profile: ProfileName::parse(alias).unwrap(),
        region: Region::parse("eu-west-1").unwrap(),
        kind: SessionKind::IamUser(IamUser {
            mfa_device: mfa.then(|| MfaDevice::parse("arn:aws:iam::123456789012:mfa/alice").unwrap()),
            duration: SessionDuration::DEFAULT,
            mfa_process: None,
        }),
        active: expires_in.map(|left| Activation {
            expiration: now + left,
            started_at: now,
            region_prior: RegionPrior::Absent,
        }),
    }
}

fn failure(message: &str) -> Failure {
    Failure {
        message: message.into(),
        needs_mfa: false,
        sign_in: None,
    }
}

/// What a start without a code fails with when the session's chain needs one.
fn mfa_needed() -> Failure {
    Failure {
        needs_mfa: true,
        ..failure("an MFA code is needed")
    }
}

#[test]
fn a_loaded_state_is_shown_in_the_menu_and_wakes_only_while_something_is_active() {
    let mut r = rig();
    let idle = session("idle", false, None);
    r.load(std::slice::from_ref(&idle), &[]);
    assert_eq!(r.desktop.menu_lines().len(), 1);
    assert!(r.desktop.line_of(&idle.id).1, "an idle session can be clicked");
    assert_eq!(r.app.next_wake, None, "no timer while nothing is active");

    let active = session("work", false, Some(Duration::hours(1)));
    r.load(&[idle, active.clone()], &[]);
    assert_eq!(r.desktop.menu_lines().len(), 2);
    let wake = r.app.next_wake.expect("a timer while a session is active");
    let now = OffsetDateTime::now_utc();
    assert!(
        wake <= now + Duration::seconds(61),
        "wakes at least once a minute: {wake}"
    );
    assert!(wake > now, "the next wake is ahead");
}

#[test]
fn a_click_starts_and_the_menu_shows_the_session_busy_at_once() {
    let mut r = rig();
    let s = session("work", false, None);
    r.load(std::slice::from_ref(&s), &[]);
    r.click(&s.id);
    assert_eq!(r.app.busy, vec![s.id.clone()]);
    assert!(
        !r.desktop.line_of(&s.id).1,
        "the line is off while the start runs, so a second click cannot start it twice"
    );
    // A second click while busy starts nothing more.
    r.click(&s.id);
    assert_eq!(r.app.busy, vec![s.id.clone()]);

    r.done(&s, Op::Start, Ok(vec!["made ~/.aws/credentials private (0600)".into()]));
    assert!(r.app.busy.is_empty());
    assert_eq!(r.desktop.notes().len(), 1, "the start's notice, once");
    assert!(r.desktop.notes()[0].body.contains("0600"));
}

#[test]
fn a_click_on_an_active_session_stops_it() {
    let mut r = rig();
    let s = session("work", false, Some(Duration::hours(1)));
    r.load(std::slice::from_ref(&s), &[]);
    r.click(&s.id);
    assert_eq!(r.app.busy, vec![s.id.clone()]);
    r.done(&s, Op::Stop, Err(failure("cannot write ~/.aws/credentials: disk full")));
    assert_eq!(r.desktop.notes_titled("could not stop"), 1, "{:?}", r.desktop.notes());
}

#[test]
fn a_start_that_needs_an_mfa_code_opens_the_popup_instead_of_failing() {
    let mut r = rig();
    let s = session("mfa-user", true, None);
    r.load(std::slice::from_ref(&s), &[]);
    r.click(&s.id);
    r.done(&s, Op::Start, Err(mfa_needed()));
    assert!(r.mfa_popup_for(&s.id));
    assert!(
        r.desktop.notes().is_empty(),
        "asked in the popup, not in a notification"
    );
    // Asking again focuses the open popup instead of opening a second.
    r.click(&s.id);
    r.done(&s, Op::Start, Err(mfa_needed()));
    assert_eq!(r.app.windows.len(), 1);
}

#[test]
fn a_failing_background_refresh_says_so_once_and_clears_when_it_works_again() {
    // E.g. the keyring locked while the screen is locked: every retry fails the same way.
    let mut r = rig();
    let s = session("work", false, Some(Duration::hours(1)));
    r.load(std::slice::from_ref(&s), &[]);
    let locked = "the keyring is locked; unlock it and try again";
    for _ in 0..3 {
        r.done(&s, Op::Refresh, Err(failure(locked)));
        r.load(std::slice::from_ref(&s), &[]);
    }
    assert_eq!(
        r.desktop.notes_titled("Refreshing"),
        1,
        "one notification per run of failures: {:?}",
        r.desktop.notes()
    );
    assert_eq!(
        r.app.attention.get(&s.id),
        Some(&Attention::RefreshFailed(locked.into()))
    );
    assert!(
        r.desktop.line_of(&s.id).0.contains('⚠'),
        "{}",
        r.desktop.line_of(&s.id).0
    );
    // The retry comes back within the backoff, not at the next expiry.
    let wake = r.app.next_wake.expect("a retry is scheduled");
    assert!(wake <= OffsetDateTime::now_utc() + Duration::minutes(16));

    // Unlocked: the next refresh works, the warning goes, and a later failure is news again.
    r.done(&s, Op::Refresh, Ok(vec![]));
    r.load(std::slice::from_ref(&s), &[]);
    assert!(r.app.attention.is_empty());
    assert!(r.app.failures.is_empty());
    assert!(!r.desktop.line_of(&s.id).0.contains('⚠'));
    r.done(&s, Op::Refresh, Err(failure(locked)));
    assert_eq!(r.desktop.notes_titled("Refreshing"), 2);
}

#[test]
fn an_expiry_while_the_session_is_busy_waits_for_the_operation_and_is_then_handled() {
    let mut r = rig();
    // Expired a second ago: the tick must stop it (its profile holds dead credentials).
    let s = session("work", false, Some(Duration::seconds(-1)));
    r.load(std::slice::from_ref(&s), &[]);
    // The user clicked it a moment before: a stop is running.
    r.click(&s.id);
    assert_eq!(r.app.busy, vec![s.id.clone()]);
    r.send(Message::Tick);
    assert_eq!(r.desktop.notes_titled("expired"), 0, "not while the click's stop runs");
    assert!(
        r.app.handled.iter().all(|d| d.session != s.id),
        "the deadline is kept for later, not marked handled"
    );
    // The stop failed and the session is still active: the next tick handles the expiry.
    r.done(&s, Op::Stop, Err(failure("cannot write ~/.aws/credentials")));
    r.load(std::slice::from_ref(&s), &[]);
    r.send(Message::Tick);
    assert_eq!(r.desktop.notes_titled("expired"), 1, "{:?}", r.desktop.notes());
    assert_eq!(r.app.busy, vec![s.id.clone()], "and stops it");
    assert!(
        r.app
            .handled
            .iter()
            .any(|d| d.session == s.id && d.action == Action::Expired)
    );
    // Handled once: another tick does not say it again.
    r.send(Message::Tick);
    assert_eq!(r.desktop.notes_titled("expired"), 1);
}

#[test]
fn an_mfa_token_about_to_lapse_warns_once_and_a_click_asks_for_the_code() {
    let mut r = rig();
    let s = session("mfa-user", true, Some(Duration::minutes(5)));
    let due = OffsetDateTime::now_utc() + Duration::minutes(5);
    r.load(std::slice::from_ref(&s), &[(&s.id, due)]);
    r.send(Message::Tick);
    let notes = r.desktop.notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].button, Button::EnterMfa(s.id.clone()));
    assert_eq!(r.app.attention.get(&s.id), Some(&Attention::MfaDue));
    r.send(Message::Tick);
    assert_eq!(r.desktop.notes().len(), 1, "warned once");
    // A click on the warned session asks for the code; it does not stop the session.
    r.click(&s.id);
    assert!(r.mfa_popup_for(&s.id));
    assert!(r.app.busy.is_empty());
}

#[test]
fn a_refresh_that_needs_a_sign_in_asks_once_per_connection() {
    let mut r = rig();
    let a = session("sso-a", false, Some(Duration::hours(1)));
    let b = session("sso-b", false, Some(Duration::hours(1)));
    r.load(&[a.clone(), b.clone()], &[]);
    let signed_out = |_: &str| Failure {
        sign_in: Some("corp".into()),
        ..failure("the sign-in to corp has expired")
    };
    r.done(&a, Op::Refresh, Err(signed_out("a")));
    r.done(&b, Op::Refresh, Err(signed_out("b")));
    let notes = r.desktop.notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].button, Button::SignIn("corp".into()));
    for s in [&a, &b] {
        assert_eq!(
            r.app.attention.get(&s.id),
            Some(&Attention::SignInNeeded("corp".into()))
        );
    }
    r.send(Message::SignedIn {
        connection: "corp".into(),
        result: Ok(()),
    });
    assert!(r.app.attention.is_empty(), "{:?}", r.app.attention);
}

#[test]
fn an_overwritten_profile_is_reported_once_per_foreign_key() {
    let mut r = rig();
    let s = session("work", false, Some(Duration::hours(1)));
    r.load(std::slice::from_ref(&s), &[]);
    let found = |key: &str| Message::Overwritten(vec![(s.id.clone(), "work".into(), "work".into(), key.into())]);
    r.send(found("AKIAFOREIGN1"));
    r.send(found("AKIAFOREIGN1"));
    assert_eq!(r.desktop.notes().len(), 1);
    r.send(found("AKIAFOREIGN2"));
    assert_eq!(r.desktop.notes().len(), 2);
}

#[test]
fn a_failure_shows_in_the_open_session_list() {
    let mut r = rig();
    let s = session("work", false, None);
    r.load(std::slice::from_ref(&s), &[]);
    r.send(Message::External(External::OpenRequested));
    r.click(&s.id);
    r.done(
        &s,
        Op::Start,
        Err(failure("STS refused the keys: InvalidClientTokenId")),
    );
    let list_error = r.app.windows.values().find_map(|w| match w {
        Window::List(l) => Some(l.error.clone()),
        _ => None,
    });
    assert_eq!(
        list_error,
        Some(Some("STS refused the keys: InvalidClientTokenId".into()))
    );
    assert_eq!(r.desktop.notes_titled("could not start"), 1, "{:?}", r.desktop.notes());
}

#[test]
fn quitting_with_nothing_active_takes_the_tray_down() {
    let mut r = rig();
    r.load(&[session("idle", false, None)], &[]);
    r.send(Message::QuitDone);
    assert!(r.desktop.0.borrow().shut_down);
}

#[test]
fn a_tick_that_starts_several_refreshes_rebuilds_the_menu_once() {
    let mut r = rig();
    // Started an hour ago, both inside the refresh lead (5 minutes before expiry): due now.
    let due_now = |alias| {
        let mut s = session(alias, false, Some(Duration::minutes(2)));
        if let Some(a) = s.active.as_mut() {
            a.started_at -= Duration::hours(1);
        }
        s
    };
    let (a, b) = (due_now("a"), due_now("b"));
    r.load(&[a.clone(), b.clone()], &[]);
    let menus_before = r.desktop.0.borrow().menus.len();
    r.send(Message::Tick);
    assert_eq!(r.app.busy.len(), 2, "both refreshes started");
    assert_eq!(r.desktop.0.borrow().menus.len(), menus_before + 1);
    assert!(
        !r.desktop.line_of(&a.id).1 && !r.desktop.line_of(&b.id).1,
        "both lines greyed"
    );
}
