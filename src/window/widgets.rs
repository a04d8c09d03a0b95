//! Small pieces shared by the windows, drawn with the theme's styles (`theme::styles`).

use iced::widget::{Space, TextInput, button, column, container, row, text, text_input};
use iced::{Alignment, Element, Font, Length, font};

use super::theme::styles::{self, Kind};

/// Headings and labels (bold: a semibold face is rarely installed, and the fallback for a
/// missing weight can be another family altogether).
pub const BOLD: Font = Font {
    weight: font::Weight::Bold,
    ..Font::DEFAULT
};

/// A labelled input with its validation message underneath.
pub fn field<'a, M: 'a>(label: &'a str, input: impl Into<Element<'a, M>>, error: Option<String>) -> Element<'a, M> {
    let mut c = column![text(label).size(13).font(BOLD), input.into()].spacing(6);
    if let Some(e) = error {
        c = c.push(text(e).size(12).style(styles::text_error));
    }
    c.into()
}

/// A text input in the theme's style.
pub fn input<'a, M: Clone + 'a>(placeholder: &str, value: &str) -> TextInput<'a, M> {
    text_input(placeholder, value).padding(8).style(styles::input)
}

/// A message box across the window (errors from the engine).
pub fn banner<'a, M: 'a>(message: String) -> Element<'a, M> {
    notice(message, Kind::Error)
}

/// A message box across the window in the given tone.
pub fn notice<'a, M: 'a>(message: String, kind: Kind) -> Element<'a, M> {
    container(text(message).size(13))
        .padding([10, 12])
        .width(Length::Fill)
        .style(styles::banner(kind))
        .into()
}

/// A window's title line.
pub fn title<'a>(s: impl text::IntoFragment<'a>) -> iced::widget::Text<'a> {
    text(s).size(20).font(BOLD)
}

/// A secondary line (hints, descriptions).
pub fn hint<'a>(s: impl text::IntoFragment<'a>) -> iced::widget::Text<'a> {
    text(s).size(12).style(styles::text_muted)
}

/// A window's content on the page background, padded.
pub fn page<'a, M: 'a>(content: impl Into<Element<'a, M>>) -> Element<'a, M> {
    container(content)
        .padding(20)
        .width(Length::Fill)
        .height(Length::Fill)
        .style(styles::page)
        .into()
}

/// Cancel and the main action, at the right end of the window's last line.
pub fn actions<'a, M: Clone + 'a>(cancel: M, label: &'a str, main: Option<M>) -> Element<'a, M> {
    row![
        Space::new().width(Length::Fill),
        button(text("Cancel"))
            .padding([7, 16])
            .style(styles::button_secondary)
            .on_press(cancel),
        button(text(label))
            .padding([7, 16])
            .style(styles::button_primary)
            .on_press_maybe(main),
    ]
    .spacing(10)
    .align_y(Alignment::Center)
    .into()
}
