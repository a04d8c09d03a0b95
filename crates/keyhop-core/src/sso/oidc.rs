//! The OIDC side of IAM Identity Center: registering keyhop as a public client, the two sign-in
//! flows (authorization code with PKCE and a loopback redirect, as AWS CLI v2 does; the device
//! authorization grant), and renewing the access token with the refresh token.

use std::time::Duration;

use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use time::OffsetDateTime;
use tracing::Instrument;

use super::callback::{Callback, Outcome};
use super::tokens::{Registration, Token};
use super::{SsoConnection, SsoError};
use crate::endpoints::Endpoints;

/// How the user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    /// A browser on this machine: authorization code + PKCE, redirected to 127.0.0.1.
    AuthorizationCode,
    /// A browser anywhere: a code the user confirms on a verification page.
    DeviceCode,
}

/// What the user must open (and, for the device flow, the code to check there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInPrompt {
    pub url: String,
    pub user_code: Option<String>,
}

const CLIENT_NAME: &str = "keyhop";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The redirect registered for the authorization-code flow; the port is chosen per sign-in
/// (loopback redirects match any port, RFC 8252 §7.3).
const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";

async fn client(endpoints: &Endpoints, conn: &SsoConnection) -> aws_sdk_ssooidc::Client {
    aws_sdk_ssooidc::Client::new(&crate::sdk_config::load(endpoints.sso_oidc(), &conn.region, None).await)
}

fn sso_error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
    endpoints: &Endpoints,
    conn: &SsoConnection,
    err: &SdkError<E, R>,
) -> SsoError {
    super::sdk_error(operation, endpoints.sso_oidc_url(conn.region.as_str()), conn, err)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn secs(n: i64) -> time::Duration {
    time::Duration::seconds(n)
}

/// Registers keyhop as a public OIDC client for `flow` (valid for about 90 days).
pub async fn register(endpoints: &Endpoints, conn: &SsoConnection, flow: Flow) -> Result<Registration, SsoError> {
    let span = tracing::info_span!("sso_oidc.register_client", connection = %conn.name, ?flow);
    async {
        let mut req = client(endpoints, conn)
            .await
            .register_client()
            .client_name(CLIENT_NAME)
            .client_type("public")
            .set_scopes(Some(conn.scopes.clone()));
        if flow == Flow::AuthorizationCode {
            req = req
                .grant_types("authorization_code")
                .grant_types("refresh_token")
                .redirect_uris(REGISTERED_REDIRECT)
                .issuer_url(conn.start_url.as_str());
        }
        let out = req
            .send()
            .await
            .map_err(|e| sso_error("RegisterClient", endpoints, conn, &e))?;
        let expires_at = crate::sts::expiration_at(out.client_secret_expires_at())
            .unwrap_or_else(|| now() + time::Duration::days(1));
        Ok(Registration {
            client_id: out.client_id().unwrap_or_default().to_owned(),
            client_secret: SecretString::from(out.client_secret().unwrap_or_default().to_owned()),
            expires_at,
            flow,
        })
    }
    .instrument(span)
    .await
}

/// base64url without padding, as PKCE (RFC 7636) spells its values.
fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random source is available");
    b
}

/// Signs in with `flow`: `prompt` is told what to open; then waits up to `timeout`.
pub async fn sign_in(
    endpoints: &Endpoints,
    conn: &SsoConnection,
    reg: &Registration,
    timeout: Duration,
    prompt: impl FnOnce(&SignInPrompt),
) -> Result<Token, SsoError> {
    let timed_out = || SsoError::TimedOut {
        connection: conn.name.to_string(),
        secs: timeout.as_secs(),
    };
    match reg.flow {
        Flow::AuthorizationCode => {
            let span = tracing::info_span!("sso_oidc.authorization_code", connection = %conn.name);
            tokio::time::timeout(timeout, auth_code(endpoints, conn, reg, prompt).instrument(span))
                .await
                .map_err(|_| timed_out())?
        }
        Flow::DeviceCode => {
            let span = tracing::info_span!("sso_oidc.device_code", connection = %conn.name);
            tokio::time::timeout(timeout, device_code(endpoints, conn, reg, prompt).instrument(span))
                .await
                .map_err(|_| timed_out())?
        }
    }
}

