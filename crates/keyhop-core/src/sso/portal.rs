//! The portal side of IAM Identity Center, called with a sign-in's access token: which accounts
//! and roles the user may use, and role credentials for one of them.

use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use super::{SsoConnection, SsoError};
use crate::endpoints::Endpoints;
use crate::secrets::StsCredentials;

/// One (account, role) the user is assigned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
}

async fn client(endpoints: &Endpoints, conn: &SsoConnection) -> aws_sdk_sso::Client {
    aws_sdk_sso::Client::new(&crate::sdk_config::load(endpoints.sso(), &conn.region, None).await)
}

fn portal_error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
    endpoints: &Endpoints,
    conn: &SsoConnection,
    err: &SdkError<E, R>,
) -> SsoError {
    super::sdk_error(operation, endpoints.sso_url(conn.region.as_str()), conn, err)
}

/// Every (account, role) of the user, all pages of both listings, sorted.
pub async fn assignments(
    endpoints: &Endpoints,
    conn: &SsoConnection,
    token: &SecretString,
) -> Result<Vec<Assignment>, SsoError> {
    let span = tracing::info_span!("sso.list_assignments", connection = %conn.name);
    async {
        let sso = client(endpoints, conn).await;
        let mut accounts = vec![];
        let mut next: Option<String> = None;
        loop {
            let out = sso
                .list_accounts()
                .access_token(token.expose_secret())
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| portal_error("ListAccounts", endpoints, conn, &e))?;
            for a in out.account_list() {
                accounts.push((
                    a.account_id().unwrap_or_default().to_owned(),
                    a.account_name().unwrap_or_default().to_owned(),
                ));
            }
            next = out.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        let mut out = vec![];
        for (account_id, account_name) in accounts {
            let mut next: Option<String> = None;
            loop {
                let page = sso
                    .list_account_roles()
                    .access_token(token.expose_secret())
                    .account_id(&account_id)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| portal_error("ListAccountRoles", endpoints, conn, &e))?;
                for r in page.role_list() {
                    out.push(Assignment {
                        account_id: account_id.clone(),
                        account_name: account_name.clone(),
                        role_name: r.role_name().unwrap_or_default().to_owned(),
                    });
                }
                next = page.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
                if next.is_none() {
                    break;
                }
            }
        }
        out.sort();
        tracing::info!(count = out.len(), "listed assignments");
        Ok(out)
    }
    .instrument(span)
    .await
}

/// Short-lived credentials of one role.
pub async fn role_credentials(
    endpoints: &Endpoints,
    conn: &SsoConnection,
    token: &SecretString,
    account_id: &str,
    role_name: &str,
) -> Result<StsCredentials, SsoError> {
    let span = tracing::info_span!("sso.get_role_credentials", connection = %conn.name, account_id, role_name);
    async {
        let out = client(endpoints, conn)
            .await
            .get_role_credentials()
            .access_token(token.expose_secret())
            .account_id(account_id)
            .role_name(role_name)
            .send()
            .await
            .map_err(|e| portal_error("GetRoleCredentials", endpoints, conn, &e))?;
        let c = out.role_credentials().ok_or_else(|| SsoError::Service {
            operation: "GetRoleCredentials",
            code: "NoCredentials".to_owned(),
            message: "the portal answered without credentials".to_owned(),
        })?;
        let creds = into_credentials(c)?;
        tracing::info!(expiration = %creds.expiration, "got role credentials");
        Ok(creds)
    }
    .instrument(span)
    .await
}

/// The portal's role credentials, their expiration (epoch milliseconds) checked.
fn into_credentials(c: &aws_sdk_sso::types::RoleCredentials) -> Result<StsCredentials, SsoError> {
    let expiration = crate::sts::expiration_at(c.expiration().div_euclid(1000)).ok_or_else(|| SsoError::Service {
        operation: "GetRoleCredentials",
        code: "BadExpiration".to_owned(),
        message: "the portal answered with an impossible expiration".to_owned(),
    })?;
    Ok(StsCredentials {
        access_key_id: c.access_key_id().unwrap_or_default().to_owned(),
        secret_access_key: c.secret_access_key().unwrap_or_default().to_owned().into(),
        session_token: c.session_token().unwrap_or_default().to_owned().into(),
        expiration,
    })
}

/// Ends the sign-in on the portal's side too.
pub async fn logout(endpoints: &Endpoints, conn: &SsoConnection, token: &SecretString) -> Result<(), SsoError> {
    let span = tracing::info_span!("sso.logout", connection = %conn.name);
    async {
        match client(endpoints, conn)
            .await
            .logout()
            .access_token(token.expose_secret())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Already invalid: logged out all the same.
            Err(e) if e.code() == Some("UnauthorizedException") => Ok(()),
            Err(e) => Err(portal_error("Logout", endpoints, conn, &e)),
        }
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sso::types::RoleCredentials;

    fn answered(expiration_ms: i64) -> Result<StsCredentials, SsoError> {
        into_credentials(
            &RoleCredentials::builder()
                .access_key_id("ASIAEXAMPLEEXAMPLE01")
                .secret_access_key("s")
                .session_token("t")
                .expiration(expiration_ms)
                .build(),
        )
    }

    #[test]
    fn an_expiration_outside_any_sane_range_is_an_error_not_a_panic_later() {
        let ok = answered(1_800_000_000_000).expect("a 2027 expiration");
        assert_eq!(crate::engine::rfc3339(ok.expiration), "2027-01-15T08:00:00Z");
        // Years before 0 and after 9999: RFC 3339 cannot write them (the keyring cache, the
        // AWS files and `serve` all do).
        for ms in [-100_000_000_000_000, -1, 253_402_300_800_000, i64::MAX, i64::MIN] {
            let e = answered(ms).map(|c| crate::engine::rfc3339(c.expiration));
            assert!(
                matches!(&e, Err(SsoError::Service { code, .. }) if code == "BadExpiration"),
                "{ms}: {e:?}"
            );
        }
    }
}
