//! `state.json`: the list of sessions and what is active. Versioned, written atomically under a
//! lock file, with the previous good copy kept as `state.json.bak`. A file keyhop cannot read is
//! never overwritten: every command refuses until the user repairs or moves it.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::private_files::{atomic_write, create_private_dir};
use crate::session::Session;

pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// IAM Identity Center connections (absent from files written before keyhop had them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sso_connections: Vec<crate::sso::SsoConnection>,
    /// Sessions the user pinned: on top of the tray menu however long it gets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pinned: Vec<crate::session::SessionId>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write state file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(
        "state file {path} is corrupt ({detail}); keyhop will not overwrite it. The last good copy is {backup}: restore it or move the broken file away"
    )]
    Corrupt {
        path: PathBuf,
        backup: PathBuf,
        detail: String,
    },
    #[error(
        "state file {path} has version {found}, but this keyhop understands version {STATE_VERSION}; upgrade keyhop"
    )]
    UnknownVersion { path: PathBuf, found: u64 },
    #[error("cannot find a home directory for keyhop's state; set KEYHOP_HOME")]
    NoHome,
}

/// Where the state lives and how to lock it.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
}

impl StateStore {
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$KEYHOP_HOME` when set, else the platform config dir (XDG on Linux).
    pub fn from_env() -> Result<Self, StateError> {
        if let Some(dir) = std::env::var_os("KEYHOP_HOME").filter(|d| !d.is_empty()) {
            return Ok(Self::at(dir));
        }
        let dirs = directories::ProjectDirs::from("", "", "keyhop").ok_or(StateError::NoHome)?;
        Ok(Self::at(dirs.config_dir()))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn path(&self) -> PathBuf {
        self.dir.join("state.json")
    }
    fn backup_path(&self) -> PathBuf {
        self.dir.join("state.json.bak")
    }

    fn lock(&self, exclusive: bool) -> Result<File, StateError> {
        let path = self.dir.join("state.lock");
        let write_err = |source| StateError::Write {
            path: path.clone(),
            source,
        };
        create_private_dir(&self.dir).map_err(write_err)?;
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(write_err)?;
        if exclusive { f.lock() } else { f.lock_shared() }.map_err(write_err)?;
        Ok(f)
    }

    /// A consistent snapshot (a shared lock keeps half-written states out; the rename makes
    /// that belt and braces).
    pub fn load(&self) -> Result<State, StateError> {
        let _lock = self.lock(false)?;
        self.read_unlocked().map(|(s, _)| s)
    }

    /// Runs `f` on the current state under the exclusive lock and saves what it leaves, if it
    /// changed anything. An error from `f` saves nothing.
    pub fn update<R, E>(&self, f: impl FnOnce(&mut State) -> Result<R, E>) -> Result<R, E>
    where
        E: From<StateError>,
    {
        let _lock = self.lock(true)?;
        let (mut state, raw) = self.read_unlocked()?;
        let before = state.clone();
        let out = f(&mut state)?;
        if state != before {
            self.write_unlocked(&state, raw.as_deref())?;
        }
        Ok(out)
    }

    fn read_unlocked(&self) -> Result<(State, Option<String>), StateError> {
        let path = self.path();
        let raw = match fs::read_to_string(&path) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((
                    State {
                        version: STATE_VERSION,
                        ..State::default()
                    },
                    None,
                ));
            }
            Err(source) => return Err(StateError::Read { path, source }),
        };
        let corrupt = |detail: String| StateError::Corrupt {
            path: path.clone(),
            backup: self.backup_path(),
            detail,
        };
        let value: serde_json::Value = serde_json::from_str(&raw).map_err(|e| corrupt(e.to_string()))?;
        let found = value
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| corrupt("no version field".into()))?;
        if found != u64::from(STATE_VERSION) {
            return Err(StateError::UnknownVersion { path, found });
        }
        let state: State = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
        Ok((state, Some(raw)))
    }

    fn write_unlocked(&self, state: &State, previous: Option<&str>) -> Result<(), StateError> {
        let path = self.path();
        let write_err = |source| StateError::Write {
            path: path.clone(),
            source,
        };
        if let Some(prev) = previous {
            // The previous content parsed, so it is the last good copy.
            atomic_write(&self.backup_path(), prev.as_bytes()).map_err(write_err)?;
        }
        let mut json = serde_json::to_string_pretty(state).expect("state serialises");
        json.push('\n');
        atomic_write(&path, json.as_bytes()).map_err(write_err)
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
