//! The user's preferences (`$KEYHOP_HOME/settings.json`): small, non-secret, read by the tray.
//! A missing file means defaults; a damaged one is reported, never silently replaced. Start at
//! login is not kept here: the system's autostart entry is its only record, so the CLI and the
//! Settings window can never disagree about it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use time::Duration;

use crate::state::StateStore;
use crate::validate::{Region, SessionDuration};

/// When the tray acts before an expiry (`schedule` reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Refresh this long before the credentials expire.
    pub refresh_margin: Duration,
    /// Warn this long before credentials that need a new MFA code expire.
    pub notify_lead: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            refresh_margin: Duration::minutes(5),
            notify_lead: Duration::minutes(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Warn this many minutes before credentials that need a new MFA code expire.
    pub notify_lead_minutes: u32,
    /// Refresh this many minutes before credentials expire.
    pub refresh_margin_minutes: u32,
    pub default_region: Region,
    pub default_duration: SessionDuration,
    pub stop_all_on_quit: bool,
    /// An IAM user's access key this many days old or older is due for rotation (⚠ in the
    /// tray, `session list`, one notification).
    pub key_age_warn_days: u32,
    /// The windows' light or dark look; `system` follows the desktop's preference.
    pub appearance: Appearance,
}

/// Light or dark windows: the system's preference, or one of them always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Appearance {
    #[default]
    System,
    Light,
    Dark,
}

impl Appearance {
    pub const ALL: [Appearance; 3] = [Appearance::System, Appearance::Light, Appearance::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Appearance::System => "system",
            Appearance::Light => "light",
            Appearance::Dark => "dark",
        }
    }

    pub fn parse(v: &str) -> Result<Appearance, SettingsError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(v.trim()))
            .ok_or_else(|| {
                SettingsError::Invalid(format!(
                    "appearance must be system, light or dark, not {:?}",
                    v.chars().take(20).collect::<String>()
                ))
            })
    }

    /// Whether windows are dark, given what the system prefers.
    pub fn is_dark(self, system_prefers_dark: bool) -> bool {
        match self {
            Appearance::System => system_prefers_dark,
            Appearance::Light => false,
            Appearance::Dark => true,
        }
    }
}

impl std::fmt::Display for Appearance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Appearance::System => "Same as the system",
            Appearance::Light => "Light",
            Appearance::Dark => "Dark",
        })
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            notify_lead_minutes: 10,
            refresh_margin_minutes: 5,
            default_region: Region::parse("us-east-1").expect("a known region"),
            default_duration: SessionDuration::DEFAULT,
            stop_all_on_quit: true,
            key_age_warn_days: 90,
            appearance: Appearance::System,
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
        if self.key_age_warn_days > 3650 {
            return Err(SettingsError::Invalid("key age warning must be 0 to 3650 days".into()));
        }
        Ok(())
    }

    /// The keys of `keyhop settings get|set`, in the order `list` shows them.
    pub const KEYS: [&'static str; 7] = [
        "notify-lead-minutes",
        "refresh-margin-minutes",
        "default-region",
        "default-duration-seconds",
        "stop-all-on-quit",
        "key-age-warn-days",
        "appearance",
    ];

    fn unknown(key: &str) -> SettingsError {
        SettingsError::Invalid(format!(
            "no setting named {:?}; the settings are: start-at-login, {}",
            key.chars().take(40).collect::<String>(),
            Self::KEYS.join(", ")
        ))
    }

    /// One setting, as JSON.
    pub fn get(&self, key: &str) -> Result<serde_json::Value, SettingsError> {
        use serde_json::json;
        Ok(match key {
            "notify-lead-minutes" => json!(self.notify_lead_minutes),
            "refresh-margin-minutes" => json!(self.refresh_margin_minutes),
            "default-region" => json!(self.default_region.as_str()),
            "default-duration-seconds" => json!(self.default_duration.secs()),
            "stop-all-on-quit" => json!(self.stop_all_on_quit),
            "key-age-warn-days" => json!(self.key_age_warn_days),
            "appearance" => json!(self.appearance.as_str()),
            other => return Err(Self::unknown(other)),
        })
    }

    /// Changes one setting from its text form, checked like the Settings window checks it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        let v = value.trim();
        let number = |what: &str| {
            v.parse::<u32>()
                .map_err(|_| SettingsError::Invalid(format!("{what} must be a whole number")))
        };
        match key {
            "notify-lead-minutes" => self.notify_lead_minutes = number("notify-lead-minutes")?,
            "refresh-margin-minutes" => self.refresh_margin_minutes = number("refresh-margin-minutes")?,
            "default-region" => {
                self.default_region = Region::parse(v).map_err(|e| SettingsError::Invalid(e.to_string()))?;
            }
            "default-duration-seconds" => {
                self.default_duration = SessionDuration::from_secs(u64::from(number("default-duration-seconds")?))
                    .map_err(|e| SettingsError::Invalid(e.to_string()))?;
            }
            "stop-all-on-quit" => self.stop_all_on_quit = parse_bool(v)?,
            "key-age-warn-days" => self.key_age_warn_days = number("key-age-warn-days")?,
            "appearance" => self.appearance = Appearance::parse(v)?,
            other => return Err(Self::unknown(other)),
        }
        self.validate()
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
        crate::private_files::create_private_dir(store.dir())
            .and_then(|()| crate::private_files::atomic_write(&path, json.as_bytes()))
            .map_err(|source| SettingsError::Write { path, source })
    }
}

