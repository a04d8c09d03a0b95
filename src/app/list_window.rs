//! The session list window's side of the app: its messages and keys become engine tasks,
//! clipboard writes, focus and scroll operations; its countdown is one timer, only while a
//! list is open and a session runs.

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::operation;
use iced::{Task, window};

use super::message::FormRequest;
use super::{App, Failure, Message};
use crate::notify::catalogue;
use crate::present::Status;
use crate::window::Window;
use crate::window::list::{self, Effect, MAX_ROWS, model};

impl App {
    pub(super) fn list_msg(&mut self, id: window::Id, msg: list::Msg) -> Task<Message> {
        let Some(Window::List(l)) = self.windows.get_mut(&id) else {
            return Task::none();
        };
        let effect = l.update(msg);
        self.list_effect(id, effect)
    }

    /// A key in a list window. A key the search box used (typing, Delete in its text) is
    /// left to it, except the arrows and Escape.
    pub(super) fn list_key(
        &mut self,
        id: window::Id,
        key: &Key,
        modifiers: Modifiers,
        captured: bool,
    ) -> Task<Message> {
        let k = match key {
            Key::Named(Named::ArrowUp) => list::Key::Up,
            Key::Named(Named::ArrowDown) => list::Key::Down,
            Key::Named(Named::Escape) => list::Key::Escape,
            _ if captured => return Task::none(),
            Key::Character(c) if c.as_str() == "/" => list::Key::Search,
            Key::Character(c) if modifiers.command() && c.as_str().eq_ignore_ascii_case("f") => list::Key::Search,
            Key::Named(Named::Enter) => list::Key::Enter,
            Key::Named(Named::Delete) => list::Key::Delete,
            Key::Named(Named::ContextMenu) => list::Key::Menu,
            Key::Named(Named::F10) if modifiers.shift() => list::Key::Menu,
            Key::Named(Named::Tab) if modifiers.shift() => return operation::focus_previous(),
            Key::Named(Named::Tab) => return operation::focus_next(),
            _ => return Task::none(),
        };
        let rows = self.list_order(id);
        let Some(Window::List(l)) = self.windows.get_mut(&id) else {
            return Task::none();
        };
        let effect = l.key(k, &rows);
        self.list_effect(id, effect)
    }

    /// The ids of the rows the list window `id` draws, in order.
    fn list_order(&self, id: window::Id) -> Vec<keyhop_core::session::SessionId> {
        let Some(Window::List(l)) = self.windows.get(&id) else {
            return vec![];
        };
        let attention = self.shown_attention();
        let sections = model::sections(self.sessions(), &l.query, &l.filter, &attention);
        model::order(&sections, MAX_ROWS)
    }

    fn list_effect(&mut self, id: window::Id, effect: Effect) -> Task<Message> {
        match effect {
            Effect::None => Task::none(),
            Effect::Toggle(sid) => self.toggle(sid),
            Effect::Console(sid) => self.open_console(sid),
            Effect::Copy(text) => iced::clipboard::write(text),
            // The CSV import fills the add form; until its file dialog lands, the form opens.
            Effect::Add | Effect::ImportCsv => self.read_profiles(FormRequest::Add),
            Effect::AddSso => self.open_sso_form(),
            Effect::Pin(sid, pinned) => self.pin(id, sid, pinned),
            Effect::Rotate(sid) => self.rotate(sid),
            Effect::SignIn(c) => match self.connection(&c) {
                Some(c) => self.sign_in(c, None),
                None => Task::none(),
            },
            Effect::Sync(c) => self.sync(&c),
            Effect::Edit(sid) => self.read_profiles(FormRequest::Edit(sid)),
            Effect::Delete(sid) => self.remove(id, sid),
            Effect::FocusSearch => operation::focus(list::SEARCH_INPUT),
            Effect::Reveal { index, rows } => {
                #[allow(clippy::cast_precision_loss)] // at most MAX_ROWS rows
                let y = if rows > 1 {
                    index as f32 / (rows - 1) as f32
                } else {
                    0.0
                };
                operation::snap_to(list::SCROLL, operation::RelativeOffset { x: 0.0, y })
            }
            Effect::Close => window::close(id),
        }
    }

    pub(super) fn rotated(&mut self, alias: &str, result: Result<String, Failure>) -> Task<Message> {
        match result {
            Ok(done) => self.desktop.notify(catalogue::key_rotated(alias, &done)),
            Err(e) => {
                let e = e.to_string();
                self.desktop.notify(catalogue::rotate_failed(alias, &e));
                self.show_in_lists(&e);
            }
        }
        self.reload()
    }

    /// How often an open session list redraws its countdown: every second while a time left
    /// is under two minutes, else every minute; never with no list open or nothing running.
    pub(super) fn countdown(&self) -> Option<std::time::Duration> {
        if !self.windows.values().any(|w| matches!(w, Window::List(_))) {
            return None;
        }
        let now = time::OffsetDateTime::now_utc();
        let attention = self.shown_attention();
        let running = self.sessions().iter().filter(|s| s.expiration.is_some());
        let mut any = false;
        for s in running {
            any = true;
            if Status::of(s, attention.get(&s.id), false, now).counts_seconds() {
                return Some(std::time::Duration::from_secs(1));
            }
        }
        any.then_some(std::time::Duration::from_secs(60))
    }
}
