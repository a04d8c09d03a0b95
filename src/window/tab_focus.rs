//! Keyboard focus that moves in the same pass as the key that moves it.
//!
//! iced has no Tab handling of its own: an app answers the key with a focus *task*, which runs
//! after the whole batch of events that held the Tab. Keys typed right behind the Tab share that
//! batch when the app is slow to wake (a loaded machine, a quick typist, xdotool), so they land in
//! the field being left: the form's flaky keyboard test. This wrapper moves the focus inside its
//! own `update`, before the next event of the batch reaches the fields, and so does the first
//! focus of a new step of a form (`step` changes: the first field is focused on the next event,
//! before that event is handled). The session list's `/` and Ctrl+F focus its search box the
//! same way (`search_focus`): as a task, the text typed right behind the `/` went nowhere.

use iced::advanced::layout::{self, Layout};
use iced::advanced::widget::operation::{self, Focusable, Operation, Outcome};
use iced::advanced::widget::{Id, Tree, tree};
use iced::advanced::{Clipboard, Shell, Widget, overlay, renderer};
use iced::keyboard::{self, Key, key::Named};
use iced::{Element, Event, Length, Rectangle, Size, Vector, mouse};

/// `content` with Tab / Shift+Tab moving the focus at once, and its first field focused whenever
/// `step` differs from the step it last focused.
pub fn tab_focus<'a, Message: 'a>(content: impl Into<Element<'a, Message>>, step: u64) -> Element<'a, Message> {
    Element::new(TabFocus {
        content: content.into(),
        step: Some(step),
        search: None,
    })
}

/// `content` with Tab / Shift+Tab moving the focus at once, and `/` or Ctrl+F focusing the
/// widget `search` at once when no widget took the key (in the search box `/` is text) and
/// `enabled` (no menu or confirmation floats over the page).
pub fn search_focus<'a, Message: 'a>(
    content: impl Into<Element<'a, Message>>,
    search: &'static str,
    enabled: bool,
) -> Element<'a, Message> {
    Element::new(TabFocus {
        content: content.into(),
        step: None,
        search: enabled.then_some(search),
    })
}

struct TabFocus<'a, Message> {
    content: Element<'a, Message>,
    /// The form's step, whose first field gets the focus (none: nothing is focused at first).
    step: Option<u64>,
    /// The widget `/` and Ctrl+F focus.
    search: Option<&'static str>,
}

/// `/` or Ctrl+F (Cmd+F on macOS).
fn is_search_key(event: &Event) -> bool {
    match event {
        Event::Keyboard(keyboard::Event::KeyPressed {
            key: Key::Character(c),
            modifiers,
            ..
        }) => c.as_str() == "/" || (modifiers.command() && c.as_str().eq_ignore_ascii_case("f")),
        _ => false,
    }
}

/// The step whose first field was focused.
#[derive(Default)]
struct Focused(Option<u64>);

/// Focuses the first focusable widget and unfocuses the others.
struct FocusFirst {
    seen: bool,
}

impl Operation for FocusFirst {
    fn focusable(&mut self, _id: Option<&Id>, _bounds: Rectangle, state: &mut dyn Focusable) {
        if self.seen {
            state.unfocus();
        } else {
            state.focus();
            self.seen = true;
        }
    }

    fn traverse(&mut self, operate: &mut dyn FnMut(&mut dyn Operation)) {
        operate(self);
    }
}

impl<Message> TabFocus<'_, Message> {
    /// Runs `op` (and the operations it chains to, as iced's runtime does) over the content.
    fn run(&mut self, tree: &mut Tree, layout: Layout<'_>, renderer: &iced::Renderer, op: Box<dyn Operation>) {
        let mut op = op;
        loop {
            self.content
                .as_widget_mut()
                .operate(&mut tree.children[0], layout, renderer, op.as_mut());
            match op.finish() {
                Outcome::Chain(next) => op = next,
                Outcome::None | Outcome::Some(()) => break,
            }
        }
    }
}

impl<Message> Widget<Message, iced::Theme, iced::Renderer> for TabFocus<'_, Message> {
    fn tag(&self) -> tree::Tag {
        tree::Tag::of::<Focused>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(Focused::default())
    }

    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn size(&self) -> Size<Length> {
        self.content.as_widget().size()
    }

    fn layout(&mut self, tree: &mut Tree, renderer: &iced::Renderer, limits: &layout::Limits) -> layout::Node {
        self.content
            .as_widget_mut()
            .layout(&mut tree.children[0], renderer, limits)
    }

    fn operate(&mut self, tree: &mut Tree, layout: Layout<'_>, renderer: &iced::Renderer, op: &mut dyn Operation) {
        self.content
            .as_widget_mut()
            .operate(&mut tree.children[0], layout, renderer, op);
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        renderer: &iced::Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        if self.step.is_some() && tree.state.downcast_ref::<Focused>().0 != self.step {
            tree.state.downcast_mut::<Focused>().0 = self.step;
            self.run(tree, layout, renderer, Box::new(FocusFirst { seen: false }));
            shell.request_redraw();
        }
        if let Event::Keyboard(keyboard::Event::KeyPressed {
            key: Key::Named(Named::Tab),
            modifiers,
            ..
        }) = event
        {
            let op: Box<dyn Operation> = if modifiers.shift() {
                Box::new(operation::focusable::focus_previous())
            } else {
                Box::new(operation::focusable::focus_next())
            };
            self.run(tree, layout, renderer, op);
            shell.capture_event();
            shell.request_redraw();
            return;
        }
        self.content.as_widget_mut().update(
            &mut tree.children[0],
            event,
            layout,
            cursor,
            renderer,
            clipboard,
            shell,
            viewport,
        );
        if let Some(search) = self.search
            && !shell.is_event_captured()
            && is_search_key(event)
        {
            let op: Box<dyn Operation> = Box::new(operation::focusable::focus(Id::new(search)));
            self.run(tree, layout, renderer, op);
            shell.capture_event();
            shell.request_redraw();
        }
    }

    fn mouse_interaction(
        &self,
        tree: &Tree,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
        renderer: &iced::Renderer,
    ) -> mouse::Interaction {
        self.content
            .as_widget()
            .mouse_interaction(&tree.children[0], layout, cursor, viewport, renderer)
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut iced::Renderer,
        theme: &iced::Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        self.content
            .as_widget()
            .draw(&tree.children[0], renderer, theme, style, layout, cursor, viewport);
    }

    fn overlay<'b>(
        &'b mut self,
        tree: &'b mut Tree,
        layout: Layout<'b>,
        renderer: &iced::Renderer,
        viewport: &Rectangle,
        translation: Vector,
    ) -> Option<overlay::Element<'b, Message, iced::Theme, iced::Renderer>> {
        self.content
            .as_widget_mut()
            .overlay(&mut tree.children[0], layout, renderer, viewport, translation)
    }
}
