//! The widget styles, as functions iced calls with the theme and the widget's status:
//! `.style(styles::button_primary)`, `.style(styles::chip(Kind::Success))`.

use iced::overlay::menu;
use iced::widget::{button, container, pick_list, text, text_input};
use iced::{Background, Border, Color, Shadow, Theme, Vector};

use super::{Palette, Tone, palette};

/// Corner radius of buttons, inputs and chips; cards use `CARD_RADIUS`.
pub const RADIUS: f32 = 6.0;
pub const CARD_RADIUS: f32 = 8.0;

/// Which tone a chip or banner takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Success,
    Warning,
    Error,
    Neutral,
    Accent,
    /// A session kind's badge, by `KindName` order (`palette.kinds`).
    Session(usize),
}

impl Kind {
    pub fn of(self, p: &Palette) -> Tone {
        match self {
            Kind::Success => p.success,
            Kind::Warning => p.warning,
            Kind::Error => p.error,
            Kind::Neutral => p.neutral,
            Kind::Accent => p.accent,
            Kind::Session(i) => p.kinds[i % p.kinds.len()],
        }
    }
}

fn border(color: Color, width: f32, radius: f32) -> Border {
    Border {
        color,
        width,
        radius: radius.into(),
    }
}

fn filled(fill: Color, text_color: Color, edge: Color) -> button::Style {
    button::Style {
        background: Some(Background::Color(fill)),
        text_color,
        border: border(edge, 1.0, RADIUS),
        ..button::Style::default()
    }
}

fn disabled(s: &button::Style) -> button::Style {
    button::Style {
        background: s.background.map(|b| b.scale_alpha(0.45)),
        text_color: s.text_color.scale_alpha(0.5),
        border: Border {
            color: s.border.color.scale_alpha(0.45),
            ..s.border
        },
        ..*s
    }
}

/// The one main action of a window or row (Save, Start).
pub fn button_primary(theme: &Theme, status: button::Status) -> button::Style {
    let p = palette(theme);
    let base = filled(p.primary, p.on_primary, p.primary);
    match status {
        button::Status::Hovered | button::Status::Pressed => filled(p.primary_hover, p.on_primary, p.primary_hover),
        button::Status::Active => base,
        button::Status::Disabled => disabled(&base),
    }
}

/// Everything beside the main action (Cancel, Stop, Sign in).
pub fn button_secondary(theme: &Theme, status: button::Status) -> button::Style {
    let p = palette(theme);
    let base = filled(p.surface, p.text, p.border);
    match status {
        button::Status::Hovered | button::Status::Pressed => filled(p.surface_hover, p.text, p.border),
        button::Status::Active => base,
        button::Status::Disabled => disabled(&base),
    }
}

/// A destructive action (Delete in its confirmation).
pub fn button_danger(theme: &Theme, status: button::Status) -> button::Style {
    let p = palette(theme);
    let base = filled(p.danger, p.on_primary, p.danger);
    match status {
        button::Status::Hovered | button::Status::Pressed => filled(p.danger_hover, p.on_primary, p.danger_hover),
        button::Status::Active => base,
        button::Status::Disabled => disabled(&base),
    }
}

/// A borderless button that shows only on hover ("⋯", the close of a banner).
pub fn button_ghost(theme: &Theme, status: button::Status) -> button::Style {
    let p = palette(theme);
    let clear = button::Style {
        text_color: p.muted,
        border: border(Color::TRANSPARENT, 0.0, RADIUS),
        ..button::Style::default()
    };
    match status {
        button::Status::Hovered | button::Status::Pressed => filled(p.surface_hover, p.text, p.surface_hover),
        button::Status::Active => clear,
        button::Status::Disabled => disabled(&clear),
    }
}

/// A line of a context menu; `danger` for Delete.
pub fn menu_item(danger: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, status| {
        let p = palette(theme);
        let fg = if danger { p.error.text } else { p.text };
        let base = button::Style {
            text_color: fg,
            border: border(Color::TRANSPARENT, 0.0, RADIUS - 2.0),
            ..button::Style::default()
        };
        match status {
            button::Status::Hovered | button::Status::Pressed => button::Style {
                background: Some(Background::Color(p.surface_hover)),
                ..base
            },
            button::Status::Active => base,
            button::Status::Disabled => disabled(&button::Style {
                text_color: p.muted,
                ..base
            }),
        }
    }
}

/// A filter chip: outlined when off, accent-filled when on.
pub fn filter_chip(on: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, status| {
        let p = palette(theme);
        let mut s = if on {
            filled(p.accent.fill, p.accent.text, p.accent.text.scale_alpha(0.35))
        } else {
            filled(p.surface, p.muted, p.border)
        };
        s.border.radius = 999.0.into();
        if matches!(status, button::Status::Hovered | button::Status::Pressed) && !on {
            s.background = Some(Background::Color(p.surface_hover));
            s.text_color = p.text;
        }
        s
    }
}

/// A small rounded label (status, profile, region).
pub fn chip(kind: Kind) -> impl Fn(&Theme) -> container::Style {
    badge(kind, 999.0)
}

/// A filled shape in a tone: chips (round ends), kind badges (rounded squares).
pub fn badge(kind: Kind, radius: f32) -> impl Fn(&Theme) -> container::Style {
    move |theme| {
        let t = kind.of(palette(theme));
        container::Style {
            text_color: Some(t.text),
            background: Some(Background::Color(t.fill)),
            border: border(Color::TRANSPARENT, 0.0, radius),
            ..container::Style::default()
        }
    }
}

