//! The desktop app: an iced daemon on the main thread (windows opened on demand, none at
//! start), the tray on its own thread, background refresh on timers that follow real
//! expirations. Data flows one way: tray click / window event → message → engine task →
//! state file → watcher → reload → tray menu and windows re-render.

mod desktop;
mod failure;
mod list_window;
mod memory;
mod message;
mod scheduler;
mod sessions;
mod sign_ins;
mod tasks;
mod update;

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::sync::Arc;

use iced::{Element, Subscription, Task, Theme, window};
use keyhop_core::Engine;
use keyhop_core::schedule::Deadline;
use keyhop_core::session::SessionId;
use keyhop_core::settings::Settings;
use keyhop_core::sso::{ConnectionId, ConnectionName};
use time::OffsetDateTime;

pub use desktop::Desktop;
pub use failure::Failure;
pub use message::{Connection, Message, Op, Snapshot};

use crate::external::{self, External, Inbox};
use crate::present::Attention;
use crate::single_instance::{self, Instance};
use crate::tray::Tray;
use crate::tray::menu_model;
use crate::window::Window;
use sessions::{Attentions, Busy, Refreshes};
use sign_ins::SignIns;

pub struct App {
    engine: Arc<Engine>,
    settings: Settings,
    desktop: Box<dyn Desktop>,
    _watch: Option<crate::watch::FileWatch>,
    /// The single-instance listener (none in tests).
    _instance: Option<single_instance::Guard>,
    /// Outside events: the app's end of the channel its event sources were handed.
    inbox: Inbox,
    snapshot: Option<Snapshot>,
    windows: BTreeMap<window::Id, Window>,
    busy: Busy,
    /// The menu no longer shows `busy`: rebuilt once at the end of the update.
    menu_stale: bool,
    attention: Attentions,
    refreshes: Refreshes,
    handled: Vec<Deadline>,
    /// Overwritten profiles already reported: (session id, foreign access key id).
    overwrite_notified: std::collections::HashSet<(SessionId, String)>,
    sign_ins: SignIns,
    next_wake: Option<OffsetDateTime>,
    /// Ticks of the scheduler's timer so far (part of the timer's identity: `timer_key`).
    ticks: u64,
    /// Whether the system prefers dark windows (Settings' appearance may overrule it).
    system_dark: bool,
}

/// `keyhop` / `keyhop tray`.
pub fn run() -> ExitCode {
    // The tray's GTK menu draws no GL, but GDK probes GLX visuals (loading Mesa: ~55 MB RSS,
    // ~11 MB anonymous) when it is the first GTK client of an X display, as at login.
    if std::env::var_os("GDK_GL").is_none() {
        // SAFETY: no other thread exists yet; the tray, iced and tokio all start below.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("GDK_GL", "disable");
        }
    }
    let engine = match Engine::from_env() {
        Ok(e) => Arc::new(e),
        Err(e) => {
            eprintln!("keyhop: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (events, inbox) = external::channel();
    let instance = match single_instance::claim(engine.state_store().dir(), events.clone()) {
        Ok(Instance::First(g)) => g,
        Ok(Instance::AlreadyRunning) => {
            println!("keyhop is already running; asked it to open its window.");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("keyhop: cannot check for a running keyhop tray: {e}");
            return ExitCode::FAILURE;
        }
    };
    let settings = Settings::load(engine.state_store()).unwrap_or_else(|e| {
        crate::notify::show(crate::notify::catalogue::settings_unreadable(&e.to_string()), &events);
        Settings::default()
    });
    let views = engine.list().unwrap_or_default();
    let initial = menu_model::build(&views, &HashMap::new(), &[], OffsetDateTime::now_utc());
    let clicks = events.clone();
    let tray = match Tray::spawn(initial, move |ev| clicks.send(External::Tray(ev))) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("keyhop: {e}");
            return ExitCode::FAILURE;
        }
    };
    let watch = crate::watch::start(
        engine.state_store().dir(),
        &engine.aws_files().credentials,
        events.clone(),
    )
    .map_err(|e| tracing::warn!(error = %e, "cannot watch files; changes from the CLI show on the next minute"))
    .ok();
    crate::resume::watch(events.clone());
    let told = events.clone();
    crate::window::theme::system::watch(move |dark| told.send(External::SystemDark(dark)));
    let desktop = desktop::Native { tray, events };
    let app = App {
        _watch: watch,
        _instance: Some(instance),
        system_dark: crate::window::theme::system::pinned().unwrap_or(false),
        ..App::new(engine, settings, Box::new(desktop), inbox)
    };
    let app = RefCell::new(Some(app));
    let result = iced::daemon(
        move || {
            let app = app.borrow_mut().take().expect("iced boots the app once");
            let load = Task::batch([app.reload(), app.check_key_ages()]);
            (app, load)
        },
        App::update,
        App::view,
    )
    .title(App::title)
    .subscription(App::subscription)
    .theme(App::theme)
    .run();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyhop: the window system failed: {e}");
            ExitCode::FAILURE
        }
    }
}

impl App {
    /// An app with no snapshot yet and no window open; `run` adds the file watch, the
    /// single-instance guard and the theme.
    /// `inbox`: where the event sources (`external::channel`) send to.
    pub fn new(engine: Arc<Engine>, settings: Settings, desktop: Box<dyn Desktop>, inbox: Inbox) -> App {
        App {
            engine,
            settings,
            desktop,
            _watch: None,
            _instance: None,
            inbox,
            snapshot: None,
            windows: BTreeMap::new(),
            busy: Busy::default(),
            menu_stale: false,
            attention: Attentions::default(),
            refreshes: Refreshes::default(),
            handled: vec![],
            overwrite_notified: std::collections::HashSet::default(),
            sign_ins: SignIns::default(),
            next_wake: None,
            ticks: 0,
            system_dark: false,
        }
    }

