//! A connection's keyring items: the OIDC client registration and the token (access token and
//! refresh token), as JSON under account `<connection id>:client` / `:token`. Plus the lock
//! that serialises sign-ins and refreshes of one connection across keyhop processes: refresh
//! tokens are single-use, and twenty starts that need a sign-in must open one browser, not
//! twenty.

use std::fs::File;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ConnectionId;
use super::oidc::Flow;
use crate::secrets::{SecretStore, Secrets, SecretsError};

/// The OIDC client keyhop registered for a connection (public client; the secret is the
/// registration's, not the user's, but it is kept like one).
#[derive(Clone, Debug)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: SecretString,
    pub expires_at: OffsetDateTime,
    pub flow: Flow,
}

/// A sign-in's tokens. `Debug` redacts them.
#[derive(Clone, Debug)]
pub struct Token {
    pub access_token: SecretString,
    pub expires_at: OffsetDateTime,
    pub refresh_token: Option<SecretString>,
    /// When the sign-in (or refresh) that made it finished.
    pub obtained_at: OffsetDateTime,
}

impl Token {
    /// Good for at least `margin` more?
    pub fn valid_for(&self, margin: time::Duration, now: OffsetDateTime) -> bool {
        self.expires_at - margin > now
    }
}

#[derive(Serialize, Deserialize)]
struct StoredRegistration {
    client_id: String,
    client_secret: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    flow: Flow,
}

#[derive(Serialize, Deserialize)]
struct StoredToken {
    access_token: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(with = "time::serde::rfc3339", default = "epoch")]
    obtained_at: OffsetDateTime,
}

fn epoch() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH
}

fn client_account(id: &ConnectionId) -> String {
    format!("{id}:client")
}
fn token_account(id: &ConnectionId) -> String {
    format!("{id}:token")
}

impl<S: SecretStore> Secrets<S> {
    pub fn sso_registration(&self, id: &ConnectionId) -> Result<Option<Registration>, SecretsError> {
        let Some(raw) = self.store().get(&client_account(id))? else {
            return Ok(None);
        };
        // A damaged registration is only a cache: register again.
        let Ok(r) = serde_json::from_str::<StoredRegistration>(&raw) else {
            return Ok(None);
        };
        Ok(Some(Registration {
            client_id: r.client_id,
            client_secret: r.client_secret.into(),
            expires_at: r.expires_at,
            flow: r.flow,
        }))
    }

    pub fn set_sso_registration(&self, id: &ConnectionId, r: &Registration) -> Result<(), SecretsError> {
        let raw = serde_json::to_string(&StoredRegistration {
            client_id: r.client_id.clone(),
            client_secret: r.client_secret.expose_secret().to_owned(),
            expires_at: r.expires_at,
            flow: r.flow,
        })
        .expect("a registration serialises");
        self.store().set(&client_account(id), &raw)
    }

    pub fn sso_token(&self, id: &ConnectionId) -> Result<Option<Token>, SecretsError> {
        let Some(raw) = self.store().get(&token_account(id))? else {
            return Ok(None);
        };
        let Ok(t) = serde_json::from_str::<StoredToken>(&raw) else {
            return Ok(None);
        };
        Ok(Some(Token {
            access_token: t.access_token.into(),
            expires_at: t.expires_at,
            refresh_token: t.refresh_token.map(Into::into),
            obtained_at: t.obtained_at,
        }))
    }

    pub fn set_sso_token(&self, id: &ConnectionId, t: &Token) -> Result<(), SecretsError> {
        let raw = serde_json::to_string(&StoredToken {
            access_token: t.access_token.expose_secret().to_owned(),
            expires_at: t.expires_at,
            refresh_token: t.refresh_token.as_ref().map(|r| r.expose_secret().to_owned()),
            obtained_at: t.obtained_at,
        })
        .expect("a token serialises");
        self.store().set(&token_account(id), &raw)
    }

    pub fn forget_sso_token(&self, id: &ConnectionId) -> Result<(), SecretsError> {
        self.store().delete(&token_account(id))
    }

    pub fn delete_sso(&self, id: &ConnectionId) -> Result<(), SecretsError> {
        self.store().delete(&token_account(id))?;
        self.store().delete(&client_account(id))
    }
}

/// Held while a process signs in to, or refreshes the token of, one connection.
pub struct ConnectionLock(#[allow(dead_code)] File);

impl ConnectionLock {
    pub fn acquire(state_dir: &Path, id: &ConnectionId) -> std::io::Result<Self> {
        crate::private_files::create_private_dir(state_dir)?;
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(state_dir.join(format!("{id}.lock")))?;
        f.lock()?;
        Ok(Self(f))
    }
}
