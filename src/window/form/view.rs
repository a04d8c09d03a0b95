//! How the add / edit form looks: the first step's kinds, then the chosen kind's fields.

use iced::widget::{Column, button, column, container, pick_list, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length};
use keyhop_core::kinds::KindName;

use super::iam_user::{self, Lookup};
use super::{CHOICES, Field, Form, Msg, RoleLookup, aws_saml, label, note, placeholder, role_chained, suggestions};
use crate::window::picker;
use crate::window::tab_focus::tab_focus;
use crate::window::theme::styles;
use crate::window::widgets::{self, banner, field, hint, title};

pub fn view(f: &Form) -> Element<'_, Msg> {
    let body: Element<'_, Msg> = match (f.picking, &f.sso) {
        (Some(at), _) => picker(at),
        (None, Some(sso)) => sso.view().map(Msg::Sso),
        (None, None) => session_form(f),
    };
    // Room for the scrollbar, as in Settings.
    let body = container(body).padding(iced::Padding::ZERO.right(12));
    tab_focus(widgets::page(scrollable(body)), f.step)
}

/// The first step: one card per kind, the highlighted one taken by Enter.
fn picker(at: usize) -> Element<'static, Msg> {
    let mut c = column![title("Add"), hint("What do you want to add?").size(14)].spacing(6);
    let mut cards = Column::new().spacing(10);
    for (i, choice) in CHOICES.into_iter().enumerate() {
        let card = column![
            text(choice.title()).size(16).font(widgets::BOLD),
            hint(choice.blurb()).size(13)
        ]
        .spacing(4);
        cards = cards.push(
            button(card)
                .padding([12, 16])
                .width(Length::Fill)
                .style(styles::card_button(i == at))
                .on_press(Msg::Pick(choice)),
        );
    }
    c = c.push(space().height(8)).push(cards).push(space().height(8));
    c.push(widgets::actions(Msg::Cancel, "Continue", Some(Msg::Pick(CHOICES[at]))))
        .push(hint("↑ ↓ choose · Enter continues · Escape closes"))
        .into()
}

fn heading(f: &Form) -> String {
    match (&f.editing, f.choice()) {
        (Some(_), _) => format!("Edit {}", f.kind.title()),
        (None, Some(c)) => format!("Add {}", c.title()),
        (None, None) => "Add".into(),
    }
}

fn session_form(f: &Form) -> Element<'_, Msg> {
    let mut c = Column::new().spacing(14);
    let heading = title(heading(f));
    c = c.push(if f.is_edit() {
        Element::from(heading)
    } else {
        column![
            button(text("← Back").size(13))
                .style(styles::button_ghost)
                .padding([2, 6])
                .on_press(Msg::Back),
            heading
        ]
        .spacing(6)
        .into()
    });
    if f.kind == KindName::IamUser {
        c = c.push(import_row(f));
    }
    for &fld in &f.fields() {
        // Errors show once the field has a value, so an empty new form is not all red, and not
        // while its suggestions are open (a region typed half-way is a search, not a mistake).
        let searching = f.suggesting == Some(fld);
        let err = if f.value(fld).is_empty() || searching {
            None
        } else {
            f.error(fld)
        };
        let mut parts = column![input(f, fld)].spacing(6);
        if f.suggesting == Some(fld) {
            parts = parts.push(picker::list(suggestions(f, fld), move |v| Msg::Suggested(fld, v)));
        }
        if let Some(n) = note(f, fld).filter(|_| err.is_none()) {
            parts = parts.push(hint(n));
        }
        if fld == Field::MfaDevice {
            parts = parts.push(lookup(f));
        }
        if fld == Field::IdpUrl {
            parts = parts.push(role_lookup(f));
        }
        c = c.push(field(label(fld), parts, err));
    }
    if let Some(e) = &f.error {
        c = c.push(banner(e.clone()));
    }
    c.push(actions(f)).into()
}

/// "Import CSV…" and what the last import said.
fn import_row(f: &Form) -> Element<'_, Msg> {
    let mut r = row![
        button(text("Import CSV…").size(13))
            .style(styles::button_secondary)
            .padding([7, 14])
            .on_press_maybe((!f.saving).then_some(Msg::ImportCsv))
    ]
    .spacing(10)
    .align_y(Alignment::Center);
    r = match &f.imported {
        Some(Ok(file)) => r.push(
            text(format!("Keys filled from {file}"))
                .size(12)
                .style(styles::text_success),
        ),
        Some(Err(e)) => r.push(text(e.clone()).size(12).style(styles::text_error)),
        None => r.push(hint("the access-key file the IAM console downloads")),
    };
    r.into()
}

