//! The two palettes: every colour the windows use, named for its role.
// Colours are written as in CSS (#RRGGBB), which reads better without separators.
#![allow(clippy::unreadable_literal)]

use iced::Color;

/// One tone of a chip or banner: its fill and the text on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tone {
    pub fill: Color,
    pub text: Color,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    /// The window behind everything.
    pub background: Color,
    /// Cards and rows on it.
    pub surface: Color,
    /// A hovered row or menu item, a secondary button.
    pub surface_hover: Color,
    /// The selected row.
    pub selected: Color,
    pub border: Color,
    pub text: Color,
    /// Secondary lines: descriptions, hints, placeholders.
    pub muted: Color,
    pub primary: Color,
    pub primary_hover: Color,
    /// Text on `primary` (and on `danger` buttons).
    pub on_primary: Color,
    pub danger: Color,
    pub danger_hover: Color,
    /// Keyboard focus: the ring around the focused row or input.
    pub focus: Color,
    pub success: Tone,
    pub warning: Tone,
    pub error: Tone,
    pub neutral: Tone,
    pub accent: Tone,
    /// The kind badges: IAM user, role chained, IAM Identity Center, SAML.
    pub kinds: [Tone; 4],
}

const fn rgb(hex: u32) -> Color {
    // Exact: each channel is a u8 divided by 255.
    #[allow(clippy::cast_precision_loss)]
    Color::from_rgb(
        ((hex >> 16) & 0xff) as f32 / 255.0,
        ((hex >> 8) & 0xff) as f32 / 255.0,
        (hex & 0xff) as f32 / 255.0,
    )
}

const fn tone(fill: u32, text: u32) -> Tone {
    Tone {
        fill: rgb(fill),
        text: rgb(text),
    }
}

pub const LIGHT: Palette = Palette {
    background: rgb(0xF4F5F7),
    surface: rgb(0xFFFFFF),
    surface_hover: rgb(0xEEF0F3),
    selected: rgb(0xE6EEFD),
    border: rgb(0xDADEE4),
    text: rgb(0x1F2328),
    muted: rgb(0x5B6470),
    primary: rgb(0x2563EB),
    primary_hover: rgb(0x1D4ED8),
    on_primary: rgb(0xFFFFFF),
    danger: rgb(0xDC2626),
    danger_hover: rgb(0xB91C1C),
    focus: rgb(0x2563EB),
    success: tone(0xDCFCE7, 0x166534),
    warning: tone(0xFEF3C7, 0x92400E),
    error: tone(0xFEE2E2, 0x991B1B),
    neutral: tone(0xECEEF1, 0x4B5563),
    accent: tone(0xE0E7FF, 0x3730A3),
    kinds: [
        tone(0xDBEAFE, 0x1E40AF),
        tone(0xEDE9FE, 0x5B21B6),
        tone(0xFFEDD5, 0x9A3412),
        tone(0xCCFBF1, 0x115E59),
    ],
};

pub const DARK: Palette = Palette {
    background: rgb(0x15171C),
    surface: rgb(0x1E2128),
    surface_hover: rgb(0x292D35),
    selected: rgb(0x1E3054),
    border: rgb(0x343944),
    text: rgb(0xE7E9EC),
    muted: rgb(0x9BA4AF),
    primary: rgb(0x3B82F6),
    primary_hover: rgb(0x60A5FA),
    on_primary: rgb(0xFFFFFF),
    danger: rgb(0xDC2626),
    danger_hover: rgb(0xEF4444),
    focus: rgb(0x60A5FA),
    success: tone(0x143D26, 0x86EFAC),
    warning: tone(0x422C0A, 0xFCD34D),
    error: tone(0x4A1616, 0xFCA5A5),
    neutral: tone(0x2A2E36, 0xC3C9D1),
    accent: tone(0x262D52, 0xC7D2FE),
    kinds: [
        tone(0x1E3A5F, 0xBFDBFE),
        tone(0x35285A, 0xDDD6FE),
        tone(0x4A2A12, 0xFED7AA),
        tone(0x123F3B, 0x99F6E4),
    ],
};