    fn title(&self, id: window::Id) -> String {
        self.windows.get(&id).map_or_else(|| "keyhop".into(), Window::title)
    }

    #[allow(clippy::unnecessary_wraps)] // the signature iced asks for
    fn theme(&self, _id: window::Id) -> Option<Theme> {
        Some(crate::window::theme::iced_theme(self.dark()))
    }

    /// Whether the windows are dark: Settings' appearance, or the system's preference.
    pub fn dark(&self) -> bool {
        self.settings.appearance.is_dark(self.system_dark)
    }

    /// What needs the user, per session: what the app found (MFA due, a failed refresh, a
    /// sign-in a refresh needed), plus a sign-in for every session of a signed-out connection.
    fn shown_attention(&self) -> HashMap<SessionId, Attention> {
        let Some(snap) = &self.snapshot else {
            return self.attention.shown(std::iter::empty(), &[]);
        };
        let signed_out: Vec<&ConnectionId> = snap
            .connections
            .iter()
            .filter(|c| !c.signed_in)
            .map(|c| &c.id)
            .collect();
        let sessions_of = snap.state.sessions.iter().filter_map(|s| match &s.kind {
            keyhop_core::session::SessionKind::AwsSso(k) => Some((&s.id, &k.connection)),
            _ => None,
        });
        self.attention.shown(sessions_of, &signed_out)
    }

    /// A connection of the last snapshot, by id.
    fn connection(&self, id: &ConnectionId) -> Option<Connection> {
        let snap = self.snapshot.as_ref()?;
        snap.state
            .sso_connections
            .iter()
            .find(|c| &c.id == id)
            .map(Connection::from)
    }

    /// A connection of the last snapshot, by the name an engine error gave.
    fn connection_named(&self, name: &ConnectionName) -> Option<Connection> {
        let snap = self.snapshot.as_ref()?;
        snap.state
            .sso_connections
            .iter()
            .find(|c| &c.name == name)
            .map(Connection::from)
    }

    fn sessions(&self) -> &[keyhop_core::SessionView] {
        self.snapshot.as_ref().map_or(&[], |s| &s.views)
    }

    fn view(&self, id: window::Id) -> Element<'_, Message> {
        match self.windows.get(&id) {
            Some(Window::List(l)) => {
                let data = crate::window::list::Data {
                    sessions: self.sessions(),
                    connections: self.snapshot.as_ref().map_or(&[], |s| s.connections.as_slice()),
                    busy: self.busy.ids(),
                    attention: self.shown_attention(),
                    now: OffsetDateTime::now_utc(),
                };
                l.view(&data).map(move |m| Message::List(id, m))
            }
            Some(Window::Form(f)) => crate::window::form_view(f).map(move |m| Message::Form(id, m)),
            Some(Window::Mfa(m)) => m.view().map(move |msg| Message::Mfa(id, msg)),
            Some(Window::Settings(s)) => s.view().map(move |m| Message::Settings(id, m)),
            None => iced::widget::space().into(),
        }
    }

    fn subscription(&self) -> Subscription<Message> {
        let mut subs = vec![
            Subscription::run_with(self.inbox.clone(), Inbox::stream).map(Message::External),
            window::close_events().map(Message::WindowClosed),
        ];
        if !self.windows.is_empty() {
            subs.push(iced::event::listen_with(|event, status, window| match event {
                // A Tab the window moved the focus for already (`window::tab_focus`).
                iced::Event::Keyboard(iced::keyboard::Event::KeyPressed {
                    key: iced::keyboard::Key::Named(iced::keyboard::key::Named::Tab),
                    ..
                }) if status == iced::event::Status::Captured => None,
                // Where the keys go is the platform's call; the log shows what the window heard.
                iced::Event::Window(e @ (window::Event::Focused | window::Event::Unfocused)) => {
                    tracing::debug!(?window, event = ?e, "window focus");
                    None
                }
                iced::Event::Keyboard(iced::keyboard::Event::KeyPressed { key, modifiers, .. }) => Some(Message::Key {
                    window,
                    key,
                    modifiers,
                    captured: status == iced::event::Status::Captured,
                }),
                _ => None,
            }));
        }
        if let Some(every) = self.countdown() {
            subs.push(iced::time::every(every).map(|_| Message::Redraw));
        }
        // No timer at all while nothing is active: an idle tray sleeps until an event.
        if let Some(at) = self.next_wake {
            let key = scheduler::timer_key(at, self.ticks);
            subs.push(Subscription::run_with(key, scheduler::timer));
        }
        Subscription::batch(subs)
    }

    fn open(&mut self, w: Window) -> Task<Message> {
        // One list and one settings window: a second request focuses the open one.
        let existing = self.windows.iter().find(|(_, o)| {
            matches!(
                (o, &w),
                (Window::List(_), Window::List(_)) | (Window::Settings(_), Window::Settings(_))
            ) || matches!((o, &w), (Window::Mfa(a), Window::Mfa(b)) if a.session_id == b.session_id)
        });
        if let Some((id, _)) = existing {
            return window::gain_focus(*id);
        }
        let focus = match &w {
            // The form focuses its first field itself (window::tab_focus): a focus task by id
            // would unfocus every other field, the one of the step it opens on included.
            Window::Mfa(_) => Some(crate::window::mfa::CODE_INPUT),
            _ => None,
        };
        let (id, opened) = window::open(w.settings());
        self.windows.insert(id, w);
        let focus_task = focus.map_or_else(Task::none, iced::widget::operation::focus);
        opened.discard().chain(window::gain_focus(id)).chain(focus_task)
    }
}
