//! IAM Identity Center (AWS SSO): connections to an organisation's portal, the OIDC sign-in
//! that gives an access token (and a refresh token that renews it silently), and the portal
//! calls that list the accounts and roles and hand out role credentials. Tokens and the client
//! registration live in the keyring; the connection itself (no secret) in `state.json`.

mod callback;
pub mod connection;
pub mod oidc;
pub mod portal;
pub mod tokens;

pub use connection::{ConnectionId, ConnectionName, SsoConnection, StartUrl};
pub use oidc::{Flow, SignInPrompt};

/// What went wrong with IAM Identity Center; none of these carries a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    #[error("connection name {0:?} is not valid: use 1-64 letters, digits, spaces, '.', '_' or '-'")]
    BadName(String),
    #[error("start URL {0:?} is not valid: expected https://<your portal>/start (an http(s) URL)")]
    BadStartUrl(String),
    #[error(
        "start URL {0:?} is not https: the sign-in's codes and tokens would travel in the clear; use the https:// URL of your portal"
    )]
    StartUrlNotHttps(String),
    #[error("no SSO connection named {0:?}")]
    NoSuchConnection(String),
    #[error("an SSO connection named {0:?} already exists")]
    DuplicateName(String),
    #[error("sign in to {connection:?} first: keyhop sso login {connection}")]
    SignInNeeded { connection: String },
    #[error("the sign-in to {connection:?} was denied in the browser")]
    Denied { connection: String },
    #[error("the sign-in to {connection:?} timed out after {secs} s; run keyhop sso login again")]
    TimedOut { connection: String, secs: u64 },
    #[error("cannot reach IAM Identity Center at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("IAM Identity Center {operation} failed: {code}: {message}")]
    Service {
        operation: &'static str,
        code: String,
        message: String,
    },
    #[error("the sign-in callback could not be served on 127.0.0.1: {0}")]
    Callback(String),
    #[error("SSO connection {connection:?} still has {count} session(s); remove them first, or pass --with-sessions")]
    HasSessions { connection: String, count: usize },
}

use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use secrecy::SecretString;

use crate::endpoints::Endpoints;
use crate::secrets::{SecretStore, Secrets};

/// An access token counts as good while it has at least this long left.
pub const TOKEN_MARGIN: time::Duration = time::Duration::minutes(1);

/// A good access token for `conn`: the stored one, or one renewed with the refresh token
/// (under the connection's lock, so concurrent keyhop processes renew once). No token, or a
/// refresh token that is refused: `SignInNeeded`.
pub async fn access_token<S: SecretStore>(
    secrets: &Secrets<S>,
    endpoints: &Endpoints,
    state_dir: &std::path::Path,
    conn: &SsoConnection,
) -> Result<SecretString, crate::Error> {
    token_unless(secrets, endpoints, state_dir, conn, None).await
}

/// A new access token after the portal refused `rejected` before its time (revoked, or its
/// recorded expiry was off): renewed with the refresh token unless another process already did.
pub async fn renewed_token<S: SecretStore>(
    secrets: &Secrets<S>,
    endpoints: &Endpoints,
    state_dir: &std::path::Path,
    conn: &SsoConnection,
    rejected: &SecretString,
) -> Result<SecretString, crate::Error> {
    token_unless(secrets, endpoints, state_dir, conn, Some(rejected)).await
}

async fn token_unless<S: SecretStore>(
    secrets: &Secrets<S>,
    endpoints: &Endpoints,
    state_dir: &std::path::Path,
    conn: &SsoConnection,
    rejected: Option<&SecretString>,
) -> Result<SecretString, crate::Error> {
    use secrecy::ExposeSecret;
    let now = time::OffsetDateTime::now_utc();
    let usable = |t: &tokens::Token| {
        t.valid_for(TOKEN_MARGIN, now) && rejected.is_none_or(|r| r.expose_secret() != t.access_token.expose_secret())
    };
    let sign_in = || SsoError::SignInNeeded {
        connection: conn.name.to_string(),
    };
    if let Some(t) = secrets.sso_token(&conn.id)?
        && usable(&t)
    {
        return Ok(t.access_token);
    }
    let _lock = tokens::ConnectionLock::acquire(state_dir, &conn.id).map_err(|e| SsoError::Callback(e.to_string()))?;
    // Another process may have renewed it while we waited for the lock.
    let Some(t) = secrets.sso_token(&conn.id)? else {
        return Err(sign_in().into());
    };
    if usable(&t) {
        return Ok(t.access_token);
    }
    let (Some(refresh), Some(reg)) = (&t.refresh_token, secrets.sso_registration(&conn.id)?) else {
        return Err(sign_in().into());
    };
    match oidc::refresh(endpoints, conn, &reg, refresh).await {
        Ok(new) => {
            secrets.set_sso_token(&conn.id, &new)?;
            Ok(new.access_token)
        }
        Err(e @ SsoError::SignInNeeded { .. }) => {
            // The refresh token is spent or expired: forget it, so nothing retries it.
            secrets.forget_sso_token(&conn.id)?;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs a portal call with a good access token; when the portal refuses the token before its
/// recorded expiry, renews it with the refresh token and runs the call once more.
pub async fn with_token<S: SecretStore, T, F, Fut>(
    secrets: &Secrets<S>,
    endpoints: &Endpoints,
    state_dir: &std::path::Path,
    conn: &SsoConnection,
    call: F,
) -> Result<T, crate::Error>
where
    F: Fn(SecretString) -> Fut,
    Fut: std::future::Future<Output = Result<T, SsoError>>,
{
    let token = access_token(secrets, endpoints, state_dir, conn).await?;
    match call(token.clone()).await {
        Err(SsoError::SignInNeeded { .. }) => {
            tracing::info!(connection = %conn.name, "the portal refused the access token; renewing it");
            let renewed = renewed_token(secrets, endpoints, state_dir, conn, &token).await?;
            Ok(call(renewed).await?)
        }
        other => Ok(other?),
    }
}

/// An SDK failure of an IAM Identity Center call (OIDC or portal) as a message: not reached
/// (naming `url`), a refused access token (a sign-in is needed), or the service's code.
pub(crate) fn sdk_error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
    url: String,
    conn: &SsoConnection,
    err: &SdkError<E, R>,
) -> SsoError {
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            SsoError::Unreachable {
                url,
                reason: crate::sdk_config::root_cause(err),
            }
        }
        // The portal's answer to an expired or logged-out token.
        SdkError::ServiceError(ctx) if ctx.err().code() == Some("UnauthorizedException") => SsoError::SignInNeeded {
            connection: conn.name.to_string(),
        },
        SdkError::ServiceError(ctx) => SsoError::Service {
            operation,
            code: ctx.err().code().unwrap_or("Unknown").to_owned(),
            message: ctx.err().message().unwrap_or_default().to_owned(),
        },
        _ => SsoError::Service {
            operation,
            code: "RequestFailed".to_owned(),
            message: crate::sdk_config::root_cause(err),
        },
    }
}
