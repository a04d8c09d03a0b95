//! The user's preferences (`$KEYHOP_HOME/settings.json`): small, non-secret, read by the tray.
//! A missing file means defaults; a damaged one is reported, never silently replaced.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::schedule::Timing;
use crate::state::StateStore;
use crate::validate::{Region, SessionDuration};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub start_at_login: bool,
    /// Warn this many minutes before credentials that need a new MFA code expire.
    pub notify_lead_minutes: u32,
    /// Refresh this many minutes before credentials expire.
    pub refresh_margin_minutes: u32,
    pub default_region: Region,
    pub default_duration: SessionDuration,
    pub stop_all_on_quit: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            start_at_login: false,
            notify_lead_minutes: 10,
            refresh_margin_minutes: 5,
            default_region: Region::parse("us-east-1").expect("a known region"),
            default_duration: SessionDuration::DEFAULT,
            stop_all_on_quit: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("settings file {path} is damaged ({detail}); fix or delete it")]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot write settings file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    pub fn timing(&self) -> Timing {
        Timing {
            refresh_margin: time::Duration::minutes(self.refresh_margin_minutes.into()),
            notify_lead: time::Duration::minutes(self.notify_lead_minutes.into()),
        }
    }

    /// Ranges that keep the scheduler sane.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(1..=120).contains(&self.notify_lead_minutes) {
            return Err(SettingsError::Invalid(
                "notification lead time must be 1 to 120 minutes".into(),
            ));
        }
        if !(1..=30).contains(&self.refresh_margin_minutes) {
            return Err(SettingsError::Invalid("refresh margin must be 1 to 30 minutes".into()));
        }
        Ok(())
    }

    pub fn path(store: &StateStore) -> PathBuf {
        store.dir().join("settings.json")
    }

    pub fn load(store: &StateStore) -> Result<Self, SettingsError> {
        let path = Self::path(store);
        match std::fs::read_to_string(&path) {
            Ok(raw) => serde_json::from_str(&raw).map_err(|e| SettingsError::Corrupt {
                path,
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(SettingsError::Read { path, source }),
        }
    }

    pub fn save(&self, store: &StateStore) -> Result<(), SettingsError> {
        self.validate()?;
        let path = Self::path(store);
        let mut json = serde_json::to_string_pretty(self).expect("settings serialise");
        json.push('\n');
        crate::state::create_private_dir(store.dir())
            .and_then(|()| crate::state::atomic_write(&path, json.as_bytes()))
            .map_err(|source| SettingsError::Write { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_missing_round_trip_and_refuse_damage() {
        let d = tempfile::tempdir().unwrap();
        let store = StateStore::at(d.path());
        assert_eq!(Settings::load(&store).unwrap(), Settings::default());
        let s = Settings {
            notify_lead_minutes: 3,
            stop_all_on_quit: false,
            ..Settings::default()
        };
        s.save(&store).unwrap();
        assert_eq!(Settings::load(&store).unwrap(), s);
        assert_eq!(s.timing().notify_lead, time::Duration::minutes(3));
        std::fs::write(Settings::path(&store), "{").unwrap();
        assert!(Settings::load(&store).unwrap_err().to_string().contains("damaged"));
        assert!(
            Settings {
                refresh_margin_minutes: 0,
                ..Settings::default()
            }
            .save(&store)
            .is_err()
        );
        // Older files without newer fields still load.
        std::fs::write(Settings::path(&store), r#"{"start_at_login": true}"#).unwrap();
        assert!(Settings::load(&store).unwrap().start_at_login);
    }
}
