//! A session as the CLI and the UI show it (`keyhop session list --json` prints these). Typed
//! throughout; the JSON keeps the field names and strings it always had.

use serde::Serialize;
use time::OffsetDateTime;

use crate::kinds::{KindDetails, KindName};
use crate::session::{Session, SessionId, SessionStatus};
use crate::state::State;
use crate::validate::{ProfileName, Region, SessionAlias};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SessionView {
    pub id: SessionId,
    pub alias: SessionAlias,
    pub kind: KindName,
    pub profile: ProfileName,
    pub region: Region,
    pub status: SessionStatus,
    /// Pinned on top of the tray menu.
    pub pinned: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiration: Option<OffsetDateTime>,
    /// What only this session's kind has; the JSON carries every kind's fields, `null` where
    /// they are another kind's.
    #[serde(flatten)]
    pub details: KindDetails,
    /// IAM users: whole days since the access key was created (from the key-age cache; `None`
    /// until IAM was asked).
    pub access_key_age_days: Option<i64>,
    /// The config-file keys that make the AWS tools skip the profile keyhop writes
    /// (`role_arn`, `sso_account_id`, …; see `aws_files::shadow`); `None` when they read it.
    pub shadowed_by: Option<Vec<String>>,
    /// Why, in one sentence naming the file and lines (the tray's ⚠ and the forms show it).
    #[serde(skip)]
    pub shadow_reason: Option<String>,
    /// The key is at least as old as the setting `key-age-warn-days`: time to rotate it.
    #[serde(skip)]
    pub key_rotation_due: bool,
    /// "IAM User · MFA", "Role chained from dev": the line under the alias in the windows.
    #[serde(skip)]
    pub summary: String,
    /// Where the tray files the session when the menu is too long for one level
    /// (`["IAM users"]`; an SSO session: connection, then account).
    #[serde(skip)]
    pub group: Vec<String>,
}

impl SessionView {
    pub fn of(s: &Session, st: &State) -> Self {
        let details = s.kind.details(&st.sessions, &st.sso_connections);
        Self {
            id: s.id.clone(),
            alias: s.alias.clone(),
            kind: s.kind.name(),
            profile: s.profile.clone(),
            region: s.region.clone(),
            status: s.status(),
            pinned: st.pinned.contains(&s.id),
            expiration: s.expiration(),
            access_key_age_days: None,
            shadowed_by: None,
            shadow_reason: None,
            key_rotation_due: false,
            summary: details.summary(),
            group: details.group(),
            details,
        }
    }

    pub fn all(st: &State) -> Vec<Self> {
        st.sessions.iter().map(|s| Self::of(s, st)).collect()
    }

    /// Fills in the access key ages from the cache (the listing itself never asks IAM).
    pub fn add_key_ages(views: &mut [Self], ages: &crate::key_age::KeyAges, warn_days: u32, now: OffsetDateTime) {
        for v in views.iter_mut().filter(|v| v.kind == KindName::IamUser) {
            v.access_key_age_days = ages.age_days(&v.id, now);
            v.key_rotation_due = v
                .access_key_age_days
                .is_some_and(|d| crate::key_age::is_old(d, warn_days));
        }
    }