/// A heading over a group of rows.
pub fn text_heading(theme: &Theme) -> text::Style {
    text_muted(theme)
}

/// The dimmed window behind a menu or a confirmation.
pub fn scrim(theme: &Theme) -> container::Style {
    let dark = theme.extended_palette().is_dark;
    container::Style {
        background: Some(Background::Color(Color::BLACK.scale_alpha(if dark {
            0.55
        } else {
            0.3
        }))),
        ..container::Style::default()
    }
}

/// The window's background, under everything.
pub fn page(theme: &Theme) -> container::Style {
    let p = palette(theme);
    container::Style {
        text_color: Some(p.text),
        background: Some(Background::Color(p.background)),
        ..container::Style::default()
    }
}

/// A card: a group of fields, a connection, the empty state.
pub fn card(theme: &Theme) -> container::Style {
    let p = palette(theme);
    container::Style {
        text_color: Some(p.text),
        background: Some(Background::Color(p.surface)),
        border: border(p.border, 1.0, CARD_RADIUS),
        ..container::Style::default()
    }
}

/// A session's row: a card, tinted when selected, ringed when it has the keyboard focus.
pub fn row(selected: bool, focused: bool) -> impl Fn(&Theme) -> container::Style {
    move |theme| {
        let p = palette(theme);
        let mut s = card(theme);
        if selected {
            s.background = Some(Background::Color(p.selected));
        }
        if focused {
            s.border = border(p.focus, 2.0, CARD_RADIUS);
        }
        s
    }
}

/// A floating panel (the context menu): a card with a shadow.
pub fn menu_panel(theme: &Theme) -> container::Style {
    container::Style {
        shadow: Shadow {
            color: Color::BLACK.scale_alpha(0.25),
            offset: Vector::new(0.0, 4.0),
            blur_radius: 16.0,
        },
        ..card(theme)
    }
}

/// A message across the window: errors (`Kind::Error`), confirmations (`Kind::Warning`).
pub fn banner(kind: Kind) -> impl Fn(&Theme) -> container::Style {
    move |theme| {
        let t = kind.of(palette(theme));
        container::Style {
            text_color: Some(t.text),
            background: Some(Background::Color(t.fill)),
            border: border(t.text.scale_alpha(0.3), 1.0, RADIUS),
            ..container::Style::default()
        }
    }
}

pub fn input(theme: &Theme, status: text_input::Status) -> text_input::Style {
    let p = palette(theme);
    let edge = match status {
        text_input::Status::Focused { .. } => border(p.focus, 2.0, RADIUS),
        text_input::Status::Hovered => border(p.muted, 1.0, RADIUS),
        text_input::Status::Active | text_input::Status::Disabled => border(p.border, 1.0, RADIUS),
    };
    text_input::Style {
        background: Background::Color(if matches!(status, text_input::Status::Disabled) {
            p.surface_hover
        } else {
            p.surface
        }),
        border: edge,
        icon: p.muted,
        placeholder: p.muted,
        value: p.text,
        selection: p.focus.scale_alpha(0.35),
    }
}

/// A drop-down (the Assumer, Settings' appearance and region): drawn like a text input beside
/// it, ringed while open.
pub fn dropdown(theme: &Theme, status: pick_list::Status) -> pick_list::Style {
    let p = palette(theme);
    let edge = match status {
        pick_list::Status::Opened { .. } => border(p.focus, 2.0, RADIUS),
        pick_list::Status::Hovered => border(p.muted, 1.0, RADIUS),
        pick_list::Status::Active => border(p.border, 1.0, RADIUS),
    };
    pick_list::Style {
        text_color: p.text,
        placeholder_color: p.muted,
        handle_color: p.muted,
        background: Background::Color(p.surface),
        border: edge,
    }
}

/// A drop-down's list: a floating panel whose hovered line is tinted like a selected row.
pub fn dropdown_menu(theme: &Theme) -> menu::Style {
    let p = palette(theme);
    let panel = menu_panel(theme);
    menu::Style {
        background: Background::Color(p.surface),
        border: panel.border,
        text_color: p.text,
        selected_text_color: p.text,
        selected_background: Background::Color(p.selected),
        shadow: panel.shadow,
    }
}

/// Secondary lines.
pub fn text_muted(theme: &Theme) -> text::Style {
    text::Style {
        color: Some(palette(theme).muted),
    }
}

/// A field's validation message.
pub fn text_error(theme: &Theme) -> text::Style {
    text::Style {
        color: Some(palette(theme).error.text),
    }
}

pub fn text_warning(theme: &Theme) -> text::Style {
    text::Style {
        color: Some(palette(theme).warning.text),
    }
}

/// What went right (an import read, a device found).
pub fn text_success(theme: &Theme) -> text::Style {
    text::Style {
        color: Some(palette(theme).success.text),
    }
}

/// A card that is a choice (the add form's kinds): a session row's look, the highlighted one
/// tinted and ringed like a selected, focused row.
pub fn card_button(highlighted: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, status| {
        let p = palette(theme);
        let c = row(highlighted, highlighted)(theme);
        let hovered = matches!(status, button::Status::Hovered | button::Status::Pressed);
        let background = if hovered && !highlighted {
            Some(Background::Color(p.surface_hover))
        } else {
            c.background
        };
        button::Style {
            background,
            text_color: p.text,
            border: c.border,
            ..button::Style::default()
        }
    }
}
