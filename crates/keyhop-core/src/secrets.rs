//! Keyring items: a session's long-term keys and its cached STS credentials. Values are JSON
//! strings in the OS keyring (Secret Service, Keychain, Credential Manager) under service
//! `keyhop`, account `<session id>:<item>`. Nothing here is ever logged or put in an error.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::session::SessionId;
use crate::validate::{AccessKeyId, SecretAccessKey};

pub const SERVICE: &str = "keyhop";

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "the OS keyring is locked or unavailable ({0}); unlock it (e.g. log in to the desktop session) and try again"
    )]
    Unavailable(String),
    #[error("the keyring item {0} is damaged; remove and re-add the session")]
    Damaged(String),
}

/// The storage backend: the OS keyring in the product; an in-memory map in unit tests.
pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<String>, SecretsError>;
    fn set(&self, account: &str, value: &str) -> Result<(), SecretsError>;
    fn delete(&self, account: &str) -> Result<(), SecretsError>;
}

/// The OS keyring through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

fn unavailable(e: keyring::Error) -> SecretsError {
    // keyring's messages describe the platform failure, never the stored value.
    SecretsError::Unavailable(e.to_string())
}

impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<String>, SecretsError> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(unavailable)?;
        match entry.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(keyring::Error::BadEncoding(_)) => Err(SecretsError::Damaged(account.to_owned())),
            Err(e) => Err(unavailable(e)),
        }
    }
    fn set(&self, account: &str, value: &str) -> Result<(), SecretsError> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(unavailable)?;
        entry.set_password(value).map_err(unavailable)
    }
    fn delete(&self, account: &str) -> Result<(), SecretsError> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(unavailable)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// In-memory store for unit tests of code above the keyring.
#[derive(Debug, Default)]
pub struct MemoryStore(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, SecretsError> {
        Ok(self.0.lock().unwrap().get(account).cloned())
    }
    fn set(&self, account: &str, value: &str) -> Result<(), SecretsError> {
        self.0.lock().unwrap().insert(account.to_owned(), value.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), SecretsError> {
        self.0.lock().unwrap().remove(account);
        Ok(())
    }
}

/// An IAM user's long-term access key pair.
#[derive(Clone, Debug)]
pub struct LongTermKeys {
    pub access_key_id: AccessKeyId,
    pub secret_access_key: SecretAccessKey,
}

/// Short-lived credentials from STS. `Debug` redacts the secret parts.
#[derive(Clone, Debug)]
pub struct StsCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: SecretString,
    pub expiration: OffsetDateTime,
}

impl StsCredentials {
    /// Still usable for at least `margin`?
    pub fn valid_for(&self, margin: time::Duration, now: OffsetDateTime) -> bool {
        self.expiration - margin > now
    }
}

#[derive(Serialize, Deserialize)]
struct StoredKeys {
    access_key_id: String,
    secret_access_key: String,
}

#[derive(Serialize, Deserialize)]
struct StoredCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    #[serde(with = "time::serde::rfc3339")]
    expiration: OffsetDateTime,
}

/// Typed access to a session's keyring items.
pub struct Secrets<S: SecretStore> {
    store: S,
}

fn long_term_account(id: &SessionId) -> String {
    format!("{id}:long-term")
}
fn session_account(id: &SessionId) -> String {
    format!("{id}:session")
}

impl<S: SecretStore> Secrets<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub(crate) fn store(&self) -> &S {
        &self.store
    }

    /// Asks the keyring for an item that does not exist: it answers if it is reachable.
    pub fn probe(&self) -> Result<(), SecretsError> {
        self.store.get("keyhop-doctor-probe").map(|_| ())
    }

    pub fn long_term(&self, id: &SessionId) -> Result<Option<LongTermKeys>, SecretsError> {
        let account = long_term_account(id);
        let Some(raw) = self.store.get(&account)? else {
            return Ok(None);
        };
        let damaged = || SecretsError::Damaged(account.clone());
        let k: StoredKeys = serde_json::from_str(&raw).map_err(|_| damaged())?;
        Ok(Some(LongTermKeys {
            access_key_id: AccessKeyId::parse(&k.access_key_id).map_err(|_| damaged())?,
            secret_access_key: SecretAccessKey::parse(&k.secret_access_key).map_err(|_| damaged())?,
        }))
    }

    pub fn set_long_term(&self, id: &SessionId, keys: &LongTermKeys) -> Result<(), SecretsError> {
        let raw = serde_json::to_string(&StoredKeys {
            access_key_id: keys.access_key_id.to_string(),
            secret_access_key: keys.secret_access_key.expose().to_owned(),
        })
        .expect("keys serialise");
        self.store.set(&long_term_account(id), &raw)
    }

    pub fn cached(&self, id: &SessionId) -> Result<Option<StsCredentials>, SecretsError> {
        let account = session_account(id);
        let Some(raw) = self.store.get(&account)? else {
            return Ok(None);
        };
        // A damaged cache is only a cache: drop it and fetch new credentials.
        let Ok(c) = serde_json::from_str::<StoredCredentials>(&raw) else {
            return Ok(None);
        };
        Ok(Some(StsCredentials {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key.into(),
            session_token: c.session_token.into(),
            expiration: c.expiration,
        }))
    }

    pub fn set_cached(&self, id: &SessionId, c: &StsCredentials) -> Result<(), SecretsError> {
        let raw = serde_json::to_string(&StoredCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.expose_secret().to_owned(),
            session_token: c.session_token.expose_secret().to_owned(),
            expiration: c.expiration,
        })
        .expect("credentials serialise");
        self.store.set(&session_account(id), &raw)
    }

    pub fn forget_cached(&self, id: &SessionId) -> Result<(), SecretsError> {
        self.store.delete(&session_account(id))
    }

    pub fn delete_long_term(&self, id: &SessionId) -> Result<(), SecretsError> {
        self.store.delete(&long_term_account(id))
    }

    pub fn delete_all(&self, id: &SessionId) -> Result<(), SecretsError> {
        self.store.delete(&session_account(id))?;
        self.store.delete(&long_term_account(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_deletes() {
        let s = Secrets::new(MemoryStore::default());
        let id = SessionId::random();
        assert!(s.long_term(&id).unwrap().is_none());
        let keys = LongTermKeys {
            access_key_id: AccessKeyId::parse("AKIAIOSFODNN7EXAMPLE").unwrap(),
            secret_access_key: SecretAccessKey::parse("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").unwrap(),
        };
        s.set_long_term(&id, &keys).unwrap();
        let back = s.long_term(&id).unwrap().unwrap();
        assert_eq!(back.access_key_id, keys.access_key_id);
        assert_eq!(back.secret_access_key.expose(), keys.secret_access_key.expose());
        let creds = StsCredentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: "s".to_owned().into(),
            session_token: "tok-secret".to_owned().into(),
            expiration: OffsetDateTime::now_utc() + time::Duration::hours(1),
        };
        assert!(!format!("{creds:?}").contains("tok-secret"));
        s.set_cached(&id, &creds).unwrap();
        assert!(
            s.cached(&id)
                .unwrap()
                .unwrap()
                .valid_for(time::Duration::minutes(5), OffsetDateTime::now_utc())
        );
        s.delete_all(&id).unwrap();
        assert!(s.long_term(&id).unwrap().is_none() && s.cached(&id).unwrap().is_none());
    }
}
