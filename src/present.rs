//! How a session's status reads, for every surface: the CLI table, the tray menu and the list
//! window. One decision of what state a session is in ([`Status::of`]), then each surface's
//! words for it, side by side so they stay in step. UI-free: the CLI, the tray and the windows
//! import it; it imports none of them.

use keyhop_core::SessionView;
use keyhop_core::sso::ConnectionId;
use time::OffsetDateTime;

/// Why a session needs the user: shown in its menu line and list row, turning the icon amber.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "desktop"), allow(dead_code))] // the CLI knows no attention
pub enum Attention {
    MfaDue,
    /// The session's SSO connection needs a sign-in in the browser.
    SignInNeeded(ConnectionId),
    RefreshFailed(String),
}

/// What state a session is in, most pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A start, stop or refresh runs.
    Working,
    SignInNeeded,
    /// `left`: how long its credentials last (none when it is not running).
    MfaDue {
        left: Option<time::Duration>,
    },
    RefreshFailed {
        running: bool,
    },
    Expired,
    Active {
        left: time::Duration,
    },
    Inactive,
}

impl Status {
    pub fn of(s: &SessionView, attention: Option<&Attention>, busy: bool, now: OffsetDateTime) -> Status {
        let left = s.expiration.map(|exp| exp - now);
        match (attention, left) {
            _ if busy => Status::Working,
            (Some(Attention::SignInNeeded(_)), _) => Status::SignInNeeded,
            (Some(Attention::MfaDue), left) => Status::MfaDue { left },
            (Some(Attention::RefreshFailed(_)), left) => Status::RefreshFailed {
                running: left.is_some(),
            },
            (None, Some(left)) if left <= time::Duration::ZERO => Status::Expired,
            (None, Some(left)) => Status::Active { left },
            (None, None) => Status::Inactive,
        }
    }

    /// The CLI table's STATUS column (it knows no attention or busy sessions).
    pub fn table_text(self) -> String {
        match self {
            Status::Expired => "expired".to_owned(),
            Status::Active { left } => format!("active ({} left)", remaining(left)),
            _ => "inactive".to_owned(),
        }
    }

    #[cfg_attr(not(feature = "desktop"), allow(dead_code))]
    /// A tray menu line: a marker, `head` (alias — profile), then the status.
    pub fn menu_line(self, head: &str) -> String {
        match self {
            Status::Working => format!("… {head} (working)"),
            Status::MfaDue { .. } => format!("⚠ {head} · MFA code needed"),
            Status::SignInNeeded => format!("⚠ {head} · sign-in needed"),
            Status::RefreshFailed { .. } => format!("⚠ {head} · refresh failed"),
            Status::Expired => format!("● {head} · expired"),
            Status::Active { left } => format!("● {head} · {} left", remaining(left)),
            Status::Inactive => format!("○ {head}"),
        }
    }

    #[cfg_attr(not(feature = "desktop"), allow(dead_code))]
    /// The list window's status column.
    pub fn list_text(self) -> String {
        match self {
            Status::Working => "working…".to_owned(),
            Status::SignInNeeded => "sign-in needed".to_owned(),
            Status::MfaDue { left: Some(left) } => format!("MFA code needed · {} left", remaining(left)),
            Status::RefreshFailed { running: true } => "refresh failed, retrying".to_owned(),
            Status::Expired => "expired".to_owned(),
            Status::Active { left } => format!("active · {} left", remaining(left)),
            Status::MfaDue { left: None } | Status::RefreshFailed { running: false } | Status::Inactive => {
                "inactive".to_owned()
            }
        }
    }
}

/// "12d", or "⚠ 95d, rotate" once the key is due for rotation; empty when unknown.
pub fn key_age(days: Option<i64>, due: bool) -> String {
    match days {
        Some(d) if due => format!("⚠ {d}d, rotate"),
        Some(d) => format!("{d}d"),
        None => String::new(),
    }
}

/// "11h 42m" / "7m": time left, as the table, the tray menu and the windows show it.
pub fn remaining(d: time::Duration) -> String {
    let mins = d.whole_minutes().max(0);
    if mins >= 60 {
        format!("{}h {:02}m", mins / 60, mins % 60)
    } else {
        format!("{mins}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhop_core::kinds::KindName;
    use time::Duration;

    fn view(expires_in: Option<Duration>, now: OffsetDateTime) -> SessionView {
        let mut v = crate::test_support::views(&[crate::test_support::session("work", KindName::IamUser, None, None)])
            .remove(0);
        v.expiration = expires_in.map(|d| now + d);
        v
    }

    #[test]
    fn one_status_reads_the_same_state_on_every_surface() {
        let now = OffsetDateTime::now_utc();
        let running = view(Some(Duration::minutes(90)), now);
        let idle = view(None, now);
        let failed = Attention::RefreshFailed("locked".into());
        let sign_in = Attention::SignInNeeded(ConnectionId::from_string("sso-1"));
        let cases = [
            (
                &running,
                None,
                false,
                "active (1h 30m left)",
                "● w · 1h 30m left",
                "active · 1h 30m left",
            ),
            (&running, None, true, "inactive", "… w (working)", "working…"),
            (
                &running,
                Some(&failed),
                false,
                "inactive",
                "⚠ w · refresh failed",
                "refresh failed, retrying",
            ),
            (
                &running,
                Some(&Attention::MfaDue),
                false,
                "inactive",
                "⚠ w · MFA code needed",
                "MFA code needed · 1h 30m left",
            ),
            (
                &idle,
                Some(&sign_in),
                false,
                "inactive",
                "⚠ w · sign-in needed",
                "sign-in needed",
            ),
            (&idle, None, false, "inactive", "○ w", "inactive"),
        ];
        for (s, attention, busy, table, menu, list) in cases {
            let st = Status::of(s, attention, busy, now);
            assert_eq!(
                (
                    st.table_text().as_str(),
                    st.menu_line("w").as_str(),
                    st.list_text().as_str()
                ),
                (table, menu, list),
                "{st:?}"
            );
        }
        let expired = Status::of(&view(Some(Duration::seconds(-1)), now), None, false, now);
        assert_eq!(expired, Status::Expired);
        assert_eq!(expired.table_text(), "expired");
    }

    #[test]
    fn time_left_and_key_age_read_short() {
        assert_eq!(remaining(Duration::minutes(7)), "7m");
        assert_eq!(remaining(Duration::minutes(702)), "11h 42m");
        assert_eq!(remaining(Duration::minutes(-3)), "0m");
        assert_eq!(key_age(Some(95), true), "⚠ 95d, rotate");
        assert_eq!(key_age(Some(12), false), "12d");
        assert_eq!(key_age(None, true), "");
    }
}
