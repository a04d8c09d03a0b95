//! Browser sign-ins to IAM Identity Center connections, keyed by connection: which run (one
//! browser however many sessions wait), which sessions start once each ends, which connections
//! sync once signed in, and which have their "Sign in" notification out.

use std::collections::{HashMap, HashSet};

use keyhop_core::session::SessionId;
use keyhop_core::sso::ConnectionId;

#[derive(Debug, Default)]
pub struct SignIns {
    /// Connections with a sign-in under way, and the sessions to start after it.
    running: HashMap<ConnectionId, Vec<SessionId>>,
    /// Connections whose sessions should be synced once signed in (just added).
    sync_after: HashSet<ConnectionId>,
    /// Connections whose "Sign in" notification is out (one per run of failures).
    notified: HashSet<ConnectionId>,
}

impl SignIns {
    /// Queues `then_start` behind a sign-in to `c`. True when none runs yet: start one.
    pub fn begin(&mut self, c: &ConnectionId, then_start: Option<SessionId>) -> bool {
        let first = !self.running.contains_key(c);
        let queue = self.running.entry(c.clone()).or_default();
        if let Some(id) = then_start
            && !queue.contains(&id)
        {
            queue.push(id);
        }
        first
    }

    /// Sync `c`'s accounts and roles after its next sign-in that works.
    pub fn sync_after(&mut self, c: ConnectionId) {
        self.sync_after.insert(c);
    }

    /// A refresh found `c` signed out. True the first time since its last sign-in: tell once.
    pub fn first_notice(&mut self, c: &ConnectionId) -> bool {
        self.notified.insert(c.clone())
    }

    /// The sign-in to `c` ended (a later failure is news again): the sessions that waited.
    pub fn finished(&mut self, c: &ConnectionId) -> Vec<SessionId> {
        self.notified.remove(c);
        self.running.remove(c).unwrap_or_default()
    }

    /// After a sign-in that worked: whether `c` waits for its first sync (asked once).
    pub fn take_sync(&mut self, c: &ConnectionId) -> bool {
        self.sync_after.remove(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (ConnectionId, ConnectionId, SessionId, SessionId) {
        (
            ConnectionId::from_string("sso-a"),
            ConnectionId::from_string("sso-b"),
            SessionId::from_string("s1"),
            SessionId::from_string("s2"),
        )
    }

    #[test]
    fn one_sign_in_per_connection_starts_everything_that_waited_for_it() {
        let (a, b, s1, s2) = ids();
        let mut t = SignIns::default();
        assert!(t.begin(&a, Some(s1.clone())), "the first asks for the browser");
        assert!(!t.begin(&a, Some(s2.clone())), "the second waits for it");
        assert!(!t.begin(&a, Some(s1.clone())), "a session waits once");
        assert!(t.begin(&b, None), "another connection signs in on its own");
        assert_eq!(t.finished(&a), vec![s1.clone(), s2]);
        assert_eq!(t.finished(&b), vec![]);
        assert!(t.begin(&a, None), "a later sign-in opens the browser again");
    }

    #[test]
    fn a_signed_out_connection_is_told_once_until_its_next_sign_in() {
        let (a, b, ..) = ids();
        let mut t = SignIns::default();
        assert!(t.first_notice(&a));
        assert!(!t.first_notice(&a));
        assert!(t.first_notice(&b), "per connection");
        t.finished(&a);
        assert!(t.first_notice(&a), "news again after a sign-in");
    }

    #[test]
    fn a_new_connection_syncs_after_its_first_good_sign_in_only() {
        let (a, b, ..) = ids();
        let mut t = SignIns::default();
        t.sync_after(a.clone());
        assert!(!t.take_sync(&b));
        assert!(t.take_sync(&a));
        assert!(!t.take_sync(&a), "once");
    }
}
