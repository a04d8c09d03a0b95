//! The session list: every session with kind, profile, region, status and expiration; start or
//! stop, open the AWS console (active ones), edit, delete (asks once more), add. A search box
//! filters as you type (alias, profile, account, role); IAM Identity Center connections sit on
//! top with Sign in and Sync.

use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Alignment, Element, Length};
use keyhop_core::SessionView;
use keyhop_core::engine::ConnectionView;
use keyhop_core::session::SessionId;
use time::OffsetDateTime;

use std::collections::HashMap;

use keyhop_core::sso::ConnectionId;

use super::theme::styles;
use super::widgets::{banner, input, page};
use crate::present::{Attention, Status, key_age};

#[derive(Debug, Clone, Default)]
pub struct List {
    /// The session whose Delete was clicked once: the next click deletes.
    pub confirm_delete: Option<SessionId>,
    pub error: Option<String>,
    /// What the search box holds.
    pub query: String,
}

/// Rows drawn at most: a search narrows the rest (hundreds of synced sessions stay fluid).
pub const MAX_ROWS: usize = 100;

pub const SEARCH_INPUT: &str = "list-search";

#[derive(Debug, Clone)]
pub enum Msg {
    Toggle(SessionId),
    Console(SessionId),
    Edit(SessionId),
    Delete(SessionId),
    Pin(SessionId, bool),
    Add,
    AddSso,
    Search(String),
    SignIn(ConnectionId),
    Sync(ConnectionId),
}

pub enum Effect {
    None,
    Toggle(SessionId),
    Console(SessionId),
    Edit(SessionId),
    Delete(SessionId),
    Pin(SessionId, bool),
    Add,
    AddSso,
    SignIn(ConnectionId),
    Sync(ConnectionId),
}

impl List {
    pub fn update(&mut self, msg: Msg) -> Effect {
        self.error = None;
        match msg {
            Msg::Delete(id) if self.confirm_delete.as_ref() == Some(&id) => {
                self.confirm_delete = None;
                Effect::Delete(id)
            }
            Msg::Delete(id) => {
                self.confirm_delete = Some(id);
                Effect::None
            }
            Msg::Toggle(id) => {
                self.confirm_delete = None;
                Effect::Toggle(id)
            }
            Msg::Console(id) => Effect::Console(id),
            Msg::Edit(id) => Effect::Edit(id),
            Msg::Pin(id, pinned) => Effect::Pin(id, pinned),
            Msg::Add => Effect::Add,
            Msg::AddSso => Effect::AddSso,
            Msg::Search(q) => {
                self.query = q;
                Effect::None
            }
            Msg::SignIn(c) => Effect::SignIn(c),
            Msg::Sync(c) => Effect::Sync(c),
        }
    }

    pub fn view<'a>(
        &'a self,
        sessions: &'a [SessionView],
        connections: &'a [ConnectionView],
        busy: &[SessionId],
        attention: &HashMap<SessionId, Attention>,
        now: OffsetDateTime,
    ) -> Element<'a, Msg> {
        let search = input("Search alias, profile, account, role…", &self.query)
            .id(SEARCH_INPUT)
            .on_input(Msg::Search);
        let mut rows = column![].spacing(6);
        for c in connections {
            rows = rows.push(connection_row(c));
        }
        if sessions.is_empty() {
            rows = rows.push(
                text("No sessions yet. Add an IAM user with its access keys, then chain roles on top of it, or add an SSO connection.")
                    .style(styles::text_muted),
            );
        }
        let shown: Vec<&SessionView> = sessions.iter().filter(|s| s.matches(&self.query)).collect();
        if !sessions.is_empty() && shown.is_empty() {
            rows = rows.push(text(format!("No session matches {:?}.", self.query)).style(styles::text_muted));
        }
        for s in shown.iter().take(MAX_ROWS) {
            let row = Row {
                busy: busy.contains(&s.id),
                attention: attention.get(&s.id),
                confirming_delete: self.confirm_delete.as_ref() == Some(&s.id),
            };
            rows = rows.push(row.view(s, now));
        }
        if shown.len() > MAX_ROWS {
            rows = rows.push(
                text(format!(
                    "{} more match; type in the search box to narrow the list.",
                    shown.len() - MAX_ROWS
                ))
                .style(styles::text_muted),
            );
        }
        let mut c = column![header(), search].spacing(12);
        if let Some(e) = &self.error {
            c = c.push(banner(e.clone()));
        }
        c = c.push(scrollable(rows).height(Length::Fill));
        page(c)
    }
}

fn header<'a>() -> Element<'a, Msg> {
    row![
        text("Sessions").size(22).width(Length::Fill),
        button("Add SSO connection…")
            .style(styles::button_secondary)
            .on_press(Msg::AddSso),
        button("Add session…").style(styles::button_primary).on_press(Msg::Add),
    ]
    .spacing(8)
    .align_y(Alignment::Center)
    .into()
}

