//! keyhop's edits of the AWS shared files (`~/.aws/credentials`, `~/.aws/config`).
//!
//! keyhop owns only the four credential keys of a profile and, while a
//! session runs, its `region`; everything else in both files is left
//! byte-for-byte as it was, and undoing a write restores the original bytes.

pub mod atomic;
pub mod ini;

#[cfg(test)]
mod atomic_tests;
#[cfg(test)]
mod ini_proptests;
#[cfg(test)]
mod ini_tests;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

pub use atomic::{EditOutcome, edit_file, read_file};
pub use ini::IniDoc;

/// The keys keyhop writes into a credentials profile, in write order.
pub const CREDENTIAL_KEYS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "x_security_token_expires",
];

const REGION_KEY: &str = "region";

/// Errors name the file and the OS error; never file contents or secrets.
#[derive(Debug, thiserror::Error)]
pub enum AwsFilesError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot create directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot lock {}: {source}", path.display())]
    Lock { path: PathBuf, source: io::Error },
    #[error("{} is not UTF-8 text; keyhop will not modify it (fix or move the file)", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("cannot resolve {}: too many levels of symbolic links", path.display())]
    SymlinkLoop { path: PathBuf },
    #[error("refusing to write {key} to {}: the value contains a line break", path.display())]
    InvalidValue { path: PathBuf, key: &'static str },
}

/// Locations of the two AWS shared files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFiles {
    pub credentials: PathBuf,
    pub config: PathBuf,
}

/// Credentials for one profile. No `Debug`: every field but the
/// expiration is secret or sensitive and must never reach a log.
pub struct ProfileCredentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: &'a str,
    pub expiration: &'a str,
}

/// A profile's `region` in the config file before keyhop set it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum RegionPrior {
    /// No `region` key (or no section): restoring removes it again.
    Absent,
    /// Already the requested region: nothing was written, nothing to undo.
    Same,
    /// Another region, to be put back.
    Other(String),
}

impl AwsFiles {
    /// `$AWS_SHARED_CREDENTIALS_FILE` / `$AWS_CONFIG_FILE` when set (a
    /// leading `~/` expanded with `home`), else `home/.aws/credentials` and
    /// `home/.aws/config`.
    pub fn from_env(home: &Path) -> Self {
        Self::from_vars(
            home,
            std::env::var_os("AWS_SHARED_CREDENTIALS_FILE"),
            std::env::var_os("AWS_CONFIG_FILE"),
        )
    }

    /// `from_env` without reading the environment, so tests need no `set_var`.
    fn from_vars(home: &Path, credentials: Option<OsString>, config: Option<OsString>) -> Self {
        let pick = |var: Option<OsString>, default: &str| match var {
            Some(v) if !v.is_empty() => expand_tilde(home, v),
            _ => home.join(".aws").join(default),
        };
        AwsFiles {
            credentials: pick(credentials, "credentials"),
            config: pick(config, "config"),
        }
    }

    pub fn credentials_has_profile(&self, profile: &str) -> Result<bool, AwsFilesError> {
        Ok(read_file(&self.credentials)?.is_some_and(|text| IniDoc::parse(&text).has_section(profile)))
    }

    /// Sets the four credential keys in `[profile]` of the credentials file
    /// (a new section gets them in `CREDENTIAL_KEYS` order).
    pub fn write_credentials(&self, profile: &str, c: &ProfileCredentials<'_>) -> Result<(), AwsFilesError> {
        let values = [c.access_key_id, c.secret_access_key, c.session_token, c.expiration];
        for (key, value) in CREDENTIAL_KEYS.into_iter().zip(values) {
            check_value(&self.credentials, key, value)?;
        }
        edit_file(&self.credentials, |text| {
            let mut doc = IniDoc::parse(text);
            for (key, value) in CREDENTIAL_KEYS.into_iter().zip(values) {
                doc.set(profile, key, value);
            }
            (Some(doc.render()), ())
        })?;
        tracing::info!(profile, path = %self.credentials.display(), "wrote credentials");
        Ok(())
    }

