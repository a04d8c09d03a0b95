//! IAM Role Chained: AssumeRole with the credentials of another session (its assumer), which
//! may itself be chained. AWS caps chained role sessions at one hour.

use serde::{Deserialize, Serialize};

use super::{Freshness, JsonFields, Providers};
use crate::chain;
use crate::error::{Error, Result};
use crate::secrets::{SecretStore, StsCredentials};
use crate::session::{Session, SessionId};
use crate::sts;
use crate::validate::{RoleArn, RoleSessionName};

/// Cached role credentials handed on (to `credential-process`, or to a role chained on this
/// one) keep at least this long.
pub const REUSE_MARGIN: time::Duration = time::Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChained {
    pub role_arn: RoleArn,
    pub role_session_name: RoleSessionName,
    pub assumer: SessionId,
}

/// What a chained role shows (`session list --json`: `role_arn`, `role_session_name`,
/// `assumer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Details {
    pub role_arn: RoleArn,
    pub role_session_name: RoleSessionName,
    /// The assumer's alias (its id when the assumer is gone).
    pub assumer: String,
    #[serde(skip)]
    pub assumer_id: SessionId,
}

impl JsonFields for Details {
    const JSON_FIELDS: &'static [&'static str] = &["role_arn", "role_session_name", "assumer"];
}

impl Details {
    pub(super) fn summary(&self) -> String {
        format!("Role chained from {}", self.assumer)
    }
}

pub struct New {
    pub role_arn: RoleArn,
    pub role_session_name: RoleSessionName,
    pub assumer: SessionId,
}

#[derive(Default)]
pub struct Edit {
    pub role_arn: Option<RoleArn>,
    pub role_session_name: Option<RoleSessionName>,
    pub assumer: Option<SessionId>,
}

impl RoleChained {
    pub(super) fn reuse_margin(&self, is_target: bool, fresh: Freshness) -> Option<time::Duration> {
        (!is_target || fresh == Freshness::CachedOk).then_some(REUSE_MARGIN)
    }

    pub(super) async fn fetch<S: SecretStore>(
        &self,
        p: &Providers<'_, S>,
        s: &Session,
        from: &StsCredentials,
    ) -> Result<StsCredentials> {
        sts::assume_role(p.endpoints, &s.region, from, &self.role_arn, &self.role_session_name)
            .await
            .map_err(|source| Error::Sts {
                step: "AssumeRole",
                alias: s.alias.to_string(),
                source,
            })
    }

    pub(super) fn details(&self, all: &[Session]) -> Details {
        let assumer_name =
            chain::find(all, &self.assumer).map_or_else(|| self.assumer.to_string(), |a| a.alias.to_string());
        Details {
            role_arn: self.role_arn.clone(),
            role_session_name: self.role_session_name.clone(),
            assumer: assumer_name,
            assumer_id: self.assumer.clone(),
        }
    }

    pub(super) fn apply(&mut self, e: &Edit, sessions: &[Session], me: &Session) -> Result<()> {
        if let Some(a) = &e.role_arn {
            self.role_arn = a.clone();
        }
        if let Some(n) = &e.role_session_name {
            self.role_session_name = n.clone();
        }
        if let Some(new_assumer) = &e.assumer {
            if chain::find(sessions, new_assumer).is_none() {
                return Err(Error::NoSuchSession(new_assumer.to_string()));
            }
            if new_assumer == &me.id {
                return Err(Error::SelfAssumer(me.alias.to_string()));
            }
            chain::check_new_assumer(sessions, &me.id, new_assumer)?;
            self.assumer = new_assumer.clone();
        }
        Ok(())
    }
}

impl New {
    pub(super) fn create(&self, sessions: &[Session]) -> Result<RoleChained> {
        if chain::find(sessions, &self.assumer).is_none() {
            return Err(Error::NoSuchSession(self.assumer.to_string()));
        }
        Ok(RoleChained {
            role_arn: self.role_arn.clone(),
            role_session_name: self.role_session_name.clone(),
            assumer: self.assumer.clone(),
        })
    }
}

impl Edit {
    pub(super) fn first_field(&self) -> &'static str {
        if self.role_arn.is_some() {
            "a role ARN"
        } else if self.role_session_name.is_some() {
            "a role session name"
        } else {
            "an assumer session"
        }
    }
}
