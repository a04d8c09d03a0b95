//! The human-readable session list.

use keyhop_core::SessionView;
use time::OffsetDateTime;

use crate::present::{Status, key_age};

pub fn render(sessions: &[SessionView], now: OffsetDateTime) -> String {
    if sessions.is_empty() {
        return "No sessions yet. Add one with `keyhop session add iam-user …` or `keyhop import csv …`.\n".into();
    }
    let rows: Vec<[String; 7]> = sessions
        .iter()
        .map(|s| {
            let status = Status::of(s, None, false, now).table_text();
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
