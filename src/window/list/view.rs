//! The list window's layout: header, search and filter chips, connections, the grouped rows
//! (or the empty state), and the menu or confirmation floating over it.

use std::collections::HashMap;

use iced::widget::{Space, button, column, container, row, scrollable, stack, text};
use iced::{Alignment, Element, Length};
use keyhop_core::SessionView;
use keyhop_core::engine::ConnectionView;
use keyhop_core::kinds::KindName;
use keyhop_core::session::SessionId;
use time::OffsetDateTime;

use super::model::{self, Section, StatusFilter};
use super::row::{Row, chip, kind_badge};
use super::{List, MAX_ROWS, Msg, SCROLL, SEARCH_INPUT};
use crate::present::Attention;
use crate::window::tab_focus::search_focus;
use crate::window::theme::styles::{self, Kind};
use crate::window::widgets::{BOLD, banner, hint, input, notice, page, title};

/// What the list draws from, besides its own state.
pub struct Data<'a> {
    pub sessions: &'a [SessionView],
    pub connections: &'a [ConnectionView],
    pub busy: &'a [SessionId],
    pub attention: HashMap<SessionId, Attention>,
    pub now: OffsetDateTime,
}

impl List {
    pub fn view<'a>(&'a self, d: &Data<'a>) -> Element<'a, Msg> {
        let base: Element<'a, Msg> = if d.sessions.is_empty() && d.connections.is_empty() {
            page(column![title("Sessions"), empty_state()].spacing(16))
        } else {
            self.full(d)
        };
        match self.overlay.as_ref().and_then(|o| self.overlay_view(o, d.sessions)) {
            Some(over) => stack![base, over].into(),
            None => base,
        }
    }

    fn full<'a>(&'a self, d: &Data<'a>) -> Element<'a, Msg> {
        let sections = model::sections(d.sessions, &self.query, &self.filter, &d.attention);
        let mut c = column![header(d.sessions.len()), self.search_bar(d.sessions)].spacing(14);
        if let Some(e) = &self.error {
            c = c.push(banner(e.clone()));
        }
        if let Some(n) = &self.note {
            c = c.push(notice(n.clone(), Kind::Success));
        }
        let mut rows = column![].spacing(6).padding(iced::Padding::ZERO.right(14));
        if !d.connections.is_empty() {
            rows = rows.push(heading(
                "IAM Identity Center connections".to_owned(),
                d.connections.len(),
            ));
            for conn in d.connections {
                rows = rows.push(connection_row(conn));
            }
        }
        rows = self.sections_into(rows, &sections, d);
        c = c.push(scrollable(rows).id(SCROLL).height(Length::Fill));
        search_focus(page(c), SEARCH_INPUT, self.overlay.is_none())
    }

    fn sections_into<'a>(
        &'a self,
        mut rows: iced::widget::Column<'a, Msg>,
        sections: &[Section<'a>],
        d: &Data<'a>,
    ) -> iced::widget::Column<'a, Msg> {
        let total: usize = sections.iter().map(|s| s.rows.len()).sum();
        if total == 0 && !d.sessions.is_empty() {
            let what = if self.query.is_empty() {
                "No session matches the filters.".to_owned()
            } else {
                format!("No session matches {:?}.", self.query)
            };
            return rows.push(container(hint(what).size(13)).padding([24, 4]));
        }
        let mut drawn = 0;
        for section in sections {
            if drawn >= MAX_ROWS {
                break;
            }
            rows = rows.push(heading(section.title.clone(), section.rows.len()));
            for s in section.rows.iter().take(MAX_ROWS - drawn) {
                let r = Row {
                    busy: d.busy.contains(&s.id),
                    attention: d.attention.get(&s.id),
                    selected: self.selected.as_ref() == Some(&s.id),
                };
                rows = rows.push(r.view(s, d.now));
                drawn += 1;
            }
        }
        if total > MAX_ROWS {
            let more = format!(
                "{} more match; type in the search box to narrow the list.",
                total - MAX_ROWS
            );
            rows = rows.push(container(hint(more).size(13)).padding([12, 4]));
        }
        rows
    }

    /// The search box, then the filter chips: kinds, statuses, regions.
    fn search_bar<'a>(&'a self, sessions: &'a [SessionView]) -> Element<'a, Msg> {
        let search = input("Search alias, profile, account, role…   ( / )", &self.query)
            .id(SEARCH_INPUT)
            .on_input(Msg::Search)
            .on_submit(Msg::SearchSubmit);
        let mut chips = row![].spacing(6).align_y(Alignment::Center);
        for k in model::kinds(sessions) {
            chips = chips.push(filter_chip(
                k.plural(),
                self.filter.kinds.contains(&k),
                Msg::FilterKind(k),
            ));
        }
        chips = chips.push(Space::new().width(8));
        for f in StatusFilter::ALL {
            chips = chips.push(filter_chip(
                f.label(),
                self.filter.statuses.contains(&f),
                Msg::FilterStatus(f),
            ));
        }
        let regions = model::regions(sessions);
        if regions.len() > 1 {
            chips = chips.push(Space::new().width(8));
            for r in regions {
                let on = self.filter.regions.contains(&r);
                chips = chips.push(filter_chip(r.clone(), on, Msg::FilterRegion(r)));
            }
        }
        if !self.filter.is_empty() {
            chips = chips.push(
                button(text("Clear").size(12))
                    .padding([4, 10])
                    .style(styles::button_ghost)
                    .on_press(Msg::ClearFilters),
            );
        }
        column![search, chips.wrap().vertical_spacing(6)].spacing(10).into()
    }
}

