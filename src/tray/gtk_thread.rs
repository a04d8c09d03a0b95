//! Linux: the tray on its own thread running the GTK main loop. Updates cross over with
//! `MainContext::invoke`, so the GTK thread sleeps until there is work (no polling).

use std::cell::RefCell;

use gtk::glib;
use tray_icon::{TrayIcon, TrayIconBuilder};

use super::menu_model::MenuModel;
use super::{apply, build_menu, icon};

thread_local! {
    static TRAY: RefCell<Option<(TrayIcon, MenuModel)>> = const { RefCell::new(None) };
}

pub struct Handle;

impl Handle {
    pub fn spawn(initial: MenuModel) -> Result<Handle, String> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("tray-gtk".into())
            .spawn(move || {
                if let Err(e) = gtk::init() {
                    let _ = ready_tx.send(Err(format!(
                        "cannot start GTK for the tray icon: {e} (is DISPLAY set?)"
                    )));
                    return;
                }
                match create(&initial) {
                    Ok(tray) => {
                        TRAY.with(|t| *t.borrow_mut() = Some((tray, initial)));
                        let _ = ready_tx.send(Ok(()));
                        gtk::main();
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(|e| format!("cannot start the tray thread: {e}"))?;
        ready_rx
            .recv()
            .map_err(|_| "the tray thread stopped while starting".to_owned())??;
        Ok(Handle)
    }

    pub fn show(&self, model: MenuModel) {
        glib::MainContext::default().invoke(move || {
            TRAY.with(|t| {
                if let Some((tray, shown)) = t.borrow_mut().as_mut() {
                    apply(tray, shown, model);
                }
            });
        });
    }

    pub fn shutdown(&self) {
        glib::MainContext::default().invoke(|| {
            TRAY.with(|t| t.borrow_mut().take());
            gtk::main_quit();
        });
    }
}

fn create(model: &MenuModel) -> Result<TrayIcon, String> {
    let menu = build_menu(model).map_err(|e| format!("cannot build the tray menu: {e}"))?;
    TrayIconBuilder::new()
        .with_id("keyhop")
        .with_title("keyhop")
        .with_tooltip(&model.tooltip)
        .with_icon(icon(model.icon))
        .with_menu(Box::new(menu))
        .build()
        .map_err(|e| format!("cannot show the tray icon: {e}"))
}
