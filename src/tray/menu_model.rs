//! What the tray shows, as plain data built from the session list: unit-tested without a
//! display, then turned into a native menu by the platform glue.

use std::collections::HashMap;

use keyhop_core::SessionView;
use keyhop_core::session::SessionId;
use time::OffsetDateTime;

use crate::present::{Attention, Status};

/// Up to this many sessions the menu lists them all; beyond, inactive ones go into submenus.
const FLAT_LIMIT: usize = 12;

/// At most this many inactive sessions get a line of their own in the submenus; the rest are
/// one "N more in the session list…" line per submenu. Every GTK menu line stays built while
/// the tray runs (~15 KB each, with its D-Bus menu twin): 299 lines were over 4 MB of an idle
/// tray's 13 MB (`cargo xtask bench-tray`). 30 lines are already a screen high, and past that
/// the list window's search finds a session quicker than a scrolling menu.
pub const SUBMENU_LINES: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconState {
    Idle,
    Active,
    Attention,
    /// A start, stop or refresh runs.
    Busy,
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
    /// Stands for a submenu's sessions past `SUBMENU_LINES`; opens the session list.
    /// `group`: the submenu's path, which keeps the line's menu id unique.
    More {
        group: String,
        hidden: usize,
    },
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
pub const MORE_ID_PREFIX: &str = "more:";

/// The line of an `Entry::More`.
pub fn more_label(hidden: usize) -> String {
    format!("{hidden} more in the session list…")
}
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
        let mut lines = SUBMENU_LINES;
        entries.extend(grouped(&inactive, 0, &entry, &mut lines));
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

    let (icon, tooltip) = look(sessions, attention, busy, now);
    MenuModel { entries, icon, tooltip }
}

/// The icon and its tooltip: amber when something running needs the user (a signed-out
/// connection's idle sessions show their ⚠ in the menu without that), busy while an
/// operation runs, green while a session is active; the tooltip names what needs the user,
/// then the soonest expiry ("dev · 42 min left").
fn look(
    sessions: &[SessionView],
    attention: &HashMap<SessionId, Attention>,
    busy: &[SessionId],
    now: OffsetDateTime,
) -> (IconState, String) {
    let active: Vec<&SessionView> = sessions.iter().filter(|s| s.is_active()).collect();
    let urgent: Vec<String> = active
        .iter()
        .filter_map(|s| {
            let why = match attention.get(&s.id)? {
                Attention::MfaDue => "MFA code needed",
                Attention::SignInNeeded(_) => "sign-in needed",
                Attention::RefreshFailed(_) => "refresh failed",
            };
            Some(format!("⚠ {} · {why}", s.alias))
        })
        .collect();
    let icon = match () {
        () if !urgent.is_empty() => IconState::Attention,
        () if !busy.is_empty() => IconState::Busy,
        () if !active.is_empty() => IconState::Active,
        () => IconState::Idle,
    };
    let soonest = active
        .iter()
        .filter_map(|s| Some((s.expiration?, s)))
        .min_by_key(|(at, _)| *at)
        .map(|(at, s)| {
            let more = if active.len() > 1 {
                format!(" ({} active)", active.len())
            } else {
                String::new()
            };
            format!("{} · {} left{more}", s.alias, minutes_left(at - now))
        });
    let mut parts = urgent;
    parts.extend(soonest);
    let tooltip = if parts.is_empty() {
        "keyhop · no session active".to_owned()
    } else {
        parts.join(" · ")
    };
    (icon, tooltip)
}

/// "42 min", "1 h 35 min": a tooltip reads words, not the menu's short "1h 35m".
fn minutes_left(d: time::Duration) -> String {
    let mins = d.whole_minutes().max(0);
    if mins >= 60 {
        format!("{} h {:02} min", mins / 60, mins % 60)
    } else {
        format!("{mins} min")
    }
}

/// Sessions in submenus by their group path (`SessionView::group`), one level per element;
/// those whose path ends at `depth` stand as lines at this level while `lines` lasts, the
/// rest as one `Entry::More` line.
fn grouped(
    sessions: &[&SessionView],
    depth: usize,
    entry: &dyn Fn(&SessionView) -> SessionEntry,
    lines: &mut usize,
) -> Vec<Entry> {
    let mut out = vec![];
    let mut hidden = 0;
    let mut i = 0;
    while i < sessions.len() {
        let Some(name) = sessions[i].group.get(depth) else {
            if *lines == 0 {
                hidden += 1;
            } else {
                *lines -= 1;
                out.push(Entry::Session(entry(sessions[i])));
            }
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
            entries: grouped(members, depth + 1, entry, lines),
        });
        i += len;
    }
    if hidden > 0 {
        out.push(Entry::More {
            group: sessions[0].group[..depth].join("/"),
            hidden,
        });
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
