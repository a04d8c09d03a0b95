//! A session as the CLI and the UI show it (`keyhop session list --json` prints these). Typed
//! throughout; the JSON keeps the field names and strings it always had.

use serde::Serialize;
use time::OffsetDateTime;

use crate::kinds::KindName;
use crate::session::{Session, SessionId, SessionStatus};
use crate::state::State;
use crate::validate::{MfaDevice, ProfileName, Region, SessionAlias};

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
    pub mfa_device: Option<MfaDevice>,
    /// IAM users: the command that prints the MFA code (`--mfa-process`).
    pub mfa_process: Option<String>,
    pub duration_seconds: Option<u64>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    /// The assumer's alias (its id when the assumer is gone).
    pub assumer: Option<String>,
    /// IAM Identity Center: the connection's name, the account and the role.
    pub sso_connection: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role_name: Option<String>,
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
    #[serde(skip)]
    pub assumer_id: Option<SessionId>,
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
        let d = s.kind.details(&st.sessions, &st.sso_connections);
        let (assumer_id, assumer) = d.assumer.unzip();
        Self {
            id: s.id.clone(),
            alias: s.alias.clone(),
            kind: s.kind.name(),
            profile: s.profile.clone(),
            region: s.region.clone(),
            status: s.status(),
            pinned: st.pinned.contains(&s.id),
            expiration: s.expiration(),
            mfa_device: d.mfa_device,
            mfa_process: d.mfa_process,
            duration_seconds: d.duration_seconds,
            role_arn: d.role_arn,
            role_session_name: d.role_session_name,
            assumer,
            assumer_id,
            sso_connection: d.sso_connection,
            account_id: d.account_id,
            account_name: d.account_name,
            role_name: d.role_name,
            access_key_age_days: None,
            shadowed_by: None,
            shadow_reason: None,
            key_rotation_due: false,
            summary: d.summary,
            group: d.group,
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
}
