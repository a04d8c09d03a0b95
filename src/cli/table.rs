//! The human-readable session list.

use keyhop_core::SessionView;
use time::OffsetDateTime;

pub fn render(sessions: &[SessionView], now: OffsetDateTime) -> String {
    if sessions.is_empty() {
        return "No sessions yet. Add one with `keyhop session add iam-user …` or `keyhop import csv …`.\n".into();
    }
    let rows: Vec<[String; 7]> = sessions
        .iter()
        .map(|s| {
            let status = match s.expiration {
                Some(exp) if exp <= now => "expired".to_owned(),
                Some(exp) => format!("active ({} left)", remaining(exp - now)),
                None => "inactive".to_owned(),
            };
            let cells = crate::cli::kinds::table_cells(&s.details);
            let source = cells
                .assumer
                .map_or_else(|| s.kind.to_string(), |a| format!("{} <- {a}", s.kind));
            [
                s.alias.to_string(),
                source,
                s.profile.to_string(),
                s.region.to_string(),
                status,
                cells.mfa,
                key_age(s.access_key_age_days, s.key_rotation_due),
            ]
        })
        .collect();
    let header = ["ALIAS", "KIND", "PROFILE", "REGION", "STATUS", "MFA", "KEY AGE"];
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(header.map(str::to_owned)).chain(rows) {
        let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
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
