//! A text field with suggestions underneath, filtered as it is typed in (the forms' profile and
//! region fields): the suggestions are buttons, so the Tab order stays field to field.

use iced::widget::{Column, button, container, row, scrollable, text, text_input};
use iced::{Element, Length};
use keyhop_core::regions;

use super::theme::styles;

/// At most this tall; the list scrolls beyond.
const LIST_HEIGHT: f32 = 190.0;

/// One line under a field: the value it puts in, and how it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub value: String,
    pub label: String,
}

/// The regions for what a region field holds ("eu-west-1 — Europe (Ireland)"): all of them
/// when it holds a region's code already (the "▾" beside a filled field browses).
pub fn regions(typed: &str) -> Vec<Suggestion> {
    let query = if regions::is_known(typed.trim()) { "" } else { typed };
    regions::search(query)
        .map(|(code, name)| Suggestion {
            value: code.to_owned(),
            label: format!("{code} — {name}"),
        })
        .collect()
}

/// Whether typing `v` into a field with these choices leaves something to suggest.
pub fn opens(v: &str, exact: bool, suggestions: &[Suggestion]) -> bool {
    !exact && !v.trim().is_empty() && !suggestions.is_empty()
}

/// `input` with its "▾" toggle beside it.
pub fn with_toggle<'a, M: Clone + 'a>(input: text_input::TextInput<'a, M>, open: bool, toggle: M) -> Element<'a, M> {
    row![
        input.width(Length::Fill),
        button(text(if open { "▴" } else { "▾" }).size(14))
            .style(styles::button_secondary)
            .padding([8, 12])
            .on_press(toggle),
    ]
    .spacing(6)
    .into()
}

/// The suggestions, each a click away from the field.
pub fn list<'a, M: Clone + 'a>(items: Vec<Suggestion>, pick: impl Fn(String) -> M) -> Element<'a, M> {
    let mut list = Column::new().spacing(2);
    for s in items {
        list = list.push(
            button(text(s.label).size(13))
                .style(styles::menu_item(false))
                .width(Length::Fill)
                .padding([4, 8])
                .on_press(pick(s.value)),
        );
    }
    container(scrollable(list).height(Length::Shrink))
        .max_height(LIST_HEIGHT)
        .padding(4)
        .style(styles::card)
        .width(Length::Fill)
        .into()
}