/// An IAM Identity Center connection, with Sign in and Sync.
fn connection_row(c: &ConnectionView) -> Element<'_, Msg> {
    let state = if c.signed_in { "signed in" } else { "not signed in" };
    let line = row![
        column![
            text(format!("IAM Identity Center · {}", c.name)).size(15),
            text(format!("{} · {} · {} session(s)", c.start_url, state, c.sessions))
                .size(12)
                .style(styles::text_muted),
        ]
        .width(Length::Fill),
        button("Sign in")
            .style(styles::button_secondary)
            .on_press(Msg::SignIn(c.id.clone())),
        button("Sync")
            .style(styles::button_secondary)
            .on_press(Msg::Sync(c.id.clone())),
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    container(line).padding(8).style(styles::card).into()
}

/// What one session's row needs beyond the session.
struct Row<'a> {
    busy: bool,
    attention: Option<&'a Attention>,
    /// Its Delete was clicked once: the button asks to confirm.
    confirming_delete: bool,
}

impl Row<'_> {
    fn view<'a>(&self, s: &'a SessionView, now: OffsetDateTime) -> Element<'a, Msg> {
        let status = Status::of(s, self.attention, self.busy, now).list_text();
        let kind = match key_age(s.access_key_age_days, s.key_rotation_due) {
            age if age.is_empty() => s.summary.clone(),
            age => format!("{} · key {age}", s.summary),
        };
        let line = row![
            column![
                text(s.alias.as_str()).size(16),
                text(format!("{kind} · profile {} · {}", s.profile, s.region))
                    .size(12)
                    .style(styles::text_muted),
            ]
            .width(Length::Fill),
            text(status)
                .size(13)
                .width(Length::Fixed(170.0))
                .style(if self.attention.is_some() {
                    styles::text_warning
                } else {
                    text::default
                }),
            self.toggle(s),
            // Shown on every row (the columns stay aligned), usable while the session runs.
            button("Console")
                .style(styles::button_secondary)
                .on_press_maybe((s.is_active() && !self.busy).then(|| Msg::Console(s.id.clone()))),
            button(if s.pinned { "Unpin" } else { "Pin" })
                .style(styles::button_secondary)
                .on_press(Msg::Pin(s.id.clone(), !s.pinned)),
            button("Edit")
                .style(styles::button_secondary)
                .on_press(Msg::Edit(s.id.clone())),
            button(text(if self.confirming_delete {
                "Really delete?"
            } else {
                "Delete"
            }))
            .style(styles::button_danger)
            .on_press_maybe((!self.busy).then(|| Msg::Delete(s.id.clone()))),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        container(line).padding(8).style(styles::card).into()
    }

    /// Start or Stop; for a session whose MFA code is due it asks for the code (the app opens
    /// the popup), for a signed-out connection it signs in.
    fn toggle<'a>(&self, s: &'a SessionView) -> Element<'a, Msg> {
        let label = match self.attention {
            Some(Attention::MfaDue) => "Code…",
            Some(Attention::SignInNeeded(_)) => "Sign in…",
            _ if s.is_active() => "Stop",
            _ => "Start",
        };
        button(text(label).center().width(Length::Fill))
            .width(Length::Fixed(64.0))
            .style(if s.is_active() {
                styles::button_secondary
            } else {
                styles::button_primary
            })
            .on_press_maybe((!self.busy).then(|| Msg::Toggle(s.id.clone())))
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_every_word_in_alias_profile_account_or_role() {
        let mut v = crate::test_support::views(&[crate::test_support::session(
            "Dev/Admin",
            keyhop_core::kinds::KindName::IamUser,
            None,
            None,
        )])
        .remove(0);
        v.details = keyhop_core::kinds::KindDetails::AwsSso(keyhop_core::kinds::aws_sso::Details {
            connection: "acme".into(),
            account_id: "111122223333".into(),
            account_name: "Payments Prod".into(),
            role_name: "PowerUser".into(),
        });
        assert!(v.matches(""));
        assert!(v.matches("dev"));
        assert!(v.matches("payments power"), "words may come from different fields");
        assert!(v.matches("P-DEV"), "the profile, any case");
        assert!(v.matches("acme 1111"), "the connection and the account id");
        assert!(!v.matches("payments readonly"));
        let mut l = List::default();
        assert!(matches!(l.update(Msg::Search("prod".into())), Effect::None));
        assert_eq!(l.query, "prod");
    }

    #[test]
    fn delete_asks_once_more_and_any_other_action_cancels_that() {
        let (a, b) = (SessionId::from_string("a"), SessionId::from_string("b"));
        let mut l = List::default();
        assert!(matches!(l.update(Msg::Delete(a.clone())), Effect::None));
        assert!(matches!(l.update(Msg::Delete(a.clone())), Effect::Delete(id) if id == a));
        l.update(Msg::Delete(b.clone()));
        assert!(matches!(l.update(Msg::Toggle(b.clone())), Effect::Toggle(_)));
        assert!(
            matches!(l.update(Msg::Delete(b)), Effect::None),
            "the toggle reset the confirmation"
        );
    }
}