    /// Fills in `shadowed_by` from the AWS files as botocore reads them (unreadable files:
    /// left empty, the start says why).
    pub fn add_shadows(views: &mut [Self], files: &crate::aws_files::AwsFiles) {
        let Ok(resolver) = crate::aws_files::shadow::Resolver::load(files) else {
            return;
        };
        for v in views {
            let shadow = resolver.shadow(v.profile.as_str());
            v.shadowed_by = shadow.as_ref().map(crate::aws_files::Shadow::key_names);
            v.shadow_reason = shadow.map(|s| s.reason());
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == SessionStatus::Active
    }

    /// Does the session match every word of `query` (in its alias, profile or its kind's
    /// searchable fields, any case)?
    pub fn matches(&self, query: &str) -> bool {
        let hay = [self.alias.as_str(), self.profile.as_str()]
            .into_iter()
            .chain(self.details.search_terms())
            .collect::<Vec<_>>()
            .join("\n")
            .to_lowercase();
        query.split_whitespace().all(|w| hay.contains(&w.to_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One session of each kind (an IAM user with MFA and its command, a role chained from it,
    /// one whose assumer is gone, an SSO role, a SAML role), as a state file holds them.
    const STATE: &str = r#"{
      "version": 1,
      "sessions": [
        {"id": "u1", "alias": "dev", "profile": "dev", "region": "eu-west-1",
         "kind": {"type": "iam-user", "mfa_device": "arn:aws:iam::123456789012:mfa/alice",
                  "duration": 3600, "mfa_process": "ykman oath accounts code --single aws"},
         "active": {"expiration": "2030-01-02T03:04:05Z", "started_at": "2030-01-02T02:04:05Z",
                    "region_prior": {"kind": "absent"}}},
        {"id": "u2", "alias": "plain", "profile": "plain", "region": "us-east-1",
         "kind": {"type": "iam-user"}},
        {"id": "r1", "alias": "admin", "profile": "admin", "region": "eu-west-1",
         "kind": {"type": "role-chained", "role_arn": "arn:aws:iam::123456789012:role/Admin",
                  "role_session_name": "alice", "assumer": "u1"}},
        {"id": "r2", "alias": "orphan", "profile": "orphan", "region": "eu-west-1",
         "kind": {"type": "role-chained", "role_arn": "arn:aws:iam::123456789012:role/Admin",
                  "role_session_name": "alice", "assumer": "gone"}},
        {"id": "s1", "alias": "Payments/PowerUser", "profile": "payments", "region": "eu-west-1",
         "kind": {"type": "aws-sso", "connection": "c1", "account_id": "111122223333",
                  "account_name": "Payments", "role_name": "PowerUser"}},
        {"id": "f1", "alias": "fed", "profile": "fed", "region": "eu-west-1",
         "kind": {"type": "aws-saml", "idp_url": "https://example.okta.com/home/amazon_aws/0oa1/272",
                  "role_arn": "arn:aws:iam::123456789012:role/Federated",
                  "principal_arn": "arn:aws:iam::123456789012:saml-provider/Okta", "duration": 3600}}
      ],
      "sso_connections": [
        {"id": "c1", "name": "acme", "start_url": "https://acme.awsapps.com/start",
         "region": "eu-west-1", "default_region": "eu-west-1", "scopes": ["sso:account:access"]}
      ],
      "pinned": ["r1"]
    }"#;

    /// `session list --json` as scripts read it: every field of every kind, in this order, with
    /// `null` where a field is not the session's kind's.
    const JSON: &str = include_str!("view_golden.json");

    #[test]
    fn the_json_of_every_kind_keeps_its_fields_byte_for_byte() {
        let st: State = serde_json::from_str(STATE).unwrap();
        let mut views = SessionView::all(&st);
        views[0].access_key_age_days = Some(12);
        let json = serde_json::to_string_pretty(&views).unwrap();
        assert_eq!(json, JSON);
    }

    #[test]
    fn summary_and_group_come_from_the_kind() {
        let st: State = serde_json::from_str(STATE).unwrap();
        let views = SessionView::all(&st);
        let shown: Vec<(&str, Vec<&str>)> = views
            .iter()
            .map(|v| (v.summary.as_str(), v.group.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            shown,
            [
                ("IAM User · MFA", vec!["IAM users"]),
                ("IAM User", vec!["IAM users"]),
                ("Role chained from dev", vec!["Chained roles"]),
                ("Role chained from gone", vec!["Chained roles"]),
                (
                    "IAM Identity Center · acme · account 111122223333",
                    vec!["acme", "Payments"]
                ),
                ("IAM Role Federated · example.okta.com", vec!["Federated roles"]),
            ]
        );
    }
}
