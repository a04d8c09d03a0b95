//! The tray's side of the refresh scheduler: one timer to the next deadline (at most a minute
//! away while sessions are active, so a suspend or clock change is caught), and what to do
//! with each deadline when it comes.

use std::collections::HashMap;

use iced::Task;
use iced::futures::{Stream, stream};
use keyhop_core::schedule::{self, Action};
use time::OffsetDateTime;

use super::{App, Message, Op};
use crate::present::Attention;
use crate::tray::menu_model;

/// What identifies the timer to the next wake: the wake rounded *up* to a whole second, and how
/// many ticks came before it. iced never restarts a subscription whose identity it already
/// has, even one whose stream has ended: a timer that fired in the second before a deadline
/// (the wake rounded down) found nothing due, asked for the same second again and never fired
/// again, until some other event came (a background refresh was missed that way). Rounded up,
/// it fires at or after the deadline; counted, every tick arms a new timer.
pub fn timer_key(wake: OffsetDateTime, ticks: u64) -> (i64, u64) {
    let second = wake.unix_timestamp() + i64::from(wake.nanosecond() > 0);
    (second, ticks)
}

/// Sleeps until the unix time of the key (`timer_key`), then ticks once. A new key replaces
/// the subscription (and drops this sleep).
pub fn timer(key: &(i64, u64)) -> impl Stream<Item = Message> + use<> {
    let wait = (key.0 - OffsetDateTime::now_utc().unix_timestamp())
        .max(0)
        .cast_unsigned();
    stream::once(async move {
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        Message::Tick
    })
}

impl App {
    fn deadlines(&self) -> Vec<schedule::Deadline> {
        let Some(snap) = &self.snapshot else { return vec![] };
        schedule::deadlines(
            &snap.state.sessions,
            |s| snap.mfa_due.get(&s.id).copied(),
            self.refreshes.backoff(),
            self.settings.timing(),
        )
    }

    /// Recomputes the menu and the next wake-up from the current snapshot.
    pub(super) fn reschedule(&mut self) {
        self.menu_stale = false;
        let now = OffsetDateTime::now_utc();
        let all = self.deadlines();
        // Handled deadlines of past expirations can go.
        self.handled.retain(|h| all.contains(h));
        let any_active = self.sessions().iter().any(keyhop_core::SessionView::is_active);
        // Busy sessions' deadlines wait for the reload that follows their operation; waking for
        // them now would only spin.
        let waiting: Vec<schedule::Deadline> = all
            .iter()
            .filter(|d| !self.busy.contains(&d.session))
            .cloned()
            .collect();
        self.next_wake = any_active.then(|| schedule::next_wake(&waiting, &self.handled, now));
        let built = std::time::Instant::now();
        let model = menu_model::build(self.sessions(), &self.shown_attention(), self.busy.ids(), now);
        tracing::debug!(
            sessions = self.sessions().len(),
            micros = built.elapsed().as_micros(),
            "menu model built"
        );
        self.desktop.show_menu(model);
    }

    pub(super) fn tick(&mut self) -> Task<Message> {
        self.ticks += 1;
        let now = OffsetDateTime::now_utc();
        let all = self.deadlines();
        let due: Vec<schedule::Deadline> = schedule::due(&all, &self.handled, now).into_iter().cloned().collect();
        let aliases: HashMap<keyhop_core::session::SessionId, String> = self
            .sessions()
            .iter()
            .map(|s| (s.id.clone(), s.alias.to_string()))
            .collect();
        let mut tasks = vec![];
        for d in due {
            // A session busy with a start, stop or refresh keeps its deadline for when that
            // ends (the reload after it reschedules): an expiry is never lost to a busy click.
            if self.busy.contains(&d.session) {
                continue;
            }
            self.handled.push(d.clone());
            let id = d.session.clone();
            let Some(alias) = aliases.get(&id).cloned() else {
                continue;
            };
            match d.action {
                Action::Refresh => tasks.push(self.run_op(id, alias, Op::Refresh)),
                Action::WarnMfa => {
                    self.attention.set(&id, Attention::MfaDue);
                    let left = crate::present::remaining(d.expiration - now);
                    self.desktop
                        .notify(crate::notify::catalogue::mfa_soon(&alias, &left, &id));
                }
                Action::Expired => {
                    self.desktop.notify(crate::notify::catalogue::expired(&alias));
                    self.attention.clear(&id);
                    tasks.push(self.run_op(id, alias, Op::Stop));
                }
            }
        }
        self.reschedule();
        Task::batch(tasks)
    }
}