    /// Removes the four credential keys from `[profile]`, and the section if
    /// nothing else is left in it. A missing file or section is fine.
    pub fn remove_credentials(&self, profile: &str) -> Result<(), AwsFilesError> {
        let outcome = edit_file(&self.credentials, |text| {
            let mut doc = IniDoc::parse(text);
            let mut removed = false;
            for key in CREDENTIAL_KEYS {
                removed |= doc.remove(profile, key);
            }
            // Only a section we just emptied goes: a user's own empty
            // section is none of keyhop's business.
            if !removed {
                return (None, ());
            }
            doc.remove_section_if_empty(profile);
            (Some(doc.render()), ())
        })?;
        if outcome.written {
            tracing::info!(profile, path = %self.credentials.display(), "removed credentials");
        }
        Ok(())
    }

    /// Sets `region` for `profile` in the config file and returns what was
    /// there before, for `restore_region`.
    pub fn write_region(&self, profile: &str, region: &str) -> Result<RegionPrior, AwsFilesError> {
        check_value(&self.config, REGION_KEY, region)?;
        let section = config_section(profile);
        let outcome = edit_file(&self.config, |text| {
            let mut doc = IniDoc::parse(text);
            let prior = match doc.get(&section, REGION_KEY) {
                None => RegionPrior::Absent,
                Some(v) if v == region => return (None, RegionPrior::Same),
                Some(v) => RegionPrior::Other(v),
            };
            doc.set(&section, REGION_KEY, region);
            (Some(doc.render()), prior)
        })?;
        if outcome.written {
            tracing::info!(profile, region, path = %self.config.display(), "set region");
        }
        Ok(outcome.value)
    }

    /// Undoes `write_region`: `Absent` removes `region` (and the section if
    /// it is now empty), `Same` touches nothing, `Other(v)` sets `v` again.
    pub fn restore_region(&self, profile: &str, prior: &RegionPrior) -> Result<(), AwsFilesError> {
        let section = config_section(profile);
        match prior {
            RegionPrior::Same => return Ok(()),
            RegionPrior::Absent => {
                edit_file(&self.config, |text| {
                    let mut doc = IniDoc::parse(text);
                    if !doc.remove(&section, REGION_KEY) {
                        return (None, ());
                    }
                    doc.remove_section_if_empty(&section);
                    (Some(doc.render()), ())
                })?;
            }
            RegionPrior::Other(value) => {
                check_value(&self.config, REGION_KEY, value)?;
                edit_file(&self.config, |text| {
                    let mut doc = IniDoc::parse(text);
                    doc.set(&section, REGION_KEY, value);
                    (Some(doc.render()), ())
                })?;
            }
        }
        tracing::info!(profile, path = %self.config.display(), "restored region");
        Ok(())
    }
}

/// Values come from STS or the user; a line break would corrupt the file
/// (the INI layer panics on it), so refuse it with an error instead.
fn check_value(path: &Path, key: &'static str, value: &str) -> Result<(), AwsFilesError> {
    if value.contains(['\n', '\r']) {
        return Err(AwsFilesError::InvalidValue {
            path: path.to_owned(),
            key,
        });
    }
    Ok(())
}

/// The config file names profiles `[profile NAME]`, except `[default]`.
fn config_section(profile: &str) -> String {
    if profile == "default" {
        profile.to_owned()
    } else {
        format!("profile {profile}")
    }
}

/// Expands a leading `~` path component with `home`, as the AWS CLI does.
fn expand_tilde(home: &Path, value: OsString) -> PathBuf {
    if let Some(s) = value.to_str() {
        if s == "~" {
            return home.to_owned();
        }
        if let Some(rest) = s.strip_prefix('~')
            && let Some(sep) = rest.chars().next()
            && std::path::is_separator(sep)
        {
            return home.join(&rest[sep.len_utf8()..]);
        }
    }
    PathBuf::from(value)
}
