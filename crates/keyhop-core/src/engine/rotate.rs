//! `session rotate`: a new access key for an IAM user, in the order that never leaves the user
//! without a working key in the keyring: create the new key (signed by the old), store it,
//! prove it (GetCallerIdentity), then deactivate and delete the old key (signed by the new).
//! Each failure undoes what it can and says where each key is. Key ids are not secrets; the
//! secrets never leave the keyring and the SDK.

use std::time::Duration;

use time::OffsetDateTime;

use super::rotate_journal::{self as journal, PendingRotation, RotationStep};
use super::rotate_resume::Resume;
use super::{Engine, by_id};
use crate::error::{Error, Result};
use crate::iam::{self, IamError};
use crate::kinds::SessionKind;
use crate::rotate_error::{NewKeyFate, OldKeyring, RotateError};
use crate::secrets::{LongTermKeys, SecretStore};
use crate::session::{Session, SessionId};
use crate::sts::{self, StsError};
use crate::validate::AccessKeyId;

/// A new key can take a few seconds to work everywhere in AWS: GetCallerIdentity is retried
/// while STS calls it invalid, this long at most.
const PROPAGATION: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct RotateOutcome {
    pub alias: String,
    pub old_key: String,
    pub new_key: String,
    pub created: OffsetDateTime,
    /// What this rotate did about one an earlier keyhop left half-done.
    pub resumed: Option<Resumed>,
}

/// A rotation an earlier keyhop left half-done, dealt with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resumed {
    /// Its new key had reached the keyring: it was finished (the outcome's keys are its keys;
    /// no other key was made).
    Finished,
    /// Its new key never reached the keyring: that key (if IAM had made one) was deleted, then
    /// a new rotation ran.
    Undone { old: String, new: Option<String> },
}

impl RotateError {
    pub(super) fn interrupted(p: &PendingRotation, detail: String) -> Self {
        RotateError::Interrupted {
            alias: p.alias.clone(),
            old: p.old_key.clone(),
            new: p.new_key.clone().unwrap_or_else(|| "(not known)".into()),
            detail,
        }
    }
}

/// IAM says the key does not exist (any more).
pub(super) fn is_gone(e: &IamError) -> bool {
    matches!(e, IamError::Refused { code, .. } if code == "NoSuchEntity")
}

impl<S: SecretStore> Engine<S> {
    /// Rotates the session's access key. A rotation an earlier keyhop left half-done (killed,
    /// or a step IAM refused) is dealt with first: finished when the new key reached the
    /// keyring (then that is this rotation), undone when it did not (then a new one runs).
    pub async fn rotate(&self, id: &SessionId) -> Result<RotateOutcome> {
        let s = by_id(&self.store.load()?.sessions, id)?.clone();
        if !matches!(s.kind, SessionKind::IamUser(_)) {
            return Err(RotateError::NotIamUser(s.alias.to_string()).into());
        }
        let mut resumed = None;
        if let Some(p) = journal::pending_rotation(&self.store, id)? {
            match self.resume(&s, p).await? {
                Resume::Finished(outcome) => return Ok(outcome),
                Resume::Undone(r) => resumed = Some(r),
            }
        }
        let mut out = self.rotate_now(&s).await?;
        out.resumed = resumed;
        Ok(out)
    }

    async fn rotate_now(&self, s: &Session) -> Result<RotateOutcome> {
        let (id, alias) = (&s.id, s.alias.to_string());
        let old = self
            .secrets
            .long_term(id)?
            .ok_or_else(|| Error::MissingKeys(alias.clone()))?;
        let old_id = old.access_key_id.to_string();
        let (ep, region) = (&self.endpoints, &s.region);
        let (new, created, mut entry) = self.create(s, &old).await?;
        let new_id = new.access_key_id.to_string();
        // Undoing the new key is signed by the old one, which still works at that point.
        let discard_new = || async {
            match iam::delete_access_key(ep, region, &old, &new.access_key_id).await {
                Ok(()) => {
                    self.journal_done(id);
                    NewKeyFate::Deleted
                }
                Err(e) => NewKeyFate::Left(e),
            }
        };
        if let Err(e) = journal::record(&self.store, &entry) {
            let fate = discard_new().await;
            return Err(RotateError::Journal {
                alias,
                old: old_id,
                new: new_id,
                source: e,
                fate,
            }
            .into());
        }

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
        entry.step = RotationStep::Retiring;
        self.new_key_in_use(&entry, &new_id, created);
        self.retire(s, &new, &old.access_key_id).await?;
        tracing::info!(alias = %alias, old_access_key_id = %old_id, new_access_key_id = %new_id, "access key rotated");
        Ok(RotateOutcome {
            alias,
            old_key: old_id,
            new_key: new_id,
            created,
            resumed: None,
        })
    }

