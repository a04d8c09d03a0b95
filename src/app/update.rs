//! The app's update: every message ends here and becomes state changes plus tasks.

use iced::keyboard::{Key, key::Named};
use iced::{Task, window};
use keyhop_core::session::SessionId;

use super::external::External;
use super::{App, Failure, Message, Op};
use crate::notify::{self, catalogue};
use crate::tray::TrayEvent;
use crate::tray::menu_model::{Attention, MenuAction};
use crate::window::{Window, form, list, mfa, settings, sso_form};

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
            Message::Loaded(Ok(snap)) => {
                let active: Vec<SessionId> = snap
                    .views
                    .iter()
                    .filter(|s| s.is_active())
                    .map(|s| s.id.clone())
                    .collect();
                // Attention belongs to active sessions; a session stopped elsewhere needs none.
                self.attention.retain(|id, _| active.contains(id));
                self.failures.retain(|id, _| active.contains(id));
                for (alias, days) in &snap.key_warnings {
                    self.desktop.notify(catalogue::key_old(alias, *days));
                }
                self.snapshot = Some(snap);
                self.reschedule();
                Task::none()
            }
            Message::KeyAgesChecked => self.reload(),
            Message::Loaded(Err(e)) => {
                self.desktop.notify(catalogue::state_unreadable(&e));
                Task::none()
            }
            Message::Done {
                session_id,
                alias,
                op,
                result,
            } => self.done(session_id, alias, op, result),
            Message::MfaDone { window, result } => match result {
                Ok(notices) => {
                    self.tell(&notices);
                    Task::batch([window::close(window), self.reload()])
                }
                Err(f) => {
                    if let Some(Window::Mfa(m)) = self.windows.get_mut(&window) {
                        m.rejected(f.message);
                    }
                    Task::none()
                }
            },
            Message::ConsoleOpened { alias, result } => {
                if let Err(why) = result {
                    self.desktop.notify(catalogue::console_failed(&alias, &why));
                }
                Task::none()
            }
            Message::Tick => self.tick(),
            Message::WindowClosed(id) => {
                self.windows.remove(&id);
                Task::none()
            }
            Message::List(id, msg) => self.list_msg(id, msg),
            Message::Form(id, msg) => self.form_msg(id, msg),
            Message::Mfa(id, msg) => self.mfa_msg(id, msg),
            Message::Settings(id, msg) => self.settings_msg(id, msg),
            Message::SsoForm(id, msg) => self.sso_form_msg(id, msg),
            Message::SsoAdded { window, result } => match result {
                Ok(connection) => {
                    // New connection: sign in, then sync its accounts and roles.
                    self.sync_after_sign_in.insert(connection.clone());
                    Task::batch([window::close(window), self.reload(), self.sign_in(connection, None)])
                }
                Err(e) => {
                    if let Some(Window::SsoForm(f)) = self.windows.get_mut(&window) {
                        f.saving = false;
                        f.error = Some(e);
                    }
                    Task::none()
                }
            },
            Message::SignedIn { connection, result } => self.signed_in(connection, result),
            Message::Synced { connection, result } => {
                match result {
                    Ok(summary) => self.desktop.notify(catalogue::synced(&connection, &summary)),
                    Err(e) => {
                        for w in self.windows.values_mut() {
                            if let Window::List(l) = w {
                                l.error = Some(e.clone());
                            }
                        }
                        self.desktop.notify(catalogue::sync_failed(&connection, &e));
                    }
                }
                self.reload()
            }
            Message::Saved { window, result } => match result {
                Ok(()) => {
                    let close = if matches!(self.windows.get(&window), Some(Window::List(_))) {
                        Task::none()
                    } else {
                        window::close(window)
                    };
                    Task::batch([close, self.reload()])
                }
                Err(e) => {
                    match self.windows.get_mut(&window) {
                        Some(Window::Form(f)) => {
                            f.saving = false;
                            f.error = Some(e);
                        }
                        Some(Window::List(l)) => l.error = Some(e),
                        Some(Window::Settings(s)) => s.error = Some(e),
                        _ => {}
                    }
                    Task::none()
                }
            },
            Message::Key { window, key, modifiers } => match key {
                Key::Named(Named::Escape) if self.windows.contains_key(&window) => window::close(window),
                Key::Named(Named::Tab) if modifiers.shift() => iced::widget::operation::focus_previous(),
                Key::Named(Named::Tab) => iced::widget::operation::focus_next(),
                _ => Task::none(),
            },
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

    fn external(&mut self, e: External) -> Task<Message> {
        match e {
            External::Tray(TrayEvent::Session(id)) => self.toggle(id),
            External::Tray(TrayEvent::Console(id)) => self.open_console(id),
            External::Tray(TrayEvent::Action(a)) => match a {
                MenuAction::AddSession => self.open_add_form(),
                MenuAction::AddSsoConnection => self.open_sso_form(),
                MenuAction::OpenWindow => self.open(Window::List(list::List::default())),
                MenuAction::Settings => {
                    let at_login = crate::autostart::is_enabled().unwrap_or(false);
                    self.open(Window::Settings(settings::SettingsForm::new(&self.settings, at_login)))
                }
                MenuAction::Quit => self.quit(),
            },
            External::OpenRequested => self.open(Window::List(list::List::default())),
            External::StateChanged => {
                if let Ok(s) = keyhop_core::settings::Settings::load(self.engine.state_store()) {
                    self.settings = s;
                }
                self.reload()
            }
            // Checked a moment later: a keyhop process writes the profile, then its state.
            External::CredentialsChanged => {
                Task::perform(tokio::time::sleep(std::time::Duration::from_secs(1)), |()| {
                    Message::CheckOverwrites
                })
            }
            External::SignIn { connection } => self.sign_in(connection, None),
            External::EnterMfa { session_id } => self.open_mfa(&SessionId::from_string(session_id)),
            External::Resumed => Task::batch([self.tick(), self.check_key_ages()]),
        }
    }

    fn toggle(&mut self, id: SessionId) -> Task<Message> {
        let Some(s) = self.sessions().iter().find(|s| s.id == id).cloned() else {
            return Task::none();
        };
        match self.shown_attention().get(&id) {
            // With an MFA command the start gets its code itself (the popup if that fails).
            Some(Attention::MfaDue) if !self.has_mfa_process(&id) => return self.open_mfa(&id),
            Some(Attention::MfaDue) => return self.run_op(id, s.alias.to_string(), Op::Start),
            Some(Attention::SignInNeeded(connection)) => return self.sign_in(connection.clone(), Some(id)),
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
        self.busy.retain(|b| *b != id);
        let mut tasks = vec![self.reload()];
        match result {
            Ok(notices) => {
                self.tell(&notices);
                self.attention.remove(&id);
                self.failures.remove(&id);
            }
            // Starting from the tray without a code: ask for it instead of failing.
            Err(f) if f.needs_mfa && op == Op::Start => tasks.push(self.open_mfa(&id)),
            // Or without a sign-in: sign in in the browser, then start.
            Err(Failure {
                sign_in: Some(connection),
                ..
            }) if op == Op::Start => tasks.push(self.sign_in(connection, Some(id))),
            Err(Failure {
                sign_in: Some(connection),
                message,
                ..
            }) => {
                self.attention
                    .insert(id.clone(), Attention::SignInNeeded(connection.clone()));
                if !self.sign_in_notified.contains(&connection) {
                    self.sign_in_notified.push(connection.clone());
                    self.desktop.notify(catalogue::sign_in_needed(&connection, &message));
                }
            }
            Err(f) if f.needs_mfa => {
                self.attention.insert(id.clone(), Attention::MfaDue);
                self.desktop.notify(catalogue::mfa_needed(&alias, &f.message, &id));
            }
            Err(f) => {
                let now = time::OffsetDateTime::now_utc();
                if op == Op::Refresh && self.sessions().iter().any(|s| s.id == id) {
                    let sid = id.clone();
                    let prev = self.failures.get(&sid).copied();
                    self.failures
                        .insert(sid, keyhop_core::schedule::Failure::next(prev, now));
                    // Notify once per run of failures, not on every retry.
                    if prev.is_none() {
                        self.desktop.notify(catalogue::refresh_failed(&alias, &f.message));
                    }
                    self.attention
                        .insert(id.clone(), Attention::RefreshFailed(f.message.clone()));
                } else {
                    self.desktop.notify(if op == Op::Stop {
                        catalogue::stop_failed(&alias, &f.message)
                    } else {
                        catalogue::start_failed(&alias, &f.message)
                    });
                }
                for w in self.windows.values_mut() {
                    if let Window::List(l) = w {
                        l.error = Some(f.message.clone());
                    }
                }
            }
        }
        Task::batch(tasks)
    }

    fn open_sso_form(&mut self) -> Task<Message> {
        let taken = self
            .snapshot
            .as_ref()
            .map(|s| s.connections.iter().map(|c| c.name.to_string()).collect())
            .unwrap_or_default();
        self.open(Window::SsoForm(sso_form::SsoForm::new(
            taken,
            self.settings.default_region.as_str(),
        )))
    }

    /// Signs in to `connection` (one browser sign-in however many sessions wait for it), then
    /// starts `then_start`.
    fn sign_in(&mut self, connection: String, then_start: Option<SessionId>) -> Task<Message> {
        let waiting = self.signing_in.contains_key(&connection);
        let queue = self.signing_in.entry(connection.clone()).or_default();
        if let Some(id) = then_start
            && !queue.contains(&id)
        {
            queue.push(id);
        }
        if waiting {
            return Task::none();
        }
        self.sign_in_task(connection)
    }

    fn signed_in(&mut self, connection: String, result: Result<(), Failure>) -> Task<Message> {
        let queued = self.signing_in.remove(&connection).unwrap_or_default();
        self.sign_in_notified.retain(|c| *c != connection);
        if let Err(f) = result {
            self.desktop.notify(catalogue::sign_in_failed(&connection, &f.message));
            return Task::none();
        }
        self.attention
            .retain(|_, a| *a != Attention::SignInNeeded(connection.clone()));
        let mut tasks = vec![self.reload()];
        if self.sync_after_sign_in.remove(&connection) {
            tasks.push(self.sync_task(connection.clone()));
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

    fn open_add_form(&mut self) -> Task<Message> {
        let mut f = form::Form::new_session(
            self.sessions(),
            self.known_profiles(),
            self.settings.default_region.as_str(),
            self.settings.default_duration,
        );
        f.shadowed = self.shadowed_profiles();
        self.open(Window::Form(f))
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

    fn list_msg(&mut self, id: window::Id, msg: list::Msg) -> Task<Message> {
        let Some(Window::List(l)) = self.windows.get_mut(&id) else {
            return Task::none();
        };
        match l.update(msg) {
            list::Effect::None => Task::none(),
            list::Effect::Toggle(sid) => self.toggle(sid),
            list::Effect::Console(sid) => self.open_console(sid),
            list::Effect::Add => self.open_add_form(),
            list::Effect::AddSso => self.open_sso_form(),
            list::Effect::Pin(sid, pinned) => self.pin(id, sid, pinned),
            list::Effect::SignIn(c) => self.sign_in(c, None),
            list::Effect::Sync(c) => {
                let signed_in = self
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| s.connections.iter().any(|v| v.name.as_str() == c && v.signed_in));
                if signed_in {
                    self.sync_task(c)
                } else {
                    // Not signed in: the browser first, then the sync.
                    self.sync_after_sign_in.insert(c.clone());
                    self.sign_in(c, None)
                }
            }
            list::Effect::Edit(sid) => {
                let Some(s) = self.sessions().iter().find(|s| s.id == sid).cloned() else {
                    return Task::none();
                };
                let mut f = form::Form::edit_session(&s, self.sessions(), self.known_profiles());
                f.shadowed = self.shadowed_profiles();
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
            list::Effect::Delete(sid) => self.remove(id, sid),
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
        }
    }

    fn sso_form_msg(&mut self, id: window::Id, msg: sso_form::Msg) -> Task<Message> {
        let Some(Window::SsoForm(f)) = self.windows.get_mut(&id) else {
            return Task::none();
        };
        match f.update(msg) {
            sso_form::Effect::None => Task::none(),
            sso_form::Effect::Cancel => window::close(id),
            sso_form::Effect::Save(c) => self.add_connection(id, c),
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
            settings::Effect::Save(new, start_at_login) => {
                let result = new
                    .save(self.engine.state_store())
                    .map_err(|e| e.to_string())
                    .and_then(|()| crate::autostart::set(start_at_login).map_err(|e| e.to_string()));
                if result.is_ok() {
                    self.settings = new;
                    self.reschedule();
                }
                Task::done(Message::Saved { window: id, result })
            }
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
