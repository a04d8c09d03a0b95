//! A rotation an earlier keyhop left half-done (see `rotate_journal`), dealt with by the next
//! `session rotate`. Which way it goes depends on the keyring: once the new key is there, the
//! old key's secret is gone and the only way is forward (prove the new key, retire the old);
//! while the old key is there, the new key never went into use and is deleted.

use time::{Duration, OffsetDateTime};

use super::Engine;
use super::rotate::{Resumed, RotateOutcome, is_gone, prove};
use super::rotate_journal::{PendingRotation, RotationStep};
use crate::error::{Error, Result};
use crate::iam;
use crate::rotate_error::RotateError;
use crate::secrets::{LongTermKeys, SecretStore};
use crate::session::Session;
use crate::validate::AccessKeyId;

/// A key IAM dates up to this long before the rotation started is still taken for the one it
/// made (this computer's clock against IAM's).
const CLOCK_SLACK: Duration = Duration::minutes(5);

pub(super) enum Resume {
    /// The interrupted rotation is now complete: it is this rotation.
    Finished(RotateOutcome),
    /// It was undone; a new rotation may run.
    Undone(Resumed),
}

impl<S: SecretStore> Engine<S> {
    pub(super) async fn resume(&self, s: &Session, p: PendingRotation) -> Result<Resume> {
        let alias = s.alias.to_string();
        let held = self
            .secrets
            .long_term(&s.id)?
            .ok_or_else(|| Error::MissingKeys(alias.clone()))?;
        let held_id = held.access_key_id.to_string();
        let old_key = AccessKeyId::parse(&p.old_key)
            .map_err(|_| RotateError::interrupted(&p, "its journal names no valid old key".into()))?;
        if p.new_key.as_deref() == Some(held_id.as_str()) {
            return self.finish(s, p, &held, &old_key).await.map(Resume::Finished);
        }
        if held_id != p.old_key {
            return Err(RotateError::interrupted(
                &p,
                format!("the keyring holds neither of them but {held_id}; check the keys in IAM"),
            )
            .into());
        }
        let new = match &p.new_key {
            Some(k) => Some(k.clone()),
            None => self.orphan(s, &p, &held).await?,
        };
        if let Some(k) = &new {
            let key = AccessKeyId::parse(k)
                .map_err(|_| RotateError::interrupted(&p, "its journal names no valid new key".into()))?;
            match iam::delete_access_key(&self.endpoints, &s.region, &held, &key).await {
                Ok(()) => {}
                Err(e) if is_gone(&e) => {}
                Err(source) => {
                    return Err(RotateError::Undo {
                        alias,
                        old: p.old_key,
                        new: k.clone(),
                        source,
                    }
                    .into());
                }
            }
        }
        tracing::info!(alias = %alias, old_access_key_id = %p.old_key, new_access_key_id = ?new, "undid an interrupted rotation");
        self.journal_done(&s.id);
        Ok(Resume::Undone(Resumed::Undone { old: p.old_key, new }))
    }

    /// The new key is in the keyring: prove it (unless that was done), retire the old one.
    async fn finish(
        &self,
        s: &Session,
        mut p: PendingRotation,
        new: &LongTermKeys,
        old_key: &AccessKeyId,
    ) -> Result<RotateOutcome> {
        let new_id = new.access_key_id.to_string();
        if p.step != RotationStep::Retiring {
            prove(&self.endpoints, &s.region, new)
                .await
                .map_err(|source| RotateError::ResumeProve {
                    alias: s.alias.to_string(),
                    old: p.old_key.clone(),
                    new: new_id.clone(),
                    source,
                })?;
        }
        p.step = RotationStep::Retiring;
        let created = p.new_key_created.unwrap_or(p.started);
        self.new_key_in_use(&p, &new_id, created);
        self.retire(s, new, old_key).await?;
        tracing::info!(alias = %s.alias, old_access_key_id = %p.old_key, new_access_key_id = %new_id, "finished an interrupted rotation");
        Ok(RotateOutcome {
            alias: s.alias.to_string(),
            old_key: p.old_key,
            new_key: new_id,
            created,
            resumed: Some(Resumed::Finished),
        })
    }

    /// The key CreateAccessKey made when keyhop did not live to hear its id: the user's one
    /// other key, created since the rotation started. `None`: IAM made none.
    async fn orphan(&self, s: &Session, p: &PendingRotation, old: &LongTermKeys) -> Result<Option<String>> {
        let keys = iam::list_access_keys(&self.endpoints, &s.region, old)
            .await
            .map_err(|e| RotateError::interrupted(p, format!("cannot list the user's access keys ({e})")))?;
        let since: OffsetDateTime = p.started - CLOCK_SLACK;
        let made: Vec<String> = keys
            .into_iter()
            .filter(|k| k.access_key_id != p.old_key && k.created >= since)
            .map(|k| k.access_key_id)
            .collect();
        match made.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            several => Err(RotateError::interrupted(
                p,
                format!(
                    "keyhop cannot tell which of {} is the one it made; delete the unused one in IAM",
                    several.join(", ")
                ),
            )
            .into()),
        }
    }
}
