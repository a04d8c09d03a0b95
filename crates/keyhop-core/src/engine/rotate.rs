//! `session rotate`: a new access key for an IAM user, in the order that never leaves the user
//! without a working key in the keyring: create the new key (signed by the old), store it,
//! prove it (GetCallerIdentity), then deactivate and delete the old key (signed by the new).
//! Each failure undoes what it can and says where each key is. Key ids are not secrets; the
//! secrets never leave the keyring and the SDK.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Engine, by_id};
use crate::error::{Error, Result};
use crate::iam;
use crate::kinds::SessionKind;
use crate::rotate_error::{NewKeyFate, OldKeyring, RotateError};
use crate::secrets::{LongTermKeys, SecretStore};
use crate::session::SessionId;
use crate::sts::{self, StsError};

/// A new key can take a few seconds to work everywhere in AWS: GetCallerIdentity is retried
/// while STS calls it invalid, this long at most.
const PROPAGATION: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct RotateOutcome {
    pub alias: String,
    pub old_key: String,
    pub new_key: String,
    pub created: OffsetDateTime,
}

impl<S: SecretStore> Engine<S> {
    pub async fn rotate(&self, id: &SessionId) -> Result<RotateOutcome> {
        let s = by_id(&self.store.load()?.sessions, id)?.clone();
        let alias = s.alias.to_string();
        if !matches!(s.kind, SessionKind::IamUser(_)) {
            return Err(RotateError::NotIamUser(alias).into());
        }
        let old = self
            .secrets
            .long_term(id)?
            .ok_or_else(|| Error::MissingKeys(alias.clone()))?;
        let old_id = old.access_key_id.to_string();
        let (ep, region) = (&self.endpoints, &s.region);

        let (new, created) = iam::create_access_key(ep, region, &old)
            .await
            .map_err(|source| RotateError::Create {
                alias: alias.clone(),
                old: old_id.clone(),
                source,
            })?;
        let new_id = new.access_key_id.to_string();
        // Undoing the new key is signed by the old one, which still works at that point.
        let discard_new = || async {
            match iam::delete_access_key(ep, region, &old, &new.access_key_id).await {
                Ok(()) => NewKeyFate::Deleted,
                Err(e) => NewKeyFate::Left(e),
            }
        };

        if let Err(source) = self.secrets.set_long_term(id, &new) {
            return Err(RotateError::Store {
                alias,
                old: old_id,
                new: new_id,
                source,
                fate: discard_new().await,
            }
            .into());
        }

        if let Err(source) = prove(ep, region, &new).await {
            let keyring = match self.secrets.set_long_term(id, &old) {
                Ok(()) => OldKeyring::Restored,
                Err(e) => OldKeyring::NotRestored(e),
            };
            return Err(RotateError::Prove {
                alias,
                old: old_id,
                new: new_id,
                source,
                fate: discard_new().await,
                keyring,
            }
            .into());
        }
        // From here the new key is the working one; the next start gets a token with it (an
        // active session keeps its credentials until they expire).
        self.record_key_age(id, &new_id, created);
        if let Err(e) = self.secrets.forget_cached(id) {
            tracing::warn!(error = %e, "cannot forget the session token of the old key");
        }

        iam::deactivate_access_key(ep, region, &new, &old.access_key_id)
            .await
            .map_err(|source| RotateError::Deactivate {
                alias: alias.clone(),
                old: old_id.clone(),
                new: new_id.clone(),
                source,
            })?;
        iam::delete_access_key(ep, region, &new, &old.access_key_id)
            .await
            .map_err(|source| RotateError::Delete {
                alias: alias.clone(),
                old: old_id.clone(),
                new: new_id.clone(),
                source,
            })?;
        tracing::info!(alias = %alias, old_access_key_id = %old_id, new_access_key_id = %new_id, "access key rotated");
        Ok(RotateOutcome {
            alias,
            old_key: old_id,
            new_key: new_id,
            created,
        })
    }
}

/// GetCallerIdentity with the new key, retried while STS does not know it yet.
async fn prove(
    ep: &crate::endpoints::Endpoints,
    region: &crate::validate::Region,
    keys: &LongTermKeys,
) -> Result<(), StsError> {
    let started = tokio::time::Instant::now();
    let mut wait = Duration::from_millis(500);
    loop {
        match sts::get_caller_identity(ep, region, keys).await {
            Ok(_) => return Ok(()),
            Err(StsError::InvalidClientToken) if started.elapsed() + wait < PROPAGATION => {
                tracing::info!(
                    wait_ms = wait.as_millis(),
                    "the new key is not known to STS yet; retrying"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(4));
            }
            Err(e) => return Err(e),
        }
    }
}
