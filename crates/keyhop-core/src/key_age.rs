//! How old each IAM user's access key is, cached in `$KEYHOP_HOME/key-ages.json` so that
//! `session list` and the tray ask IAM (ListAccessKeys) at most once a day per key. A creation
//! date is not a secret. The cache is its own file, not part of `state.json`: refreshing it must
//! not rewrite the state (nor its backup, nor wake the tray's watch), and losing it costs only a
//! new lookup.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::session::SessionId;
use crate::state::StateStore;

/// A cached creation date is asked of IAM again after this long (the key may have changed).
pub const RECHECK_AFTER: time::Duration = time::Duration::days(1);

/// What is known of one session's access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub access_key_id: String,
    /// `None`: IAM could not be asked (unreachable, not allowed); tried again after a day.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub checked: OffsetDateTime,
    /// The tray told the user this key is due for rotation (once per key).
    #[serde(default)]
    pub warned: bool,
}

impl KeyRecord {
    pub fn age_days(&self, now: OffsetDateTime) -> Option<i64> {
        self.created.map(|c| (now - c).whole_days().max(0))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAges {
    #[serde(default)]
    pub keys: BTreeMap<SessionId, KeyRecord>,
}

impl KeyAges {
    pub fn path(store: &StateStore) -> PathBuf {
        store.dir().join("key-ages.json")
    }

    /// The cache; missing or damaged means empty (it is only a cache: IAM is asked again).
    pub fn load(store: &StateStore) -> Self {
        std::fs::read_to_string(Self::path(store))
            .ok()
            .and_then(|raw| serde_json::from_str(&raw).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, store: &StateStore) -> std::io::Result<()> {
        let mut json = serde_json::to_string_pretty(self).expect("key ages serialise");
        json.push('\n');
        crate::private_files::create_private_dir(store.dir())?;
        crate::private_files::atomic_write(&Self::path(store), json.as_bytes())
    }

    /// Whether IAM should be asked about `id`'s key now.
    pub fn due(&self, id: &SessionId, now: OffsetDateTime) -> bool {
        self.keys.get(id).is_none_or(|r| now - r.checked >= RECHECK_AFTER)
    }

    pub fn age_days(&self, id: &SessionId, now: OffsetDateTime) -> Option<i64> {
        self.keys.get(id).and_then(|r| r.age_days(now))
    }

    /// The keys due for rotation that the user was not told about yet, marked as told now: one
    /// notification per key (a rotated key is a new record, so its turn comes again).
    pub fn take_warnings(&mut self, warn_days: u32, now: OffsetDateTime) -> Vec<(SessionId, i64)> {
        let mut out = vec![];
        for (id, r) in &mut self.keys {
            if let Some(days) = r.age_days(now)
                && is_old(days, warn_days)
                && !r.warned
            {
                r.warned = true;
                out.push((id.clone(), days));
            }
        }
        out
    }
}

/// Whether a key of `age_days` is due for rotation under a threshold of `warn_days`.
pub fn is_old(age_days: i64, warn_days: u32) -> bool {
    age_days >= i64::from(warn_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_recheck_and_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let store = StateStore::at(d.path());
        let now = OffsetDateTime::now_utc();
        let id = SessionId::from_string("s1");
        let mut ages = KeyAges::load(&store);
        assert!(ages.due(&id, now));
        ages.keys.insert(
            id.clone(),
            KeyRecord {
                access_key_id: "AKIAEXAMPLEEXAMPLE01".into(),
                created: Some(now - time::Duration::days(91) - time::Duration::hours(1)),
                checked: now - time::Duration::hours(23),
                warned: false,
            },
        );
        ages.save(&store).unwrap();
        let back = KeyAges::load(&store);
        assert_eq!(back.age_days(&id, now), Some(91));
        assert!(!back.due(&id, now));
        assert!(back.due(&id, now + time::Duration::hours(2)));
        assert!(is_old(91, 90) && is_old(90, 90) && !is_old(89, 90) && is_old(0, 0));
        let mut ages = back;
        assert_eq!(ages.take_warnings(100, now), vec![], "91 days is not past 100");
        assert_eq!(ages.take_warnings(90, now), vec![(id.clone(), 91)]);
        assert_eq!(ages.take_warnings(90, now), vec![], "told once per key");
        assert_eq!(
            ages.take_warnings(0, now),
            vec![],
            "a lower threshold does not tell again"
        );
        // A new key (rotation) is a new record: its turn comes when it is old.
        ages.keys.insert(
            id.clone(),
            KeyRecord {
                access_key_id: "AKIAEXAMPLEEXAMPLE02".into(),
                created: Some(now),
                checked: now,
                warned: false,
            },
        );
        assert_eq!(ages.take_warnings(90, now), vec![]);
        assert_eq!(
            ages.take_warnings(90, now + time::Duration::days(90)),
            vec![(id.clone(), 90)]
        );
        std::fs::write(KeyAges::path(&store), "{").unwrap();
        assert_eq!(KeyAges::load(&store), KeyAges::default());
    }
}
