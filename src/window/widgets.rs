//! Small pieces shared by the windows.

use iced::widget::{column, container, text};
use iced::{Element, Length};

/// A labelled input with its validation message underneath.
pub fn field<'a, M: 'a>(label: &'a str, input: impl Into<Element<'a, M>>, error: Option<String>) -> Element<'a, M> {
    let mut c = column![text(label).size(13), input.into()].spacing(4);
    if let Some(e) = error {
        c = c.push(text(e).size(12).style(text::danger));
    }
    c.into()
}

/// A message box across the window (errors from the engine).
pub fn banner<'a, M: 'a>(message: String) -> Element<'a, M> {
    container(text(message).size(13))
        .padding(10)
        .width(Length::Fill)
        .style(container::danger)
        .into()
}
