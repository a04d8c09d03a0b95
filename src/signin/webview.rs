//! The web view, the same on every platform: the IdP's page with keyhop's script, the page's
//! messages and navigations routed to the flow, the IdP's cookies kept in its store.

use std::rc::Rc;

use wry::{WebContext, WebViewBuilder};

use crate::flow::{Action, Flow};

/// A builder for the web view; `act` carries out what the flow decides (show, quit) on the
/// platform's window.
pub fn builder<'a>(
    context: &'a mut WebContext,
    flow: &Rc<Flow>,
    act: impl Fn(Action) + Clone + 'static,
) -> WebViewBuilder<'a> {
    let (on_message, on_navigation) = (Rc::clone(flow), Rc::clone(flow));
    let act_nav = act.clone();
    WebViewBuilder::new_with_web_context(context)
        .with_url(flow.idp_url.as_str())
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

/// The IdP's persistent cookie store.
pub fn context(flow: &Flow) -> WebContext {
    WebContext::new(Some(flow.cookie_dir.clone()))
}
