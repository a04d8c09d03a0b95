//! What floats over the list: a session's context menu, and the confirmations of Delete and
//! Rotate key, each naming what it changes. A click outside closes it, as Escape does.

use iced::widget::{Space, button, center, column, container, mouse_area, opaque, row, rule, text};
use iced::{Alignment, Element, Length};
use keyhop_core::SessionView;
use keyhop_core::kinds::KindName;

use super::model::{credential_process_line, export_lines};
use super::row::kind_badge;
use super::{List, Msg, Overlay};
use crate::window::theme::styles;
use crate::window::widgets::{BOLD, hint};

impl List {
    pub(super) fn overlay_view<'a>(&self, o: &Overlay, sessions: &'a [SessionView]) -> Option<Element<'a, Msg>> {
        let (Overlay::Menu(id) | Overlay::ConfirmDelete(id) | Overlay::ConfirmRotate(id)) = o;
        let s = sessions.iter().find(|s| &s.id == id)?;
        let panel = match o {
            Overlay::Menu(_) => menu(s),
            Overlay::ConfirmDelete(_) => confirm_delete(s),
            Overlay::ConfirmRotate(_) => confirm_rotate(s),
        };
        let floating = container(opaque(container(panel).padding(8).style(styles::menu_panel))).width(420);
        Some(
            mouse_area(center(floating).style(styles::scrim))
                .on_press(Msg::CloseOverlay)
                .into(),
        )
    }
}

/// The session's name over its panel.
fn head(s: &SessionView) -> Element<'_, Msg> {
    row![
        kind_badge(s.kind, 28.0),
        column![text(s.alias.as_str()).size(15).font(BOLD), hint(&s.summary)].spacing(2),
    ]
    .spacing(10)
    .align_y(Alignment::Center)
    .padding([6, 8])
    .into()
}

fn item<'a>(label: impl text::IntoFragment<'a>, msg: Option<Msg>, danger: bool) -> Element<'a, Msg> {
    button(text(label).size(14))
        .width(Length::Fill)
        .padding([7, 10])
        .style(styles::menu_item(danger))
        .on_press_maybe(msg)
        .into()
}

fn menu(s: &SessionView) -> Element<'_, Msg> {
    let id = &s.id;
    let mut c = column![
        head(s),
        rule::horizontal(1),
        item("Open console", s.is_active().then(|| Msg::Console(id.clone())), false),
        item(
            "Copy export lines",
            Some(Msg::Copy(export_lines(s), "Copied the export lines.")),
            false
        ),
        item(
            "Copy credential_process line",
            Some(Msg::Copy(
                credential_process_line(s),
                "Copied the credential_process line."
            )),
            false
        ),
        item("Edit…", Some(Msg::Edit(id.clone())), false),
        item(
            if s.pinned { "Unpin" } else { "Pin to top" },
            Some(Msg::Pin(id.clone(), !s.pinned)),
            false
        ),
    ]
    .spacing(2);
    if s.kind == KindName::IamUser {
        c = c.push(item("Rotate access key…", Some(Msg::AskRotate(id.clone())), false));
    }
    c.push(rule::horizontal(1))
        .push(item("Delete…", Some(Msg::AskDelete(id.clone())), true))
        .into()
}

/// A confirmation: the question, what it changes line by line, and its two buttons.
fn confirm<'a>(
    question: String,
    intro: &'a str,
    lines: Vec<String>,
    label: &'a str,
    yes: Msg,
    danger: bool,
) -> Element<'a, Msg> {
    let mut c = column![text(question).size(16).font(BOLD), text(intro).size(13)]
        .spacing(10)
        .padding(12);
    for l in lines {
        c = c.push(text(format!("• {l}")).size(13));
    }
    c = c.push(hint("Enter confirms · Escape keeps everything as it is"));
    c.push(
        row![
            Space::new().width(Length::Fill),
            button(text("Cancel"))
                .padding([7, 16])
                .style(styles::button_secondary)
                .on_press(Msg::CloseOverlay),
            button(text(label))
                .padding([7, 16])
                .style(if danger {
                    styles::button_danger
                } else {
                    styles::button_primary
                })
                .on_press(yes),
        ]
        .spacing(10),
    )
    .into()
}

fn confirm_delete(s: &SessionView) -> Element<'_, Msg> {
    let mut lines = vec![format!("the session {:?} ({})", s.alias.as_str(), s.summary)];
    if s.is_active() {
        lines.push(format!(
            "its credentials in profile [{}] of the AWS credentials file (it is stopped first)",
            s.profile
        ));
    }
    lines.push(match s.kind {
        KindName::IamUser => "its access key in the system keyring (the key itself stays in AWS)".to_owned(),
        _ => "its cached credentials in the system keyring".to_owned(),
    });
    confirm(
        format!("Delete {:?}?", s.alias.as_str()),
        "This removes:",
        lines,
        "Delete",
        Msg::Delete(s.id.clone()),
        true,
    )
}

fn confirm_rotate(s: &SessionView) -> Element<'_, Msg> {
    confirm(
        format!("Rotate the access key of {:?}?", s.alias.as_str()),
        "This does:",
        vec![
            "IAM makes a new access key; keyhop checks it works and stores it in the keyring".to_owned(),
            "the old key is then deactivated and deleted in AWS".to_owned(),
            "a running session keeps its credentials until they expire".to_owned(),
        ],
        "Rotate",
        Msg::Rotate(s.id.clone()),
        false,
    )
}
