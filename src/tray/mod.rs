//! The tray icon and its menu. The menu is rebuilt from a [`menu_model::MenuModel`] whenever the
//! app's state changes; clicks come back as [`TrayEvent`]s through a callback.
//! Linux: tray-icon needs a GTK main loop, so the tray lives on its own GTK thread. Elsewhere
//! (macOS, Windows) it must live on the main thread beside the window event loop.

pub mod icons;
pub mod menu_model;

#[cfg(target_os = "linux")]
mod gtk_thread;
#[cfg(target_os = "linux")]
use gtk_thread as platform;
#[cfg(not(target_os = "linux"))]
mod main_thread;
#[cfg(not(target_os = "linux"))]
use main_thread as platform;

use menu_model::{CONSOLE_ID_PREFIX, Entry, IconState, MORE_ID_PREFIX, MenuAction, MenuModel, SESSION_ID_PREFIX};
use tray_icon::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayEvent {
    /// A session's line was clicked: start it, or stop it if it is active.
    Session(keyhop_core::session::SessionId),
    /// "Open console" of an active session.
    Console(keyhop_core::session::SessionId),
    Action(MenuAction),
}

pub struct Tray {
    handle: platform::Handle,
}

impl Tray {
    /// Shows the icon. Fails with a readable reason when there is no display or tray host.
    pub fn spawn(initial: MenuModel, on_event: impl Fn(TrayEvent) + Send + Sync + 'static) -> Result<Tray, String> {
        tray_icon::menu::MenuEvent::set_event_handler(Some(move |e: tray_icon::menu::MenuEvent| {
            if let Some(ev) = parse_event(e.id.as_ref()) {
                on_event(ev);
            }
        }));
        Ok(Tray {
            handle: platform::Handle::spawn(initial)?,
        })
    }

    pub fn show(&self, model: MenuModel) {
        self.handle.show(model);
    }

    pub fn shutdown(&self) {
        self.handle.shutdown();
    }
}

fn parse_event(id: &str) -> Option<TrayEvent> {
    use keyhop_core::session::SessionId;
    if let Some(session) = id.strip_prefix(SESSION_ID_PREFIX) {
        return Some(TrayEvent::Session(SessionId::from_string(session)));
    }
    if let Some(session) = id.strip_prefix(CONSOLE_ID_PREFIX) {
        return Some(TrayEvent::Console(SessionId::from_string(session)));
    }
    // The sessions a long submenu leaves out are in the session list.
    if id.starts_with(MORE_ID_PREFIX) {
        return Some(TrayEvent::Action(MenuAction::OpenWindow));
    }
    MenuAction::from_id(id).map(TrayEvent::Action)
}

/// `&` marks a mnemonic in menu labels on every platform; a literal one is written `&&`.
fn menu_text(label: &str) -> String {
    label.replace('&', "&&")
}

fn build_menu(model: &MenuModel) -> Result<Menu, tray_icon::menu::Error> {
    let menu = Menu::new();
    for entry in &model.entries {
        match entry {
            Entry::Submenu { label, entries } => menu.append(&submenu(label, entries)?)?,
            other => menu.append(item(other).as_ref())?,
        }
    }
    Ok(menu)
}

fn submenu(label: &str, entries: &[Entry]) -> Result<Submenu, tray_icon::menu::Error> {
    let sub = Submenu::new(menu_text(label), true);
    for entry in entries {
        match entry {
            Entry::Submenu { label, entries } => sub.append(&submenu(label, entries)?)?,
            other => sub.append(item(other).as_ref())?,
        }
    }
    Ok(sub)
}

/// A menu line that is not a submenu.
fn item(entry: &Entry) -> Box<dyn tray_icon::menu::IsMenuItem> {
    match entry {
        Entry::Session(s) => Box::new(MenuItem::with_id(
            format!("{SESSION_ID_PREFIX}{}", s.session_id),
            menu_text(&s.label),
            s.enabled,
            None,
        )),
        Entry::Console(s) => Box::new(MenuItem::with_id(
            format!("{CONSOLE_ID_PREFIX}{}", s.session_id),
            menu_text(&s.label),
            s.enabled,
            None,
        )),
        Entry::More { group, hidden } => Box::new(MenuItem::with_id(
            format!("{MORE_ID_PREFIX}{group}"),
            menu_text(&menu_model::more_label(*hidden)),
            true,
            None,
        )),
        Entry::Separator => Box::new(PredefinedMenuItem::separator()),
        Entry::Action(a) => Box::new(MenuItem::with_id(a.id(), a.label(), true, None)),
        Entry::Submenu { .. } => unreachable!("submenus are built by `submenu`"),
    }
}

/// Brings a shown tray up to `model`, touching only what changed (a menu rebuild closes an
/// open menu, so it is skipped when the entries are the same).
fn apply(tray: &tray_icon::TrayIcon, shown: &mut MenuModel, model: MenuModel) {
    if model.icon != shown.icon {
        let _ = tray.set_icon(Some(icon(model.icon)));
    }
    if model.tooltip != shown.tooltip {
        let _ = tray.set_tooltip(Some(&model.tooltip));
    }
    if model.entries != shown.entries {
        let started = std::time::Instant::now();
        match build_menu(&model) {
            Ok(menu) => {
                tray.set_menu(Some(Box::new(menu)));
                // The old menu was just destroyed: its lines' memory goes back to the system.
                crate::heap::trim();
            }
            Err(e) => tracing::warn!(error = %e, "cannot rebuild the tray menu"),
        }
        tracing::debug!(micros = started.elapsed().as_micros(), "native tray menu rebuilt");
    }
    *shown = model;
}

fn icon(state: IconState) -> tray_icon::Icon {
    let i = icons::rgba(state);
    tray_icon::Icon::from_rgba(i.pixels, i.width, i.height).expect("the embedded icons have consistent sizes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_ids_map_back_to_events() {
        assert_eq!(
            parse_event("session:abc"),
            Some(TrayEvent::Session(keyhop_core::session::SessionId::from_string("abc")))
        );
        assert_eq!(
            parse_event("console:abc"),
            Some(TrayEvent::Console(keyhop_core::session::SessionId::from_string("abc")))
        );
        assert_eq!(parse_event("action:quit"), Some(TrayEvent::Action(MenuAction::Quit)));
        assert_eq!(
            parse_event("more:Chained roles"),
            Some(TrayEvent::Action(MenuAction::OpenWindow))
        );
        assert_eq!(parse_event("nonsense"), None);
        assert_eq!(menu_text("R&D"), "R&&D");
    }
}
