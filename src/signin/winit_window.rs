//! The sign-in window on macOS (WKWebView) and Windows (WebView2): a winit window, hidden until
//! the page wants input. The web view's callbacks reach the event loop through its proxy.

use std::rc::Rc;
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::window::{Window, WindowId};

use crate::flow::{Action, Flow};

struct SignIn {
    flow: Rc<Flow>,
    proxy: EventLoopProxy<Action>,
    deadline: Instant,
    error: Option<String>,
    // Dropped in this order: the web view before its window and its context.
    webview: Option<wry::WebView>,
    window: Option<Window>,
    context: wry::WebContext,
}

pub fn run(flow: &Rc<Flow>) -> Result<(), String> {
    let event_loop = EventLoop::<Action>::with_user_event()
        .build()
        .map_err(|e| format!("cannot open a window: {e}"))?;
    let mut app = SignIn {
        flow: Rc::clone(flow),
        proxy: event_loop.create_proxy(),
        deadline: Instant::now() + Duration::from_secs(flow.timeout_secs),
        error: None,
        webview: None,
        window: None,
        context: crate::webview::context(flow),
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| format!("the window failed: {e}"))?;
    if let Some(webview) = &app.webview {
        crate::webview::finish(webview, flow);
    }
    app.error.map_or(Ok(()), Err)
}

impl SignIn {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<(), String> {
        let attributes = Window::default_attributes()
            .with_title(self.flow.title())
            .with_inner_size(winit::dpi::LogicalSize::new(520.0, 720.0))
            .with_visible(false);
        let window = event_loop
            .create_window(attributes)
            .map_err(|e| format!("cannot open a window: {e}"))?;
        let proxy = self.proxy.clone();
        let act = move |action: Action| {
            // The loop is gone only when the sign-in is over already.
            let _ = proxy.send_event(action);
        };
        let webview = crate::webview::builder(&mut self.context, &self.flow, act)
            .build(&window)
            .map_err(|e| format!("cannot start the web view: {e}"))?;
        crate::webview::start(&webview, &self.flow)?;
        self.webview = Some(webview);
        self.window = Some(window);
        Ok(())
    }
}

impl ApplicationHandler<Action> for SignIn {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.window.is_none()
            && let Err(e) = self.open(event_loop)
        {
            self.error = Some(e);
            event_loop.exit();
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(self.deadline));
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        if matches!(event, WindowEvent::CloseRequested) {
            self.flow.on_close();
            event_loop.exit();
        }
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, action: Action) {
        match action {
            Action::Show => {
                if let Some(w) = &self.window {
                    w.set_visible(true);
                    w.focus_window();
                }
            }
            Action::Quit => event_loop.exit(),
            Action::Nothing => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        if !self.flow.is_over() && Instant::now() >= self.deadline {
            self.flow.on_timeout();
        }
        if self.flow.is_over() {
            event_loop.exit();
        }
    }
}