    /// Notes the rotation in its journal, then creates the new key (signed by the old one).
    /// The journal is written before every step a kill could cut in two, and cleared once
    /// nothing is left to do.
    async fn create(&self, s: &Session, old: &LongTermKeys) -> Result<(LongTermKeys, OffsetDateTime, PendingRotation)> {
        let mut entry = PendingRotation {
            session: s.id.clone(),
            alias: s.alias.to_string(),
            old_key: old.access_key_id.to_string(),
            new_key: None,
            new_key_created: None,
            started: OffsetDateTime::now_utc(),
            step: RotationStep::Creating,
        };
        journal::record(&self.store, &entry)?;
        match iam::create_access_key(&self.endpoints, &s.region, old).await {
            Ok((new, created)) => {
                entry.new_key = Some(new.access_key_id.to_string());
                entry.new_key_created = Some(created);
                entry.step = RotationStep::Created;
                Ok((new, created, entry))
            }
            Err(source) => {
                // Refused: IAM made no key. Otherwise one may exist: the next rotate looks.
                if matches!(source, IamError::Refused { .. }) {
                    self.journal_done(&s.id);
                }
                Err(RotateError::Create {
                    alias: entry.alias,
                    old: entry.old_key,
                    source,
                }
                .into())
            }
        }
    }

    /// From here the new key is the working one; the next start gets a token with it (an
    /// active session keeps its credentials until they expire).
    pub(super) fn new_key_in_use(&self, entry: &PendingRotation, new_id: &str, created: OffsetDateTime) {
        if let Err(e) = journal::record(&self.store, entry) {
            tracing::warn!(error = %e, "cannot note the rotation's last step in its journal");
        }
        self.record_key_age(&entry.session, new_id, created);
        if let Err(e) = self.secrets.forget_cached(&entry.session) {
            tracing::warn!(error = %e, "cannot forget the session token of the old key");
        }
    }

    /// Deactivates, then deletes the old key, signed by the new one. A key already inactive or
    /// gone (an earlier attempt got that far) is fine.
    pub(super) async fn retire(&self, s: &Session, new: &LongTermKeys, old_key: &AccessKeyId) -> Result<()> {
        let (ep, region) = (&self.endpoints, &s.region);
        let (alias, new_id) = (s.alias.to_string(), new.access_key_id.to_string());
        let old_id = old_key.to_string();
        match iam::deactivate_access_key(ep, region, new, old_key).await {
            Ok(()) => {}
            Err(e) if is_gone(&e) => {}
            Err(source) => {
                return Err(RotateError::Deactivate {
                    alias,
                    old: old_id.clone(),
                    new: new_id,
                    source,
                }
                .into());
            }
        }
        match iam::delete_access_key(ep, region, new, old_key).await {
            Ok(()) => {}
            Err(e) if is_gone(&e) => {}
            Err(source) => {
                return Err(RotateError::Delete {
                    alias,
                    old: old_id.clone(),
                    new: new_id,
                    source,
                }
                .into());
            }
        }
        self.journal_done(&s.id);
        Ok(())
    }

    /// The rotation left nothing to do. A journal that cannot be cleared only makes the next
    /// rotate look again (and find nothing to do).
    pub(super) fn journal_done(&self, id: &SessionId) {
        if let Err(e) = journal::clear(&self.store, id) {
            tracing::warn!(error = %e, "cannot clear the rotation journal");
        }
    }
}

/// GetCallerIdentity with the new key, retried while STS does not know it yet.
pub(super) async fn prove(
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