fn text_field(f: &Form, fld: Field) -> text_input::TextInput<'_, Msg> {
    widgets::input(placeholder(fld, f.is_edit()), f.value(fld))
        .on_input(move |v| Msg::Input(fld, v))
        .on_submit(Msg::Save)
        .secure(fld == Field::Secret)
}

fn input(f: &Form, fld: Field) -> Element<'_, Msg> {
    match fld {
        Field::Profile | Field::Region => {
            picker::with_toggle(text_field(f, fld), f.suggesting == Some(fld), Msg::Browse(fld))
        }
        Field::MfaDevice => row![
            text_field(f, fld).width(Length::Fill),
            button(text("Find my MFA device").size(13))
                .style(styles::button_secondary)
                .padding([8, 12])
                .on_press_maybe(iam_user::can_find_mfa(f).then_some(Msg::FindMfa)),
        ]
        .spacing(6)
        .into(),
        Field::IdpUrl => row![
            text_field(f, fld).width(Length::Fill),
            button(text("Find roles").size(13))
                .style(button::secondary)
                .padding([8, 12])
                .on_press_maybe(aws_saml::can_find_roles(f).map(|_| Msg::FindRoles)),
        ]
        .spacing(6)
        .into(),
        Field::Assumer => {
            let selected = Some(f.value(fld).to_owned()).filter(|v| !v.is_empty());
            pick_list(role_chained::assumer_choices(f), selected, move |v| Msg::Input(fld, v))
                .placeholder("choose a session")
                .padding(8)
                .style(styles::dropdown)
                .menu_style(styles::dropdown_menu)
                .width(Length::Fill)
                .into()
        }
        _ => text_field(f, fld).into(),
    }
}

/// "Find my MFA device": what IAM said.
fn lookup(f: &Form) -> Element<'_, Msg> {
    match &f.lookup {
        Lookup::Idle if iam_user::can_find_mfa(f) => hint("IAM lists the devices of the keys below.").into(),
        Lookup::Idle => hint("With the access keys below typed in, IAM can list the devices.").into(),
        Lookup::Asking => hint("Asking IAM…").into(),
        Lookup::Failed(why) => text(why.clone()).size(12).style(styles::text_error).into(),
        Lookup::Found(devices) if devices.is_empty() => hint("IAM lists no MFA device for this user.").into(),
        Lookup::Found(devices) if devices.len() == 1 && devices[0] == f.value(Field::MfaDevice) => column![
            text("✓ Filled in: the user's one MFA device in IAM")
                .size(12)
                .style(styles::text_success),
            text(devices[0].clone()).size(13),
        ]
        .spacing(2)
        .into(),
        Lookup::Found(devices) => {
            let mut c = column![hint("MFA devices of this user:")].spacing(2);
            for d in devices {
                c = c.push(
                    button(text(d.clone()).size(13))
                        .style(styles::menu_item(false))
                        .padding([2, 8])
                        .on_press(Msg::Suggested(Field::MfaDevice, d.clone())),
                );
            }
            c.into()
        }
    }
}

/// "Find roles": what the IdP's assertion offers, as a pick list that fills both ARNs.
fn role_lookup(f: &Form) -> Element<'_, Msg> {
    match &f.roles {
        RoleLookup::Idle => hint("A sign-in at the IdP lists the roles it grants you.").into(),
        RoleLookup::Asking => hint("Signing in at the IdP…").into(),
        RoleLookup::Failed(why) => text(why.clone()).size(12).style(styles::text_error).into(),
        RoleLookup::Found(roles) if roles.is_empty() => hint("The IdP's assertion offers no role.").into(),
        RoleLookup::Found(roles) => pick_list(roles.as_slice(), aws_saml::picked(f), Msg::PickRole)
            .placeholder(format!("choose one of {} roles", roles.len()))
            .padding(8)
            .width(Length::Fill)
            .style(styles::dropdown)
            .menu_style(styles::dropdown_menu)
            .into(),
    }
}

fn actions(f: &Form) -> Element<'_, Msg> {
    let label = if f.saving { "Saving…" } else { "Save" };
    column![
        widgets::actions(Msg::Cancel, label, (f.is_valid() && !f.saving).then_some(Msg::Save)),
        hint("Enter saves · Escape cancels · Tab moves between fields"),
    ]
    .spacing(10)
    .into()
}
