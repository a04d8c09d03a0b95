//! The session list: every session as a row that reads at a glance (kind, alias, status with
//! the time left, profile and region, ⚠ and why), grouped (Pinned, Active, then by SSO
//! connection and account, or by kind), narrowed by a search and filter chips. One main action
//! per row (Start/Stop); the rest in a context menu (right click or "⋯"). Keyboard: `/` or
//! Ctrl+F searches, arrows move, Enter starts/stops, Delete asks to delete, Escape clears, then
//! closes. On first run, an empty state offers the ways to add sessions.

pub mod model;
mod overlay;
mod row;
mod view;

#[cfg(test)]
mod tests;

use keyhop_core::kinds::KindName;
use keyhop_core::session::SessionId;
use keyhop_core::sso::ConnectionId;

pub use model::{Filter, StatusFilter};
pub use view::Data;

#[derive(Debug, Clone, Default)]
pub struct List {
    pub error: Option<String>,
    /// What the search box holds.
    pub query: String,
    pub filter: Filter,
    /// The keyboard's row (kept by id: a reload or a search keeps it where it is).
    pub selected: Option<SessionId>,
    /// The context menu or a confirmation over the list.
    pub overlay: Option<Overlay>,
    /// A note that fades with the next action ("Copied export lines").
    pub note: Option<String>,
}

/// What floats over the list, for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Menu(SessionId),
    ConfirmDelete(SessionId),
    ConfirmRotate(SessionId),
}

/// Rows drawn at most: a search narrows the rest (hundreds of synced sessions stay fluid).
pub const MAX_ROWS: usize = 100;

pub const SEARCH_INPUT: &str = "list-search";
pub const SCROLL: &str = "list-rows";

#[derive(Debug, Clone)]
pub enum Msg {
    Toggle(SessionId),
    Select(SessionId),
    OpenMenu(SessionId),
    CloseOverlay,
    Console(SessionId),
    /// A copy action: what it copies, and what the note says.
    Copy(String, &'static str),
    Edit(SessionId),
    Pin(SessionId, bool),
    AskRotate(SessionId),
    Rotate(SessionId),
    AskDelete(SessionId),
    Delete(SessionId),
    Add,
    AddSso,
    ImportCsv,
    Search(String),
    /// Enter in the search box: the selected row's Start/Stop.
    SearchSubmit,
    FilterKind(KindName),
    FilterStatus(StatusFilter),
    FilterRegion(String),
    ClearFilters,
    SignIn(ConnectionId),
    Sync(ConnectionId),
}

/// A key the list acts on (the app maps keyboard events to these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Search,
    Up,
    Down,
    Enter,
    Delete,
    Escape,
    /// The menu key or Shift+F10: the selected row's context menu.
    Menu,
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    None,
    Toggle(SessionId),
    Console(SessionId),
    Copy(String),
    Edit(SessionId),
    Delete(SessionId),
    Pin(SessionId, bool),
    Rotate(SessionId),
    Add,
    AddSso,
    ImportCsv,
    SignIn(ConnectionId),
    Sync(ConnectionId),
    FocusSearch,
    /// Scroll so that row `index` of `rows` shows.
    Reveal {
        index: usize,
        rows: usize,
    },
    Close,
}

impl List {
    pub fn update(&mut self, msg: Msg) -> Effect {
        self.error = None;
        self.note = None;
        match msg {
            Msg::Toggle(id) => {
                self.selected = Some(id.clone());
                Effect::Toggle(id)
            }
            Msg::Select(id) => {
                self.selected = Some(id);
                Effect::None
            }
            Msg::OpenMenu(id) => self.float(Overlay::Menu(id)),
            Msg::AskDelete(id) => self.float(Overlay::ConfirmDelete(id)),
            Msg::AskRotate(id) => self.float(Overlay::ConfirmRotate(id)),
            Msg::CloseOverlay => self.float_none(),
            Msg::Console(id) => self.after_menu(Effect::Console(id)),
            Msg::Copy(text, note) => {
                self.overlay = None;
                self.note = Some(note.to_owned());
                Effect::Copy(text)
            }
            Msg::Edit(id) => self.after_menu(Effect::Edit(id)),
            Msg::Pin(id, pinned) => self.after_menu(Effect::Pin(id, pinned)),
            Msg::Rotate(id) => self.after_menu(Effect::Rotate(id)),
            Msg::Delete(id) => self.after_menu(Effect::Delete(id)),
            Msg::Add => Effect::Add,
            Msg::AddSso => Effect::AddSso,
            Msg::ImportCsv => Effect::ImportCsv,
            Msg::SignIn(c) => Effect::SignIn(c),
            Msg::Sync(c) => Effect::Sync(c),
            msg => self.narrow(msg),
        }
    }

    /// The search and the filter chips.
    fn narrow(&mut self, msg: Msg) -> Effect {
        match msg {
            Msg::Search(q) => self.query = q,
            Msg::FilterKind(k) => model::toggle(&mut self.filter.kinds, k),
            Msg::FilterStatus(s) => model::toggle(&mut self.filter.statuses, s),
            Msg::FilterRegion(r) => model::toggle(&mut self.filter.regions, r),
            Msg::ClearFilters => self.filter = Filter::default(),
            Msg::SearchSubmit => {
                return self.selected.clone().map_or(Effect::None, Effect::Toggle);
            }
            _ => {}
        }
        Effect::None
    }

    fn float(&mut self, o: Overlay) -> Effect {
        let (Overlay::Menu(id) | Overlay::ConfirmDelete(id) | Overlay::ConfirmRotate(id)) = &o;
        self.selected = Some(id.clone());
        self.overlay = Some(o);
        Effect::None
    }

    fn float_none(&mut self) -> Effect {
        self.overlay = None;
        Effect::None
    }

    fn after_menu(&mut self, e: Effect) -> Effect {
        self.overlay = None;
        e
    }

    /// A key, with `rows` the ids in the order drawn (`model::order`).
    pub fn key(&mut self, key: Key, rows: &[SessionId]) -> Effect {
        if let Some(o) = self.overlay.clone() {
            return match (key, o) {
                (Key::Escape, _) => self.float_none(),
                (Key::Enter, Overlay::ConfirmDelete(id)) => self.after_menu(Effect::Delete(id)),
                (Key::Enter, Overlay::ConfirmRotate(id)) => self.after_menu(Effect::Rotate(id)),
                _ => Effect::None,
            };
        }
        let at = self.selected.as_ref().and_then(|s| rows.iter().position(|r| r == s));
        match key {
            Key::Search => Effect::FocusSearch,
            Key::Up | Key::Down if rows.is_empty() => Effect::None,
            Key::Up | Key::Down => {
                let index = match (key, at) {
                    (Key::Up, Some(i)) => i.saturating_sub(1),
                    (Key::Up, None) => rows.len() - 1,
                    (_, Some(i)) => (i + 1).min(rows.len() - 1),
                    (_, None) => 0,
                };
                self.selected = Some(rows[index].clone());
                Effect::Reveal {
                    index,
                    rows: rows.len(),
                }
            }
            Key::Enter => at.map_or(Effect::None, |i| Effect::Toggle(rows[i].clone())),
            Key::Delete => at.map_or(Effect::None, |i| self.float(Overlay::ConfirmDelete(rows[i].clone()))),
            Key::Menu => at.map_or(Effect::None, |i| self.float(Overlay::Menu(rows[i].clone()))),
            Key::Escape if !self.query.is_empty() || !self.filter.is_empty() => {
                self.query.clear();
                self.filter = Filter::default();
                Effect::None
            }
            Key::Escape => Effect::Close,
        }
    }
}
