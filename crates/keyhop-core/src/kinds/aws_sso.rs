//! IAM Identity Center (AWS SSO): a role in an account, reached through a connection's sign-in.
//! Credentials come from the portal's GetRoleCredentials with the connection's access token,
//! which is renewed with its refresh token; only when that fails must the user sign in again.

use serde::{Deserialize, Serialize};

use super::{Freshness, JsonFields, Providers};
use crate::error::{Error, Result};
use crate::secrets::{SecretStore, StsCredentials};
use crate::session::Session;
use crate::sso::{self, ConnectionId, SsoConnection};

/// Role credentials handed on (to `credential-process`, or to a role chained on this one) keep
/// at least this long.
pub const REUSE_MARGIN: time::Duration = time::Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsSso {
    pub connection: ConnectionId,
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
}

/// What an IAM Identity Center session shows (`session list --json`: `sso_connection`,
/// `account_id`, `account_name`, `role_name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Details {
    /// The connection's name (its id when the connection is gone).
    #[serde(rename = "sso_connection")]
    pub connection: String,
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
}

impl JsonFields for Details {
    const JSON_FIELDS: &'static [&'static str] = &["sso_connection", "account_id", "account_name", "role_name"];
}

impl Details {
    pub(super) fn summary(&self) -> String {
        format!(
            "IAM Identity Center · {} · account {}",
            self.connection, self.account_id
        )
    }

    /// Connection, then account: hundreds of synced roles stay browsable.
    pub(super) fn group(&self) -> Vec<String> {
        vec![self.connection.clone(), self.account_name.clone()]
    }

    pub(super) fn search_terms(&self) -> Vec<&str> {
        vec![&self.account_name, &self.account_id, &self.role_name, &self.connection]
    }
}

impl AwsSso {
    pub(super) fn reuse_margin(&self, is_target: bool, fresh: Freshness) -> Option<time::Duration> {
        (!is_target || fresh == Freshness::CachedOk).then_some(REUSE_MARGIN)
    }

    pub(super) async fn fetch<S: SecretStore>(&self, p: &Providers<'_, S>, s: &Session) -> Result<StsCredentials> {
        let conn = self.connection_in(p.connections)?;
        sso::with_token(p.secrets, p.endpoints, p.state_dir, conn, |token| async move {
            sso::portal::role_credentials(p.endpoints, conn, &token, &self.account_id, &self.role_name)
                .await
                .inspect_err(|e| tracing::debug!(alias = %s.alias, error = %e, "GetRoleCredentials failed"))
        })
        .await
    }

    pub(crate) fn connection_in<'a>(&self, connections: &'a [SsoConnection]) -> Result<&'a SsoConnection> {
        connections
            .iter()
            .find(|c| c.id == self.connection)
            .ok_or_else(|| Error::Sso(sso::SsoError::NoSuchConnection(self.connection.to_string())))
    }

    pub(super) fn details(&self, connections: &[SsoConnection]) -> Details {
        let connection = connections
            .iter()
            .find(|c| c.id == self.connection)
            .map_or_else(|| self.connection.to_string(), |c| c.name.to_string());
        Details {
            connection,
            account_id: self.account_id.clone(),
            account_name: self.account_name.clone(),
            role_name: self.role_name.clone(),
        }
    }
}
