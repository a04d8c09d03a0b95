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
}

/// How a status chip looks, without naming a colour (the windows' theme picks it).
#[cfg_attr(not(feature = "desktop"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Caution,
    Bad,
    Neutral,
    Busy,
}

#[cfg_attr(not(feature = "desktop"), allow(dead_code))]
impl Status {
    /// The list window's status chip: a few words, the time left counting down (seconds in
    /// the last two minutes), and its tone.
    pub fn chip(self) -> (String, Tone) {
        match self {
            Status::Working => ("Working…".to_owned(), Tone::Busy),
            Status::SignInNeeded => ("Sign-in needed".to_owned(), Tone::Caution),
            Status::MfaDue { left: Some(left) } => (format!("MFA due · {}", remaining_live(left)), Tone::Caution),
            Status::RefreshFailed { running: true } => ("Refresh failed".to_owned(), Tone::Bad),
            Status::Expired => ("Expired".to_owned(), Tone::Bad),
            Status::Active { left } => (format!("{} left", remaining_live(left)), Tone::Good),
            Status::MfaDue { left: None } | Status::RefreshFailed { running: false } | Status::Inactive => {
                ("Inactive".to_owned(), Tone::Neutral)
            }
        }
    }

    /// Whether the time left needs a redraw every second (under two minutes) rather than
    /// every minute.
    pub fn counts_seconds(self) -> bool {
        match self {
            Status::Active { left } | Status::MfaDue { left: Some(left) } => left < time::Duration::minutes(2),
            _ => false,
        }
    }
}

/// Why a session wants the user, each in a few words, for the ⚠ of its list row: the MFA
/// code or sign-in its next refresh needs, a failed refresh, an old access key, a profile
/// the AWS config shadows.
#[cfg_attr(not(feature = "desktop"), allow(dead_code))]
pub fn warnings(s: &SessionView, attention: Option<&Attention>) -> Vec<String> {
    let mut out = Vec::new();
    match attention {
        Some(Attention::MfaDue) => out.push("MFA code needed soon".to_owned()),
        Some(Attention::SignInNeeded(_)) => out.push("sign-in needed".to_owned()),
        Some(Attention::RefreshFailed(why)) => out.push(format!("refresh failed: {why}")),
        None => {}
    }
    if let (Some(days), true) = (s.access_key_age_days, s.key_rotation_due) {
        out.push(format!("access key {days} days old, rotate it"));
    }
    if let Some(keys) = &s.shadowed_by {
        out.push(format!("profile shadowed by config ({})", keys.join(", ")));
    }
    out
}

/// "42s", "1m 05s" in the last two minutes; else as [`remaining`].
#[cfg_attr(not(feature = "desktop"), allow(dead_code))]
pub fn remaining_live(d: time::Duration) -> String {
    let secs = d.whole_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..120 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => remaining(d),
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
                "1h 30m left",
            ),
            (&running, None, true, "inactive", "… w (working)", "Working…"),
            (
                &running,
                Some(&failed),
                false,
                "inactive",
                "⚠ w · refresh failed",
                "Refresh failed",
            ),
            (
                &running,
                Some(&Attention::MfaDue),
                false,
                "inactive",
                "⚠ w · MFA code needed",
                "MFA due · 1h 30m",
            ),
            (
                &idle,
                Some(&sign_in),
                false,
                "inactive",
                "⚠ w · sign-in needed",
                "Sign-in needed",
            ),
            (&idle, None, false, "inactive", "○ w", "Inactive"),
        ];
        for (s, attention, busy, table, menu, list) in cases {
            let st = Status::of(s, attention, busy, now);
            assert_eq!(
                (
                    st.table_text().as_str(),
                    st.menu_line("w").as_str(),
                    st.chip().0.as_str()
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
    fn the_list_chip_counts_seconds_only_in_the_last_two_minutes() {
        let now = OffsetDateTime::now_utc();
        let chip = |left: Duration| Status::of(&view(Some(left), now), None, false, now);
        assert_eq!(chip(Duration::minutes(42)).chip(), ("42m left".to_owned(), Tone::Good));
        assert!(!chip(Duration::minutes(42)).counts_seconds());
        assert_eq!(chip(Duration::seconds(65)).chip().0, "1m 05s left");
        assert!(chip(Duration::seconds(65)).counts_seconds());
        assert_eq!(chip(Duration::seconds(9)).chip().0, "9s left");
        assert_eq!(chip(Duration::seconds(-1)).chip(), ("Expired".to_owned(), Tone::Bad));
        assert_eq!(
            Status::of(&view(None, now), None, false, now).chip(),
            ("Inactive".to_owned(), Tone::Neutral)
        );
        assert_eq!(Status::of(&view(None, now), None, true, now).chip().1, Tone::Busy);
    }

    #[test]
    fn warnings_name_each_reason() {
        let now = OffsetDateTime::now_utc();
        let mut v = view(None, now);
        assert!(warnings(&v, None).is_empty());
        v.access_key_age_days = Some(95);
        v.key_rotation_due = true;
        v.shadowed_by = Some(vec!["role_arn".into()]);
        assert_eq!(
            warnings(&v, Some(&Attention::MfaDue)),
            [
                "MFA code needed soon",
                "access key 95 days old, rotate it",
                "profile shadowed by config (role_arn)"
            ]
        );
        v.key_rotation_due = false;
        v.shadowed_by = None;
        let failed = Attention::RefreshFailed("keyring locked".into());
        assert_eq!(warnings(&v, Some(&failed)), ["refresh failed: keyring locked"]);
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
