//! What the app does to the desktop outside its own windows: the tray's menu and icon, and
//! notifications. Behind a trait so that tests drive `App::update` with messages and read what
//! it showed (app/tests.rs), with no display, tray host or notification server.

use crate::external::Events;
use crate::notify::Note;
use crate::tray::Tray;
use crate::tray::menu_model::MenuModel;

pub trait Desktop {
    /// The tray shows `model`: its menu, icon and tooltip.
    fn show_menu(&self, model: MenuModel);
    /// A notification (fire and forget).
    fn notify(&self, note: Note);
    /// The tray icon goes away: the app quits.
    fn shutdown(&self);
}

/// The real one: the tray icon and the platform's notifications.
pub struct Native {
    pub tray: Tray,
    /// Where a notification's button reports its click.
    pub events: Events,
}

impl Desktop for Native {
    fn show_menu(&self, model: MenuModel) {
        self.tray.show(model);
    }
    fn notify(&self, note: Note) {
        crate::notify::show(note, &self.events);
    }
    fn shutdown(&self) {
        self.tray.shutdown();
    }
}
