//! Session kinds, one module each (like aws-vault's credential providers): what a kind stores,
//! what it needs to start, how it obtains credentials, how it is shown and edited. Adding a kind
//! is one module here plus one branch in each `match` of this file; the engine, the tray, the
//! windows and the CLI table work from what these functions return.

pub mod aws_saml;
pub mod aws_sso;
pub mod iam_user;
pub mod role_chained;

use serde::{Deserialize, Serialize};

pub use aws_saml::AwsSaml;
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
    AwsSaml,
}

impl KindName {
    pub const ALL: [KindName; 4] = [
        KindName::IamUser,
        KindName::RoleChained,
        KindName::AwsSso,
        KindName::AwsSaml,
    ];

    /// The machine name (`iam-user`), as in JSON and CLI subcommands.
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::IamUser => "iam-user",
            KindName::RoleChained => "role-chained",
            KindName::AwsSso => "aws-sso",
            KindName::AwsSaml => "aws-saml",
        }
    }
    /// The name a person reads (Leapp's wording).
    pub fn title(self) -> &'static str {
        match self {
            KindName::IamUser => "IAM User",
            KindName::RoleChained => "IAM Role Chained",
            KindName::AwsSso => "IAM Identity Center",
            KindName::AwsSaml => "IAM Role Federated",
        }
    }
    /// A group of such sessions (the tray's submenus).
    pub fn plural(self) -> &'static str {
        match self {
            KindName::IamUser => "IAM users",
            KindName::RoleChained => "Chained roles",
            KindName::AwsSso => "IAM Identity Center",
            KindName::AwsSaml => "Federated roles",
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
    AwsSaml(AwsSaml),
}

/// What a new session of a kind needs besides alias, profile and region.
pub enum NewKind {
    IamUser(iam_user::New),
    RoleChained(role_chained::New),
    AwsSaml(aws_saml::New),
}

/// A change to the kind-specific part of a session; each kind's fields are its own.
pub enum KindEdit {
    IamUser(iam_user::Edit),
    RoleChained(role_chained::Edit),
    AwsSaml(aws_saml::Edit),
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
    /// The assertion of a SAML sign-in, for the SAML session of the chain.
    pub saml: Option<&'a crate::saml::SamlResponse>,
}

/// What a session of each kind shows beyond what every session has: the session list, the tray
/// and `session list --json` (each kind's fields, flattened) read it. Each kind's `Details` is
/// its own struct in its module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindDetails {
    IamUser(iam_user::Details),
    RoleChained(role_chained::Details),
    AwsSso(aws_sso::Details),
    AwsSaml(aws_saml::Details),
}

impl KindDetails {
    pub fn name(&self) -> KindName {
        match self {
            KindDetails::IamUser(_) => KindName::IamUser,
            KindDetails::RoleChained(_) => KindName::RoleChained,
            KindDetails::AwsSso(_) => KindName::AwsSso,
            KindDetails::AwsSaml(_) => KindName::AwsSaml,
        }
    }

    /// A short line under the alias ("IAM User · MFA", "Role chained from dev").
    pub fn summary(&self) -> String {
        match self {
            KindDetails::IamUser(d) => d.summary(),
            KindDetails::RoleChained(d) => d.summary(),
            KindDetails::AwsSso(d) => d.summary(),
            KindDetails::AwsSaml(d) => d.summary(),
        }
    }

    /// Where the tray files the session in a long menu (a submenu per element).
    pub fn group(&self) -> Vec<String> {
        match self {
            KindDetails::IamUser(_) | KindDetails::RoleChained(_) | KindDetails::AwsSaml(_) => {
                vec![self.name().plural().to_owned()]
            }
            KindDetails::AwsSso(d) => d.group(),
        }
    }

    /// The kind's words a search of the session list looks in (besides alias and profile).
    pub fn search_terms(&self) -> Vec<&str> {
        match self {
            KindDetails::IamUser(_) | KindDetails::RoleChained(_) => Vec::new(),
            KindDetails::AwsSso(d) => d.search_terms(),
            KindDetails::AwsSaml(d) => vec![d.role_arn.as_str(), d.idp_url.as_str()],
        }
    }

