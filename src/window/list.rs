//! The session list: every session with kind, profile, region, status and expiration; start or
//! stop, edit, delete (asks once more), add.

use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Alignment, Element, Length};
use keyhop_core::SessionView;
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
}

#[derive(Debug, Clone)]
pub enum Msg {
    Toggle(SessionId),
    Edit(SessionId),
    Delete(SessionId),
    Add,
}

pub enum Effect {
    None,
    Toggle(SessionId),
    Edit(SessionId),
    Delete(SessionId),
    Add,
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
            Msg::Edit(id) => Effect::Edit(id),
            Msg::Add => Effect::Add,
        }
    }

    pub fn view<'a>(
        &'a self,
        sessions: &'a [SessionView],
        busy: &[SessionId],
        attention: &HashMap<SessionId, Attention>,
        now: OffsetDateTime,
    ) -> Element<'a, Msg> {
        let header = row![
            text("Sessions").size(22).width(Length::Fill),
            button("Add session…").style(button::primary).on_press(Msg::Add),
        ]
        .align_y(Alignment::Center);
        let mut rows = column![].spacing(6);
        if sessions.is_empty() {
            rows = rows.push(
                text("No sessions yet. Add an IAM user with its access keys, then chain roles on top of it.")
                    .style(text::secondary),
            );
        }
        for s in sessions {
            let is_busy = busy.contains(&s.id);
            let status = match s.expiration {
                _ if is_busy => "working…".to_owned(),
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
            let kind = &s.summary;
            // A session whose MFA code is due: the button asks for it (the app opens the popup).
            let label = match attention.get(&s.id) {
                Some(Attention::MfaDue) => "Code…",
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
                button("Edit")
                    .style(button::secondary)
                    .on_press(Msg::Edit(s.id.clone())),
                delete,
            ]
            .spacing(8)
            .align_y(Alignment::Center);
            rows = rows.push(container(line).padding(8).style(container::rounded_box));
        }
        let mut c = column![header].spacing(12);
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
