//! When the tray must act on active sessions: refresh before expiry, warn before a token that
//! needs a new MFA code runs out, report expiry, retry failed refreshes with backoff. Pure
//! functions of the state and a clock, so they are tested with any `now`.

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};

use crate::kinds::iam_user::REUSE_MARGIN;
use crate::session::{Session, SessionId};
pub use crate::settings::Timing;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Get new credentials without asking the user.
    Refresh,
    /// Tell the user an MFA code will be needed soon.
    WarnMfa,
    /// The credentials ran out.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub session: SessionId,
    pub at: OffsetDateTime,
    pub action: Action,
    /// The expiration this deadline belongs to: a refresh gives a new one, so old deadlines
    /// never fire twice.
    pub expiration: OffsetDateTime,
}

/// A refresh that failed: when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshFailure {
    pub attempts: u32,
    pub retry_at: OffsetDateTime,
}

impl RefreshFailure {
    /// 1, 2, 4, 8 minutes, then every 15 minutes.
    pub fn next(previous: Option<RefreshFailure>, now: OffsetDateTime) -> RefreshFailure {
        let attempts = previous.map_or(1, |f| f.attempts + 1);
        let backoff = Duration::minutes(1i64 << (attempts - 1).min(4)).min(Duration::minutes(15));
        RefreshFailure {
            attempts,
            retry_at: now + backoff,
        }
    }
}

/// All deadlines of the active sessions. `mfa_due` tells, for a session, when refreshing it
/// starts to need a new MFA code (its own token's or its chain root's expiry), if ever.
pub fn deadlines(
    sessions: &[Session],
    mfa_due: impl Fn(&Session) -> Option<OffsetDateTime>,
    failures: &HashMap<SessionId, RefreshFailure>,
    timing: Timing,
) -> Vec<Deadline> {
    let mut out = vec![];
    for s in sessions {
        let Some(active) = &s.active else { continue };
        let exp = active.expiration;
        // Never before half the credentials' life: a margin as long as the session itself
        // would otherwise refresh again the moment a refresh lands.
        let half_life = active.started_at + (exp - active.started_at) / 2;
        let refresh_at = (exp - timing.refresh_margin).max(half_life);
        let d = |at, action| Deadline {
            session: s.id.clone(),
            at,
            action,
            expiration: exp,
        };
        match mfa_due(s) {
            // At refresh time the MFA-backed token will not be reusable any more, so the refresh
            // itself would need a code: warn ahead, then report the expiry.
            Some(due) if due <= refresh_at + REUSE_MARGIN => {
                out.push(d(due.min(exp) - timing.notify_lead, Action::WarnMfa));
            }
            _ => out.push(d(
                failures.get(&s.id).map_or(refresh_at, |f| f.retry_at.max(refresh_at)),
                Action::Refresh,
            )),
        }
        out.push(d(exp, Action::Expired));
    }
    out.sort_by_key(|d| d.at);
    out
}

/// The deadlines that are due at `now` and have not been handled yet.
pub fn due<'a>(all: &'a [Deadline], handled: &[Deadline], now: OffsetDateTime) -> Vec<&'a Deadline> {
    all.iter().filter(|d| d.at <= now && !handled.contains(d)).collect()
}

/// When to wake next: now if a deadline is already due, else the first future one, but at
/// least once a minute so that a suspend or a clock change is noticed (timers sleep on the
/// monotonic clock).
pub fn next_wake(all: &[Deadline], handled: &[Deadline], now: OffsetDateTime) -> OffsetDateTime {
    let tick = now + Duration::minutes(1);
    all.iter()
        .filter(|d| !handled.contains(d))
        .map(|d| d.at.max(now))
        .min()
        .map_or(tick, |at| at.min(tick))
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
