//! What the tray shows, as plain data built from the session list: unit-tested without a
//! display, then turned into a native menu by the platform glue.

use std::collections::HashMap;

use keyhop_core::SessionView;
use keyhop_core::session::SessionId;
use time::OffsetDateTime;

use crate::present::{Attention, Status};

/// Up to this many sessions the menu lists them all; beyond, inactive ones go into submenus.
const FLAT_LIMIT: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconState {
    Idle,
    Active,
    Attention,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Session(SessionEntry),
    /// Sessions of one group (a kind; later an SSO connection, then an account), nested.
    Submenu {
        label: String,
        entries: Vec<Entry>,
    },
    Separator,
    Action(MenuAction),
    /// Opens the AWS console as this (active) session; lines of the "Open console" submenu.
    Console(SessionEntry),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEntry {
    pub session_id: SessionId,
    pub label: String,
    /// Off while an operation on the session runs, so a double click cannot start it twice.
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAction {
    AddSession,
    AddSsoConnection,
    OpenWindow,
    Settings,
    Quit,
}

impl MenuAction {
    pub const ALL: [MenuAction; 5] = [
        MenuAction::AddSession,
        MenuAction::AddSsoConnection,
        MenuAction::OpenWindow,
        MenuAction::Settings,
        MenuAction::Quit,
    ];
    pub fn label(self) -> &'static str {
        match self {
            MenuAction::AddSession => "Add session…",
            MenuAction::AddSsoConnection => "Add SSO connection…",
            MenuAction::OpenWindow => "Open keyhop…",
            MenuAction::Settings => "Settings…",
            MenuAction::Quit => "Quit keyhop",
        }
    }
    pub fn id(self) -> &'static str {
        match self {
            MenuAction::AddSession => "action:add",
            MenuAction::AddSsoConnection => "action:add-sso",
            MenuAction::OpenWindow => "action:open",
            MenuAction::Settings => "action:settings",
            MenuAction::Quit => "action:quit",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }
}

pub const SESSION_ID_PREFIX: &str = "session:";
pub const CONSOLE_ID_PREFIX: &str = "console:";
/// The submenu of the active sessions' console sign-ins.
pub const CONSOLE_MENU: &str = "Open console";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuModel {
    pub entries: Vec<Entry>,
    pub icon: IconState,
    pub tooltip: String,
}

pub fn build(
    sessions: &[SessionView],
    attention: &HashMap<SessionId, Attention>,
    busy: &[SessionId],
    now: OffsetDateTime,
) -> MenuModel {
    let entry = |s: &SessionView| SessionEntry {
        session_id: s.id.clone(),
        label: label(s, attention.get(&s.id), busy.contains(&s.id), now),
        enabled: !busy.contains(&s.id),
    };
    let mut ordered: Vec<&SessionView> = sessions.iter().collect();
    // Active first (they are what the user reaches for to stop), then alphabetical.
    ordered.sort_by_key(|s| (!s.is_active(), !s.pinned, s.alias.as_str().to_lowercase()));
    // A console sign-in needs the credentials of a running session.
    let consoles: Vec<Entry> = ordered
        .iter()
        .filter(|s| s.is_active())
        .map(|s| {
            Entry::Console(SessionEntry {
                session_id: s.id.clone(),
                label: s.alias.to_string(),
                enabled: !busy.contains(&s.id),
            })
        })
        .collect();
    let console_menu = (!consoles.is_empty()).then(|| Entry::Submenu {
        label: CONSOLE_MENU.to_owned(),
        entries: consoles,
    });
    let mut entries = vec![];
    if sessions.is_empty() {
        entries.push(Entry::Action(MenuAction::AddSession));
        entries.push(Entry::Action(MenuAction::AddSsoConnection));
    } else if sessions.len() <= FLAT_LIMIT {
        entries.extend(ordered.iter().map(|s| Entry::Session(entry(s))));
        entries.extend(console_menu);
        entries.push(Entry::Separator);
        entries.push(Entry::Action(MenuAction::AddSession));
        entries.push(Entry::Action(MenuAction::AddSsoConnection));
    } else {
        // Active and pinned sessions stay on top; the rest go into submenus.
        let (on_top, inactive): (Vec<&SessionView>, Vec<&SessionView>) =
            ordered.iter().copied().partition(|s| s.is_active() || s.pinned);
        entries.extend(on_top.iter().map(|s| Entry::Session(entry(s))));
        let mut inactive = inactive;
        inactive.sort_by(|a, b| (a.kind, &a.group).cmp(&(b.kind, &b.group)));
        entries.extend(grouped(&inactive, 0, &entry));
        entries.extend(console_menu);
        entries.push(Entry::Separator);
        entries.push(Entry::Action(MenuAction::AddSession));
        entries.push(Entry::Action(MenuAction::AddSsoConnection));
    }
    entries.extend([
        Entry::Action(MenuAction::OpenWindow),
        Entry::Action(MenuAction::Settings),
        Entry::Separator,
        Entry::Action(MenuAction::Quit),
    ]);

    let active = sessions.iter().filter(|s| s.is_active()).count();
    // Amber when something running needs the user; a signed-out connection's idle sessions
    // show their ⚠ in the menu without that.
    let urgent = sessions.iter().any(|s| s.is_active() && attention.contains_key(&s.id));
    let icon = if urgent {
        IconState::Attention
    } else if active > 0 {
        IconState::Active
    } else {
        IconState::Idle
    };
    let needing = sessions
        .iter()
        .filter(|s| s.is_active() && attention.contains_key(&s.id))
        .count();
    let tooltip = match (active, needing) {
        (_, n) if n > 0 => format!("keyhop: {n} session(s) need attention"),
        (0, _) => "keyhop: no session active".to_owned(),
        (n, _) => format!("keyhop: {n} session(s) active"),
    };
    MenuModel { entries, icon, tooltip }
}

/// Sessions in submenus by their group path (`SessionView::group`), one level per element;
/// those whose path ends at `depth` stand as lines at this level.
fn grouped(sessions: &[&SessionView], depth: usize, entry: &dyn Fn(&SessionView) -> SessionEntry) -> Vec<Entry> {
    let mut out = vec![];
    let mut i = 0;
    while i < sessions.len() {
        let Some(name) = sessions[i].group.get(depth) else {
            out.push(Entry::Session(entry(sessions[i])));
            i += 1;
            continue;
        };
        let len = sessions[i..]
            .iter()
            .take_while(|s| s.group.get(depth) == Some(name))
            .count();
        let members = &sessions[i..i + len];
        out.push(Entry::Submenu {
            label: format!("{name} ({len})"),
            entries: grouped(members, depth + 1, entry),
        });
        i += len;
    }
    out
}

fn label(s: &SessionView, attention: Option<&Attention>, busy: bool, now: OffsetDateTime) -> String {
    let head = format!("{} — {}", s.alias, s.profile);
    let status = Status::of(s, attention, busy, now);
    let key = match s.access_key_age_days {
        Some(days) if s.key_rotation_due && status != Status::Working => format!(" · ⚠ key {days} days old"),
        _ => String::new(),
    };
    // The AWS tools would not read this profile: a start is refused, so say why up front.
    let shadow = s.shadowed_by.as_ref().map_or(String::new(), |keys| {
        format!(" · ⚠ shadowed by {} in the AWS config", keys.join(", "))
    });
    status.menu_line(&head) + &key + &shadow
}

#[cfg(test)]
#[path = "menu_model_tests.rs"]
mod tests;
