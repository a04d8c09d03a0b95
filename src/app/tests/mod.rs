//! The app's `update` driven with messages, as the tray and the engine would send them, with a
//! recording desktop instead of the tray and the notification server: what the menu showed,
//! which notifications went out, which windows opened. No display, no services; the engine's
//! tasks are not run (their results are sent as messages instead).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use keyhop_core::aws_files::{AwsFiles, RegionPrior};
use keyhop_core::kinds::IamUser;
use keyhop_core::schedule::Action;
use keyhop_core::secrets::{OsKeyring, SecretsError};
use keyhop_core::session::{Activation, Session, SessionId, SessionKind};
use keyhop_core::settings::Settings;
use keyhop_core::sso::{ConnectionId, ConnectionName, SsoConnection, SsoError, StartUrl};
use keyhop_core::state::{STATE_VERSION, State, StateStore};
use keyhop_core::validate::{MfaDevice, ProfileName, Region, SessionAlias, SessionDuration};
use keyhop_core::{Endpoints, Engine, Error, StsError};
use time::{Duration, OffsetDateTime};

use super::message::FormRequest;
use super::{App, Connection, Desktop, Failure, Message, Op, Snapshot};
use crate::external::External;
use crate::notify::{Button, Note};
use crate::present::Attention;
use crate::tray::TrayEvent;
use crate::tray::menu_model::MenuAction;
use crate::tray::menu_model::{Entry, MenuModel};
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
                    Entry::Separator | Entry::Action(_) | Entry::Console(_) | Entry::More { .. } => {}
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
    dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    /// The SSO connections of the state `load` shows.
    connections: Vec<SsoConnection>,
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
    let (_events, inbox) = crate::external::channel();
    Rig {
        app: App::new(Arc::new(engine), Settings::default(), Box::new(desktop.clone()), inbox),
        desktop,
        dir,
        runtime,
        connections: vec![],
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
            sso_connections: self.connections.clone(),
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
    fn settings_window(&self) -> Option<iced::window::Id> {
        self.app
            .windows
            .iter()
            .find(|(_, w)| matches!(w, Window::Settings(_)))
            .map(|(id, _)| *id)
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

/// What the engine fails with while the keyring is locked (the screen is).
fn keyring_locked() -> Failure {
    Error::Secrets(SecretsError::Unavailable("the collection is locked".into())).into()
}

/// What a start fails with when STS refuses the keys.
fn sts_refused(alias: &str) -> Failure {
    Error::Sts {
        step: "GetSessionToken",
        alias: alias.into(),
        source: StsError::InvalidClientToken,
    }
    .into()
}

/// What a start without a code fails with when the session's chain needs one.
fn mfa_needed() -> Failure {
    Error::MfaRequired {
        alias: "mfa-user".into(),
        device: MfaDevice::parse("arn:aws:iam::123456789012:mfa/alice").unwrap(),
    }
    .into()
}

/// An SSO connection named `name`, as `state.json` keeps it.
fn connection(name: &str) -> SsoConnection {
    SsoConnection {
        id: ConnectionId::random(),
        name: ConnectionName::parse(name).unwrap(),
        start_url: StartUrl::parse("https://d-1234567890.awsapps.com/start").unwrap(),
        region: Region::parse("eu-west-1").unwrap(),
        default_region: Region::parse("eu-west-1").unwrap(),
        scopes: vec![],
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
fn the_timer_fires_at_or_after_its_deadline_and_every_tick_arms_a_new_one() {
    use super::scheduler::timer_key;
    let second = OffsetDateTime::from_unix_timestamp(1_000).expect("a time");
    assert_eq!(timer_key(second, 0), (1_000, 0), "a whole second stays");
    assert_eq!(
        timer_key(second + Duration::milliseconds(700), 0),
        (1_001, 0),
        "rounded up: a timer at 1000 would fire before a deadline at 1000.7"
    );

    // A tick that finds nothing due (a woken-early timer) must still leave a new timer behind.
    let mut r = rig();
    r.load(&[session("work", false, Some(Duration::hours(1)))], &[]);
    let key = |app: &App| timer_key(app.next_wake.expect("a timer"), app.ticks);
    let before = key(&r.app);
    r.send(Message::Tick);
    assert_ne!(key(&r.app), before, "the tick left the spent timer's identity");
}

#[test]
fn a_click_starts_and_the_menu_shows_the_session_busy_at_once() {
    let mut r = rig();
    let s = session("work", false, None);
    r.load(std::slice::from_ref(&s), &[]);
    r.click(&s.id);
    assert_eq!(r.app.busy.ids(), std::slice::from_ref(&s.id));
    assert!(
        !r.desktop.line_of(&s.id).1,
        "the line is off while the start runs, so a second click cannot start it twice"
    );
    // A second click while busy starts nothing more.
    r.click(&s.id);
    assert_eq!(r.app.busy.ids(), std::slice::from_ref(&s.id));

    r.done(&s, Op::Start, Ok(vec!["made ~/.aws/credentials private (0600)".into()]));
    assert!(r.app.busy.ids().is_empty());
    assert_eq!(r.desktop.notes().len(), 1, "the start's notice, once");
    assert!(r.desktop.notes()[0].body.contains("0600"));
}

#[test]
fn a_click_on_an_active_session_stops_it() {
    let mut r = rig();
    let s = session("work", false, Some(Duration::hours(1)));
    r.load(std::slice::from_ref(&s), &[]);
    r.click(&s.id);
    assert_eq!(r.app.busy.ids(), std::slice::from_ref(&s.id));
    r.done(&s, Op::Stop, Err(keyring_locked()));
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
    let locked = keyring_locked().to_string();
    for _ in 0..3 {
        r.done(&s, Op::Refresh, Err(keyring_locked()));
        r.load(std::slice::from_ref(&s), &[]);
    }
    assert_eq!(
        r.desktop.notes_titled("Refreshing"),
        1,
        "one notification per run of failures: {:?}",
        r.desktop.notes()
    );
    assert_eq!(r.app.attention.get(&s.id), Some(&Attention::RefreshFailed(locked)));
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
    assert!(r.app.refreshes.is_empty());
    assert!(!r.desktop.line_of(&s.id).0.contains('⚠'));
    r.done(&s, Op::Refresh, Err(keyring_locked()));
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
    assert_eq!(r.app.busy.ids(), std::slice::from_ref(&s.id));
    r.send(Message::Tick);
    assert_eq!(r.desktop.notes_titled("expired"), 0, "not while the click's stop runs");
    assert!(
        r.app.handled.iter().all(|d| d.session != s.id),
        "the deadline is kept for later, not marked handled"
    );
    // The stop failed and the session is still active: the next tick handles the expiry.
    r.done(&s, Op::Stop, Err(keyring_locked()));
    r.load(std::slice::from_ref(&s), &[]);
    r.send(Message::Tick);
    assert_eq!(r.desktop.notes_titled("expired"), 1, "{:?}", r.desktop.notes());
    assert_eq!(r.app.busy.ids(), std::slice::from_ref(&s.id), "and stops it");
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
    assert!(r.app.busy.ids().is_empty());
}

#[test]
fn a_refresh_that_needs_a_sign_in_asks_once_per_connection() {
    let mut r = rig();
    let corp = connection("corp");
    r.connections = vec![corp.clone(), connection("other")];
    let a = session("sso-a", false, Some(Duration::hours(1)));
    let b = session("sso-b", false, Some(Duration::hours(1)));
    r.load(&[a.clone(), b.clone()], &[]);
    let signed_out = || -> Failure {
        Error::Sso(SsoError::SignInNeeded {
            connection: "corp".into(),
        })
        .into()
    };
    r.done(&a, Op::Refresh, Err(signed_out()));
    r.done(&b, Op::Refresh, Err(signed_out()));
    let notes = r.desktop.notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(
        notes[0].button,
        Button::SignIn(corp.id.clone()),
        "by the connection's id"
    );
    for s in [&a, &b] {
        assert_eq!(
            r.app.attention.get(&s.id),
            Some(&Attention::SignInNeeded(corp.id.clone()))
        );
    }
    // The notification's button signs in (one browser for both sessions).
    r.send(Message::External(External::SignIn {
        connection: corp.id.clone(),
    }));
    r.send(Message::SignedIn {
        connection: Connection::from(&corp),
        result: Ok(()),
    });
    assert!(r.app.attention.is_empty(), "{:?}", r.app.attention);
    // A later run of failures is told again.
    r.done(&a, Op::Refresh, Err(signed_out()));
    assert_eq!(r.desktop.notes().len(), 2);
}

#[test]
fn a_saml_refresh_the_idp_wants_the_user_for_asks_once_and_its_button_starts_the_session() {
    let mut r = rig();
    let s = session("fed", false, Some(Duration::minutes(10)));
    r.load(std::slice::from_ref(&s), &[]);
    let needs_user = || -> Failure {
        Error::Saml(keyhop_core::saml::SamlError::SignInNeedsUser {
            idp_host: "idp.example.com".into(),
        })
        .into()
    };
    r.done(&s, Op::Refresh, Err(needs_user()));
    r.done(&s, Op::Refresh, Err(needs_user()));
    let notes = r.desktop.notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].summary, "Sign in to idp.example.com");
    assert_eq!(notes[0].button, Button::SamlSignIn(s.id.clone()));
    assert!(matches!(r.app.attention.get(&s.id), Some(Attention::RefreshFailed(_))));
    // "Sign in" starts it (with its window, off the UI thread): the session is busy at once.
    r.send(Message::External(External::SamlSignIn {
        session_id: s.id.clone(),
    }));
    assert_eq!(r.app.busy.ids(), std::slice::from_ref(&s.id));
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
    r.done(&s, Op::Start, Err(sts_refused("work")));
    let list_error = r.app.windows.values().find_map(|w| match w {
        Window::List(l) => Some(l.error.clone()),
        _ => None,
    });
    assert_eq!(list_error, Some(Some(sts_refused("work").to_string())));
    assert!(
        list_error.flatten().unwrap().contains("InvalidClientTokenId"),
        "the engine's own words"
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
    assert_eq!(r.app.busy.ids().len(), 2, "both refreshes started");
    assert_eq!(r.desktop.0.borrow().menus.len(), menus_before + 1);
    assert!(
        !r.desktop.line_of(&a.id).1 && !r.desktop.line_of(&b.id).1,
        "both lines greyed"
    );
}

/// Read and write calls this thread made so far (Linux's per-thread I/O accounting): one
/// `read` of at most a page, so each look costs exactly one read call.
fn io_calls() -> (u64, u64) {
    use std::io::Read;
    let mut buf = [0u8; 4096];
    let n = std::fs::File::open("/proc/thread-self/io")
        .and_then(|mut f| f.read(&mut buf))
        .expect("/proc/thread-self/io");
    let text = String::from_utf8_lossy(&buf[..n]);
    let field = |k: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.trim().parse().ok())
            .expect("an I/O counter")
    };
    (field("syscr:"), field("syscw:"))
}

/// The read and write calls `f` makes on this thread.
fn io_of(f: impl FnOnce()) -> (u64, u64) {
    let before = io_calls();
    f();
    let after = io_calls();
    // The look at `before` was counted by the time of `after`.
    (after.0 - before.0 - 1, after.1 - before.1)
}

#[test]
fn update_reads_and_writes_no_file() {
    let mut r = rig();
    // Every file the app could read or write exists and has content: a read would be counted.
    let files = r.app.engine.aws_files().clone();
    std::fs::write(&files.credentials, "[work]\naws_access_key_id = AKIAEXAMPLE\n").unwrap();
    std::fs::write(&files.config, "[profile work]\nregion = eu-west-1\n").unwrap();
    Settings::default().save(r.app.engine.state_store()).unwrap();
    // The meter sees what a settings load (the old `StateChanged`) costs.
    let store = r.app.engine.state_store().clone();
    let (reads, _) = io_of(|| drop(Settings::load(&store)));
    assert!(reads > 0, "the meter counts a file read");

    let s = session("work", false, Some(Duration::hours(1)));
    r.load(std::slice::from_ref(&s), &[]);
    let action = |a| Message::External(External::Tray(TrayEvent::Action(a)));
    let io = io_of(|| {
        r.send(Message::External(External::StateChanged));
        r.send(action(MenuAction::AddSession));
        r.send(Message::ProfilesRead(
            FormRequest::Add,
            vec!["work".into()],
            std::collections::HashMap::new(),
        ));
        r.send(Message::ProfilesRead(
            FormRequest::Edit(s.id.clone()),
            vec![],
            std::collections::HashMap::new(),
        ));
        r.send(action(MenuAction::Settings));
        r.send(Message::AutostartRead(false));
        r.send(action(MenuAction::OpenWindow));
        r.click(&s.id);
        r.send(Message::Tick);
    });
    let settings = r.settings_window().expect("the settings window opened");
    let io_of_save = io_of(|| r.send(Message::Settings(settings, crate::window::settings::Msg::Save)));
    assert_eq!((io, io_of_save), ((0, 0), (0, 0)), "update read or wrote a file");
}

// The windows: settings, the look, the list.
mod windows;
