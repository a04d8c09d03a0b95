//! The age of IAM users' access keys: asked of IAM (ListAccessKeys) at most once a day per key,
//! all due sessions at once, within a time bound so that a slow IAM never holds up a listing.

use std::time::Duration;

use time::OffsetDateTime;

use super::Engine;
use crate::error::Result;
use crate::iam;
use crate::key_age::{KeyAges, KeyRecord};
use crate::kinds::SessionKind;
use crate::secrets::SecretStore;
use crate::session::SessionId;

impl<S: SecretStore> Engine<S> {
    /// The cached key ages (no IAM call).
    pub fn key_ages(&self) -> KeyAges {
        KeyAges::load(&self.store)
    }

    /// Asks IAM about every IAM user whose cached key age is missing or a day old, waiting at
    /// most `bound` for all of them together. What does not answer in time, or fails, keeps
    /// what was known and is asked again the next day; a listing never fails because of this.
    pub async fn check_key_ages(&self, bound: Duration) -> Result<()> {
        let st = self.store.load()?;
        let now = OffsetDateTime::now_utc();
        let ages = KeyAges::load(&self.store);
        let mut calls = tokio::task::JoinSet::new();
        // Every session asked counts as checked today, answered or not: a slow or refusing IAM
        // costs one wait a day, not one per listing.
        let mut asked: Vec<(SessionId, String)> = vec![];
        for s in &st.sessions {
            if !matches!(s.kind, SessionKind::IamUser(_)) || !ages.due(&s.id, now) {
                continue;
            }
            let keys = match self.secrets.long_term(&s.id) {
                Ok(Some(k)) => k,
                Ok(None) => continue,
                Err(e) => {
                    // A locked keyring: no ages this time, and no unlock prompt per session.
                    tracing::info!(error = %e, "key ages not checked: the keyring is unavailable");
                    return Ok(());
                }
            };
            asked.push((s.id.clone(), keys.access_key_id.to_string()));
            let (endpoints, region, id) = (self.endpoints.clone(), s.region.clone(), s.id.clone());
            calls.spawn(async move {
                let found = iam::list_access_keys(&endpoints, &region, &keys).await;
                (id, keys.access_key_id.to_string(), found)
            });
        }
        if calls.is_empty() {
            return Ok(());
        }
        let deadline = tokio::time::Instant::now() + bound;
        let mut answers: std::collections::HashMap<SessionId, OffsetDateTime> = std::collections::HashMap::new();
        loop {
            match tokio::time::timeout_at(deadline, calls.join_next()).await {
                Ok(Some(Ok((id, key_id, found)))) => match found {
                    Ok(list) => {
                        if let Some(k) = list.into_iter().find(|k| k.access_key_id == key_id) {
                            answers.insert(id, k.created);
                        }
                    }
                    Err(e) => tracing::info!(error = %e, access_key_id = %key_id, "cannot read the access key's age"),
                },
                Ok(Some(Err(_))) => {}
                Ok(None) => break,
                Err(_) => {
                    tracing::info!(
                        bound_ms = bound.as_millis(),
                        "IAM did not answer in time; key ages stay as cached"
                    );
                    break;
                }
            }
        }
        // Re-read just before writing: another keyhop may have saved meanwhile.
        let mut ages = KeyAges::load(&self.store);
        for (id, key_id) in asked {
            let prev = ages.keys.get(&id).filter(|r| r.access_key_id == key_id);
            let record = KeyRecord {
                created: answers.get(&id).copied().or_else(|| prev.and_then(|r| r.created)),
                warned: prev.is_some_and(|r| r.warned),
                access_key_id: key_id,
                checked: now,
            };
            ages.keys.insert(id, record);
        }
        ages.keys.retain(|id, _| st.sessions.iter().any(|s| &s.id == id));
        if let Err(e) = ages.save(&self.store) {
            tracing::warn!(error = %e, "cannot save the key ages");
        }
        Ok(())
    }

    /// The keys past `warn_days` the user has not been told about, recorded as told (the tray
    /// notifies once per key, also across restarts).
    pub fn take_key_age_warnings(&self, warn_days: u32) -> Vec<(SessionId, i64)> {
        let mut ages = KeyAges::load(&self.store);
        let out = ages.take_warnings(warn_days, OffsetDateTime::now_utc());
        if !out.is_empty()
            && let Err(e) = ages.save(&self.store)
        {
            tracing::warn!(error = %e, "cannot save the key ages");
        }
        out
    }

    /// Forgets what is known of `id`'s key (its keys changed, or it is gone).
    pub(crate) fn forget_key_age(&self, id: &SessionId) {
        let mut ages = KeyAges::load(&self.store);
        if ages.keys.remove(id).is_some()
            && let Err(e) = ages.save(&self.store)
        {
            tracing::warn!(error = %e, "cannot save the key ages");
        }
    }

    pub(crate) fn record_key_age(&self, id: &SessionId, key_id: &str, created: OffsetDateTime) {
        let mut ages = KeyAges::load(&self.store);
        ages.keys.insert(
            id.clone(),
            KeyRecord {
                access_key_id: key_id.to_owned(),
                created: Some(created),
                checked: OffsetDateTime::now_utc(),
                warned: false,
            },
        );
        if let Err(e) = ages.save(&self.store) {
            tracing::warn!(error = %e, "cannot save the key ages");
        }
    }
}
