//! What the app tracks per session: which have an operation in flight, which need the user
//! (and why), and which background refreshes keep failing (the retry backoff). Each keyed by
//! `SessionId`, each with its own rules, tested here without the app.

use std::collections::HashMap;

use keyhop_core::schedule;
use keyhop_core::session::SessionId;
use keyhop_core::sso::ConnectionId;
use time::OffsetDateTime;

use crate::present::Attention;

/// Sessions with an engine operation (start, stop, refresh) in flight.
#[derive(Debug, Default)]
pub struct Busy(Vec<SessionId>);

impl Busy {
    /// Marks `id` busy. False when it already is: the operation must not run twice.
    pub fn claim(&mut self, id: &SessionId) -> bool {
        if self.0.contains(id) {
            return false;
        }
        self.0.push(id.clone());
        true
    }
    pub fn release(&mut self, id: &SessionId) {
        self.0.retain(|b| b != id);
    }
    pub fn contains(&self, id: &SessionId) -> bool {
        self.0.contains(id)
    }
    pub fn ids(&self) -> &[SessionId] {
        &self.0
    }
}

/// Why sessions need the user, as the app found it (an MFA code due, a failed refresh, a
/// sign-in a refresh needed).
#[derive(Debug, Default)]
pub struct Attentions(HashMap<SessionId, Attention>);

impl Attentions {
    pub fn set(&mut self, id: &SessionId, why: Attention) {
        self.0.insert(id.clone(), why);
    }
    pub fn clear(&mut self, id: &SessionId) {
        self.0.remove(id);
    }
    #[cfg(test)]
    pub fn get(&self, id: &SessionId) -> Option<&Attention> {
        self.0.get(id)
    }
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `c` is signed in again: its sessions need nothing more for it.
    pub fn signed_in(&mut self, c: &ConnectionId) {
        self.0.retain(|_, a| !matches!(a, Attention::SignInNeeded(x) if x == c));
    }
    /// Attention belongs to running sessions; one stopped elsewhere needs none.
    pub fn keep_only(&mut self, active: &[SessionId]) {
        self.0.retain(|id, _| active.contains(id));
    }
    /// What the menu and the list show: these, plus a sign-in for every session (of
    /// `sessions_of`: session and its connection) whose connection is in `signed_out`.
    pub fn shown<'a>(
        &self,
        sessions_of: impl Iterator<Item = (&'a SessionId, &'a ConnectionId)>,
        signed_out: &[&ConnectionId],
    ) -> HashMap<SessionId, Attention> {
        let mut shown = self.0.clone();
        for (id, c) in sessions_of.filter(|(_, c)| signed_out.contains(c)) {
            shown
                .entry(id.clone())
                .or_insert_with(|| Attention::SignInNeeded(c.clone()));
        }
        shown
    }
}

/// Background refreshes that failed, per session: when to retry (the backoff the scheduler
/// reads), and whether the user was told of this run of failures yet.
#[derive(Debug, Default)]
pub struct Refreshes(HashMap<SessionId, schedule::RefreshFailure>);

impl Refreshes {
    /// Records a failed refresh of `id`. True when it starts a run of failures: tell once,
    /// not on every retry.
    pub fn failed(&mut self, id: &SessionId, now: OffsetDateTime) -> bool {
        let prev = self.0.get(id).copied();
        self.0.insert(id.clone(), schedule::RefreshFailure::next(prev, now));
        prev.is_none()
    }
    /// It worked again: the next failure is news.
    pub fn succeeded(&mut self, id: &SessionId) {
        self.0.remove(id);
    }
    pub fn keep_only(&mut self, active: &[SessionId]) {
        self.0.retain(|id, _| active.contains(id));
    }
    pub fn backoff(&self) -> &HashMap<SessionId, schedule::RefreshFailure> {
        &self.0
    }
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_session_cannot_be_claimed_twice() {
        let (a, b) = (SessionId::from_string("a"), SessionId::from_string("b"));
        let mut busy = Busy::default();
        assert!(busy.claim(&a));
        assert!(!busy.claim(&a));
        assert!(busy.claim(&b));
        busy.release(&a);
        assert_eq!(busy.ids(), [b]);
        assert!(busy.claim(&a), "free again once released");
    }

    #[test]
    fn a_run_of_refresh_failures_is_news_once_and_backs_off() {
        let id = SessionId::from_string("a");
        let now = OffsetDateTime::now_utc();
        let mut r = Refreshes::default();
        assert!(r.failed(&id, now));
        let first = r.backoff()[&id];
        assert!(!r.failed(&id, now), "a retry that fails again is not news");
        assert!(r.backoff()[&id].retry_at > first.retry_at, "and waits longer");
        r.succeeded(&id);
        assert!(r.is_empty());
        assert!(r.failed(&id, now), "a later failure is news again");
        r.keep_only(&[]);
        assert!(r.is_empty(), "a stopped session retries nothing");
    }

    #[test]
    fn sessions_of_a_signed_out_connection_show_a_sign_in_until_it_is_signed_in() {
        let (a, b) = (SessionId::from_string("a"), SessionId::from_string("b"));
        let (corp, other) = (
            ConnectionId::from_string("sso-corp"),
            ConnectionId::from_string("sso-x"),
        );
        let mut att = Attentions::default();
        att.set(&a, Attention::MfaDue);
        let links = [(a.clone(), corp.clone()), (b.clone(), corp.clone())];
        let shown = att.shown(links.iter().map(|(s, c)| (s, c)), &[&corp]);
        assert_eq!(shown[&a], Attention::MfaDue, "what the app found comes first");
        assert_eq!(shown[&b], Attention::SignInNeeded(corp.clone()));
        let other_out = att.shown(links.iter().map(|(s, c)| (s, c)), &[&other]);
        assert!(!other_out.contains_key(&b), "only the signed-out connection's sessions");

        att.set(&b, Attention::SignInNeeded(corp.clone()));
        att.signed_in(&other);
        assert!(att.get(&b).is_some(), "another connection's sign-in changes nothing");
        att.signed_in(&corp);
        assert_eq!(att.get(&b), None);
        att.keep_only(&[]);
        assert!(att.is_empty());
    }
}
