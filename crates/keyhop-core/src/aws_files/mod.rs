//! keyhop's edits of the AWS shared files (`~/.aws/credentials`, `~/.aws/config`).
//!
//! keyhop owns only the four credential keys of a profile and, while a
//! session runs, its `region`; everything else in both files is left
//! byte-for-byte as it was, and undoing a write restores the original bytes.
//!
//! Both files are read as botocore reads them (`botocore.rs`). A file botocore
//! refuses (the AWS CLI then fails on it too) is refused with the line at fault,
//! and every edit is checked against botocore's reading before it is written:
//! the profile changed as intended and no other section changed at all.

pub mod atomic;
mod botocore;
pub mod ini;
pub mod shadow;

#[cfg(test)]
mod atomic_tests;
#[cfg(test)]
mod botocore_tests;
#[cfg(test)]
mod ini_proptests;
#[cfg(test)]
mod ini_tests;
#[cfg(test)]
mod shadow_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

pub use atomic::{EditOptions, EditOutcome, FileWrite, ModeChange, backup_path, edit_file, read_file};
pub use ini::{IniDoc, IniProblem, IniValue, View};
pub use shadow::{Shadow, ShadowKey};

/// The credentials file holds secrets: after any write keyhop makes it 0600, as the AWS CLI
/// creates it, whatever mode it had.
const CREDENTIALS_OPTIONS: EditOptions = EditOptions {
    mode: Some(0o600),
    backup: true,
};
/// The config file holds no secret: its mode is the user's.
const CONFIG_OPTIONS: EditOptions = EditOptions {
    mode: None,
    backup: true,
};

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
    #[error("{} cannot be read by the AWS CLI either: {problem}; keyhop will not change it until that is fixed", path.display())]
    Unreadable { path: PathBuf, problem: IniProblem },
    #[error(
        "{} is read-only (mode {mode:04o}); keyhop will not change it. Make it writable (chmod u+w) if keyhop should manage profiles in it",
        path.display()
    )]
    ReadOnly { path: PathBuf, mode: u32 },
    #[error("{} is not a regular file (a directory?); keyhop cannot keep AWS profiles there: move it away", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot keep a backup copy at {}: {source}; nothing was changed", path.display())]
    Backup { path: PathBuf, source: io::Error },
    #[error(
        "keyhop could not change {} without also changing what the AWS CLI reads elsewhere in it (please report this as a keyhop bug); nothing was changed",
        path.display()
    )]
    UnsafeEdit { path: PathBuf },
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
    /// (a new section gets them in `CREDENTIAL_KEYS` order). The file ends up
    /// 0600; the report says whether its mode changed and whether a backup was made.
    ///
    /// The config file is checked first: a start writes both, and one refused only
    /// after the credentials were written would leave keys that no session owns.
    pub fn write_credentials(&self, profile: &str, c: &ProfileCredentials<'_>) -> Result<FileWrite, AwsFilesError> {
        let values = [c.access_key_id, c.secret_access_key, c.session_token, c.expiration];
        for (key, value) in CREDENTIAL_KEYS.into_iter().zip(values) {
            check_value(&self.credentials, key, value)?;
        }
        self.check_config()?;
        let set: Vec<(&str, &str)> = CREDENTIAL_KEYS.into_iter().zip(values).collect();
        let outcome = edit_file(&self.credentials, CREDENTIALS_OPTIONS, |text| {
            let mut file = Checked::parse(&self.credentials, text)?;
            for (key, value) in &set {
                file.doc.set(profile, key, value);
            }
            file.verify(profile, &set, &[])?;
            Ok((Some(file.doc.render()), ()))
        })?;
        tracing::info!(profile, path = %self.credentials.display(), "wrote credentials");
        Ok(outcome.write)
    }

    /// Removes the four credential keys from `[profile]`, and the section if
    /// nothing else is left in it. A missing file or section is fine.
    pub fn remove_credentials(&self, profile: &str) -> Result<FileWrite, AwsFilesError> {
        let outcome = edit_file(&self.credentials, CREDENTIALS_OPTIONS, |text| {
            let mut file = Checked::parse(&self.credentials, text)?;
            let mut removed = false;
            for key in CREDENTIAL_KEYS {
                removed |= file.doc.remove(profile, key);
            }
            // Only a section we just emptied goes: a user's own empty
            // section is none of keyhop's business.
            if !removed {
                return Ok((None, ()));
            }
            file.doc.remove_section_if_empty(profile);
            file.verify(profile, &[], &CREDENTIAL_KEYS)?;
            Ok((Some(file.doc.render()), ()))
        })?;
        if outcome.write.written {
            tracing::info!(profile, path = %self.credentials.display(), "removed credentials");
        }
        Ok(outcome.write)
    }

    /// Sets `region` for `profile` in the config file and returns what was
    /// there before, for `restore_region`.
    pub fn write_region(&self, profile: &str, region: &str) -> Result<RegionPrior, AwsFilesError> {
        self.write_region_reporting(profile, region).map(|(prior, _)| prior)
    }

    /// `write_region`, with the report of what the write did to the file (backup, …).
    ///
    /// The section is the one botocore takes for the profile: `[profile NAME]`,
    /// or an existing `[profile "NAME"]`/`[profile  NAME ]` (the last one, as botocore).
    pub fn write_region_reporting(
        &self,
        profile: &str,
        region: &str,
    ) -> Result<(RegionPrior, FileWrite), AwsFilesError> {
        check_value(&self.config, REGION_KEY, region)?;
        let outcome = edit_file(&self.config, CONFIG_OPTIONS, |text| {
            let mut file = Checked::parse(&self.config, text)?;
            let section = config_section_in(&file.doc, profile);
            let prior = match file.doc.get(&section, REGION_KEY) {
                None => RegionPrior::Absent,
                Some(v) if v == region => return Ok((None, RegionPrior::Same)),
                Some(v) => RegionPrior::Other(v),
            };
            file.doc.set(&section, REGION_KEY, region);
            file.verify(&section, &[(REGION_KEY, region)], &[])?;
            Ok((Some(file.doc.render()), prior))
        })?;
        if outcome.write.written {
            tracing::info!(profile, region, path = %self.config.display(), "set region");
        }
        Ok((outcome.value, outcome.write))
    }

    /// Undoes `write_region`: `Absent` removes `region` (and the section if
    /// it is now empty), `Same` touches nothing, `Other(v)` sets `v` again.
    pub fn restore_region(&self, profile: &str, prior: &RegionPrior) -> Result<FileWrite, AwsFilesError> {
        let outcome = match prior {
            RegionPrior::Same => return Ok(FileWrite::default()),
            RegionPrior::Absent => edit_file(&self.config, CONFIG_OPTIONS, |text| {
                let mut file = Checked::parse(&self.config, text)?;
                let section = config_section_in(&file.doc, profile);
                if !file.doc.remove(&section, REGION_KEY) {
                    return Ok((None, ()));
                }
                file.doc.remove_section_if_empty(&section);
                file.verify(&section, &[], &[REGION_KEY])?;
                Ok((Some(file.doc.render()), ()))
            })?,
            RegionPrior::Other(value) => {
                check_value(&self.config, REGION_KEY, value)?;
                edit_file(&self.config, CONFIG_OPTIONS, |text| {
                    let mut file = Checked::parse(&self.config, text)?;
                    let section = config_section_in(&file.doc, profile);
                    file.doc.set(&section, REGION_KEY, value);
                    file.verify(&section, &[(REGION_KEY, value.as_str())], &[])?;
                    Ok((Some(file.doc.render()), ()))
                })?
            }
        };
        tracing::info!(profile, path = %self.config.display(), "restored region");
        Ok(outcome.write)
    }

    /// Refuses a config file that `write_region` would refuse (not a file, not UTF-8, not
    /// readable by botocore), before anything is written.
    fn check_config(&self) -> Result<(), AwsFilesError> {
        if let Some(text) = read_file(&self.config)? {
            Checked::parse(&self.config, &text)?;
        }
        Ok(())
    }
}

