//! The windows' look in one place: the light and dark palettes (`palette`), the widget styles
//! as functions (`styles`), and where the system's light/dark preference comes from (`system`).
//! Windows pick styles from here by role (`styles::button_primary`, `styles::chip`, …) and never
//! spell a colour themselves.

pub mod palette;
pub mod styles;
pub mod system;

use std::sync::LazyLock;

use iced::Theme;

pub use palette::{Palette, Tone};

static LIGHT: LazyLock<Theme> = LazyLock::new(|| Theme::custom("keyhop light", iced_palette(&palette::LIGHT)));
static DARK: LazyLock<Theme> = LazyLock::new(|| Theme::custom("keyhop dark", iced_palette(&palette::DARK)));

/// The iced theme for light or dark windows (built once; iced's own widgets, such as
/// checkboxes and pick lists, take their colours from it).
pub fn iced_theme(dark: bool) -> Theme {
    if dark { DARK.clone() } else { LIGHT.clone() }
}

/// The palette a style function draws with, from the theme iced hands it.
pub fn palette(theme: &Theme) -> &'static Palette {
    if theme.extended_palette().is_dark {
        &palette::DARK
    } else {
        &palette::LIGHT
    }
}

fn iced_palette(p: &Palette) -> iced::theme::Palette {
    iced::theme::Palette {
        background: p.background,
        text: p.text,
        primary: p.primary,
        success: p.success.text,
        warning: p.warning.text,
        danger: p.danger,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG relative luminance.
    fn luminance(c: iced::Color) -> f32 {
        let lin = |v: f32| {
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
    }

    fn contrast(a: iced::Color, b: iced::Color) -> f32 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn each_theme_hands_its_own_palette_to_the_styles() {
        assert_eq!(palette(&iced_theme(true)), &palette::DARK);
        assert_eq!(palette(&iced_theme(false)), &palette::LIGHT);
    }

    /// The add form's kind cards: the pointer shows hover, and only the arrow keys (or a click)
    /// move the highlight. A highlight that followed the pointer would be lost to a stray move.
    #[test]
    fn hover_shows_hover_and_leaves_the_kind_pickers_highlight_alone() {
        use iced::widget::button::Status;
        for dark in [false, true] {
            let t = iced_theme(dark);
            let (highlighted, other) = (styles::card_button(true), styles::card_button(false));
            let ring = highlighted(&t, Status::Active).border;
            assert_eq!(highlighted(&t, Status::Hovered), highlighted(&t, Status::Active));
            let hovered = other(&t, Status::Hovered);
            assert_ne!(hovered.border, ring, "a hovered card wears the highlight's ring");
            assert_eq!(
                hovered.background,
                Some(iced::Background::Color(palette(&t).surface_hover))
            );
            assert_ne!(hovered, other(&t, Status::Active), "hover shows nothing");
        }
    }

    #[test]
    fn text_reads_on_every_surface_in_both_themes() {
        for p in [&palette::LIGHT, &palette::DARK] {
            for bg in [p.background, p.surface, p.surface_hover, p.selected] {
                assert!(contrast(p.text, bg) >= 7.0, "text on {bg:?}");
                assert!(contrast(p.muted, bg) >= 4.5, "muted text on {bg:?}");
            }
            for t in [p.success, p.warning, p.error, p.neutral, p.accent]
                .iter()
                .chain(&p.kinds)
            {
                assert!(contrast(t.text, t.fill) >= 4.5, "chip {t:?}");
            }
            assert!(contrast(p.on_primary, p.primary) >= 3.0);
            assert!(contrast(p.on_primary, p.danger) >= 3.0);
        }
    }
}
