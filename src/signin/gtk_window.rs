//! The sign-in window on Linux: a GTK window holding WebKitGTK, hidden until the page wants
//! input.

use std::rc::Rc;
use std::time::Duration;

use gtk::prelude::*;
use wry::WebViewBuilderExtUnix;

use crate::flow::{Action, Flow};

pub fn run(flow: &Rc<Flow>) -> Result<(), String> {
    gtk::init().map_err(|e| format!("cannot open a window: {e}"))?;
    let window = gtk::Window::new(gtk::WindowType::Toplevel);
    window.set_title(&flow.title());
    window.set_default_size(520, 720);
    window.set_position(gtk::WindowPosition::Center);
    let shown = window.clone();
    let act = move |action: Action| match action {
        Action::Show => shown.show_all(),
        Action::Quit => gtk::main_quit(),
        Action::Nothing => {}
    };
    let mut context = crate::webview::context(flow);
    let webview = crate::webview::builder(&mut context, flow, act.clone())
        .build_gtk(&window)
        .map_err(|e| format!("cannot start the web view: {e}"))?;
    crate::webview::start(&webview, flow)?;
    let closed = Rc::clone(flow);
    let act_close = act.clone();
    window.connect_delete_event(move |_, _| {
        act_close(closed.on_close());
        gtk::glib::Propagation::Proceed
    });
    let late = Rc::clone(flow);
    gtk::glib::timeout_add_local_once(Duration::from_secs(flow.timeout_secs), move || {
        act(late.on_timeout());
    });
    if !flow.is_over() {
        gtk::main();
    }
    crate::webview::finish(&webview, flow);
    Ok(())
}