    /// The session whose credentials this one starts from.
    pub fn assumer_id(&self) -> Option<&SessionId> {
        match self {
            KindDetails::RoleChained(d) => Some(&d.assumer_id),
            KindDetails::IamUser(_) | KindDetails::AwsSso(_) | KindDetails::AwsSaml(_) => None,
        }
    }

    /// The name of the IAM Identity Center connection the session signs in through.
    pub fn sso_connection(&self) -> Option<&str> {
        match self {
            KindDetails::AwsSso(d) => Some(&d.connection),
            KindDetails::IamUser(_) | KindDetails::RoleChained(_) | KindDetails::AwsSaml(_) => None,
        }
    }
}

/// A kind's `Details` as `session list --json` names its fields.
trait JsonFields: Serialize {
    const JSON_FIELDS: &'static [&'static str];
}

impl Serialize for KindDetails {
    /// The session's kind's fields, then `null` for every other kind's: the JSON always carried
    /// every field, in kind order, and scripts index it so.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Every<'a> {
            #[serde(flatten)]
            iam_user: OrNull<'a, iam_user::Details>,
            #[serde(flatten)]
            role_chained: RoleFields<'a>,
            #[serde(flatten)]
            aws_sso: OrNull<'a, aws_sso::Details>,
            #[serde(flatten)]
            aws_saml: OrNull<'a, aws_saml::Details>,
        }
        Every {
            iam_user: OrNull(if let KindDetails::IamUser(d) = self {
                Some(d)
            } else {
                None
            }),
            role_chained: match self {
                KindDetails::RoleChained(d) => RoleFields::Chained(d),
                KindDetails::AwsSaml(d) => RoleFields::Saml(&d.role_arn),
                _ => RoleFields::Neither,
            },
            aws_sso: OrNull(if let KindDetails::AwsSso(d) = self {
                Some(d)
            } else {
                None
            }),
            aws_saml: OrNull(if let KindDetails::AwsSaml(d) = self {
                Some(d)
            } else {
                None
            }),
        }
        .serialize(s)
    }
}

/// A chained role's fields, which a SAML session shares one of: its role is `role_arn` too.
enum RoleFields<'a> {
    Chained(&'a role_chained::Details),
    Saml(&'a crate::validate::RoleArn),
    Neither,
}

impl Serialize for RoleFields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            RoleFields::Chained(d) => OrNull(Some(*d)).serialize(s),
            RoleFields::Neither => OrNull::<role_chained::Details>(None).serialize(s),
            RoleFields::Saml(arn) => {
                let mut m = s.serialize_map(Some(role_chained::Details::JSON_FIELDS.len()))?;
                for f in role_chained::Details::JSON_FIELDS {
                    if *f == "role_arn" {
                        m.serialize_entry(f, arn)?;
                    } else {
                        m.serialize_entry(f, &())?;
                    }
                }
                m.end()
            }
        }
    }
}

/// A kind's fields: its own values, or every one `null`.
struct OrNull<'a, T>(Option<&'a T>);

impl<T: JsonFields> Serialize for OrNull<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if let Some(d) = self.0 {
            return d.serialize(s);
        }
        let mut m = s.serialize_map(Some(T::JSON_FIELDS.len()))?;
        for f in T::JSON_FIELDS {
            m.serialize_entry(f, &())?;
        }
        m.end()
    }
}

impl SessionKind {
    pub fn name(&self) -> KindName {
        match self {
            SessionKind::IamUser(_) => KindName::IamUser,
            SessionKind::RoleChained(_) => KindName::RoleChained,
            SessionKind::AwsSso(_) => KindName::AwsSso,
            SessionKind::AwsSaml(_) => KindName::AwsSaml,
        }
    }

    /// The session whose credentials this one starts from, if any.
    pub fn assumer(&self) -> Option<&SessionId> {
        match self {
            SessionKind::IamUser(_) | SessionKind::AwsSso(_) | SessionKind::AwsSaml(_) => None,
            SessionKind::RoleChained(k) => Some(&k.assumer),
        }
    }

