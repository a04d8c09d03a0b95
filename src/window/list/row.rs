//! One session's row: kind badge, alias over its summary and ⚠ reasons, profile and region
//! chips, the status chip, Start/Stop and "⋯". Columns have fixed widths so rows align.

use iced::widget::text::Wrapping;
use iced::widget::{button, column, container, mouse_area, row, text};
use iced::{Alignment, Element, Length};
use keyhop_core::SessionView;
use keyhop_core::kinds::KindName;
use time::OffsetDateTime;

use super::Msg;
use crate::present::{Attention, Status, Tone, warnings};
use crate::window::theme::styles::{self, Kind};
use crate::window::widgets::BOLD;

/// Height of a row, for scrolling to the keyboard's row.
pub const HEIGHT: f32 = 58.0;
const STATUS_WIDTH: f32 = 138.0;
const CHIPS_WIDTH: f32 = 230.0;

/// What one session's row needs beyond the session.
pub struct Row<'a> {
    pub busy: bool,
    pub attention: Option<&'a Attention>,
    pub selected: bool,
}

/// The badge's letter and tone for a kind.
pub fn kind_badge<'a>(kind: KindName, size: f32) -> Element<'a, Msg> {
    let (letter, i) = match kind {
        KindName::IamUser => ("U", 0),
        KindName::RoleChained => ("R", 1),
        KindName::AwsSso => ("S", 2),
        KindName::AwsSaml => ("F", 3),
    };
    container(text(letter).size(size * 0.5).font(BOLD))
        .center(size)
        .style(styles::badge(Kind::Session(i), 7.0))
        .into()
}

pub fn chip<'a>(label: impl text::IntoFragment<'a>, kind: Kind) -> Element<'a, Msg> {
    container(text(label).size(12))
        .padding([3, 9])
        .style(styles::chip(kind))
        .into()
}

fn tone_kind(t: Tone) -> Kind {
    match t {
        Tone::Good => Kind::Success,
        Tone::Caution => Kind::Warning,
        Tone::Bad => Kind::Error,
        Tone::Neutral => Kind::Neutral,
        Tone::Busy => Kind::Accent,
    }
}

impl Row<'_> {
    pub fn view<'a>(&self, s: &'a SessionView, now: OffsetDateTime) -> Element<'a, Msg> {
        let status = Status::of(s, self.attention, self.busy, now);
        let (label, tone) = status.chip();
        let line = row![
            kind_badge(s.kind, 32.0),
            self.names(s),
            container(
                row![
                    chip(s.profile.as_str(), Kind::Accent),
                    chip(s.region.as_str(), Kind::Neutral)
                ]
                .spacing(6)
            )
            .width(CHIPS_WIDTH)
            .clip(true),
            container(chip(label, tone_kind(tone)))
                .width(STATUS_WIDTH)
                .align_right(STATUS_WIDTH),
            self.toggle(s),
            button(text("⋯").size(16).center())
                .width(32)
                .padding([2, 0])
                .style(styles::button_ghost)
                .on_press(Msg::OpenMenu(s.id.clone())),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        let card = container(line)
            .padding([0, 12])
            .height(HEIGHT)
            .align_y(Alignment::Center)
            .width(Length::Fill)
            .style(styles::row(self.selected, self.selected));
        mouse_area(card)
            .on_press(Msg::Select(s.id.clone()))
            .on_right_press(Msg::OpenMenu(s.id.clone()))
            .on_double_click(Msg::Toggle(s.id.clone()))
            .into()
    }

    /// The alias, then the summary and any ⚠ with its reasons.
    fn names<'a>(&self, s: &'a SessionView) -> Element<'a, Msg> {
        let reasons = warnings(s, self.attention);
        let mut second = row![
            text(&s.summary)
                .size(12)
                .wrapping(Wrapping::None)
                .style(styles::text_muted)
        ]
        .spacing(8);
        if !reasons.is_empty() {
            second = second.push(
                text(format!("⚠ {}", reasons.join(" · ")))
                    .size(12)
                    .wrapping(Wrapping::None)
                    .style(styles::text_warning),
            );
        }
        column![
            text(s.alias.as_str()).size(15).font(BOLD).wrapping(Wrapping::None),
            second.clip(true)
        ]
        .spacing(3)
        .width(Length::Fill)
        .clip(true)
        .into()
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
        button(text(label).size(13).center().width(Length::Fill))
            .width(76)
            .padding([6, 0])
            .style(if s.is_active() {
                styles::button_secondary
            } else {
                styles::button_primary
            })
            .on_press_maybe((!self.busy).then(|| Msg::Toggle(s.id.clone())))
            .into()
    }
}