/// A file botocore reads, with its reading before the edit.
struct Checked<'p> {
    path: &'p Path,
    doc: IniDoc,
    before: View,
    defaults: BTreeMap<String, IniValue>,
}

impl<'p> Checked<'p> {
    fn parse(path: &'p Path, text: &str) -> Result<Self, AwsFilesError> {
        let doc = IniDoc::parse(text);
        let (before, defaults) = doc
            .botocore_view_with_defaults()
            .map_err(|problem| AwsFilesError::Unreadable {
                path: path.to_owned(),
                problem,
            })?;
        Ok(Self {
            path,
            doc,
            before,
            defaults,
        })
    }

    /// Checks the edited document as botocore will read it: `section` has `set` and lost
    /// `removed` (or is gone, if nothing of its own is left) and every other section reads
    /// exactly as before. Anything else is a keyhop bug; refusing keeps the file intact.
    fn verify(&self, section: &str, set: &[(&str, &str)], removed: &[&str]) -> Result<(), AwsFilesError> {
        let unsafe_edit = || AwsFilesError::UnsafeEdit {
            path: self.path.to_owned(),
        };
        let after = self.doc.botocore_view().map_err(|_| unsafe_edit())?;
        let mut want = self
            .before
            .get(section)
            .cloned()
            .unwrap_or_else(|| self.defaults.clone());
        for (key, value) in set {
            want.insert(key.to_lowercase(), IniValue::Text((*value).to_owned()));
        }
        for key in removed {
            match self.defaults.get(*key) {
                Some(v) => want.insert((*key).to_owned(), v.clone()),
                None => want.remove(*key),
            };
        }
        let target_ok = match after.get(section) {
            Some(got) => *got == want,
            None => set.is_empty() && want == self.defaults,
        };
        let others_ok = self
            .before
            .keys()
            .chain(after.keys())
            .filter(|name| name.as_str() != section)
            .all(|name| self.before.get(name) == after.get(name));
        if target_ok && others_ok {
            Ok(())
        } else {
            tracing::error!(path = %self.path.display(), section, "an edit would have changed more than intended");
            Err(unsafe_edit())
        }
    }
}

/// The config-file section botocore takes for `profile`: the last one that `build_profile_map`
/// maps to it (`[profile NAME]`, `[profile "NAME"]`, …), else the one keyhop would create.
fn config_section_in(doc: &IniDoc, profile: &str) -> String {
    doc.sections()
        .into_iter()
        .rev()
        .find(|s| botocore::config_profile(s).as_deref() == Some(profile))
        .unwrap_or_else(|| config_section(profile))
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
