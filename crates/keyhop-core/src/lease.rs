//! Credentials that a long-running process hands out (`keyhop serve`): when to renew them and
//! when they may no longer be handed out. Pure functions of the credentials and a clock.

use time::{Duration, OffsetDateTime};

use crate::secrets::StsCredentials;

/// How long before expiry to renew when not told otherwise. botocore's container provider
/// asks again once 15 minutes are left: renewing before that hands it fresh credentials the
/// first time it asks instead of the same ones on every call.
pub const DEFAULT_MARGIN: Duration = Duration::minutes(15);

/// Renewals are at least this far apart, whatever the margin (one longer than the
/// credentials' life must not make a loop of STS calls).
pub const MIN_GAP: Duration = Duration::seconds(5);

/// Credentials with less than this left are never handed out: a client could not finish a
/// call with them.
pub const STALE: Duration = Duration::seconds(30);

/// How long before expiry to renew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Margin {
    /// [`DEFAULT_MARGIN`], but never before half the credentials' life (the tray's rule: short
    /// credentials are not renewed the moment they arrive).
    Default,
    /// Asked for explicitly: taken as is, at most one renewal every [`MIN_GAP`].
    Exact(Duration),
}

/// Credentials and when they were obtained.
#[derive(Debug, Clone)]
pub struct Lease {
    pub credentials: StsCredentials,
    pub obtained_at: OffsetDateTime,
}

impl Lease {
    pub fn new(credentials: StsCredentials, obtained_at: OffsetDateTime) -> Self {
        Self {
            credentials,
            obtained_at,
        }
    }

    pub fn expiration(&self) -> OffsetDateTime {
        self.credentials.expiration
    }

    /// When to obtain new credentials.
    pub fn renew_at(&self, margin: Margin) -> OffsetDateTime {
        let exp = self.expiration();
        let at = match margin {
            Margin::Default => (exp - DEFAULT_MARGIN).max(self.obtained_at + (exp - self.obtained_at) / 2),
            Margin::Exact(m) => exp - m,
        };
        at.max(self.obtained_at + MIN_GAP)
    }

    /// May these credentials still be handed out at `now`?
    pub fn servable(&self, now: OffsetDateTime) -> bool {
        self.credentials.valid_for(STALE, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

    fn lease(life: Duration) -> Lease {
        Lease::new(
            StsCredentials {
                access_key_id: "ASIAEXAMPLE".into(),
                secret_access_key: SecretString::from("s"),
                session_token: SecretString::from("t"),
                expiration: T0 + life,
            },
            T0,
        )
    }

    #[test]
    fn renews_fifteen_minutes_before_expiry_by_default() {
        assert_eq!(
            lease(Duration::hours(1)).renew_at(Margin::Default),
            T0 + Duration::minutes(45)
        );
        assert_eq!(
            lease(Duration::hours(12)).renew_at(Margin::Default),
            T0 + Duration::hours(12) - Duration::minutes(15)
        );
    }

    #[test]
    fn short_credentials_are_renewed_at_half_life_by_default() {
        assert_eq!(
            lease(Duration::minutes(15)).renew_at(Margin::Default),
            T0 + Duration::seconds(450)
        );
    }

    #[test]
    fn an_exact_margin_is_taken_as_is_but_never_sooner_than_the_gap() {
        let l = lease(Duration::hours(1));
        assert_eq!(
            l.renew_at(Margin::Exact(Duration::minutes(5))),
            T0 + Duration::minutes(55)
        );
        assert_eq!(l.renew_at(Margin::Exact(Duration::hours(2))), T0 + MIN_GAP);
    }

    #[test]
    fn credentials_about_to_expire_are_not_servable() {
        let l = lease(Duration::minutes(10));
        assert!(l.servable(T0));
        assert!(l.servable(T0 + Duration::minutes(10) - STALE - Duration::seconds(1)));
        assert!(!l.servable(T0 + Duration::minutes(10) - STALE));
        assert!(!l.servable(T0 + Duration::minutes(11)));
    }
}
