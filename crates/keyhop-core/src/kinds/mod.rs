//! Session kinds, one module each (like aws-vault's credential providers): what a kind stores,
//! what it needs to start, how it obtains credentials, how it is shown and edited. Adding a kind
//! is one module here plus one branch in each `match` of this file; the engine, the tray, the
//! windows and the CLI table work from what these functions return.

pub mod aws_sso;
pub mod iam_user;
pub mod role_chained;

use serde::{Deserialize, Serialize};

pub use aws_sso::AwsSso;
pub use iam_user::IamUser;
pub use role_chained::RoleChained;

use crate::error::{Error, Result};
use crate::secrets::{SecretStore, Secrets, StsCredentials};
use crate::session::{Session, SessionId};
use crate::sso::SsoConnection;
use crate::sts::Endpoints;
use crate::validate::{MfaCode, MfaDevice};

/// The kind of a session, as `session list --json` and the state file spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KindName {
    IamUser,
    RoleChained,
    AwsSso,
}

impl KindName {
    pub const ALL: [KindName; 3] = [KindName::IamUser, KindName::RoleChained, KindName::AwsSso];

    /// The machine name (`iam-user`), as in JSON and CLI subcommands.
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::IamUser => "iam-user",
            KindName::RoleChained => "role-chained",
            KindName::AwsSso => "aws-sso",
        }
    }
    /// The name a person reads (Leapp's wording).
    pub fn title(self) -> &'static str {
        match self {
            KindName::IamUser => "IAM User",
            KindName::RoleChained => "IAM Role Chained",
            KindName::AwsSso => "IAM Identity Center",
        }
    }
    /// A group of such sessions (the tray's submenus).
    pub fn plural(self) -> &'static str {
        match self {
            KindName::IamUser => "IAM users",
            KindName::RoleChained => "Chained roles",
            KindName::AwsSso => "IAM Identity Center",
        }
    }
}

impl std::fmt::Display for KindName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a session is, with what only that kind has. Stored in `state.json` as
/// `{"type": "iam-user", …fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum SessionKind {
    IamUser(IamUser),
    RoleChained(RoleChained),
    AwsSso(AwsSso),
}

/// What a new session of a kind needs besides alias, profile and region.
pub enum NewKind {
    IamUser(iam_user::New),
    RoleChained(role_chained::New),
}

/// A change to the kind-specific part of a session; each kind's fields are its own.
pub enum KindEdit {
    IamUser(iam_user::Edit),
    RoleChained(role_chained::Edit),
}

/// How a session's cached credentials may be reused by an operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Freshness {
    /// `session start`: new credentials for the target unless its kind caches on purpose (an
    /// IAM user's session token spares an MFA code).
    FreshTarget,
    /// A background refresh: the target's own credentials are never reused.
    Refresh,
    /// `credential-process`: anything cached that is still good.
    CachedOk,
}

/// Which credentials sign a session in to the AWS console. The federation endpoint takes role
/// credentials and GetFederationToken credentials, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleCredentials {
    /// The session's own credentials (a role: chained or IAM Identity Center).
    Own,
    /// GetFederationToken with the IAM user's long-term keys, for this long.
    FederationToken(crate::validate::SessionDuration),
}

/// What a kind needs from the engine to obtain credentials.
pub struct Providers<'a, S: SecretStore> {
    pub secrets: &'a Secrets<S>,
    pub endpoints: &'a Endpoints,
    pub connections: &'a [SsoConnection],
    /// Where the per-connection sign-in locks live.
    pub state_dir: &'a std::path::Path,
}

/// Kind-specific facts for the session list, the tray and `session list --json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub mfa_device: Option<MfaDevice>,
    pub mfa_process: Option<String>,
    pub duration_seconds: Option<u64>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub assumer: Option<(SessionId, String)>,
    pub sso_connection: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role_name: Option<String>,
    /// A short line under the alias ("IAM User · MFA", "Role chained from dev").
    pub summary: String,
    /// Where the tray files the session in a long menu; empty: under the kind's plural.
    pub group: Vec<String>,
}

impl SessionKind {
    pub fn name(&self) -> KindName {
        match self {
            SessionKind::IamUser(_) => KindName::IamUser,
            SessionKind::RoleChained(_) => KindName::RoleChained,
            SessionKind::AwsSso(_) => KindName::AwsSso,
        }
    }

    /// The session whose credentials this one starts from, if any.
    pub fn assumer(&self) -> Option<&SessionId> {
        match self {
            SessionKind::IamUser(_) | SessionKind::AwsSso(_) => None,
            SessionKind::RoleChained(k) => Some(&k.assumer),
        }
    }

    /// The MFA device a chain rooted here asks a code for.
    pub fn mfa_device(&self) -> Option<&MfaDevice> {
        match self {
            SessionKind::IamUser(k) => k.mfa_device.as_ref(),
            SessionKind::RoleChained(_) | SessionKind::AwsSso(_) => None,
        }
    }