fn filter_chip<'a>(label: impl text::IntoFragment<'a>, on: bool, msg: Msg) -> Element<'a, Msg> {
    button(text(label).size(12))
        .padding([4, 12])
        .style(styles::filter_chip(on))
        .on_press(msg)
        .into()
}

fn header<'a>(count: usize) -> Element<'a, Msg> {
    let count = match count {
        0 => String::new(),
        1 => "1 session".to_owned(),
        n => format!("{n} sessions"),
    };
    row![
        title("Sessions"),
        hint(count).size(13),
        Space::new().width(Length::Fill),
        button(text("Add SSO connection…"))
            .padding([7, 14])
            .style(styles::button_secondary)
            .on_press(Msg::AddSso),
        button(text("Add session…"))
            .padding([7, 14])
            .style(styles::button_primary)
            .on_press(Msg::Add),
    ]
    .spacing(10)
    .align_y(Alignment::Center)
    .into()
}

/// A group's heading: its name and how many rows it holds.
fn heading<'a>(title: String, count: usize) -> Element<'a, Msg> {
    row![
        text(title).size(12).font(BOLD).style(styles::text_heading),
        text(count.to_string()).size(12).style(styles::text_muted),
    ]
    .spacing(8)
    .padding(iced::Padding::new(0.0).top(10.0).bottom(2.0).left(4.0))
    .into()
}

/// First run: what keyhop is for, and the three ways to begin.
fn empty_state<'a>() -> Element<'a, Msg> {
    let kinds = row![
        kind_badge(KindName::IamUser, 28.0),
        kind_badge(KindName::RoleChained, 28.0),
        kind_badge(KindName::AwsSso, 28.0),
        kind_badge(KindName::AwsSaml, 28.0),
    ]
    .spacing(8);
    let actions = row![
        button(text("Add session…"))
            .padding([8, 16])
            .style(styles::button_primary)
            .on_press(Msg::Add),
        button(text("Add SSO connection…"))
            .padding([8, 16])
            .style(styles::button_secondary)
            .on_press(Msg::AddSso),
        button(text("Import CSV…"))
            .padding([8, 16])
            .style(styles::button_secondary)
            .on_press(Msg::ImportCsv),
    ]
    .spacing(10);
    let card = column![
        kinds,
        text("No sessions yet").size(20).font(BOLD),
        hint(
            "Add an IAM user with its access keys and chain roles on top of it, connect IAM Identity \
             Center to list every account and role you can use, or import the access-key CSV the AWS \
             console gave you."
        )
        .size(13),
        actions,
    ]
    .spacing(14)
    .max_width(520)
    .align_x(Alignment::Center);
    container(container(card).padding(28).style(styles::card))
        .center_x(Length::Fill)
        .padding([40, 0])
        .into()
}

/// An IAM Identity Center connection, with Sign in and Sync.
fn connection_row(c: &ConnectionView) -> Element<'_, Msg> {
    let (state, kind) = if c.signed_in {
        ("Signed in", Kind::Success)
    } else {
        ("Signed out", Kind::Warning)
    };
    let line = row![
        kind_badge(KindName::AwsSso, 32.0),
        column![
            text(c.name.as_str()).size(15).font(BOLD),
            hint(format!("{} · {} session(s)", c.start_url, c.sessions)),
        ]
        .spacing(3)
        .width(Length::Fill),
        chip(state, kind),
        button(text("Sign in").size(13))
            .padding([6, 12])
            .style(styles::button_secondary)
            .on_press(Msg::SignIn(c.id.clone())),
        button(text("Sync").size(13))
            .padding([6, 12])
            .style(styles::button_secondary)
            .on_press(Msg::Sync(c.id.clone())),
    ]
    .spacing(12)
    .align_y(Alignment::Center);
    container(line)
        .padding([10, 12])
        .width(Length::Fill)
        .style(styles::card)
        .into()
}
