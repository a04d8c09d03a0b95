//! The session list: every session with kind, profile, region, status and expiration; start or
//! stop, open the AWS console (active ones), edit, delete (asks once more), add. A search box
//! filters as you type (alias, profile, account, role); IAM Identity Center connections sit on
//! top with Sign in and Sync.

use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length};
use keyhop_core::SessionView;
use keyhop_core::engine::ConnectionView;
use keyhop_core::session::SessionId;
use time::OffsetDateTime;

use super::widgets::banner;
use std::collections::HashMap;

use crate::tray::menu_model::{Attention, remaining};

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
    SignIn(String),
    Sync(String),
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
    SignIn(String),
    Sync(String),
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
        let header = row![
            text("Sessions").size(22).width(Length::Fill),
            button("Add SSO connection…")
                .style(button::secondary)
                .on_press(Msg::AddSso),
            button("Add session…").style(button::primary).on_press(Msg::Add),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        let search = text_input("Search alias, profile, account, role…", &self.query)
            .id(SEARCH_INPUT)
            .on_input(Msg::Search);
        let mut rows = column![].spacing(6);
        for c in connections {
            let state = if c.signed_in { "signed in" } else { "not signed in" };
            let line = row![
                column![
                    text(format!("IAM Identity Center · {}", c.name)).size(15),
                    text(format!("{} · {} · {} session(s)", c.start_url, state, c.sessions))
                        .size(12)
                        .style(text::secondary),
                ]
                .width(Length::Fill),
                button("Sign in")
                    .style(button::secondary)
                    .on_press(Msg::SignIn(c.name.to_string())),
                button("Sync")
                    .style(button::secondary)
                    .on_press(Msg::Sync(c.name.to_string())),
            ]
            .spacing(8)
            .align_y(Alignment::Center);
            rows = rows.push(container(line).padding(8).style(container::bordered_box));
        }
        if sessions.is_empty() {
            rows = rows.push(
                text("No sessions yet. Add an IAM user with its access keys, then chain roles on top of it, or add an SSO connection.")
                    .style(text::secondary),
            );
        }
        let shown: Vec<&SessionView> = sessions.iter().filter(|s| s.matches(&self.query)).collect();
        if !sessions.is_empty() && shown.is_empty() {
            rows = rows.push(text(format!("No session matches {:?}.", self.query)).style(text::secondary));
        }
        for s in shown.iter().take(MAX_ROWS) {
            let is_busy = busy.contains(&s.id);
            let status = match s.expiration {
                _ if is_busy => "working…".to_owned(),
                _ if matches!(attention.get(&s.id), Some(Attention::SignInNeeded(_))) => "sign-in needed".to_owned(),
                Some(exp) if attention.get(&s.id) == Some(&Attention::MfaDue) => {
                    format!("MFA code needed · {} left", remaining(exp - now))
                }
                Some(_) if matches!(attention.get(&s.id), Some(Attention::RefreshFailed(_))) => {
                    "refresh failed, retrying".to_owned()
                }
                Some(exp) if exp <= now => "expired".to_owned(),
                Some(exp) => format!("active · {} left", remaining(exp - now)),
                None => "inactive".to_owned(),
            };
            let kind = match crate::cli::table::key_age(s.access_key_age_days, s.key_rotation_due) {
                age if age.is_empty() => s.summary.clone(),
                age => format!("{} · key {age}", s.summary),
            };
            // A session whose MFA code is due: the button asks for it (the app opens the popup).
            let label = match attention.get(&s.id) {
                Some(Attention::MfaDue) => "Code…",
                Some(Attention::SignInNeeded(_)) => "Sign in…",
                _ if s.is_active() => "Stop",
                _ => "Start",
            };
            let toggle = button(text(label).center().width(Length::Fill))
                .width(Length::Fixed(64.0))
                .style(if s.is_active() {
                    button::secondary
                } else {
                    button::success
                })
                .on_press_maybe((!is_busy).then(|| Msg::Toggle(s.id.clone())));
            // Shown on every row (the columns stay aligned), usable while the session runs.
            let console = button("Console")
                .style(button::secondary)
                .on_press_maybe((s.is_active() && !is_busy).then(|| Msg::Console(s.id.clone())));
            let confirming = self.confirm_delete.as_ref() == Some(&s.id);
            let delete = button(text(if confirming { "Really delete?" } else { "Delete" }))
                .style(button::danger)
                .on_press_maybe((!is_busy).then(|| Msg::Delete(s.id.clone())));
            let line = row![
                column![
                    text(s.alias.as_str()).size(16),
                    text(format!("{kind} · profile {} · {}", s.profile, s.region))
                        .size(12)
                        .style(text::secondary),
                ]
                .width(Length::Fill),
                text(status)
                    .size(13)
                    .width(Length::Fixed(170.0))
                    .style(if attention.contains_key(&s.id) {
                        text::warning
                    } else {
                        text::default
                    }),
                toggle,
                console,
                button(if s.pinned { "Unpin" } else { "Pin" })
                    .style(button::secondary)
                    .on_press(Msg::Pin(s.id.clone(), !s.pinned)),
                button("Edit")
                    .style(button::secondary)
                    .on_press(Msg::Edit(s.id.clone())),
                delete,
            ]
            .spacing(8)
            .align_y(Alignment::Center);
            rows = rows.push(container(line).padding(8).style(container::rounded_box));
        }
        if shown.len() > MAX_ROWS {
            rows = rows.push(
                text(format!(
                    "{} more match; type in the search box to narrow the list.",
                    shown.len() - MAX_ROWS
                ))
                .style(text::secondary),
            );
        }
        let mut c = column![header, search].spacing(12);
        if let Some(e) = &self.error {
            c = c.push(banner(e.clone()));
        }
        c = c.push(scrollable(rows).height(Length::Fill));
        container(c.padding(16)).width(Length::Fill).height(Length::Fill).into()
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