    /// What the console sign-in uses for this kind.
    pub fn console_credentials(&self) -> ConsoleCredentials {
        match self {
            // Its session token (GetSessionToken) cannot sign in; its keys can ask for a
            // federation token, lasting as long as the user's sessions do.
            SessionKind::IamUser(k) => ConsoleCredentials::FederationToken(k.duration),
            SessionKind::RoleChained(_) | SessionKind::AwsSso(_) => ConsoleCredentials::Own,
        }
    }

    /// The command that prints the code for that device, if the user gave one.
    pub fn mfa_process(&self) -> Option<&crate::mfa_process::MfaProcess> {
        match self {
            SessionKind::IamUser(k) => k.mfa_process.as_ref(),
            SessionKind::RoleChained(_) | SessionKind::AwsSso(_) => None,
        }
    }

    /// Whether `other` yields the same credentials (what changed, if anything, is only how they
    /// are obtained), so an edit need not stop the session nor drop its cached token.
    pub(crate) fn same_credentials(&self, other: &SessionKind) -> bool {
        match (self, other) {
            (SessionKind::IamUser(a), SessionKind::IamUser(b)) => a.same_credentials(b),
            (a, b) => a == b,
        }
    }

    /// How long cached credentials must still be good to be reused, or `None` when this
    /// operation must not reuse them.
    pub(crate) fn reuse_margin(&self, is_target: bool, mfa_given: bool, fresh: Freshness) -> Option<time::Duration> {
        match self {
            SessionKind::IamUser(k) => k.reuse_margin(is_target, mfa_given, fresh),
            SessionKind::RoleChained(k) => k.reuse_margin(is_target, fresh),
            SessionKind::AwsSso(k) => k.reuse_margin(is_target, fresh),
        }
    }

    /// One step of the chain: credentials for `s` from `from` (its assumer's credentials).
    pub(crate) async fn fetch<S: SecretStore>(
        &self,
        p: &Providers<'_, S>,
        s: &Session,
        from: Option<&StsCredentials>,
        mfa: Option<&MfaCode>,
    ) -> Result<StsCredentials> {
        match self {
            SessionKind::IamUser(k) => k.fetch(p, s, mfa).await,
            SessionKind::RoleChained(k) => {
                k.fetch(p, s, from.expect("a chain starts with a session that has no assumer"))
                    .await
            }
            SessionKind::AwsSso(k) => k.fetch(p, s).await,
        }
    }

    pub fn details(&self, all: &[Session], connections: &[SsoConnection]) -> Details {
        let mut d = match self {
            SessionKind::IamUser(k) => k.details(),
            SessionKind::RoleChained(k) => k.details(all),
            SessionKind::AwsSso(k) => k.details(connections),
        };
        if d.group.is_empty() {
            d.group = vec![self.name().plural().to_owned()];
        }
        d
    }

    /// Applies `edit`; an edit meant for another kind names the field that does not apply.
    pub(crate) fn apply(&mut self, edit: &KindEdit, sessions: &[Session], me: &Session) -> Result<()> {
        match (self, edit) {
            (SessionKind::IamUser(k), KindEdit::IamUser(e)) => {
                k.apply(e);
                Ok(())
            }
            (SessionKind::RoleChained(k), KindEdit::RoleChained(e)) => k.apply(e, sessions, me),
            (me_kind, other) => Err(Error::NotApplicable {
                field: other.first_field(),
                alias: me.alias.to_string(),
                kind: me_kind.name().as_str(),
            }),
        }
    }
}

impl NewKind {
    pub fn name(&self) -> KindName {
        match self {
            NewKind::IamUser(_) => KindName::IamUser,
            NewKind::RoleChained(_) => KindName::RoleChained,
        }
    }

    /// The stored kind, after the kind's own checks against the other sessions; writes the
    /// kind's keyring items for session `id`.
    pub(crate) fn create<S: SecretStore>(
        &self,
        secrets: &Secrets<S>,
        id: &SessionId,
        sessions: &[Session],
    ) -> Result<SessionKind> {
        match self {
            NewKind::IamUser(n) => n.create(secrets, id).map(SessionKind::IamUser),
            NewKind::RoleChained(n) => n.create(sessions).map(SessionKind::RoleChained),
        }
    }
}

impl KindEdit {
    /// The first field the edit sets, as a message names it.
    pub fn first_field(&self) -> &'static str {
        match self {
            KindEdit::IamUser(e) => e.first_field(),
            KindEdit::RoleChained(e) => e.first_field(),
        }
    }

    /// Does the edit carry secrets for the keyring (new long-term keys)?
    pub(crate) fn has_secrets(&self) -> bool {
        match self {
            KindEdit::IamUser(e) => e.access_key_id.is_some() || e.secret_access_key.is_some(),
            KindEdit::RoleChained(_) => false,
        }
    }

    /// Keyring work of the edit (new long-term keys), done after the state checks passed.
    pub(crate) fn store_secrets<S: SecretStore>(&self, secrets: &Secrets<S>, s: &Session) -> Result<()> {
        match self {
            KindEdit::IamUser(e) => e.store_secrets(secrets, s),
            KindEdit::RoleChained(_) => Ok(()),
        }
    }
}
