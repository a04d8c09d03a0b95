//! When the app hands freed heap back (`crate::heap`): after the last window closed (its
//! surfaces and caches) and after a load with no window open (the parsed state and views).

use std::time::Duration;

use iced::Task;

use super::Message;

/// A trim `after` from now, on a blocking thread. Once the last window closed, a second:
/// iced drops the window's surfaces and caches after the close event.
pub(super) fn give_back(after: Duration) -> Task<Message> {
    Task::perform(
        async move {
            if !after.is_zero() {
                tokio::time::sleep(after).await;
            }
            let _ = tokio::task::spawn_blocking(crate::heap::trim).await;
        },
        |()| Message::Redraw,
    )
}
