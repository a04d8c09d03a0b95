//! macOS and Windows: the tray lives on the main thread, next to the window event loop that
//! iced runs there, and may only be created once that loop runs. So `spawn` only keeps the
//! first menu; the icon appears on the first `show`, which the app calls from its update
//! (inside the running loop) as soon as it has loaded the sessions.

use std::cell::RefCell;

use tray_icon::{TrayIcon, TrayIconBuilder};

use super::menu_model::MenuModel;
use super::{apply, build_menu, icon};

thread_local! {
    static TRAY: RefCell<Option<(TrayIcon, MenuModel)>> = const { RefCell::new(None) };
}

pub struct Handle;

impl Handle {
    #[allow(clippy::unnecessary_wraps)] // the GTK thread's signature: that one can fail
    pub fn spawn(_initial: MenuModel) -> Result<Handle, String> {
        Ok(Handle)
    }

    pub fn show(&self, model: MenuModel) {
        TRAY.with(|t| {
            let mut t = t.borrow_mut();
            match t.as_mut() {
                None => match create(&model) {
                    Ok(tray) => *t = Some((tray, model)),
                    Err(e) => tracing::error!(error = %e, "cannot show the tray icon"),
                },
                Some((tray, shown)) => apply(tray, shown, model),
            }
        });
    }

    pub fn shutdown(&self) {
        TRAY.with(|t| t.borrow_mut().take());
    }
}

fn create(model: &MenuModel) -> Result<TrayIcon, String> {
    let menu = build_menu(model).map_err(|e| format!("cannot build the tray menu: {e}"))?;
    TrayIconBuilder::new()
        .with_tooltip(&model.tooltip)
        .with_icon(icon(model.icon))
        .with_menu(Box::new(menu))
        .build()
        .map_err(|e| format!("cannot show the tray icon: {e}"))
}
