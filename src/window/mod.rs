//! The iced windows, opened from the tray on demand; each frees its state when closed.
//! Each window's `update` is pure and returns an effect for the app to carry out.

pub mod form;
pub mod list;
pub mod mfa;
mod picker;
pub mod settings;
pub mod sso_form;
mod tab_focus;
pub mod theme;
mod widgets;

pub use form::view as form_view;

/// The desktop entry's basename (installers/linux).
#[cfg(target_os = "linux")]
pub const APP_ID: &str = "io.github.keyhop.keyhop";

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // a handful of windows at most; boxing buys nothing
pub enum Window {
    List(list::List),
    Form(form::Form),
    Mfa(mfa::Mfa),
    Settings(settings::SettingsForm),
}

impl Window {
    pub fn title(&self) -> String {
        match self {
            Window::List(_) => "keyhop".into(),
            // ASCII separators: X11 tools read the Latin-1 WM_NAME, where "·" turns to "Â·".
            Window::Form(f) if f.is_edit() => "keyhop - Edit session".into(),
            Window::Form(f) if f.choice() == Some(form::Choice::SsoConnection) => "keyhop - Add SSO connection".into(),
            Window::Form(_) => "keyhop - Add session".into(),
            Window::Mfa(m) => format!("keyhop - MFA code for {}", m.alias),
            Window::Settings(_) => "keyhop - Settings".into(),
        }
    }

    pub fn settings(&self) -> iced::window::Settings {
        use iced::{Size, window};
        let (size, min) = match self {
            // Wide enough for a row's names, chips, status and Start/Stop on one line.
            Window::List(_) => (Size::new(920.0, 640.0), Size::new(760.0, 360.0)),
            Window::Form(_) => (Size::new(560.0, 700.0), Size::new(440.0, 440.0)),
            Window::Mfa(_) => (Size::new(380.0, 230.0), Size::new(320.0, 200.0)),
            Window::Settings(_) => (Size::new(480.0, 560.0), Size::new(400.0, 420.0)),
        };
        let icon = crate::tray::icons::window_icon();
        window::Settings {
            size,
            min_size: Some(min),
            resizable: !matches!(self, Window::Mfa(_)),
            level: if matches!(self, Window::Mfa(_)) {
                window::Level::AlwaysOnTop
            } else {
                window::Level::Normal
            },
            icon: window::icon::from_rgba(icon.pixels, icon.width, icon.height).ok(),
            exit_on_close_request: true,
            // WM_CLASS / Wayland app id = the .desktop file's name, so docks group the windows.
            #[cfg(target_os = "linux")]
            platform_specific: window::settings::PlatformSpecific {
                application_id: APP_ID.into(),
                override_redirect: false,
            },
            // No window takes dropped files. winit registers an OLE drop target for each
            // window and panics, taking the tray down, when that fails (seen under Wine under
            // load: RegisterDragDrop answered E_NOINTERFACE to 3 of a run's 5 trays).
            #[cfg(windows)]
            platform_specific: window::settings::PlatformSpecific {
                drag_and_drop: false,
                ..Default::default()
            },
            ..window::Settings::default()
        }
    }
}
