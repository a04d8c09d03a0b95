//! How the add / edit form looks.

use iced::widget::{button, column, container, pick_list, radio, row, scrollable, text, text_input};
use iced::{Element, Length};
use keyhop_core::regions::KNOWN_REGIONS;

use super::{ADDABLE, Field, Form, Msg, label, placeholder, role_chained};
use crate::window::widgets::{banner, field};

pub const FIRST_INPUT: &str = "form-first";

pub fn view(f: &Form) -> Element<'_, Msg> {
    let mut c = column![text(if f.is_edit() { "Edit session" } else { "Add session" }).size(22)].spacing(14);
    let kinds = ADDABLE.map(|k| {
        let r = radio(k.title(), k, Some(f.kind), Msg::Kind).size(16);
        Element::from(r)
    });
    if !f.is_edit() {
        c = c.push(row(kinds).spacing(24));
    }
    for (i, &fld) in f.fields().iter().enumerate() {
        // Errors show once the field has a value, so an empty new form is not all red.
        let err = if f.value(fld).is_empty() { None } else { f.error(fld) };
        let input: Element<'_, Msg> = match fld {
            Field::Region => {
                let regions: Vec<String> = KNOWN_REGIONS.iter().map(|r| (*r).to_owned()).collect();
                let selected = Some(f.value(fld).to_owned()).filter(|v| KNOWN_REGIONS.contains(&v.as_str()));
                row![
                    text_input(placeholder(fld, f.is_edit()), f.value(fld))
                        .on_input(move |v| Msg::Input(fld, v))
                        .on_submit(Msg::Save)
                        .width(Length::FillPortion(2)),
                    pick_list(regions, selected, move |v| Msg::Input(fld, v))
                        .placeholder("pick")
                        .width(Length::FillPortion(1)),
                ]
                .spacing(8)
                .into()
            }
            Field::Assumer => {
                let selected = Some(f.value(fld).to_owned()).filter(|v| !v.is_empty());
                pick_list(role_chained::assumer_choices(f), selected, move |v| Msg::Input(fld, v))
                    .placeholder("choose a session")
                    .width(Length::Fill)
                    .into()
            }
            Field::Profile if !f.profile_choices.is_empty() => row![
                text_input(placeholder(fld, f.is_edit()), f.value(fld))
                    .on_input(move |v| Msg::Input(fld, v))
                    .on_submit(Msg::Save)
                    .width(Length::FillPortion(2)),
                pick_list(f.profile_choices.clone(), None::<String>, move |v| Msg::Input(fld, v))
                    .placeholder("existing")
                    .width(Length::FillPortion(1)),
            ]
            .spacing(8)
            .into(),
            _ => {
                let mut t = text_input(placeholder(fld, f.is_edit()), f.value(fld))
                    .on_input(move |v| Msg::Input(fld, v))
                    .on_submit(Msg::Save)
                    .secure(fld == Field::Secret);
                if i == 0 {
                    t = t.id(FIRST_INPUT);
                }
                t.into()
            }
        };
        c = c.push(field(label(fld), input, err));
    }
    if let Some(e) = &f.error {
        c = c.push(banner(e.clone()));
    }
    let save = button(text(if f.saving { "Saving…" } else { "Save" }))
        .style(button::primary)
        .on_press_maybe((f.is_valid() && !f.saving).then_some(Msg::Save));
    c = c.push(row![button("Cancel").style(button::secondary).on_press(Msg::Cancel), save].spacing(10));
    c = c.push(
        text("Enter saves · Escape cancels · Tab moves between fields")
            .size(12)
            .style(text::secondary),
    );
    container(scrollable(c.padding(20)))
        .width(Length::Fill)
        .height(Length::Fill)
        .into()
}