async fn auth_code(
    endpoints: &Endpoints,
    conn: &SsoConnection,
    reg: &Registration,
    prompt: impl FnOnce(&SignInPrompt),
) -> Result<Token, SsoError> {
    let callback = Callback::bind().await.map_err(|e| SsoError::Callback(e.to_string()))?;
    let verifier = b64url(&random_bytes::<48>());
    let challenge = b64url(&sha2::Sha256::digest(verifier.as_bytes()));
    let state = b64url(&random_bytes::<16>());
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &reg.client_id)
        .append_pair("redirect_uri", &callback.redirect_uri)
        .append_pair("state", &state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", &conn.scopes.join(" "))
        .append_pair("code_challenge", &challenge)
        .finish();
    let base = endpoints.sso_oidc_url(conn.region.as_str());
    prompt(&SignInPrompt {
        url: format!("{}/authorize?{query}", base.trim_end_matches('/')),
        user_code: None,
    });
    let code = match callback
        .wait(&state)
        .await
        .map_err(|e| SsoError::Callback(e.to_string()))?
    {
        Outcome::Code(code) => code,
        Outcome::Denied(_) => {
            return Err(SsoError::Denied {
                connection: conn.name.to_string(),
            });
        }
    };
    let out = client(endpoints, conn)
        .await
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose_secret())
        .grant_type("authorization_code")
        .code(code)
        .redirect_uri(&callback.redirect_uri)
        .code_verifier(verifier)
        .send()
        .await
        .map_err(|e| sso_error("CreateToken", endpoints, conn, &e))?;
    Ok(token(out.access_token(), out.expires_in(), out.refresh_token()))
}

async fn device_code(
    endpoints: &Endpoints,
    conn: &SsoConnection,
    reg: &Registration,
    prompt: impl FnOnce(&SignInPrompt),
) -> Result<Token, SsoError> {
    let oidc = client(endpoints, conn).await;
    let start = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose_secret())
        .start_url(conn.start_url.as_str())
        .send()
        .await
        .map_err(|e| sso_error("StartDeviceAuthorization", endpoints, conn, &e))?;
    let user_code = start.user_code().unwrap_or_default().to_owned();
    prompt(&SignInPrompt {
        url: start
            .verification_uri_complete()
            .or(start.verification_uri())
            .unwrap_or_default()
            .to_owned(),
        user_code: Some(user_code),
    });
    let mut interval = Duration::from_secs(u64::try_from(start.interval().max(1)).unwrap_or(5));
    loop {
        tokio::time::sleep(interval).await;
        let res = oidc
            .create_token()
            .client_id(&reg.client_id)
            .client_secret(reg.client_secret.expose_secret())
            .grant_type(DEVICE_GRANT)
            .device_code(start.device_code().unwrap_or_default())
            .send()
            .await;
        match res {
            Ok(out) => return Ok(token(out.access_token(), out.expires_in(), out.refresh_token())),
            Err(e) => match e.code() {
                Some("AuthorizationPendingException") => {}
                Some("SlowDownException") => interval += Duration::from_secs(5),
                Some("AccessDeniedException") => {
                    return Err(SsoError::Denied {
                        connection: conn.name.to_string(),
                    });
                }
                Some("ExpiredTokenException") => {
                    return Err(SsoError::TimedOut {
                        connection: conn.name.to_string(),
                        secs: u64::try_from(start.expires_in()).unwrap_or(0),
                    });
                }
                _ => return Err(sso_error("CreateToken", endpoints, conn, &e)),
            },
        }
    }
}

/// Renews the access token. A refused refresh token means a new sign-in is needed.
pub async fn refresh(
    endpoints: &Endpoints,
    conn: &SsoConnection,
    reg: &Registration,
    refresh_token: &SecretString,
) -> Result<Token, SsoError> {
    let span = tracing::info_span!("sso_oidc.refresh_token", connection = %conn.name);
    async {
        let out = client(endpoints, conn)
            .await
            .create_token()
            .client_id(&reg.client_id)
            .client_secret(reg.client_secret.expose_secret())
            .grant_type("refresh_token")
            .refresh_token(refresh_token.expose_secret())
            .send()
            .await
            .map_err(|e| match e.code() {
                Some("InvalidGrantException" | "ExpiredTokenException" | "InvalidClientException") => {
                    SsoError::SignInNeeded {
                        connection: conn.name.to_string(),
                    }
                }
                _ => sso_error("CreateToken", endpoints, conn, &e),
            })?;
        let mut t = token(out.access_token(), out.expires_in(), out.refresh_token());
        // The service may keep the refresh token; then the old one stays good.
        if t.refresh_token.is_none() {
            t.refresh_token = Some(refresh_token.clone());
        }
        Ok(t)
    }
    .instrument(span)
    .await
}

fn token(access: Option<&str>, expires_in: i32, refresh: Option<&str>) -> Token {
    Token {
        access_token: SecretString::from(access.unwrap_or_default().to_owned()),
        expires_at: now() + secs(i64::from(expires_in)),
        refresh_token: refresh
            .filter(|r| !r.is_empty())
            .map(|r| SecretString::from(r.to_owned())),
        obtained_at: now(),
    }
}
