//! The list's pure logic: which sessions a search and the filter chips leave, in which groups
//! and order (Pinned, Active, then by SSO connection and account, or by kind), and what the
//! copy actions put on the clipboard. No iced here: `tests.rs` drives it directly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use keyhop_core::SessionView;
use keyhop_core::kinds::KindName;
use keyhop_core::session::SessionId;

use crate::present::Attention;

/// The status filter chips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusFilter {
    Active,
    Inactive,
    /// Something wants the user (⚠).
    Attention,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 3] = [StatusFilter::Active, StatusFilter::Inactive, StatusFilter::Attention];

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Active => "Active",
            StatusFilter::Inactive => "Inactive",
            StatusFilter::Attention => "⚠ Attention",
        }
    }

    fn admits(self, s: &SessionView, attention: Option<&Attention>) -> bool {
        match self {
            StatusFilter::Active => s.is_active(),
            StatusFilter::Inactive => !s.is_active(),
            StatusFilter::Attention => !crate::present::warnings(s, attention).is_empty(),
        }
    }
}

/// What the filter chips hold: within a row of chips any may match; across rows all must.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kinds: BTreeSet<KindName>,
    pub statuses: BTreeSet<StatusFilter>,
    pub regions: BTreeSet<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.statuses.is_empty() && self.regions.is_empty()
    }

    pub fn admits(&self, s: &SessionView, attention: Option<&Attention>) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&s.kind))
            && (self.regions.is_empty() || self.regions.contains(s.region.as_str()))
            && (self.statuses.is_empty() || self.statuses.iter().any(|f| f.admits(s, attention)))
    }
}

/// Flips one element of a chip row.
pub fn toggle<T: Ord>(set: &mut BTreeSet<T>, v: T) {
    if !set.remove(&v) {
        set.insert(v);
    }
}

/// A heading and its sessions, in the order drawn.
#[derive(Debug, PartialEq, Eq)]
pub struct Section<'a> {
    pub title: String,
    pub rows: Vec<&'a SessionView>,
}

/// The sessions the search and filter leave, grouped: "Pinned", "Active", then one group per
/// SSO connection and account ("acme › Payments"), then one per kind ("IAM users"). Rows
/// sort by alias, any case; groups with nothing left are left out.
pub fn sections<'a>(
    sessions: &'a [SessionView],
    query: &str,
    filter: &Filter,
    attention: &HashMap<SessionId, Attention>,
) -> Vec<Section<'a>> {
    let mut pinned = Vec::new();
    let mut active = Vec::new();
    // SSO groups (two-part keys) after the kinds' one-part groups: sort on (is SSO, names).
    let mut rest: BTreeMap<(bool, Vec<String>), Vec<&SessionView>> = BTreeMap::new();
    for s in sessions {
        if !s.matches(query) || !filter.admits(s, attention.get(&s.id)) {
            continue;
        }
        if s.pinned {
            pinned.push(s);
        } else if s.is_active() {
            active.push(s);
        } else {
            rest.entry((s.kind == KindName::AwsSso, s.group.clone()))
                .or_default()
                .push(s);
        }
    }
    let mut out = Vec::new();
    let mut push = |title: String, mut rows: Vec<&'a SessionView>| {
        if !rows.is_empty() {
            rows.sort_by_cached_key(|s| s.alias.as_str().to_lowercase());
            out.push(Section { title, rows });
        }
    };
    push("Pinned".to_owned(), pinned);
    push("Active".to_owned(), active);
    for ((_, group), rows) in rest {
        push(group.join(" › "), rows);
    }
    out
}

/// The rows in the order drawn (what the arrow keys walk), at most `max`.
pub fn order(sections: &[Section<'_>], max: usize) -> Vec<SessionId> {
    sections
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| r.id.clone()))
        .take(max)
        .collect()
}

/// The regions the sessions use, for the region chips.
pub fn regions(sessions: &[SessionView]) -> Vec<String> {
    let set: BTreeSet<&str> = sessions.iter().map(|s| s.region.as_str()).collect();
    set.into_iter().map(str::to_owned).collect()
}

/// The kinds the sessions have, for the kind chips (none for a kind nobody uses).
pub fn kinds(sessions: &[SessionView]) -> Vec<KindName> {
    let set: BTreeSet<KindName> = sessions.iter().map(|s| s.kind).collect();
    set.into_iter().collect()
}

/// A value for a POSIX shell or an AWS config line: as is when plain, else single-quoted.
fn quoted(v: &str) -> String {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_./@+=:,".contains(c)) {
        v.to_owned()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

/// What "Copy export lines" copies: the shell lines that point the AWS tools at the
/// session's profile (keyhop writes its credentials there while it runs; no secret is
/// copied).
pub fn export_lines(s: &SessionView) -> String {
    format!(
        "export AWS_PROFILE={}\nexport AWS_REGION={}\n",
        quoted(s.profile.as_str()),
        quoted(s.region.as_str())
    )
}

/// What "Copy credential_process line" copies: the `~/.aws/config` line that has the AWS
/// tools ask keyhop for this session's credentials.
pub fn credential_process_line(s: &SessionView) -> String {
    format!(
        "credential_process = keyhop credential-process {}\n",
        quoted(s.alias.as_str())
    )
}