/// `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`.
pub fn parse_bool(v: &str) -> Result<bool, SettingsError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(SettingsError::Invalid(format!(
            "expected true or false, not {:?}",
            v.chars().take(20).collect::<String>()
        ))),
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
        // Older files, with fields no longer kept here, still load.
        std::fs::write(
            Settings::path(&store),
            r#"{"start_at_login": true, "notify_lead_minutes": 7}"#,
        )
        .unwrap();
        assert_eq!(Settings::load(&store).unwrap().notify_lead_minutes, 7);
        assert_eq!(
            Settings::load(&store).unwrap().appearance,
            Appearance::System,
            "older files: system"
        );
        std::fs::write(Settings::path(&store), r#"{"appearance": "dark"}"#).unwrap();
        assert_eq!(Settings::load(&store).unwrap().appearance, Appearance::Dark);
    }

    #[test]
    fn every_key_gets_and_sets_with_the_windows_checks() {
        let mut s = Settings::default();
        for key in Settings::KEYS {
            let shown = s.get(key).unwrap();
            let text = shown.as_str().map_or_else(|| shown.to_string(), str::to_owned);
            s.set(key, &text).unwrap();
            assert_eq!(s.get(key).unwrap(), shown, "{key} round-trips");
        }
        s.set("default-region", "eu-west-3").unwrap();
        assert_eq!(s.default_region.as_str(), "eu-west-3");
        s.set("stop-all-on-quit", "no").unwrap();
        assert!(!s.stop_all_on_quit);
        s.set("appearance", "Dark").unwrap();
        assert_eq!(s.appearance, Appearance::Dark);
        assert!(s.appearance.is_dark(false) && !Appearance::Light.is_dark(true) && Appearance::System.is_dark(true));
        for (key, bad) in [
            ("refresh-margin-minutes", "0"),
            ("notify-lead-minutes", "soon"),
            ("default-region", "mars-1"),
            ("default-duration-seconds", "60"),
            ("stop-all-on-quit", "maybe"),
            ("key-age-warn-days", "4000"),
            ("key-age-warn-days", "-1"),
            ("appearance", "purple"),
        ] {
            let before = s.clone();
            assert!(s.set(key, bad).is_err(), "{key}={bad}");
            s = before;
        }
        assert!(s.get("nonsense").unwrap_err().to_string().contains("start-at-login"));
    }
}
