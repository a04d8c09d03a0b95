//! macOS and Windows: the tray lives on the main thread, next to the window event loop that
//! iced runs there. `spawn`, `show` and `shutdown` are called from the app's update, which runs
//! on that thread once the event loop is running.

use std::cell::RefCell;

use tray_icon::{TrayIcon, TrayIconBuilder};

use super::menu_model::MenuModel;
use super::{build_menu, icon};

thread_local! {
    static TRAY: RefCell<Option<(TrayIcon, MenuModel)>> = const { RefCell::new(None) };
}

pub struct Handle;

impl Handle {
    pub fn spawn(initial: MenuModel) -> Result<Handle, String> {
        let menu = build_menu(&initial).map_err(|e| format!("cannot build the tray menu: {e}"))?;
        let tray = TrayIconBuilder::new()
            .with_tooltip(&initial.tooltip)
            .with_icon(icon(initial.icon))
            .with_menu(Box::new(menu))
            .build()
            .map_err(|e| format!("cannot show the tray icon: {e}"))?;
        TRAY.with(|t| *t.borrow_mut() = Some((tray, initial)));
        Ok(Handle)
    }

    pub fn show(&self, model: MenuModel) {
        TRAY.with(|t| {
            if let Some((tray, shown)) = t.borrow_mut().as_mut() {
                if model.icon != shown.icon {
                    let _ = tray.set_icon(Some(icon(model.icon)));
                }
                if model.entries != shown.entries
                    && let Ok(menu) = build_menu(&model)
                {
                    tray.set_menu(Some(Box::new(menu)));
                }
                let _ = tray.set_tooltip(Some(&model.tooltip));
                *shown = model;
            }
        });
    }

    pub fn shutdown(&self) {
        TRAY.with(|t| t.borrow_mut().take());
    }
}
