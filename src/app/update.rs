//! The app's update: every message ends here and becomes state changes plus tasks. No file,
//! keyring or network call happens here: those are tasks (tasks.rs), whose results come back
//! as messages.

use iced::keyboard::{Key, key::Named};
use iced::{Task, window};
use keyhop_core::session::SessionId;
use keyhop_core::settings::Settings;

use super::message::FormRequest;
use super::{App, Connection, Failure, Message, Op, Snapshot};
use crate::external::External;
use crate::notify::{self, catalogue};
use crate::present::Attention;
use crate::tray::TrayEvent;
use crate::tray::menu_model::MenuAction;
use crate::window::{Window, form, list, mfa, settings};

impl App {
    pub fn update(&mut self, message: Message) -> Task<Message> {
        let task = self.handle(message);
        // One menu rebuild per message however many operations it started (a tick can start
        // several refreshes); `reschedule` clears the mark when the message ran it anyway.
        if self.menu_stale {
            self.reschedule();
        }
        task
    }

    fn handle(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::External(e) => self.external(e),
            Message::Loaded(result) => {
                let task = self.loaded(result);
                if self.windows.is_empty() {
                    // Right away: a timer here would wake an idle tray once more.
                    return Task::batch([task, super::memory::give_back(std::time::Duration::ZERO)]);
                }
                task
            }
            Message::SettingsLoaded(settings) => {
                if let Some(s) = settings {
                    self.settings = *s;
                }
                self.reload()
            }
            Message::KeyAgesChecked => self.reload(),
            Message::Done {
                session_id,
                alias,
                op,
                result,
            } => self.done(session_id, alias, op, result),
            Message::MfaDone { window, result } => self.mfa_done(window, result),
            Message::ConsoleOpened { alias, result } => {
                if let Err(why) = result {
                    self.desktop.notify(catalogue::console_failed(&alias, &why.to_string()));
                }
                Task::none()
            }
            Message::Tick => self.tick(),
            Message::WindowClosed(id) => {
                self.windows.remove(&id);
                if self.windows.is_empty() {
                    return super::memory::give_back(std::time::Duration::from_secs(1));
                }
                Task::none()
            }
            Message::List(id, msg) => self.list_msg(id, msg),
            Message::Form(id, msg) => self.form_msg(id, msg),
            Message::Mfa(id, msg) => self.mfa_msg(id, msg),
            Message::Settings(id, msg) => self.settings_msg(id, msg),
            Message::ProfilesRead(request, profiles, shadowed) => self.open_form(request, profiles, shadowed),
            Message::AutostartRead(at_login) => {
                self.open(Window::Settings(settings::SettingsForm::new(&self.settings, at_login)))
            }
            Message::SsoAdded { window, result } => self.sso_added(window, result),
            Message::SignedIn { connection, result } => self.signed_in(&connection, result),
            Message::Synced { connection, result } => self.synced(&connection, result),
            Message::Saved { window, result } => self.saved(window, result),
            Message::SettingsSaved {
                window,
                settings,
                result,
            } => self.settings_saved(window, *settings, result),
            Message::Key {
                window,
                key,
                modifiers,
                captured,
            } => self.key(window, &key, modifiers, captured),
            Message::Redraw => Task::none(),
            Message::Rotated { alias, result } => self.rotated(&alias, result),
            Message::CheckOverwrites => self.check_overwrites(),
            Message::Overwritten(found) => {
                for (id, alias, profile, key) in found {
                    // Once per foreign key, not on every later change of the file.
                    if self.overwrite_notified.insert((id, key)) {
                        self.desktop.notify(catalogue::profile_overwritten(&profile, &alias));
                    }
                }
                Task::none()
            }
            Message::QuitDone => {
                self.desktop.shutdown();
                iced::exit()
            }
        }
    }

    fn loaded(&mut self, result: Result<Snapshot, Failure>) -> Task<Message> {
        let snap = match result {
            Ok(snap) => snap,
            Err(e) => {
                self.desktop.notify(catalogue::state_unreadable(&e.to_string()));
                return Task::none();
            }
        };
        let active: Vec<SessionId> = snap
            .views
            .iter()
            .filter(|s| s.is_active())
            .map(|s| s.id.clone())
            .collect();
        // Attention belongs to active sessions; a session stopped elsewhere needs none.
        self.attention.keep_only(&active);
        self.refreshes.keep_only(&active);
        for (alias, days) in &snap.key_warnings {
            self.desktop.notify(catalogue::key_old(alias, *days));
        }
        self.snapshot = Some(snap);
        self.reschedule();
        Task::none()
    }

    fn external(&mut self, e: External) -> Task<Message> {
        match e {
            External::Tray(TrayEvent::Session(id)) => self.toggle(id),
            External::Tray(TrayEvent::Console(id)) => self.open_console(id),
            External::Tray(TrayEvent::Action(a)) => match a {
                MenuAction::AddSession => self.read_profiles(FormRequest::Add),
                MenuAction::AddSsoConnection => self.open_sso_form(),
                MenuAction::OpenWindow => self.open(Window::List(list::List::default())),
                MenuAction::Settings => self.read_autostart(),
                MenuAction::Quit => self.quit(),
            },
            External::OpenRequested => self.open(Window::List(list::List::default())),
            External::StateChanged => self.load_settings(),
            // Checked a moment later: a keyhop process writes the profile, then its state.
            External::CredentialsChanged => {
                Task::perform(tokio::time::sleep(std::time::Duration::from_secs(1)), |()| {
                    Message::CheckOverwrites
                })
            }
            External::SignIn { connection } => match self.connection(&connection) {
                Some(c) => self.sign_in(c, None),
                None => Task::none(),
            },
            External::EnterMfa { session_id } => self.open_mfa(&session_id),
            External::SamlSignIn { session_id } => match self.sessions().iter().find(|s| s.id == session_id) {
                Some(s) => {
                    let alias = s.alias.to_string();
                    self.run_op(session_id, alias, Op::Start)
                }
                None => Task::none(),
            },
            External::Resumed => Task::batch([self.tick(), self.check_key_ages()]),
            External::SystemDark(dark) => {
                self.system_dark = dark;
                Task::none()
            }
        }
    }

    fn key(
        &mut self,
        window: window::Id,
        key: &Key,
        modifiers: iced::keyboard::Modifiers,
        captured: bool,
    ) -> Task<Message> {
        if matches!(self.windows.get(&window), Some(Window::List(_))) {
            return self.list_key(window, key, modifiers, captured);
        }
        let picking = matches!(self.windows.get(&window), Some(Window::Form(f)) if f.picking.is_some());
        match key {
            Key::Named(Named::Escape) if self.windows.contains_key(&window) => window::close(window),
            Key::Named(Named::Tab) if modifiers.shift() => iced::widget::operation::focus_previous(),
            Key::Named(Named::Tab) => iced::widget::operation::focus_next(),
            // The add form's first step: arrows choose, Enter continues.
            Key::Named(k @ (Named::ArrowUp | Named::ArrowDown | Named::Enter)) if picking => {
                self.form_msg(window, form::Msg::Key(*k))
            }
            _ => Task::none(),
        }
    }

    pub(super) fn toggle(&mut self, id: SessionId) -> Task<Message> {
        let Some(s) = self.sessions().iter().find(|s| s.id == id).cloned() else {
            return Task::none();
        };
        match self.shown_attention().get(&id) {
            // With an MFA command the start gets its code itself (the popup if that fails).
            Some(Attention::MfaDue) if !self.has_mfa_process(&id) => return self.open_mfa(&id),
            Some(Attention::MfaDue) => return self.run_op(id, s.alias.to_string(), Op::Start),
            Some(Attention::SignInNeeded(c)) => {
                return match self.connection(c) {
                    Some(c) => self.sign_in(c, Some(id)),
                    None => Task::none(),
                };
            }
            _ => {}
        }
        let op = if s.is_active() { Op::Stop } else { Op::Start };
        self.run_op(id, s.alias.to_string(), op)
    }

    /// What a start said about the AWS files: once, as notifications.
    fn tell(&self, notices: &[String]) {
        for n in notices {
            self.desktop.notify(catalogue::aws_file_changed(n));
        }
    }

    fn done(&mut self, id: SessionId, alias: String, op: Op, result: Result<Vec<String>, Failure>) -> Task<Message> {
        self.busy.release(&id);
        let reload = self.reload();
        let f = match result {
            Ok(notices) => {
                self.tell(&notices);
                self.attention.clear(&id);
                self.refreshes.succeeded(&id);
                return reload;
            }
            Err(f) => f,
        };
        if op == Op::Refresh
            && let Some(host) = f.saml_needs_user()
        {
            self.saml_sign_in_needed(&id, host, &f.to_string());
            return reload;
        }
        let sign_in = f.needs_sign_in().and_then(|name| self.connection_named(&name));
        let then = match (sign_in, op) {
            // Starting from the tray without a code: ask for it instead of failing.
            (_, Op::Start) if f.needs_mfa() => self.open_mfa(&id),
            // Or without a sign-in: sign in in the browser, then start.
            (Some(c), Op::Start) => self.sign_in(c, Some(id)),
            (Some(c), _) => {
                self.attention.set(&id, Attention::SignInNeeded(c.id.clone()));
                if self.sign_ins.first_notice(&c.id) {
                    self.desktop
                        .notify(catalogue::sign_in_needed(&c.name, &c.id, &f.to_string()));
                }
                Task::none()
            }
            (None, _) if f.needs_mfa() => {
                self.attention.set(&id, Attention::MfaDue);
                self.desktop.notify(catalogue::mfa_needed(&alias, &f.to_string(), &id));
                Task::none()
            }
            (None, _) => {
                self.failed(&id, &alias, op, &f.to_string());
                Task::none()
            }
        };
        Task::batch([reload, then])
    }

    /// A background refresh of a SAML session needs the user at the IdP: said once per run of
    /// failures, with a "Sign in" that starts it with its sign-in window.
    fn saml_sign_in_needed(&mut self, id: &SessionId, idp_host: &str, message: &str) {
        if self.refreshes.failed(id, time::OffsetDateTime::now_utc()) {
            self.desktop
                .notify(catalogue::saml_sign_in_needed(idp_host, id, message));
        }
        self.attention.set(id, Attention::RefreshFailed(message.to_owned()));
    }

    /// An operation failed for a reason another try may not mend: said once per run of
    /// refresh failures (the scheduler retries), or at once for a click's start or stop.
    fn failed(&mut self, id: &SessionId, alias: &str, op: Op, message: &str) {
        if op == Op::Refresh && self.sessions().iter().any(|s| &s.id == id) {
            if self.refreshes.failed(id, time::OffsetDateTime::now_utc()) {
                self.desktop.notify(catalogue::refresh_failed(alias, message));
            }
            self.attention.set(id, Attention::RefreshFailed(message.to_owned()));
        } else {
            self.desktop.notify(if op == Op::Stop {
                catalogue::stop_failed(alias, message)
            } else {
                catalogue::start_failed(alias, message)
            });
        }
        self.show_in_lists(message);
    }

    /// An error for the open session lists' banner.
    pub(super) fn show_in_lists(&mut self, message: &str) {
        for w in self.windows.values_mut() {
            if let Window::List(l) = w {
                l.error = Some(message.to_owned());
            }
        }
    }

    fn mfa_done(&mut self, window: window::Id, result: Result<Vec<String>, Failure>) -> Task<Message> {
        match result {
            Ok(notices) => {
                self.tell(&notices);
                Task::batch([window::close(window), self.reload()])
            }
            Err(f) => {
                if let Some(Window::Mfa(m)) = self.windows.get_mut(&window) {
                    m.rejected(f.to_string());
                }
                Task::none()
            }
        }
    }

    /// Names of the IAM Identity Center connections (a new one must differ).
    fn connection_names(&self) -> Vec<String> {
        self.snapshot
            .as_ref()
            .map(|s| s.connections.iter().map(|c| c.name.to_string()).collect())
            .unwrap_or_default()
    }

    /// The add form with the IAM Identity Center connection chosen.
    pub(super) fn open_sso_form(&mut self) -> Task<Message> {
        let f = form::new_connection(self.connection_names(), self.settings.default_region.as_str());
        self.open(Window::Form(f))
    }

    fn sso_added(&mut self, window: window::Id, result: Result<Connection, Failure>) -> Task<Message> {
        match result {
            Ok(c) => {
                // New connection: sign in, then sync its accounts and roles.
                self.sign_ins.sync_after(c.id.clone());
                Task::batch([window::close(window), self.reload(), self.sign_in(c, None)])
            }
            Err(e) => {
                if let Some(Window::Form(f)) = self.windows.get_mut(&window) {
                    f.refused(e.to_string());
                }
                Task::none()
            }
        }
    }

    /// Signs in to `c` (one browser sign-in however many sessions wait for it), then starts
    /// `then_start`.
    pub(super) fn sign_in(&mut self, c: Connection, then_start: Option<SessionId>) -> Task<Message> {
        if self.sign_ins.begin(&c.id, then_start) {
            self.sign_in_task(c)
        } else {
            Task::none()
        }
    }

    fn signed_in(&mut self, c: &Connection, result: Result<(), Failure>) -> Task<Message> {
        let queued = self.sign_ins.finished(&c.id);
        if let Err(f) = result {
            self.desktop
                .notify(catalogue::sign_in_failed(c.name.as_str(), &f.to_string()));
            return Task::none();
        }
        self.attention.signed_in(&c.id);
        let mut tasks = vec![self.reload()];
        if self.sign_ins.take_sync(&c.id) {
            tasks.push(self.sync_task(c.clone()));
        }
        for id in queued {
            // A refresh that needed the sign-in refreshes; anything else starts.
            let Some(s) = self.sessions().iter().find(|s| s.id == id).cloned() else {
                continue;
            };
            let op = if s.is_active() { Op::Refresh } else { Op::Start };
            tasks.push(self.run_op(id, s.alias.to_string(), op));
        }
        Task::batch(tasks)
    }

    fn synced(&mut self, c: &Connection, result: Result<String, Failure>) -> Task<Message> {
        match result {
            Ok(summary) => self.desktop.notify(catalogue::synced(c.name.as_str(), &summary)),
            Err(e) => {
                let e = e.to_string();
                self.show_in_lists(&e);
                self.desktop.notify(catalogue::sync_failed(c.name.as_str(), &e));
            }
        }
        self.reload()
    }

    fn saved(&mut self, window: window::Id, result: Result<(), Failure>) -> Task<Message> {
        match result {
            Ok(()) => {
                let close = if matches!(self.windows.get(&window), Some(Window::List(_))) {
                    Task::none()
                } else {
                    window::close(window)
                };
                Task::batch([close, self.reload()])
            }
            Err(e) => {
                let e = e.to_string();
                match self.windows.get_mut(&window) {
                    Some(Window::Form(f)) => f.refused(e),
                    Some(Window::List(l)) => l.error = Some(e),
                    Some(Window::Settings(s)) => s.error = Some(e),
                    _ => {}
                }
                Task::none()
            }
        }
    }

    fn settings_saved(&mut self, window: window::Id, new: Settings, result: Result<(), Failure>) -> Task<Message> {
        if result.is_ok() {
            self.settings = new;
            self.reschedule();
        }
        self.saved(window, result)
    }

    /// The session form, with the profiles of the AWS files to pick from.
    fn open_form(
        &mut self,
        request: FormRequest,
        profiles: Vec<String>,
        shadowed: std::collections::HashMap<String, String>,
    ) -> Task<Message> {
        let sid = match request {
            FormRequest::Add => {
                let mut f = form::Form::new_session(
                    self.sessions(),
                    profiles,
                    self.settings.default_region.as_str(),
                    self.settings.default_duration,
                );
                f.shadowed = shadowed;
                f.connections = self.connection_names();
                return self.open(Window::Form(f));
            }
            FormRequest::Edit(sid) => sid,
        };
        let Some(s) = self.sessions().iter().find(|s| s.id == sid).cloned() else {
            return Task::none();
        };
        let mut f = form::Form::edit_session(&s, self.sessions(), profiles);
        f.shadowed = shadowed;
        let wants_key_id = f.wants_stored_key_id();
        let open = self.open(Window::Form(f));
        let form_id = self
            .windows
            .iter()
            .find(|(_, w)| matches!(w, Window::Form(f) if f.editing.as_ref().is_some_and(|e| e.id == sid)))
            .map(|(id, _)| *id);
        match form_id {
            Some(fid) if wants_key_id => Task::batch([open, self.load_key_id(fid, sid)]),
            _ => open,
        }
    }

    /// Whether the session's chain starts at an IAM user with an MFA command.
    fn has_mfa_process(&self, id: &SessionId) -> bool {
        let Some(snap) = &self.snapshot else { return false };
        let sessions = &snap.state.sessions;
        keyhop_core::chain::find(sessions, id)
            .and_then(|s| keyhop_core::chain::resolve(sessions, s).ok())
            .is_some_and(|chain| chain[0].kind.mfa_process().is_some())
    }

    fn open_mfa(&mut self, session_id: &SessionId) -> Task<Message> {
        let Some(snap) = &self.snapshot else {
            return Task::none();
        };
        let Some(s) = snap.state.sessions.iter().find(|s| &s.id == session_id) else {
            return Task::none();
        };
        let Some((owner, device)) = self.engine.mfa_device_of(&snap.state, &s.id) else {
            // No MFA device in this chain: a plain start does it.
            return self.run_op(session_id.clone(), s.alias.to_string(), Op::Start);
        };
        let popup = mfa::Mfa::new(
            session_id.clone(),
            s.alias.to_string(),
            owner.to_string(),
            device.to_string(),
        );
        self.open(Window::Mfa(popup))
    }

    /// Syncs a connection's accounts and roles; signed out, the browser sign-in comes first.
    pub(super) fn sync(&mut self, id: &keyhop_core::sso::ConnectionId) -> Task<Message> {
        let Some(c) = self.connection(id) else {
            return Task::none();
        };
        let signed_in = self
            .snapshot
            .as_ref()
            .is_some_and(|s| s.connections.iter().any(|v| v.id == c.id && v.signed_in));
        if signed_in {
            self.sync_task(c)
        } else {
            self.sign_ins.sync_after(c.id.clone());
            self.sign_in(c, None)
        }
    }

    fn form_msg(&mut self, id: window::Id, msg: form::Msg) -> Task<Message> {
        let Some(Window::Form(f)) = self.windows.get_mut(&id) else {
            return Task::none();
        };
        match f.update(msg) {
            form::Effect::None => Task::none(),
            form::Effect::Cancel => window::close(id),
            form::Effect::Save(out) => self.save(id, out),
            form::Effect::AddConnection(c) => self.add_connection(id, c),
            form::Effect::PickCsv => self.pick_csv(id),
            form::Effect::FindMfa { region, keys } => self.find_mfa_devices(id, region, keys),
            form::Effect::FindRoles { idp_url } => self.find_saml_roles(id, idp_url),
        }
    }

    fn mfa_msg(&mut self, id: window::Id, msg: mfa::Msg) -> Task<Message> {
        let Some(Window::Mfa(m)) = self.windows.get_mut(&id) else {
            return Task::none();
        };
        match m.update(msg) {
            mfa::Effect::None => Task::none(),
            mfa::Effect::Cancel => window::close(id),
            mfa::Effect::Submit(code) => {
                let session = m.session_id.clone();
                self.start_with_code(id, session, code)
            }
        }
    }

    fn settings_msg(&mut self, id: window::Id, msg: settings::Msg) -> Task<Message> {
        let Some(Window::Settings(s)) = self.windows.get_mut(&id) else {
            return Task::none();
        };
        match s.update(msg) {
            settings::Effect::None => Task::none(),
            settings::Effect::Cancel => window::close(id),
            settings::Effect::Save(new, start_at_login) => self.save_settings(id, new, start_at_login),
        }
    }

    fn quit(&mut self) -> Task<Message> {
        let active = self.sessions().iter().filter(|s| s.is_active()).count();
        if self.settings.stop_all_on_quit && active > 0 {
            return self.stop_all_and_quit();
        }
        if active > 0 {
            // Sent before exiting, or the process could end before the message leaves.
            let note = catalogue::quit_with_active(active);
            return Task::perform(
                async move { tokio::task::spawn_blocking(move || notify::show_now(&note)).await },
                |_| Message::QuitDone,
            );
        }
        Task::done(Message::QuitDone)
    }
}