    /// The MFA device a chain rooted here asks a code for.
    pub fn mfa_device(&self) -> Option<&MfaDevice> {
        match self {
            SessionKind::IamUser(k) => k.mfa_device.as_ref(),
            SessionKind::RoleChained(_) | SessionKind::AwsSso(_) | SessionKind::AwsSaml(_) => None,
        }
    }

    /// What the console sign-in uses for this kind.
    pub fn console_credentials(&self) -> ConsoleCredentials {
        match self {
            // Its session token (GetSessionToken) cannot sign in; its keys can ask for a
            // federation token, lasting as long as the user's sessions do.
            SessionKind::IamUser(k) => ConsoleCredentials::FederationToken(k.duration),
            SessionKind::RoleChained(_) | SessionKind::AwsSso(_) | SessionKind::AwsSaml(_) => ConsoleCredentials::Own,
        }
    }

    /// The command that prints the code for that device, if the user gave one.
    pub fn mfa_process(&self) -> Option<&crate::mfa_command::MfaProcess> {
        match self {
            SessionKind::IamUser(k) => k.mfa_process.as_ref(),
            SessionKind::RoleChained(_) | SessionKind::AwsSso(_) | SessionKind::AwsSaml(_) => None,
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
            SessionKind::AwsSaml(k) => k.reuse_margin(is_target, fresh),
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
            SessionKind::AwsSaml(k) => k.fetch(p, s).await,
        }
    }

    /// What the session shows of its kind; names come from the other sessions and connections.
    pub fn details(&self, all: &[Session], connections: &[SsoConnection]) -> KindDetails {
        match self {
            SessionKind::IamUser(k) => KindDetails::IamUser(k.details()),
            SessionKind::RoleChained(k) => KindDetails::RoleChained(k.details(all)),
            SessionKind::AwsSso(k) => KindDetails::AwsSso(k.details(connections)),
            SessionKind::AwsSaml(k) => KindDetails::AwsSaml(k.details()),
        }
    }

    /// Applies `edit`; an edit meant for another kind names the field that does not apply.
    pub(crate) fn apply(&mut self, edit: &KindEdit, sessions: &[Session], me: &Session) -> Result<()> {
        match (self, edit) {
            (SessionKind::IamUser(k), KindEdit::IamUser(e)) => {
                k.apply(e);
                Ok(())
            }
            (SessionKind::RoleChained(k), KindEdit::RoleChained(e)) => k.apply(e, sessions, me),
            (SessionKind::AwsSaml(k), KindEdit::AwsSaml(e)) => {
                k.apply(e);
                Ok(())
            }
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
            NewKind::AwsSaml(_) => KindName::AwsSaml,
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
            NewKind::AwsSaml(n) => Ok(SessionKind::AwsSaml(n.create())),
        }
    }
}

impl KindEdit {
    pub fn name(&self) -> KindName {
        match self {
            KindEdit::IamUser(_) => KindName::IamUser,
            KindEdit::RoleChained(_) => KindName::RoleChained,
            KindEdit::AwsSaml(_) => KindName::AwsSaml,
        }
    }

    /// The first field the edit sets, as a message names it.
    pub fn first_field(&self) -> &'static str {
        match self {
            KindEdit::IamUser(e) => e.first_field(),
            KindEdit::RoleChained(e) => e.first_field(),
            KindEdit::AwsSaml(e) => e.first_field(),
        }
    }

    /// Does the edit carry secrets for the keyring (new long-term keys)?
    pub(crate) fn has_secrets(&self) -> bool {
        match self {
            KindEdit::IamUser(e) => e.access_key_id.is_some() || e.secret_access_key.is_some(),
            KindEdit::RoleChained(_) | KindEdit::AwsSaml(_) => false,
        }
    }

    /// Keyring work of the edit (new long-term keys), done after the state checks passed.
    pub(crate) fn store_secrets<S: SecretStore>(&self, secrets: &Secrets<S>, s: &Session) -> Result<()> {
        match self {
            KindEdit::IamUser(e) => e.store_secrets(secrets, s),
            KindEdit::RoleChained(_) | KindEdit::AwsSaml(_) => Ok(()),
        }
    }
}
