//! The web view, the same on every platform: the IdP's page with keyhop's script, the page's
//! messages and navigations routed to the flow, the IdP's cookies kept in its store (its
//! session cookies too: `session_cookies`).

use std::rc::Rc;

use wry::{WebContext, WebView, WebViewBuilder};

use crate::flow::{Action, Flow};
use crate::session_cookies;

/// A builder for the web view; `act` carries out what the flow decides (show, quit) on the
/// platform's window. It loads nothing: `start` does, once the saved cookies are back.
pub fn builder<'a>(
    context: &'a mut WebContext,
    flow: &Rc<Flow>,
    act: impl Fn(Action) + Clone + 'static,
) -> WebViewBuilder<'a> {
    let (on_message, on_navigation) = (Rc::clone(flow), Rc::clone(flow));
    let act_nav = act.clone();
    WebViewBuilder::new_with_web_context(context)
        .with_initialization_script(Flow::script())
        .with_ipc_handler(move |request| act(on_message.on_message(request.body())))
        .with_navigation_handler(move |url| {
            let allowed = on_navigation.allow_navigation(&url);
            if !allowed {
                act_nav(Action::Quit);
            }
            allowed
        })
        // Links that open a new window (an IdP's "help" page) have nowhere to go.
        .with_new_window_req_handler(|_, _| wry::NewWindowResponse::Deny)
}

/// Restores the IdP's session cookies, then opens its sign-in page.
pub fn start(webview: &WebView, flow: &Flow) -> Result<(), String> {
    session_cookies::restore(webview, &flow.cookie_dir);
    webview
        .load_url(&flow.idp_url)
        .map_err(|e| format!("cannot open the IdP's page: {e}"))
}

/// After the loop: an assertion means the IdP's session is good, so its cookies are kept.
pub fn finish(webview: &WebView, flow: &Flow) {
    if flow.has_captured() {
        session_cookies::save(webview, &flow.cookie_dir);
    }
}

/// The IdP's persistent cookie store.
pub fn context(flow: &Flow) -> WebContext {
    WebContext::new(Some(flow.cookie_dir.clone()))
}
